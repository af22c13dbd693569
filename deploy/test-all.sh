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

echo "== integration tests (pytest: real daemons, real sockets)"
step python3 -m pytest -q Tests/integration

# Bounded fuzzing of the parsers that read hostile bytes (libFuzzer + AddressSanitizer, committed seed
# corpora; MUC_KICK_FUZZ_SECONDS=0 skips). A crash fails the run and leaves its reproducer under
# Tests/Fuzz/.build/artifacts/.
fuzz_seconds=${MUC_KICK_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" != 0 ]; then
    fuzz_log=$(mktemp)
    for target in xmlstream json toml varlink; do
        echo "== fuzzing $target for $fuzz_seconds s"
        if Tests/Fuzz/run.sh "$target" "$fuzz_seconds" >"$fuzz_log" 2>&1; then
            passed=$((passed + 1))
        else
            tail -n 60 "$fuzz_log"
            failed=$((failed + 1))
        fi
        grep -- "^--- $target" "$fuzz_log" || true
    done
    rm -f "$fuzz_log"
fi

# One line for whoever reads the end of the log: each step above (the build check, the unit tests, the
# integration tests, each fuzz target) counts once.
echo "test-all: $passed passed, $failed failed"
[ "$failed" = 0 ]
