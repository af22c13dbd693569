#!/usr/bin/env bash
# The floor under the responder's two ways to roomd: a bare round trip over TCP
# on loopback against one over a Unix socket, with no TLS, no JSON and no
# state, so the cost of TCP alone is known before TLS is blamed for the
# difference between run.sh's `mk` and `mkt` sides. See README.md.
#
# Usage: Benchmarks/fcgi/transport.sh
# Environment (all optional):
#   ROUNDS=5        rounds; in each, the Unix and the TCP client run one after
#                   the other; the table shows the median of each figure
#   COUNT=100000    timed round trips per client run (WARMUP=2000 before)
#   REQ_B=190       request bytes (about a Kick call); REP_B=120 reply bytes
#   PORT=18090      the TCP server's port on 127.0.0.1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN="$HERE/bin"
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-100000}
WARMUP=${WARMUP:-2000}
REQ_B=${REQ_B:-190}
REP_B=${REP_B:-120}
PORT=${PORT:-18090}
for knob in ROUNDS COUNT WARMUP REQ_B REP_B PORT; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || { echo "$knob must be a positive number" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/transport-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

mkdir -p "$BIN"
cc -O2 -Wall -o "$BIN/pingpong" "$HERE/../roomd/pingpong.c"

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # cpu_ticks PID: utime + stime in clock ticks
    local stat rest
    stat=$(cat "/proc/$1/stat")
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s' $(( ${12} + ${13} ))
}
kv() { # kv KEY LINE: the value of KEY=VALUE in LINE
    local word
    for word in $2; do [ "${word%%=*}" = "$1" ] && { printf '%s' "${word#*=}"; return 0; }; done
    printf ''
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A SERVER ADDRESS
ADDRESS[unix]="$TMP/pingpong.sock"
ADDRESS[tcp]="tcp:$PORT"
for transport in unix tcp; do
    "$BIN/pingpong" server "${ADDRESS[$transport]}" "$REP_B" 2>"$TMP/server-$transport.log" &
    SERVER[$transport]=$!
    PIDS+=("$!")
done
for transport in unix tcp; do
    for _ in $(seq 100); do
        grep -q listening "$TMP/server-$transport.log" 2>/dev/null && break
        kill -0 "${SERVER[$transport]}" 2>/dev/null || { cat "$TMP/server-$transport.log" >&2; exit 1; }
        sleep 0.05
    done
    grep -q listening "$TMP/server-$transport.log" || { echo "the $transport server did not start" >&2; exit 1; }
done

echo "transport floor: $ROUNDS rounds of $COUNT round trips, request $REQ_B B, reply $REP_B B, $(nproc) CPUs"
for round in $(seq "$ROUNDS"); do
    for transport in unix tcp; do
        before=$(cpu_ticks "${SERVER[$transport]}")
        line=$("$BIN/pingpong" client "${ADDRESS[$transport]}" "$REQ_B" "$COUNT" "$WARMUP" | grep '^RESULT')
        after=$(cpu_ticks "${SERVER[$transport]}")
        server_us=$(awk -v a="$before" -v b="$after" -v t="$CLK_TCK" -v n="$COUNT" 'BEGIN { printf "%.2f", (b - a) * 1e6 / t / n }')
        client_us=$(kv cpu_us "$line")
        mean_us=$(kv mean_us "$line")
        printf '%s %s %s %s\n' "$mean_us" "$client_us" "$server_us" \
            "$(awk -v c="$client_us" -v s="$server_us" 'BEGIN { printf "%.2f", c + s }')" >>"$TMP/$transport"
        printf '   round %d %-4s latency %7.2f us  CPU per round trip: client %6.2f us, server %6.2f us\n' \
            "$round" "$transport" "$mean_us" "$client_us" "$server_us"
    done
done

column_median() { awk -v c="$2" '{ print $c }' "$TMP/$1" | median; }
echo
printf '%-10s %12s %14s %14s %14s\n' transport "latency us" "client CPU us" "server CPU us" "CPU us / rt"
for transport in unix tcp; do
    printf '%-10s %12s %14s %14s %14s\n' "$transport" "$(column_median "$transport" 1)" \
        "$(column_median "$transport" 2)" "$(column_median "$transport" 3)" "$(column_median "$transport" 4)"
done
unix_cpu=$(column_median unix 4)
tcp_cpu=$(column_median tcp 4)
awk -v u="$unix_cpu" -v t="$tcp_cpu" \
    'BEGIN { printf "TCP costs %.2f us more CPU per round trip than a Unix socket (x%.2f); medians of the rounds.\n", t - u, t / u }'
