#!/usr/bin/env bash
# Runs every test of muc-kick: unit tests (swift test) and the integration tests that start the real
# daemons. Installs or upgrades what the tests need first (Debian packages, PyPI packages), so it works
# on a fresh Debian machine with Swift. Usage: deploy/test-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh test

echo "== building"
swift build --build-tests
MUCKICK_BIN_DIR="$(swift build --show-bin-path)"
export MUCKICK_BIN_DIR

passed=0
failed=0
# Runs one step; its outcome goes into the summary line at the end.
step() {
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

echo "== building XMLStream against an expat.h without XML_SetReparseDeferralEnabled (expat < 2.6.0)"
step Tests/build/expat-without-reparse-deferral.sh

echo "== unit tests (swift test)"
step swift test --skip-build

# One pytest-xdist worker a CPU: most tests wait on daemons and sockets rather than compute. A file's tests
# stay in one worker, and the files that change the machine share one (conftest.py groups them).
echo "== integration tests (pytest: real daemons, real sockets; $(nproc) workers)"
step python3 -m pytest -q -n "$(nproc)" --dist loadgroup Tests/integration

# Bounded fuzzing of the parsers that read hostile bytes (libFuzzer + AddressSanitizer, committed seed
# corpora; 20 s a target keeps CI within its 30 minutes, longer runs are for `Tests/Fuzz/run.sh TARGET SECONDS`
# by hand; MUC_KICK_FUZZ_SECONDS=0 skips). A crash fails the run and leaves its reproducer under
# Tests/Fuzz/.build/crashes/. Each fuzzer uses one CPU, so as many run at once as there are CPUs (their
# builds share one build directory, which SwiftPM takes in turn).
fuzz_seconds=${MUC_KICK_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then
    fuzz_logs=$(mktemp -d)
    fuzz_targets=(xmlstream json toml varlink)
    fuzz_at_once=$(nproc)
    declare -A fuzz_pid=()
    for ((first = 0; first < ${#fuzz_targets[@]}; first += fuzz_at_once)); do
        batch=("${fuzz_targets[@]:first:fuzz_at_once}")
        for target in "${batch[@]}"; do
            echo "== fuzzing $target for $fuzz_seconds s"
            Tests/Fuzz/run.sh "$target" "$fuzz_seconds" >"$fuzz_logs/$target" 2>&1 &
            fuzz_pid[$target]=$!
        done
        for target in "${batch[@]}"; do
            if wait "${fuzz_pid[$target]}"; then
                passed=$((passed + 1))
            else
                echo "== fuzzing $target failed:"
                tail -n 60 "$fuzz_logs/$target"
                failed=$((failed + 1))
            fi
            grep -- "^--- $target" "$fuzz_logs/$target" || true
        done
    done
    rm -rf "$fuzz_logs"
fi

# One line for whoever reads the end of the log: each step above (the build check, the unit tests, the
# integration tests, each fuzz target) counts once.
echo "test-all: $passed passed, $failed failed"
[ "$failed" = 0 ]
