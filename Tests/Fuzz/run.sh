#!/usr/bin/env bash
# Builds a libFuzzer target and runs it for a bounded time on its committed seed corpus.
#   Tests/Fuzz/run.sh TARGET SECONDS [libFuzzer options...]
# TARGET: xmlstream, json, toml or varlink. New inputs go to .build/corpus/TARGET (the seeds stay as committed), crashes to
# .build/crashes/TARGET/. Exits non-zero if the target crashed; prints executions per second.
set -euo pipefail
cd "$(dirname "$0")"

target=${1:?usage: run.sh TARGET SECONDS [libFuzzer options...]}
seconds=${2:?usage: run.sh TARGET SECONDS [libFuzzer options...]}
shift 2
case "$target" in
    xmlstream) product=FuzzXMLStream ;;
    json) product=FuzzJSON ;;
    toml) product=FuzzTOML ;;
    varlink) product=FuzzVarlinkFraming ;;
    *) echo "error: unknown target '$target' (known: xmlstream, json, toml, varlink)" >&2; exit 2 ;;
esac
[ -d "corpus/$target" ] || { echo "error: no seed corpus corpus/$target" >&2; exit 2; }

# Release with testability: fast enough to fuzz, and the harness reads XMLStream's lexical scanner.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing)
swift build "${flags[@]}" --product "$product"
binary="$(swift build "${flags[@]}" --show-bin-path)/$product"

work=".build/corpus/$target"
# Not .build/artifacts: SwiftPM owns that directory, and a build running beside this fuzzer may empty it.
artifacts=".build/crashes/$target/"
mkdir -p "$work" "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# libFuzzer and ASan report crashes themselves; Swift's backtracer would hold a crashed run up.
SWIFT_BACKTRACE=enable=no "$binary" "$work" "corpus/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts" -timeout=10 -rss_limit_mb=2048 "$@" 2>&1 | tee "$log" || status=$?
echo "--- $target: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?') executions," \
    "$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?') exec/s," \
    "corpus $(ls "$work" | wc -l) inputs in $work"
if [ "$status" -ne 0 ]; then
    echo "--- $target: crashed (exit $status); reproducer in $artifacts" >&2
fi
exit "$status"
