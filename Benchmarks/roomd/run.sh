#!/usr/bin/env bash
# The roomd benchmark: Kick latency against a raw ping-pong reference,
# pipelined Kick throughput, and memory per occupant. See README.md.
#
# Usage: Benchmarks/roomd/run.sh
# Environment (all optional):
#   ROOMD_SKIP_BUILD=1   do not run `swift build -c release --product roomd`
#   ROOMD=path           roomd binary (default: the release build's bin path)
#   KICKS=20000          unpipelined kicks (and reference round trips) per round
#   ROUNDS=3             alternating rounds of roomd Kick and reference
#   WARMUP=2000          untimed warm-up round trips before each of them
#   PIPE_KICKS=200000    pipelined kicks
#   WINDOW=256           pipelined window, in (Join, Kick) pairs
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
PIPE_KICKS=${PIPE_KICKS:-200000}
WINDOW=${WINDOW:-256}
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
result_line() { grep "^RESULT $1 " "$2" | tail -n1 || true; }

roomd_log_tail() {
    local f
    for f in "$TMP"/roomd-*.log; do
        [ -s "$f" ] || continue
        log "   last lines of $(basename "$f"):"
        tail -n 20 "$f" | sed 's/^/     | /'
    done
}

start_roomd() { # start_roomd TAG
    local tag=$1 i
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
log "roomd benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(uname -sr), $(nproc) CPUs, not pinned"
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
hr
log "== 1. unpipelined Kick vs 2. reference ping-pong: $ROUNDS alternating rounds of $KICKS round trips"
log "   (each after $WARMUP untimed ones; roomd: Join untimed, then the Kick round trip timed)"
start_roomd kick
REQ_B=""; REP_B=""
UNP_LINES=(); REF_LINES=()
for r in $(seq "$ROUNDS"); do
    log "   -- round $r/$ROUNDS: roomd Kick (room kicku$r@$SERVICE)"
    q=(); [ "$r" = 1 ] || q=(-q)
    run_client "kickbench unpipelined (round $r)" "$TMP/unp$r.out" \
        "$BIN/kickbench" "${q[@]}" -k "$KICKS" -w "$WARMUP" -s "$SERVICE" -r "kicku$r@$SERVICE" \
        unpipelined "$SOCK"
    check_roomd_alive "the unpipelined run" || break
    line=$(result_line unpipelined "$TMP/unp$r.out")
    [ -n "$line" ] || break
    UNP_LINES+=("$line")
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
    log "   -- round $r/$ROUNDS: reference ping-pong (request $REQ_B B, reply $REP_B B)"
    run_client "pingpong client (round $r)" "$TMP/ref$r.out" \
        "$BIN/pingpong" client "$PP_SOCK" "$REQ_B" "$KICKS" "$WARMUP"
    line=$(result_line pingpong "$TMP/ref$r.out")
    [ -n "$line" ] && REF_LINES+=("$line")
done
stop_pid "$PP_PID" pingpong
PP_PID=""
if [ -z "$REQ_B" ]; then
    log "!! the unpipelined Kick run gave no result"
    exit 1
fi

# ---------------------------------------------------------------- pipelined
hr
log "== 3. pipelined Join+Kick ($PIPE_KICKS kicks, windows of $WINDOW pairs, one write() each)"
if [ -n "$ROOMD_PID" ]; then
    run_client "kickbench pipelined" "$TMP/pipe.out" \
        "$BIN/kickbench" -k "$PIPE_KICKS" -W "$WINDOW" -s "$SERVICE" pipelined "$SOCK"
    check_roomd_alive "the pipelined run" || true
fi
PIPE=$(result_line pipelined "$TMP/pipe.out" 2>/dev/null || true)
stop_roomd

# ---------------------------------------------------------------- memory
hr
log "== 4. memory: $ROOMS rooms x $OCCUPANTS occupants, in a fresh roomd"
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

# ---------------------------------------------------------------- summary
median() { # median of the arguments (empty if none)
    [ "$#" -gt 0 ] || return 0
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
med_of() { # med_of KEY LINE...: median of KEY over result lines
    local key=$1 l vals=()
    shift
    for l in "$@"; do vals+=("$(kv "$key" "$l")"); done
    median "${vals[@]}"
}
ref_rate=$(fcalc "$(med_of per_s "${REF_LINES[@]}")" 0); ref_mean=$(med_of mean_us "${REF_LINES[@]}")
ref_p50=$(med_of p50_us "${REF_LINES[@]}"); ref_p99=$(med_of p99_us "${REF_LINES[@]}")
k_rate=$(fcalc "$(med_of per_s "${UNP_LINES[@]}")" 0); k_mean=$(med_of mean_us "${UNP_LINES[@]}")
k_p50=$(med_of p50_us "${UNP_LINES[@]}"); k_p99=$(med_of p99_us "${UNP_LINES[@]}")
# per-round ratios (roomd / reference of the same round), and their medians
R_P50=(); R_MEAN=()
n_rounds=${#REF_LINES[@]}; [ "${#UNP_LINES[@]}" -lt "$n_rounds" ] && n_rounds=${#UNP_LINES[@]}
for ((i = 0; i < n_rounds; i++)); do
    R_P50+=("$(fcalc "$(kv p50_us "${UNP_LINES[$i]}") / $(kv p50_us "${REF_LINES[$i]}")" 3)")
    R_MEAN+=("$(fcalc "$(kv mean_us "${UNP_LINES[$i]}") / $(kv mean_us "${REF_LINES[$i]}")" 3)")
done
p_rate=$(kv per_s "$PIPE")
occ_total=$((ROOMS * OCCUPANTS))
load_secs=$(kv secs "$LOAD")

hr
log "== results"
for ((i = 0; i < n_rounds; i++)); do
    log "   round $((i + 1)): p50 reference $(kv p50_us "${REF_LINES[$i]}") us, roomd Kick $(kv p50_us "${UNP_LINES[$i]}") us: ratio ${R_P50[$i]} (mean ratio ${R_MEAN[$i]})"
done
log "   medians over the $n_rounds rounds:"
printf '   %-22s %18s %18s %14s\n' "Kick round trip" "reference" "roomd Kick" "roomd/ref"
printf '   %-22s %18s %18s %14s\n' "message sizes (B)" "$REQ_B -> $REP_B" "$REQ_B -> $REP_B" ""
row() { # row LABEL REF ROOMD [ratio?]
    local r=""
    [ -n "${4:-}" ] && [ -n "$2" ] && [ -n "$3" ] && r=$(fcalc "$3 / $2" 2)
    printf '   %-22s %18s %18s %14s\n' "$1" "${2:--}" "${3:--}" "${r:--}"
}
row "round trips/s" "$ref_rate" "$k_rate"
row "mean latency (us)" "$ref_mean" "$k_mean" ratio
row "p50 latency (us)" "$ref_p50" "$k_p50" ratio
row "p99 latency (us)" "$ref_p99" "$k_p99" ratio
log ""
log "   pipelined kicks/s (joins included): ${p_rate:--}"
if [ -n "$RSS1" ] && [ -n "$LOAD" ]; then
    kib_total=$(fcalc "$RSS1 / $occ_total" 3)
    kib_delta=$(fcalc "($RSS1 - $RSS0) / $occ_total" 3)
    log "   load of $ROOMS rooms x $OCCUPANTS occupants = $occ_total occupants: ${load_secs} s"
    log "   VmRSS before $RSS0 KiB, after $RSS1 KiB"
    log "   KiB per occupant: $kib_total (RSS after / occupants), $kib_delta ((RSS after - before) / occupants)"
else
    kib_total=""; kib_delta=""
    log "   memory test: no result"
fi

verdict() { # verdict CONDITION-OK?(0/1) VALUE-PRESENT
    if [ -z "$2" ]; then echo "MISS (no result)"; elif [ "$1" = 1 ]; then echo PASS; else echo MISS; fi
}
ratio_p50=$(median "${R_P50[@]}"); ratio_mean=$(median "${R_MEAN[@]}")
ok() { fcmp "$1" && echo 1 || echo 0; }

hr
log "== summary"
log "   Kick p50 latency / reference p50 <= $T_RATIO (median of rounds): ${ratio_p50:--} (mean latency ratio: ${ratio_mean:--})  $(verdict "$( [ -n "$ratio_p50" ] && ok "$ratio_p50 <= $T_RATIO")" "$ratio_p50")"
log "   pipelined kicks/s >= $T_PIPE: ${p_rate:--}  $(verdict "$( [ -n "$p_rate" ] && ok "$p_rate >= $T_PIPE")" "$p_rate")"
log "   KiB per occupant <= $T_KIB, RSS after / occupants: ${kib_total:--}  $(verdict "$( [ -n "$kib_total" ] && ok "$kib_total <= $T_KIB")" "$kib_total")"
log "   KiB per occupant <= $T_KIB, (after - before) / occupants: ${kib_delta:--}  $(verdict "$( [ -n "$kib_delta" ] && ok "$kib_delta <= $T_KIB")" "$kib_delta")"
if [ "$FAILED" = 1 ]; then
    log "   run: FAILED (see the !! lines above)"
else
    log "   run: clean (no error replies, roomd stayed up)"
fi
log "   total time: $(( $(date +%s) - T_START )) s"
[ "$FAILED" = 0 ]
