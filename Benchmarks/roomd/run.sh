#!/usr/bin/env bash
# The roomd benchmark: Kick latency against a raw ping-pong reference,
# pipelined Kick throughput, and memory per occupant. See README.md.
#
# Usage: Benchmarks/roomd/run.sh
# Environment (all optional):
#   ROOMD_SKIP_BUILD=1   do not run `swift build -c release --product roomd`
#   ROOMD=path           roomd binary (default: the release build's bin path)
#   KICKS=20000          unpipelined kicks (and reference round trips) per round
#   ROUNDS=3             alternating rounds of roomd Kick and reference, per pass
#   WARMUP=2000          untimed warm-up round trips before each of them
#   PINNED=1             also run a pass with everything on one CPU (0: skip it)
#   PIN_CPU=<last CPU>   the CPU of that pass
#   PIPE_KICKS=200000    pipelined kicks
#   WINDOW=256           pipelined window, in (Join, Kick) pairs
#   DEPTH=2              pipelined windows in flight
#   PIPE_ROUNDS=3        pipelined runs (same roomd, one after the other); the median counts
#   ROOMS=100000         memory test: rooms
#   OCCUPANTS=10         memory test: occupants per room
#   STEP_TIMEOUT=240     seconds allowed for each benchmark client run
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN="$HERE/bin"
SERVICE=chat.example.org

KICKS=${KICKS:-20000}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2000}
PINNED=${PINNED:-1}
PIN_CPU=${PIN_CPU:-$(($(nproc) - 1))}
PIPE_KICKS=${PIPE_KICKS:-200000}
WINDOW=${WINDOW:-256}
DEPTH=${DEPTH:-2}
PIPE_ROUNDS=${PIPE_ROUNDS:-3}
ROOMS=${ROOMS:-100000}
OCCUPANTS=${OCCUPANTS:-10}
STEP_TIMEOUT=${STEP_TIMEOUT:-240}

# targets
T_RATIO=2.0        # roomd Kick p50 latency / reference p50 latency, at most
T_PIPE=100000      # pipelined kicks/s, at least
T_KIB=1.0          # KiB of RSS per occupant, at most

TMP=$(mktemp -d /tmp/roomd-bench.XXXXXX)
SOCK="$TMP/roomd.sock"
PP_SOCK="$TMP/pingpong.sock"
ROOMD_PID=""
PP_PID=""
CHILD_PID=""
FAILED=0

log() { printf '%s\n' "$*"; }
hr() { log "------------------------------------------------------------------------"; }
fail_note() { log "!! $*"; FAILED=1; }

stop_pid() { # stop_pid PID NAME: TERM, wait up to 10 s, then KILL
    local pid=$1 name=$2 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "   $name (pid $pid) did not exit 10 s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CHILD_PID" "benchmark client"
    stop_pid "$PP_PID" pingpong
    stop_pid "$ROOMD_PID" roomd
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fcalc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
fcmp() { awk "BEGIN { exit !($1) }"; }       # fcmp "a <= b"
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -n1; }
result_line() { grep "^RESULT $1 " "$2" 2>/dev/null | tail -n1 || true; }
median() { # median of the arguments (empty if none)
    [ "$#" -gt 0 ] || return 0
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
med_of() { # med_of KEY LINE...: median of KEY over RESULT lines
    local key=$1 l vals=()
    shift
    for l in "$@"; do vals+=("$(kv "$key" "$l")"); done
    median "${vals[@]}"
}

roomd_log_tail() {
    local f
    for f in "$TMP"/roomd-*.log; do
        [ -s "$f" ] || continue
        log "   last lines of $(basename "$f"):"
        tail -n 20 "$f" | sed 's/^/     | /'
    done
}

start_roomd() { # start_roomd TAG
    local tag=$1 i st
    rm -rf "$TMP/state-$tag" "$SOCK"
    mkdir -p "$TMP/state-$tag"
    "$ROOMD" --socket "$SOCK" --state-dir "$TMP/state-$tag" --service "$SERVICE" \
        2>"$TMP/roomd-$tag.log" >&2 &
    ROOMD_PID=$!
    for i in $(seq 300); do
        [ -S "$SOCK" ] && break
        if ! kill -0 "$ROOMD_PID" 2>/dev/null; then
            wait "$ROOMD_PID" && st=0 || st=$?
            ROOMD_PID=""
            log "!! roomd exited (status $st) before its socket appeared"
            roomd_log_tail
            exit 1
        fi
        sleep 0.1
    done
    if ! [ -S "$SOCK" ]; then
        log "!! roomd socket $SOCK did not appear within 30 s"
        roomd_log_tail
        exit 1
    fi
    log "   roomd started (pid $ROOMD_PID, state dir $TMP/state-$tag)"
}

stop_roomd() {
    local pid=$ROOMD_PID st=0
    [ -n "$pid" ] || return 0
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" && st=0 || st=$?
        fail_note "roomd (pid $pid) had already exited, status $st"
        roomd_log_tail
    else
        stop_pid "$pid" roomd
    fi
    ROOMD_PID=""
}

check_roomd_alive() {
    if [ -n "$ROOMD_PID" ] && ! kill -0 "$ROOMD_PID" 2>/dev/null; then
        local st=0
        wait "$ROOMD_PID" && st=0 || st=$?
        fail_note "roomd (pid $ROOMD_PID) died during $1, exit status $st"
        ROOMD_PID=""
        roomd_log_tail
        return 1
    fi
    [ -n "$ROOMD_PID" ]
}

# bg_wait cmd...: runs cmd in the background and waits for it, so that a
# signal to this script is handled (trap) at once and not after cmd ends.
bg_wait() {
    local rc=0
    "$@" &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

run_client() { # run_client NAME OUTFILE cmd...: runs with a timeout, shows the output
    local name=$1 out=$2 rc=0
    shift 2
    bg_wait timeout "$STEP_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
    sed 's/^/   /' "$out"
    if [ "$rc" = 124 ]; then
        fail_note "$name timed out after $STEP_TIMEOUT s"
    elif [ "$rc" != 0 ]; then
        fail_note "$name failed (exit status $rc)"
    fi
    return 0
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- build
T_START=$(date +%s)
log "roomd benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(uname -sr), $(nproc) CPUs"
hr
log "== build"
mkdir -p "$BIN"
cc -O2 -Wall -o "$BIN/pingpong" "$HERE/pingpong.c"
cc -O2 -Wall -o "$BIN/kickbench" "$HERE/kickbench.c"
log "   cc -O2: $BIN/pingpong $BIN/kickbench"
if [ "${ROOMD_SKIP_BUILD:-0}" != 1 ]; then
    log "   swift build -c release --product roomd"
    brc=0
    bg_wait swift build --package-path "$ROOT" -c release --product roomd >"$TMP/build.log" 2>&1 || brc=$?
    if [ "$brc" != 0 ]; then
        tail -n 40 "$TMP/build.log" | sed 's/^/     | /'
        log "!! swift build failed (exit status $brc)"
        exit 1
    fi
    tail -n 2 "$TMP/build.log" | sed 's/^/     | /'
    ROOMD=${ROOMD:-$(swift build --package-path "$ROOT" -c release --show-bin-path)/roomd}
else
    log "   (ROOMD_SKIP_BUILD=1: not building roomd)"
    ROOMD=${ROOMD:-$ROOT/.build/release/roomd}
fi
[ -x "$ROOMD" ] || { log "!! no roomd binary at $ROOMD"; exit 1; }
log "   roomd: $ROOMD ($(stat -c '%s bytes, modified %y' "$ROOMD" | cut -d. -f1))"

# ---------------------------------------------------------------- kick latency
# roomd and the reference alternate over several rounds, so that drift in the
# machine's speed (frequent on small VMs) hits both; medians are reported.
# The unpinned pass lets the scheduler place everything; the pinned pass puts
# roomd (all threads), the pingpong server and both clients on one CPU, which
# takes cross-CPU wake-ups (slow and erratic on VMs) out of both sides.
REQ_B=""; REP_B=""
UNP_unpinned=(); REF_unpinned=(); UNP_pinned=(); REF_pinned=()

# run_rounds PASS ROOM_PREFIX [taskset -c CPU]
run_rounds() {
    local pass=$1 prefix=$2 r line q
    shift 2
    local -n unp=UNP_$pass ref=REF_$pass
    for r in $(seq "$ROUNDS"); do
        log "   -- $pass, round $r/$ROUNDS: roomd Kick (room $prefix$r@$SERVICE)"
        q=(-q); [ -z "$REQ_B" ] && q=()
        run_client "kickbench unpipelined ($pass, round $r)" "$TMP/unp-$pass$r.out" \
            "$@" "$BIN/kickbench" "${q[@]}" -k "$KICKS" -w "$WARMUP" -s "$SERVICE" \
            -r "$prefix$r@$SERVICE" unpipelined "$SOCK"
        check_roomd_alive "the unpipelined run" || return 0
        line=$(result_line unpipelined "$TMP/unp-$pass$r.out")
        [ -n "$line" ] || return 0
        unp+=("$line")
        if [ -z "$REQ_B" ]; then
            REQ_B=$(kv kick_req_bytes "$line"); REP_B=$(kv kick_reply_bytes "$line")
            if [ -z "$REQ_B" ] || [ -z "$REP_B" ] || [ "$REQ_B" = 0 ] || [ "$REP_B" = 0 ]; then
                log "!! no Kick sizes from the unpipelined run; cannot size the reference"
                exit 1
            fi
            "$BIN/pingpong" server "$PP_SOCK" "$REP_B" 2>"$TMP/pingpong-server.log" &
            PP_PID=$!
            for i in $(seq 100); do [ -S "$PP_SOCK" ] && break; sleep 0.05; done
        fi
        log "   -- $pass, round $r/$ROUNDS: reference ping-pong (request $REQ_B B, reply $REP_B B)"
        run_client "pingpong client ($pass, round $r)" "$TMP/ref-$pass$r.out" \
            "$@" "$BIN/pingpong" client "$PP_SOCK" "$REQ_B" "$KICKS" "$WARMUP"
        line=$(result_line pingpong "$TMP/ref-$pass$r.out")
        [ -n "$line" ] && ref+=("$line")
    done
}

hr
log "== 1. unpipelined Kick vs 2. reference ping-pong: $ROUNDS alternating rounds of $KICKS round trips per pass"
log "   (each after $WARMUP untimed ones; roomd: Join untimed, then the Kick round trip timed)"
start_roomd kick
log "   pass 1: unpinned"
run_rounds unpinned kicku
if [ "$PINNED" = 1 ] && [ -n "$ROOMD_PID" ] && [ -n "$PP_PID" ]; then
    log "   pass 2: pinned, roomd (all threads), pingpong server and the clients on CPU $PIN_CPU"
    ROOMD_MASK=$(taskset -pc "$ROOMD_PID" | sed 's/.*: //')
    taskset -a -pc "$PIN_CPU" "$ROOMD_PID" >/dev/null
    taskset -a -pc "$PIN_CPU" "$PP_PID" >/dev/null
    run_rounds pinned kickc taskset -c "$PIN_CPU"
    if [ -n "$ROOMD_PID" ]; then taskset -a -pc "$ROOMD_MASK" "$ROOMD_PID" >/dev/null; fi
fi
stop_pid "$PP_PID" pingpong
PP_PID=""
if [ -z "$REQ_B" ]; then
    log "!! the unpipelined Kick run gave no result"
    exit 1
fi

# ---------------------------------------------------------------- pipelined
hr
log "== 3. pipelined Join+Kick: $PIPE_ROUNDS runs of $PIPE_KICKS kicks, windows of $WINDOW pairs (one write() each), $DEPTH in flight; unpinned"
PIPE_LINES=()
for r in $(seq "$PIPE_ROUNDS"); do
    [ -n "$ROOMD_PID" ] || break
    run_client "kickbench pipelined (run $r)" "$TMP/pipe$r.out" \
        "$BIN/kickbench" -k "$PIPE_KICKS" -W "$WINDOW" -D "$DEPTH" -s "$SERVICE" pipelined "$SOCK"
    check_roomd_alive "the pipelined run" || break
    line=$(result_line pipelined "$TMP/pipe$r.out")
    [ -n "$line" ] && PIPE_LINES+=("$line")
done
stop_roomd

# ---------------------------------------------------------------- memory
hr
log "== 4. memory: $ROOMS rooms x $OCCUPANTS occupants, in a fresh roomd (unpinned)"
start_roomd mem
sleep 1
RSS0=$(rss_kib "$ROOMD_PID")
log "   VmRSS before loading: $RSS0 KiB"
run_client "kickbench load" "$TMP/load.out" \
    "$BIN/kickbench" -R "$ROOMS" -O "$OCCUPANTS" -s "$SERVICE" load "$SOCK"
LOAD=$(result_line load "$TMP/load.out")
RSS1=""; HWM1=""
if check_roomd_alive "the load"; then
    RSS1=$(rss_kib "$ROOMD_PID"); HWM1=$(hwm_kib "$ROOMD_PID")
    log "   VmRSS after loading:  $RSS1 KiB (VmHWM $HWM1 KiB)"
    log "   state dir after loading: $(du -sh "$TMP/state-mem" | cut -f1)"
fi
stop_roomd

# ---------------------------------------------------------------- results
# pass_table PASS: prints the rounds and the medians; sets RATIO_P50_<PASS>,
# RATIO_MEAN_<PASS> (medians of the per-round ratios roomd / reference)
pass_table() {
    local pass=$1 i n
    local -n unp=UNP_$pass ref=REF_$pass
    local rp=() rm=()
    n=${#ref[@]}; [ "${#unp[@]}" -lt "$n" ] && n=${#unp[@]}
    printf -v "RATIO_P50_$pass" '%s' ""; printf -v "RATIO_MEAN_$pass" '%s' ""
    [ "$n" -gt 0 ] || { log "   $pass: no result"; return 0; }
    log "   $pass:"
    for ((i = 0; i < n; i++)); do
        rp+=("$(fcalc "$(kv p50_us "${unp[$i]}") / $(kv p50_us "${ref[$i]}")" 3)")
        rm+=("$(fcalc "$(kv mean_us "${unp[$i]}") / $(kv mean_us "${ref[$i]}")" 3)")
        log "     round $((i + 1)): p50 reference $(kv p50_us "${ref[$i]}") us, roomd Kick $(kv p50_us "${unp[$i]}") us: ratio ${rp[$i]} (mean-latency ratio ${rm[$i]})"
    done
    printf -v "RATIO_P50_$pass" '%s' "$(median "${rp[@]}")"
    printf -v "RATIO_MEAN_$pass" '%s' "$(median "${rm[@]}")"
    printf '     %-26s %14s %14s %10s\n' "medians of $n rounds" "reference" "roomd Kick" "roomd/ref"
    row() { # row LABEL KEY [ratio]
        local a b r=""
        a=$(med_of "$2" "${ref[@]:0:n}"); b=$(med_of "$2" "${unp[@]:0:n}")
        if [ -n "${3:-}" ]; then r=$(fcalc "$b / $a" 2); else a=$(fcalc "$a" 0); b=$(fcalc "$b" 0); fi
        printf '     %-26s %14s %14s %10s\n' "$1" "$a" "$b" "${r:--}"
    }
    row "round trips/s" per_s
    row "mean latency (us)" mean_us ratio
    row "p50 latency (us)" p50_us ratio
    row "p99 latency (us)" p99_us ratio
}

hr
log "== results"
log "   Kick call $REQ_B B, Kick reply $REP_B B (NUL included); the reference uses the same sizes"
pass_table unpinned
[ "$PINNED" = 1 ] && pass_table pinned
RATIO_P50_pinned=${RATIO_P50_pinned:-}; RATIO_MEAN_pinned=${RATIO_MEAN_pinned:-}
p_rate=""
p_all=""
if [ "${#PIPE_LINES[@]}" -gt 0 ]; then
    p_rate=$(fcalc "$(med_of per_s "${PIPE_LINES[@]}")" 0)
    for line in "${PIPE_LINES[@]}"; do p_all+="$(kv per_s "$line") "; done
fi
log ""
log "   pipelined kicks/s (joins included): median ${p_rate:--} of ${#PIPE_LINES[@]} runs (${p_all% })"
occ_total=$((ROOMS * OCCUPANTS))
kib_total=""; kib_delta=""
if [ -n "$RSS1" ] && [ -n "$LOAD" ]; then
    kib_total=$(fcalc "$RSS1 / $occ_total" 3)
    kib_delta=$(fcalc "($RSS1 - $RSS0) / $occ_total" 3)
    log "   load of $ROOMS rooms x $OCCUPANTS occupants = $occ_total occupants: $(kv secs "$LOAD") s"
    log "   VmRSS before $RSS0 KiB, after $RSS1 KiB"
    log "   KiB per occupant: $kib_total (RSS after / occupants), $kib_delta ((RSS after - before) / occupants)"
else
    log "   memory test: no result"
fi

verdict() { # verdict "a <= b" VALUE
    if [ -z "$2" ]; then echo "MISS (no result)"; elif fcmp "$1"; then echo PASS; else echo MISS; fi
}

hr
log "== summary"
srow() { printf '   %-56s %8s  %s\n' "$1" "${2:--}" "$3"; }
srow "Kick p50 / reference p50 <= $T_RATIO, unpinned" "$RATIO_P50_unpinned" \
    "$(verdict "${RATIO_P50_unpinned:-0} <= $T_RATIO" "$RATIO_P50_unpinned")   (mean-latency ratio ${RATIO_MEAN_unpinned:--})"
if [ "$PINNED" = 1 ]; then
    srow "Kick p50 / reference p50, pinned to 1 CPU (no target)" "$RATIO_P50_pinned" \
        "info   (mean-latency ratio ${RATIO_MEAN_pinned:--})"
fi
srow "pipelined kicks/s >= $T_PIPE" "$p_rate" "$(verdict "${p_rate:-0} >= $T_PIPE" "$p_rate")"
srow "KiB per occupant <= $T_KIB, RSS after / occupants" "$kib_total" "$(verdict "${kib_total:-0} <= $T_KIB" "$kib_total")"
srow "KiB per occupant <= $T_KIB, (after - before) / occupants" "$kib_delta" "$(verdict "${kib_delta:-0} <= $T_KIB" "$kib_delta")"
if [ "$FAILED" = 1 ]; then
    log "   run: FAILED (see the !! lines above)"
else
    log "   run: clean (no error replies, roomd stayed up, nothing timed out)"
fi
log "   total time: $(($(date +%s) - T_START)) s"
[ "$FAILED" = 0 ]
