#!/usr/bin/env bash
# Two builds side by side: Benchmarks/roomd and Benchmarks/fcgi (QUICK) run against each in alternating
# rounds (A B, then B A, ...), so that drift in the machine's load falls on both. Prints each round's
# headline figures and the medians.
#
# Usage: Benchmarks/compare.sh DIR_A DIR_B [ROUNDS]
#   DIR_A, DIR_B: folders holding roomd and muc-kick-fcgi release builds (e.g. a worktree's .build/release)
#   ROUNDS: default 3
# Environment: SKIP_ROOMD=1 or SKIP_FCGI=1 leave one benchmark out.
#
# Per round and build:
#   roomd: Kick p50 / reference p50 (unpinned, and pinned to one CPU), pipelined kicks/s
#   fcgi:  muc-kick-fcgi r/s / C reference r/s for the 401 and kick paths, the responder's CPU µs per
#          request on each, and its peak RSS (MiB)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 DIR_A DIR_B [ROUNDS]" >&2; exit 64; }
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
ROUNDS=${3:-3}
for dir in "$A" "$B"; do
    for binary in roomd muc-kick-fcgi; do
        [ -x "$dir/$binary" ] || { echo "error: $dir/$binary is missing (swift build -c release)" >&2; exit 66; }
    done
done

OUT=$(mktemp -d /tmp/bench-compare.XXXXXX)
RESULTS="$OUT/results.tsv"
: >"$RESULTS"
echo "logs in $OUT"

field() { # field LOG PATTERN: the value column of the roomd summary line matching PATTERN
    grep -F "$2" "$1" | head -1 | awk '{ for (i = NF; i > 0; i--) if ($i ~ /^[0-9.]+$/) { print $i; exit } }'
}

tsv_value() { # tsv_value TSV SIDE PATH COLUMN: the first row's value for SIDE and PATH
    awk -F'\t' -v s="$2" -v p="$3" -v c="$4" '$1 == s && $2 == p { print $c; exit }' "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "") printf "%.3f", b / a; else printf "-" }'; }

run_one() { # run_one LABEL DIR ROUND
    local label=$1 dir=$2 round=$3 log
    if [ "${SKIP_ROOMD:-0}" != 1 ]; then
        log="$OUT/roomd-$label-$round.log"
        ROOMD="$dir/roomd" ROOMD_SKIP_BUILD=1 ROUNDS=3 "$HERE/roomd/run.sh" >"$log" 2>&1 \
            || echo "!! roomd benchmark for $label, round $round, not clean: $log"
        printf '%s\t%s\troomd_p50_ratio_unpinned\t%s\n' "$label" "$round" "$(field "$log" "Kick p50 / reference p50 <=")" >>"$RESULTS"
        printf '%s\t%s\troomd_p50_ratio_pinned\t%s\n' "$label" "$round" "$(field "$log" "pinned to 1 CPU")" >>"$RESULTS"
        printf '%s\t%s\troomd_pipelined_per_s\t%s\n' "$label" "$round" "$(field "$log" "pipelined kicks/s >=")" >>"$RESULTS"
    fi
    if [ "${SKIP_FCGI:-0}" != 1 ]; then
        log="$OUT/fcgi-$label-$round.log"
        QUICK=1 SIDES="ref mk" PATHS="401 kick" MUC_KICK_FCGI="$dir/muc-kick-fcgi" ROOMD="$dir/roomd" \
            "$HERE/fcgi/run.sh" >"$log" 2>&1 || echo "!! fcgi benchmark for $label, round $round, not clean: $log"
        local tsv="$HERE/fcgi/bin/last-run.tsv" path
        cp "$tsv" "$OUT/fcgi-$label-$round.tsv"
        for path in 401 kick; do
            printf '%s\t%s\tfcgi_%s_ratio\t%s\n' "$label" "$round" "$path" \
                "$(ratio "$(tsv_value "$tsv" ref "$path" 7)" "$(tsv_value "$tsv" mk "$path" 7)")" >>"$RESULTS"
            printf '%s\t%s\tfcgi_%s_cpu_us\t%s\n' "$label" "$round" "$path" "$(tsv_value "$tsv" mk "$path" 17)" >>"$RESULTS"
            printf '%s\t%s\tfcgi_%s_rss_mib\t%s\n' "$label" "$round" "$path" \
                "$(awk -v k="$(tsv_value "$tsv" mk "$path" 15)" 'BEGIN { if (k != "") printf "%.1f", k / 1024 }')" >>"$RESULTS"
        done
    fi
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
    for label in $order; do
        if [ "$label" = A ]; then dir=$A; else dir=$B; fi
        echo "round $round: $label ($dir)"
        run_one "$label" "$dir" "$round"
    done
done

echo
echo "A = $A"
echo "B = $B"
printf '%-28s %-36s %-36s %8s\n' metric "A (rounds; median)" "B (rounds; median)" "B/A"
for metric in $(cut -f3 "$RESULTS" | awk '!seen[$0]++'); do
    line=$(printf '%-28s' "$metric")
    medians=()
    for label in A B; do
        values=$(awk -F'\t' -v l="$label" -v m="$metric" '$1 == l && $3 == m && $4 != "" && $4 != "-" { print $4 }' "$RESULTS")
        median=$(printf '%s\n' $values | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        medians+=("$median")
        line+=$(printf ' %-36s' "$(echo $values | tr ' ' '/'); $median")
    done
    line+=$(printf ' %8s' "$(ratio "${medians[0]}" "${medians[1]}")")
    echo "$line"
done
echo "raw: $RESULTS"
