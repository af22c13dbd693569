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

status=0
echo "== building XMLStream against an expat.h without XML_SetReparseDeferralEnabled (expat < 2.6.0)"
Tests/build/expat-without-reparse-deferral.sh || status=1

echo "== unit tests (swift test)"
swift test --skip-build || status=1

echo "== integration tests (pytest: real daemons, real sockets)"
python3 -m pytest -q Tests/integration || status=1

# Bounded fuzzing of the parsers that read hostile bytes (libFuzzer + AddressSanitizer, committed seed
# corpora; MUC_KICK_FUZZ_SECONDS=0 skips). A crash fails the run and leaves its reproducer under
# Tests/Fuzz/.build/artifacts/.
fuzz_seconds=${MUC_KICK_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" != 0 ]; then
    for target in xmlstream json toml; do
        echo "== fuzzing $target for $fuzz_seconds s"
        Tests/Fuzz/run.sh "$target" "$fuzz_seconds" >"/tmp/muc-kick-fuzz-$target.log" 2>&1 || {
            tail -n 60 "/tmp/muc-kick-fuzz-$target.log"
            status=1
        }
        grep -- "^--- $target" "/tmp/muc-kick-fuzz-$target.log" || true
    done
fi

exit "$status"
