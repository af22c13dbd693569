#!/usr/bin/env bash
# The FastCGI responder benchmark: muc-kick-fcgi behind nginx against a
# minimal C libfcgi reference, side by side in one run. See README.md.
#
# Usage: Benchmarks/fcgi/run.sh
# Environment (all optional):
#   QUICK=1                one configuration: THREADS=16, KEEPALIVE_MODES=off,
#                          CONNS=50, DURATION=3s (each still overridable)
#   THREADS="2 16 64"      responder threads (reference and muc-kick alike)
#   KEEPALIVE_MODES="off on"   nginx -> responder: one connection per request,
#                          or upstream keepalive + fastcgi_keep_conn
#   KEEPALIVE_CONNS=N      nginx `keepalive N` (idle connections per worker);
#                          default: the value in nginx/muc-kick-upstream.conf
#   CONNS="50 200"         wrk connections
#   PATHS="401 kick"       401: wrong Authorization; kick: a successful kick
#   DURATION=5s            each wrk run
#   WRK_THREADS=2          wrk -t
#   NGINX_WORKERS=auto     nginx worker_processes
#   OCCUPANTS=300000       occupants in the kick room at the start of each
#                          muc-kick kick run (topped up between runs)
#   PORT=18080             nginx listen port (127.0.0.1)
#   SIDES="ref mke mk"     which responders: ref = the C reference; mke =
#                          muc-kick-fcgi with the echo server as its "roomd"
#                          (kick path only: the responder's own cost); mk =
#                          muc-kick-fcgi (with the real roomd on the kick path);
#                          mkt = muc-kick-fcgi reaching the same roomd over TLS
#                          on loopback (kick path only; add it to SIDES)
#   TLS_PORT=PORT+1        roomd's --listen-tls port (127.0.0.1), with mkt
#   MUC_KICK_FCGI=path     default: .build/release/muc-kick-fcgi
#   ROOMD=path             default: .build/release/roomd
#   MK_CONFIG=file         muc-kick-fcgi --config (default: an empty file; the
#                          Authorization and roomd socket come from MUC_KICK_*)
#   MK_EXTRA_ARGS="..."    more muc-kick-fcgi arguments
#   ROUNDS=1               runs of every cell, the sides alternating within each
#                          round; the tables show the median of each figure
# The muc-kick side is skipped, with a message, when its binary (or, for the
# kick path, roomd) does not exist. Nothing is built with swift here.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN="$HERE/bin"
SERVICE=chat.example.org
ROOM="kickroom@$SERVICE"
AUTH="bench-secret-$$"

if [ "${QUICK:-0}" = 1 ]; then
    THREADS=${THREADS:-16}; KEEPALIVE_MODES=${KEEPALIVE_MODES:-off}
    CONNS=${CONNS:-50}; DURATION=${DURATION:-3s}
fi
THREADS=${THREADS:-2 16 64}
KEEPALIVE_MODES=${KEEPALIVE_MODES:-off on}
KEEPALIVE_CONNS=${KEEPALIVE_CONNS:-$(sed -n 's/^[[:space:]]*keepalive \([0-9][0-9]*\);.*/\1/p' "$ROOT/nginx/muc-kick-upstream.conf" | sed -n 1p)}
[[ $KEEPALIVE_CONNS =~ ^[0-9]+$ ]] || { echo "cannot read keepalive N from nginx/muc-kick-upstream.conf" >&2; exit 2; }
CONNS=${CONNS:-50 200}
PATHS=${PATHS:-401 kick}
DURATION=${DURATION:-5s}
WRK_THREADS=${WRK_THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
OCCUPANTS=${OCCUPANTS:-300000}
PORT=${PORT:-18080}
SIDES=${SIDES:-ref mke mk}
MUC_KICK_FCGI=${MUC_KICK_FCGI:-$ROOT/.build/release/muc-kick-fcgi}
ROOMD=${ROOMD:-$ROOT/.build/release/roomd}
MK_EXTRA_ARGS=${MK_EXTRA_ARGS:-}
ROUNDS=${ROUNDS:-1}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive number" >&2; exit 2; }
RATE_CAP=60000   # requests/s a kick run is assumed never to exceed (room top-up)

dur_secs=${DURATION%s}
[[ $dur_secs =~ ^[0-9]+$ ]] || { echo "DURATION must be like 5s" >&2; exit 2; }

TMP=$(mktemp -d /tmp/fcgi-bench.XXXXXX)
SOCK="$TMP/fcgi.sock"
ECHO_SOCK="$TMP/echo.sock"
ROOMD_SOCK="$TMP/roomd.sock"
TLS_PORT=${TLS_PORT:-$((PORT + 1))}
NGX="$TMP/nginx"
RESULTS="$TMP/results.tsv"
LOG_FILE="$BIN/last-run.log"
ECHO_PID="" ROOMD_PID="" RESP_PID="" NGINX_PID="" CHILD_PID="" SAMPLER_PID=""
FAILED=0

mkdir -p "$BIN" "$NGX"
exec > >(tee "$LOG_FILE") 2>&1

log() { printf '%s\n' "$*"; }
hr() { log "------------------------------------------------------------------------------------------"; }
fail_note() { log "!! $*"; FAILED=1; }

stop_pid() { # stop_pid PID NAME [SIG]: SIG (TERM), wait up to 5 s, then KILL; 0 if it exited by itself
    local pid=$1 name=$2 sig=${3:-TERM} i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "   !! $name (pid $pid) still running 5 s after SIG$sig; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" 2>/dev/null || true
    return 0
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CHILD_PID" "client" || true
    stop_pid "$SAMPLER_PID" "RSS sampler" || true
    stop_pid "$NGINX_PID" nginx || true
    stop_pid "$RESP_PID" responder || true
    stop_pid "$ROOMD_PID" roomd || true
    stop_pid "$ECHO_PID" echo_server || true
    [ -f "$RESULTS" ] && cp "$RESULTS" "$BIN/last-run.tsv" 2>/dev/null || true
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg_wait cmd...: run in the background and wait, so that signals are handled at once
bg_wait() {
    local rc=0
    "$@" &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$2"; }
fcalc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
status_kib() { # status_kib PID FIELD
    local k v rest
    while read -r k v rest; do
        [ "$k" = "$2:" ] && { printf '%s' "$v"; return 0; }
    done 2>/dev/null <"/proc/$1/status"
    printf ''
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # cpu_ticks PID: utime + stime of the process (all threads), in clock ticks
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { printf ''; return 0; }
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s' $(( ${12} + ${13} ))
}
cpu_us_per_req() { # cpu_us_per_req TICKS_BEFORE TICKS_AFTER REQUESTS
    if [ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ "$3" -gt 0 ]; then
        fcalc "($2 - $1) * 1000000 / $CLK_TCK / $3" 1
    fi
}

wait_socket() { # wait_socket PATH PID NAME SECONDS
    local i
    for i in $(seq $(($4 * 20))); do
        [ -S "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || { log "   !! $3 exited before its socket $1 appeared"; return 1; }
        sleep 0.05
    done
    log "   !! $3: socket $1 did not appear within $4 s"
    return 1
}

# ---------------------------------------------------------------- build
T_START=$(date +%s)
log "fcgi benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(uname -sr), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
log "$(nginx -v 2>&1), $(wrk -v 2>&1 | sed -n '1s/^\(wrk [^ ]*\).*/\1/p')"
hr
cc -O2 -Wall -o "$BIN/ref_responder" "$HERE/ref_responder.c" -lfcgi -lpthread
cc -O2 -Wall -o "$BIN/echo_server" "$HERE/echo_server.c" -lpthread
cc -O2 -Wall -o "$BIN/occload" "$HERE/occload.c"
log "built: $BIN/ref_responder $BIN/echo_server $BIN/occload"

if ss -Htln "sport = :$PORT" 2>/dev/null | grep -q .; then
    log "!! port $PORT is in use; set PORT"
    exit 1
fi

HAVE_MK=0 HAVE_ROOMD=0
case " $SIDES " in *" mk "*|*" mke "*|*" mkt "*)
    if [ -x "$MUC_KICK_FCGI" ]; then
        HAVE_MK=1
        log "muc-kick-fcgi: $MUC_KICK_FCGI ($(stat -c '%s bytes, modified %y' "$MUC_KICK_FCGI" | cut -d. -f1))"
    else
        log "muc-kick-fcgi: $MUC_KICK_FCGI does not exist (not built yet?): muc-kick columns are skipped"
    fi
    if [ -x "$ROOMD" ]; then
        HAVE_ROOMD=1
        log "roomd:         $ROOMD ($(stat -c '%s bytes, modified %y' "$ROOMD" | cut -d. -f1))"
    else
        log "roomd: $ROOMD does not exist: the muc-kick kick path is skipped"
    fi
esac
case " $SIDES " in *" ref "*) HAVE_REF=1 ;; *) HAVE_REF=0 ;; esac
case " $SIDES " in *" mke "*) WANT_MKE=1 ;; *) WANT_MKE=0 ;; esac
case " $SIDES " in *" mk "*) WANT_MK=1 ;; *) WANT_MK=0 ;; esac
case " $SIDES " in *" mkt "*) WANT_MKT=1 ;; *) WANT_MKT=0 ;; esac
log "configs: threads [$THREADS] x keepalive [$KEEPALIVE_MODES] (keepalive $KEEPALIVE_CONNS per nginx worker)," \
    "paths [$PATHS], wrk -t$WRK_THREADS -c[$CONNS] -d$DURATION, nginx workers $NGINX_WORKERS"

# muc-kick-fcgi's configuration file. Authorization and the roomd socket come
# from the environment (MUC_KICK_AUTHORIZATION, MUC_KICK_ROOMD_SOCKET).
mk_config() {
    if [ -n "${MK_CONFIG:-}" ]; then
        printf '%s' "$MK_CONFIG"
        return
    fi
    local f="$TMP/muc-kick.conf"
    if [ ! -f "$f" ]; then
        : >"$f"
    fi
    printf '%s' "$f"
}

# ---------------------------------------------------------------- daemons
"$BIN/echo_server" --listen "$ECHO_SOCK" 2>"$TMP/echo.log" &
ECHO_PID=$!
wait_socket "$ECHO_SOCK" "$ECHO_PID" echo_server 5 || exit 1

LOADED_UPTO=1   # nicks u1 .. u(LOADED_UPTO-1) have been joined
NICK_BASE=1     # next unused nick number
ROOMD_OK=0
ROOMD_TLS_ARGS=()
if [ "$WANT_MKT" = 1 ]; then
    # roomd's TLS listener as docs/deploy.md sets it up: a private CA, roomd's certificate for the name the
    # responder checks (localhost), and one token with the kick level, as a shared-hosting responder uses.
    tls=$TMP/tls
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=bench CA' \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>"$tls/openssl.log"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' \
        -keyout "$tls/roomd.key" -out "$tls/roomd.csr" 2>>"$tls/openssl.log"
    printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/roomd.ext"
    openssl x509 -req -in "$tls/roomd.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -days 2 \
        -extfile "$tls/roomd.ext" -out "$tls/roomd.pem" 2>>"$tls/openssl.log"
    openssl rand -hex 32 | tr -d '\n' >"$tls/token"
    printf 'token bench kick sha256:%s\n' "$(sha256sum <"$tls/token" | cut -d' ' -f1)" >"$tls/callers"
    ROOMD_TLS_ARGS=(--listen-tls "127.0.0.1:$TLS_PORT" --tls-certificate "$tls/roomd.pem"
        --tls-key "$tls/roomd.key" --tls-callers "$tls/callers")
fi
if [ "$HAVE_MK" = 1 ] && { [ "$WANT_MK" = 1 ] || [ "$WANT_MKT" = 1 ]; } && [ "$HAVE_ROOMD" = 1 ] &&
    [[ " $PATHS " == *" kick "* ]]; then
    mkdir -p "$TMP/roomd-state"
    "$ROOMD" --socket "$ROOMD_SOCK" --state-dir "$TMP/roomd-state" --service "$SERVICE" "${ROOMD_TLS_ARGS[@]}" \
        2>"$TMP/roomd.log" >&2 &
    ROOMD_PID=$!
    if wait_socket "$ROOMD_SOCK" "$ROOMD_PID" roomd 30; then
        ROOMD_OK=1
        log "roomd started (pid $ROOMD_PID), VmRSS $(status_kib "$ROOMD_PID" VmRSS) KiB"
    else
        tail -n 20 "$TMP/roomd.log" | sed 's/^/     | /'
        fail_note "roomd did not start: muc-kick kick runs skipped"
    fi
fi

# top_up: make sure the room holds OCCUPANTS (and at least RATE_CAP x duration)
# unkicked occupants from NICK_BASE on.
top_up() {
    local want=$OCCUPANTS cap=$((RATE_CAP * dur_secs)) need out rc=0
    [ "$cap" -gt "$want" ] && want=$cap
    need=$((NICK_BASE + want))
    [ "$LOADED_UPTO" -lt "$NICK_BASE" ] && LOADED_UPTO=$NICK_BASE
    [ "$LOADED_UPTO" -ge "$need" ] && return 0
    out=$(bg_wait "$BIN/occload" "$ROOMD_SOCK" "$ROOM" "$LOADED_UPTO" "$need" 2>&1) || rc=$?
    local res
    res=$(grep '^RESULT occload' <<<"$out" || true)
    log "   room top-up: u$LOADED_UPTO..u$((need - 1)): $(kv joined "$res") joined in $(kv secs "$res") s" \
        "($(kv per_s "$res")/s), roomd VmRSS $(status_kib "$ROOMD_PID" VmRSS) KiB"
    if [ "$rc" != 0 ]; then
        grep -v '^RESULT' <<<"$out" | sed -n '1,8s/^/     | /p'
        fail_note "occload failed (status $rc)"
    fi
    LOADED_UPTO=$need
}

# ---------------------------------------------------------------- one run
start_nginx() { # start_nginx KEEPALIVE(off|on)
    local ka=0 i
    [ "$1" = on ] && ka=$KEEPALIVE_CONNS
    "$ROOT/nginx/render.sh" --prefix "$NGX" --socket "$SOCK" --port "$PORT" --keepalive "$ka" \
        --workers "$NGINX_WORKERS" --access-log off -o "$NGX/nginx.conf"
    : >"$NGX/error.log"
    nginx -p "$NGX/" -e "$NGX/error.log" -c "$NGX/nginx.conf" &
    NGINX_PID=$!
    for i in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/muc_kick" 2>/dev/null && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.05
    done
    log "   !! nginx did not start"; tail -n 5 "$NGX/error.log" | sed 's/^/     | /'
    return 1
}

start_responder() { # start_responder SIDE PATH THREADS
    local side=$1 path=$2 threads=$3
    rm -f "$SOCK"
    if [ "$side" = ref ]; then
        local mode=direct
        [ "$path" = kick ] && mode=echo
        "$BIN/ref_responder" --listen "$SOCK" --threads "$threads" --mode "$mode" --auth "$AUTH" \
            --echo-socket "$ECHO_SOCK" 2>>"$TMP/ref.log" &
        RESP_PID=$!
        wait_socket "$SOCK" "$RESP_PID" ref_responder 5
    else
        local roomd=(MUC_KICK_ROOMD_SOCKET="$ROOMD_SOCK")
        [ "$side" = mke ] && roomd=(MUC_KICK_ROOMD_SOCKET="$ECHO_SOCK")
        [ "$side" = mkt ] && roomd=(MUC_KICK_ROOMD_ADDRESS="tls://localhost:$TLS_PORT"
            MUC_KICK_ROOMD_CA="$TMP/tls/ca.pem" MUC_KICK_ROOMD_TOKEN_FILE="$TMP/tls/token")
        # shellcheck disable=SC2086
        env MUC_KICK_AUTHORIZATION="$AUTH" "${roomd[@]}" \
            "$MUC_KICK_FCGI" --listen "unix:$SOCK" --socket-mode 0666 --threads "$threads" \
            --config "$(mk_config)" $MK_EXTRA_ARGS >"$TMP/mk.log" 2>&1 &
        RESP_PID=$!
        if ! wait_socket "$SOCK" "$RESP_PID" muc-kick-fcgi 10; then
            log "   muc-kick-fcgi log (last lines):"; tail -n 15 "$TMP/mk.log" | sed 's/^/     | /'
            wait "$RESP_PID" 2>/dev/null || true
            RESP_PID=""
            return 1
        fi
    fi
}

rss_sampler() { # rss_sampler PID OUTFILE: peak VmRSS and Threads, written when stopped (TERM)
    local pid=$1 out=$2 peak=0 thr=0 v t
    trap 'printf "%s %s\n" "$peak" "$thr" >"$out"; exit 0' TERM
    while kill -0 "$pid" 2>/dev/null; do
        v=$(status_kib "$pid" VmRSS); t=$(status_kib "$pid" Threads)
        [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
        [ -n "$t" ] && [ "$t" -gt "$thr" ] && thr=$t
        sleep 0.2
    done
    printf '%s %s\n' "$peak" "$thr" >"$out"
}

run_one() { # run_one SIDE PATH THREADS KEEPALIVE CONNS
    local side=$1 path=$2 threads=$3 ka=$4 conns=$5
    local label expect auth probe_nick code body res rss_idle rss_peak thr ok=1 stop_note=""
    label="$side $path t=$threads ka=$ka c=$conns"
    if [ "$path" = kick ]; then expect=200; auth=$AUTH; else expect=401; auth="wrong-$AUTH"; fi
    if [[ $side == mk || $side == mkt ]] && [ "$path" = kick ]; then
        [ "$ROOMD_OK" = 1 ] || { log "   $label: skipped (no roomd)"; return 0; }
        kill -0 "$ROOMD_PID" 2>/dev/null || { fail_note "roomd died"; ROOMD_OK=0; return 0; }
        top_up
    fi
    if ! start_responder "$side" "$path" "$threads"; then
        fail_note "$label: responder did not start"
        printf '%s\t%s\t%s\t%s\t%s\tFAILED\n' "$side" "$path" "$threads" "$ka" "$conns" >>"$RESULTS"
        return 0
    fi
    if ! start_nginx "$ka"; then
        fail_note "$label: nginx did not start"
        stop_pid "$RESP_PID" responder || true; RESP_PID=""
        return 0
    fi
    # one probe request, checked, before the load
    probe_nick=$NICK_BASE
    body="{\"nickname\":\"u$probe_nick\",\"muc\":\"$ROOM\",\"reason\":\"probe\"}"
    code=$(curl -sS -o "$TMP/probe.body" -w '%{http_code}' -X POST -H "Authorization: $auth" \
        -H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$PORT/muc_kick" 2>&1 || true)
    if [ "$code" != "$expect" ]; then
        fail_note "$label: probe got HTTP $code, expected $expect; body: $(head -c 300 "$TMP/probe.body" 2>/dev/null)"
    fi
    [[ $side == mk || $side == mkt ]] && [ "$path" = kick ] && NICK_BASE=$((NICK_BASE + 1))

    rss_idle=$(status_kib "$RESP_PID" VmRSS)
    rm -f "$TMP/rss"
    rss_sampler "$RESP_PID" "$TMP/rss" &
    SAMPLER_PID=$!
    local out="$TMP/wrk.out" rc=0 cpu0 cpu1 rcpu0="" rcpu1=""
    cpu0=$(cpu_ticks "$RESP_PID")
    # the back end's CPU too: roomd behind mk, the echo server behind ref and mke
    local backend_pid="" backend_name=""
    if [ "$path" = kick ]; then
        if [[ $side == mk || $side == mkt ]]; then
            backend_pid=$ROOMD_PID backend_name=roomd
        else
            backend_pid=$ECHO_PID backend_name=echo
        fi
    fi
    [ -n "$backend_pid" ] && rcpu0=$(cpu_ticks "$backend_pid")
    MK_AUTH="$auth" MK_EXPECT="$expect" MK_ROOM="$ROOM" MK_NICK_BASE="$NICK_BASE" MK_THREADS="$WRK_THREADS" \
        bg_wait timeout $((dur_secs + 60)) wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --timeout 5s \
        -s "$HERE/muc_kick.lua" "http://127.0.0.1:$PORT/muc_kick" >"$out" 2>&1 || rc=$?
    cpu1=$(cpu_ticks "$RESP_PID")
    [ -n "$rcpu0" ] && rcpu1=$(cpu_ticks "$backend_pid")
    stop_pid "$SAMPLER_PID" "RSS sampler" || true; SAMPLER_PID=""
    read -r rss_peak thr <"$TMP/rss" 2>/dev/null || { rss_peak=""; thr=""; }
    res=$(grep '^RESULT wrk' "$out" || true)
    if [ "$rc" != 0 ] || [ -z "$res" ]; then
        fail_note "$label: wrk failed (status $rc)"; sed 's/^/     | /' "$out"; ok=0
    fi
    if ! kill -0 "$RESP_PID" 2>/dev/null; then
        fail_note "$label: the responder died during the run"
        [ "$side" != ref ] && tail -n 15 "$TMP/mk.log" | sed 's/^/     | /'
    fi
    if [[ $side == mk || $side == mkt ]] && [ "$path" = kick ]; then
        local top
        top=$(kv nick_max "$res"); [ -n "$top" ] && NICK_BASE=$((top + 1))
    fi
    stop_pid "$NGINX_PID" nginx || true; NGINX_PID=""
    stop_pid "$RESP_PID" "$side responder" || stop_note="no-exit-on-TERM"
    [ -n "$stop_note" ] && [ "$side" != ref ] && fail_note "$label: muc-kick-fcgi did not exit within 5 s of SIGTERM"
    RESP_PID=""
    if grep -q '\[\(error\|crit\|alert\|emerg\)\]' "$NGX/error.log"; then
        log "   nginx error.log ($label): $(grep -c '\[\(error\|crit\|alert\|emerg\)\]' "$NGX/error.log") error lines, e.g.:"
        grep -m 2 '\[\(error\|crit\|alert\|emerg\)\]' "$NGX/error.log" | cut -c1-250 | sed 's/^/     | /'
    fi
    [ "$ok" = 1 ] || { printf '%s\t%s\t%s\t%s\t%s\tFAILED\n' "$side" "$path" "$threads" "$ka" "$conns" >>"$RESULTS"; return 0; }
    local bad to errs reqs cpu rcpu
    bad=$(kv bad_status "$res"); to=$(kv timeouts "$res"); reqs=$(kv requests "$res")
    cpu=$(cpu_us_per_req "$cpu0" "$cpu1" "$reqs"); rcpu=$(cpu_us_per_req "$rcpu0" "$rcpu1" "$reqs")
    errs=$(( $(kv connect_err "$res") + $(kv read_err "$res") + $(kv write_err "$res") ))
    printf '%s\t%s\t%s\t%s\t%s\tOK\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$path" "$threads" "$ka" "$conns" \
        "$(kv rps "$res")" "$(kv p50_us "$res")" "$(kv p99_us "$res")" "$reqs" \
        "$bad" "$to" "$errs" "${rss_idle:-}" "${rss_peak:-}" "$((bad + to + errs))" "${cpu:-}" "${rcpu:-}" >>"$RESULTS"
    log "   $(printf '%-32s' "$label") $(printf '%7s req/s  p50 %6s us  p99 %7s us  bad %s  timeouts %s  sock-err %s  RSS %s->%s KiB  threads %s  CPU %s us/req%s' \
        "$(kv rps "$res")" "$(kv p50_us "$res")" "$(kv p99_us "$res")" "$bad" "$to" "$errs" "${rss_idle:--}" "${rss_peak:--}" "${thr:--}" \
        "${cpu:--}" "${rcpu:+ ($backend_name $rcpu)}")"
    if [ "${bad:-0}" != 0 ] && [ "$side" != ref ]; then
        log "     ($bad responses did not have the expected status $expect)"
    fi
}

# ---------------------------------------------------------------- the matrix
: >"$RESULTS"
for threads in $THREADS; do
    for ka in $KEEPALIVE_MODES; do
        hr
        log "== threads $threads, keepalive $ka"
        for path in $PATHS; do
            for conns in $CONNS; do
                for round in $(seq "$ROUNDS"); do
                    [ "$ROUNDS" = 1 ] || log "   -- round $round/$ROUNDS"
                    [ "$HAVE_REF" = 1 ] && run_one ref "$path" "$threads" "$ka" "$conns"
                    [ "$HAVE_MK" = 1 ] && [ "$WANT_MKE" = 1 ] && [ "$path" = kick ] &&
                        run_one mke "$path" "$threads" "$ka" "$conns"
                    [ "$HAVE_MK" = 1 ] && [ "$WANT_MK" = 1 ] && run_one mk "$path" "$threads" "$ka" "$conns"
                    [ "$HAVE_MK" = 1 ] && [ "$WANT_MKT" = 1 ] && [ "$path" = kick ] &&
                        run_one mkt "$path" "$threads" "$ka" "$conns"
                done
            done
        done
    done
done
if [ -n "$ROOMD_PID" ]; then
    log "roomd after the runs: VmRSS $(status_kib "$ROOMD_PID" VmRSS) KiB, VmHWM $(status_kib "$ROOMD_PID" VmHWM) KiB"
fi

# ---------------------------------------------------------------- tables
# results.tsv columns: 1 side, 2 path, 3 threads, 4 keepalive, 5 conns, 6 OK|FAILED, 7 req/s, 8 p50 us,
# 9 p99 us, 10 requests, 11 bad status, 12 wrk timeouts, 13 socket errors, 14 RSS idle KiB,
# 15 RSS peak KiB, 16 bad status + timeouts + socket errors, 17 responder CPU us per request,
# 18 the back end's CPU us per request (kick runs: roomd for mk, the echo server for ref and mke)
get() { # get SIDE PATH THREADS KA CONNS COLUMN -> the median over the rounds (the peak RSS: the largest),
        # FAILED, or nothing
    awk -F'\t' -v s="$1" -v p="$2" -v t="$3" -v k="$4" -v c="$5" -v col="$6" '
        $1==s && $2==p && $3==t && $4==k && $5==c {
            if ($6 != "OK") failed = 1
            else if ($col != "") v[n++] = $col + 0
        }
        END {
            if (failed) { print "FAILED"; exit }
            if (n == 0) exit
            for (i = 1; i < n; i++) for (j = i; j > 0 && v[j-1] > v[j]; j--) { x = v[j]; v[j] = v[j-1]; v[j-1] = x }
            m = (n % 2) ? v[int(n/2)] : (v[n/2-1] + v[n/2]) / 2
            if (col == 15) m = v[n-1]
            print (m == int(m) || m >= 100 ? sprintf("%.0f", m) : sprintf("%.1f", m))
        }' "$RESULTS"
}
num() { [ -n "$1" ] && [ "$1" != FAILED ]; }
ms() { if num "$1"; then fcalc "$1 / 1000" 2; else printf '%s' "${1:--}"; fi; }
mib() { if num "$1"; then fcalc "$1 / 1024" 1; else printf '%s' "${1:--}"; fi; }
ratio() { if num "$1" && num "$2" && [ "$1" != 0 ]; then awk "BEGIN { r = $2 / $1; printf (r >= 100 ? \"%.0f\" : \"%.2f\"), r }"; else printf -- "-"; fi; }

table() { # table PATH TITLE SIDE... (the first side is the reference of the ratios)
    local path=$1 title=$2 t k c side ref line head1 head2
    shift 2
    ref=$1
    hr
    log "== $title"
    head1=$(printf '   %3s %-3s %4s' thr ka conn)
    head2=$(printf '   %3s %-3s %4s' "" "" "")
    for side in "$@"; do
        head1+=$(printf ' | %-40s' "$(side_name "$side")")
        head2+=$(printf ' | %6s %6s %7s %4s %5s %5s' "r/s" "p50ms" "p99ms" bad "RSS" "CPU")
        if [ "$side" != "$ref" ]; then
            head1+=$(printf ' %11s' "vs ref")
            head2+=$(printf ' %5s %5s' "r/s" "p99")
        fi
    done
    log "$head1"
    log "$head2"
    for t in $THREADS; do for k in $KEEPALIVE_MODES; do for c in $CONNS; do
        line=$(printf '   %3s %-3s %4s' "$t" "$k" "$c")
        for side in "$@"; do
            local r p5 p9 b rss cpu
            r=$(get "$side" "$path" "$t" "$k" "$c" 7); p5=$(get "$side" "$path" "$t" "$k" "$c" 8)
            p9=$(get "$side" "$path" "$t" "$k" "$c" 9); b=$(get "$side" "$path" "$t" "$k" "$c" 16)
            rss=$(get "$side" "$path" "$t" "$k" "$c" 15); cpu=$(get "$side" "$path" "$t" "$k" "$c" 17)
            [ -n "$cpu" ] && [ "$cpu" != FAILED ] && cpu=$(fcalc "$cpu" 0)
            line+=$(printf ' | %6s %6s %7s %4s %5s %5s' "${r:--}" "$(ms "$p5")" "$(ms "$p9")" "${b:--}" "$(mib "$rss")" "${cpu:--}")
            if [ "$side" != "$ref" ]; then
                local rr rp9
                rr=$(get "$ref" "$path" "$t" "$k" "$c" 7); rp9=$(get "$ref" "$path" "$t" "$k" "$c" 9)
                line+=$(printf ' %5s %5s' "$(ratio "$rr" "$r")" "$(ratio "$rp9" "$p9")")
            fi
        done
        log "$line"
    done; done; done
}
side_name() {
    case $1 in
        ref) echo "reference (C)" ;;
        mke) echo "muc-kick-fcgi + echo server" ;;
        mk) if [ "$path" = kick ]; then echo "muc-kick-fcgi + roomd"; else echo "muc-kick-fcgi"; fi ;;
        mkt) echo "muc-kick-fcgi + roomd over TLS" ;;
    esac
}
for path in $PATHS; do
    case $path in
        401) table 401 "401 path: wrong Authorization (reference: ref_responder --mode direct)" ref mk ;;
        kick)
            table kick "kick path: a successful kick (reference: ref_responder --mode echo + echo_server)" ref mke mk
            [ "$WANT_MKT" = 1 ] &&
                table kick "kick path over TLS to roomd (loopback) against the Unix socket (the ratios: TLS / Unix)" mk mkt
            ;;
    esac
done
log "   r/s = requests/s; p50ms, p99ms = wrk latency percentiles; bad = responses without the expected"
log "   status + wrk timeouts (--timeout 5s) + socket errors; RSS = the responder's peak VmRSS in MiB during"
log "   the run (sampled every 0.2 s); CPU = the responder's CPU time (user + system, all threads) per request,"
log "   in us; vs ref = ratio to the reference column (r/s: higher is better, p99: lower is better)."
[ "$ROUNDS" = 1 ] || log "   Every figure is the median of $ROUNDS rounds; in each round the sides ran one after the other."
log "   Idle RSS and the back end's CPU per kick (roomd or the echo server) are in $BIN/last-run.tsv (columns 14 and 18) and the lines above."
hr
if [ "$FAILED" = 1 ]; then log "run: problems (see the !! lines above)"; else log "run: clean"; fi
log "total time: $(( $(date +%s) - T_START )) s; log: $LOG_FILE, raw table: $BIN/last-run.tsv"
[ "$FAILED" = 0 ]
