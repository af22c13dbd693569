#!/usr/bin/env bash
# Brings up muc-kick on this machine: roomd, the FastCGI responder and nginx on 127.0.0.1, with a demo
# room and occupant, then prints a curl command that kicks. Installs or upgrades what it needs (Debian
# packages) and builds first. Everything runs from a private directory (mode 0700, refused if another
# user owns it or it is a symlink): $MUC_KICK_LOCAL_DIR, else $XDG_RUNTIME_DIR/muc-kick-local, else
# /tmp/muc-kick-local-$UID. Run as root, roomd and the responder run as `nobody` in a subdirectory
# `daemons/` that only nobody may enter (their state, sockets and configuration), while pid files, logs
# and nginx's files stay root's; nginx's workers run as root so that they reach the 0660 socket.
#
#   deploy/run-local.sh          start (restarts a previous local run)
#   deploy/run-local.sh stop     stop it
#
# A build or start that fails prints the compiler's or the daemon's own error and exits non-zero.
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
uid=$(id -u)
# Root's $XDG_RUNTIME_DIR (/run/user/0, mode 0700) is not reachable by the daemons running as nobody.
runtime_dir=${XDG_RUNTIME_DIR:-}
[ "$uid" = 0 ] && runtime_dir=""
dir=${MUC_KICK_LOCAL_DIR:-${runtime_dir:+$runtime_dir/muc-kick-local}}
dir=${dir:-/tmp/muc-kick-local-$uid}
port=${MUC_KICK_LOCAL_PORT:-8080}

# The directory holds pid files that this script kills and sockets it trusts: it must be ours alone.
private_dir() {
    if [ -L "$dir" ]; then
        echo "error: $dir is a symlink; remove it or set MUC_KICK_LOCAL_DIR" >&2
        exit 73
    fi
    if [ ! -e "$dir" ]; then
        mkdir -m 700 "$dir"
    fi
    if [ ! -d "$dir" ] || [ "$(stat -c %u "$dir")" != "$uid" ]; then
        echo "error: $dir is not a directory owned by uid $uid; remove it or set MUC_KICK_LOCAL_DIR" >&2
        exit 73
    fi
    chmod 700 "$dir"
    # As root, nobody (the daemons) must pass through to its own subdirectory, and see nothing else.
    if [ "$uid" = 0 ]; then chmod 711 "$dir"; fi
}

stop() {
    [ -d "$dir" ] || return 0
    for name in nginx muc-kick-fcgi roomd; do
        if [ -f "$dir/$name.pid" ] && [ ! -L "$dir/$name.pid" ]; then
            kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
    sleep 0.3
}

# Waits for a daemon's socket (or port); on failure shows the daemon's log and exits.
wait_ready() {
    local name=$1 pid=$2 log=$3 check=$4
    for _ in $(seq 100); do
        if eval "$check"; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" && code=0 || code=$?
            echo "error: $name exited ($code) while starting; its log ($log):" >&2
            tail -n 40 "$log" >&2
            exit 70
        fi
        sleep 0.1
    done
    echo "error: $name did not become ready within 10 s; its log ($log):" >&2
    tail -n 40 "$log" >&2
    exit 70
}

if [ "${1:-}" = stop ]; then
    stop
    echo "stopped"
    exit 0
fi

private_dir
deploy/install-deps.sh local
# The daemons need no privilege: as root, they run as nobody.
run_as=()
if [ "$uid" = 0 ]; then
    run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi

echo "== building (release)"
for product in roomd roomctl muc-kick-fcgi; do
    if ! swift build -c release --product "$product" >"$dir/build.log" 2>&1; then
        cat "$dir/build.log" >&2
        echo "error: building $product failed (compiler output above, also in $dir/build.log)" >&2
        exit 70
    fi
done
bin=$(swift build -c release --show-bin-path)

stop
secret=${MUC_KICK_LOCAL_SECRET:-"Basic $(printf 'operator:%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" | base64 -w0)"}
# The daemons' own files: as root, in a subdirectory only nobody may enter; root never writes inside it
# (what nobody may have planted there cannot redirect root's writes).
daemons="$dir/daemons"
if [ "$uid" = 0 ]; then
    # Only root can make entries in $dir (0711): daemons/ is the one this script made on an earlier run.
    [ -d "$daemons" ] && [ ! -L "$daemons" ] || install -d -m 0700 -o nobody -g nogroup "$daemons"
else
    mkdir -p "$daemons"
fi
"${run_as[@]}" mkdir -p "$daemons/state"
"${run_as[@]}" rm -f "$daemons/fcgi.sock"

"${run_as[@]}" "$bin/roomd" --socket "$daemons/roomd.sock" --state-dir "$daemons/state" --service chat.example.org \
    >/dev/null 2>>"$dir/roomd.log" &
echo $! >"$dir/roomd.pid"
wait_ready roomd $! "$dir/roomd.log" '[ -S "$daemons/roomd.sock" ]'

roomctl() { "$bin/roomctl" --socket "$daemons/roomd.sock" "$@"; }
# An existing room (from an earlier run) is fine; anything else is an error worth seeing.
roomctl create lobby@chat.example.org --name "Demo lobby" >/dev/null 2>"$dir/roomctl.err" ||
    grep -q -i exist "$dir/roomctl.err" || { cat "$dir/roomctl.err" >&2; exit 70; }
roomctl join lobby@chat.example.org Bob bob@example.org/phone >/dev/null 2>"$dir/roomctl.err" ||
    grep -q -i -E "exist|in use|conflict" "$dir/roomctl.err" || { cat "$dir/roomctl.err" >&2; exit 70; }

# Written by the daemons' user itself (as root: through setpriv), never by root into their directory.
printf 'http_muc_kick_authorization_header = "%s"\nroomd_socket = "%s"\n' "$secret" "$daemons/roomd.sock" |
    "${run_as[@]}" sh -c 'umask 077 && cat >"$1"' sh "$daemons/muc-kick.toml"
"${run_as[@]}" "$bin/muc-kick-fcgi" --config "$daemons/muc-kick.toml" --listen "unix:$daemons/fcgi.sock" --socket-mode 0660 \
    >/dev/null 2>>"$dir/muc-kick-fcgi.log" &
echo $! >"$dir/muc-kick-fcgi.pid"
wait_ready muc-kick-fcgi $! "$dir/muc-kick-fcgi.log" '[ -S "$daemons/fcgi.sock" ]'

nginx/render.sh --prefix "$dir/nginx" --socket "$daemons/fcgi.sock" --port "$port" -o "$dir/nginx.conf" >/dev/null
nginx -c "$dir/nginx.conf" -p "$dir/nginx" >/dev/null 2>>"$dir/nginx.log" &
echo $! >"$dir/nginx.pid"
# Ready means our responder answers through it: an unauthenticated kick gets its 401.
wait_ready nginx $! "$dir/nginx.log" \
    '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST "http://127.0.0.1:$port/muc_kick")" = 401 ]'

cat <<EOT

muc-kick is running on http://127.0.0.1:$port/muc_kick (logs in $dir, sockets and state in $daemons).
Room lobby@chat.example.org has the occupant Bob. Kick him:

  curl -i -X POST http://127.0.0.1:$port/muc_kick \\
       -H 'Authorization: $secret' \\
       -H 'Content-Type: application/json' \\
       -d '{"nickname":"Bob","muc":"lobby@chat.example.org","reason":"Demo kick"}'

See the room:      $bin/roomctl --socket $daemons/roomd.sock room lobby@chat.example.org
Put Bob back:      $bin/roomctl --socket $daemons/roomd.sock join lobby@chat.example.org Bob bob@example.org/phone
Kick audit log:    $bin/roomctl --socket $daemons/roomd.sock audit
Stop everything:   deploy/run-local.sh stop
EOT
