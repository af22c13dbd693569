#!/usr/bin/env bash
# Brings up muc-kick on this machine: roomd, the FastCGI responder and nginx on 127.0.0.1, with a demo
# room and occupant, then prints a curl command that kicks. Installs what is missing (Debian packages) and
# builds first. Everything runs from /tmp/muc-kick-local (override with MUC_KICK_LOCAL_DIR).
#
#   deploy/run-local.sh          start (restarts a previous local run)
#   deploy/run-local.sh stop     stop it
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dir=${MUC_KICK_LOCAL_DIR:-/tmp/muc-kick-local}
port=${MUC_KICK_LOCAL_PORT:-8080}
secret=${MUC_KICK_LOCAL_SECRET:-"Basic $(printf 'operator:%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" | base64 -w0)"}

stop() {
    for name in nginx muc-kick-fcgi roomd; do
        if [ -f "$dir/$name.pid" ]; then
            kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
    sleep 0.3
}

if [ "${1:-}" = stop ]; then
    stop
    echo "stopped"
    exit 0
fi

need_apt=()
for package in libsqlite3-dev libfcgi-dev libssl-dev nginx curl; do
    dpkg -s "$package" >/dev/null 2>&1 || need_apt+=("$package")
done
if ((${#need_apt[@]})); then
    echo "== installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== building (release)"
swift build -c release --product roomd >/dev/null
swift build -c release --product roomctl >/dev/null
swift build -c release --product muc-kick-fcgi >/dev/null
bin=$(swift build -c release --show-bin-path)

stop
mkdir -p "$dir/state"
chmod 755 "$dir"

"$bin/roomd" --socket "$dir/roomd.sock" --state-dir "$dir/state" --service chat.example.org \
    >/dev/null 2>>"$dir/roomd.log" &
echo $! >"$dir/roomd.pid"
for _ in $(seq 50); do [ -S "$dir/roomd.sock" ] && break; sleep 0.1; done

roomctl() { "$bin/roomctl" --socket "$dir/roomd.sock" "$@"; }
roomctl create lobby@chat.example.org --name "Demo lobby" >/dev/null 2>&1 || true
roomctl join lobby@chat.example.org Bob bob@example.org/phone >/dev/null 2>&1 || true

printf 'http_muc_kick_authorization_header = "%s"\nroomd_socket = "%s"\n' "$secret" "$dir/roomd.sock" \
    >"$dir/muc-kick.toml"
chmod 600 "$dir/muc-kick.toml"
"$bin/muc-kick-fcgi" --config "$dir/muc-kick.toml" --listen "unix:$dir/fcgi.sock" --socket-mode 0666 \
    >/dev/null 2>>"$dir/muc-kick-fcgi.log" &
echo $! >"$dir/muc-kick-fcgi.pid"
for _ in $(seq 50); do [ -S "$dir/fcgi.sock" ] && break; sleep 0.1; done

nginx/render.sh --prefix "$dir/nginx" --socket "$dir/fcgi.sock" --port "$port" -o "$dir/nginx.conf" >/dev/null
nginx -c "$dir/nginx.conf" -p "$dir/nginx" >/dev/null 2>&1 &
echo $! >"$dir/nginx.pid"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

cat <<EOT

muc-kick is running on http://127.0.0.1:$port/muc_kick (logs and sockets in $dir).
Room lobby@chat.example.org has the occupant Bob. Kick him:

  curl -i -X POST http://127.0.0.1:$port/muc_kick \\
       -H 'Authorization: $secret' \\
       -H 'Content-Type: application/json' \\
       -d '{"nickname":"Bob","muc":"lobby@chat.example.org","reason":"Demo kick"}'

See the room:      $bin/roomctl --socket $dir/roomd.sock room lobby@chat.example.org
Put Bob back:      $bin/roomctl --socket $dir/roomd.sock join lobby@chat.example.org Bob bob@example.org/phone
Kick audit log:    $bin/roomctl --socket $dir/roomd.sock audit
Stop everything:   deploy/run-local.sh stop
EOT
