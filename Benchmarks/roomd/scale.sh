#!/usr/bin/env bash
# roomd at scale: persistent rooms created and configured over XMPP through Prosody, and roomd's restart on a
# store of many rooms. See README.md, "Scale".
#
# Usage: Benchmarks/roomd/scale.sh
# Environment (all optional):
#   ROOMD_SKIP_BUILD=1   do not run `swift build -c release --product roomd`
#   MUCKICK_BIN_DIR=dir  the roomd to measure (default: the release build's bin path)
#   ROOMS=10000          rooms created and configured over XMPP (join, 201, persistent form, leave)
#   TOTAL=100000         rooms in the store for the second restart (the rest made with CreateRoom)
#   CLIENTS=20           c2s sessions creating rooms in parallel, each one room at a time
#   STEP_TIMEOUT=120     seconds allowed for each answer, and for each restart
#   OUT=file             JSON results (default: a file in /tmp, printed at the end)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

if [ -z "${MUCKICK_BIN_DIR:-}" ]; then
    if [ "${ROOMD_SKIP_BUILD:-0}" != 1 ]; then
        swift build -c release --product roomd >/dev/null
    fi
    MUCKICK_BIN_DIR=$(swift build -c release --show-bin-path)
fi
export MUCKICK_BIN_DIR

command -v prosody >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y prosody >/dev/null

OUT=${OUT:-$(mktemp /tmp/roomd-scale.XXXXXX.json)}
echo "roomd under test: $MUCKICK_BIN_DIR/roomd"
python3 "$HERE/scale.py" \
    --rooms "${ROOMS:-10000}" \
    --total "${TOTAL:-100000}" \
    --clients "${CLIENTS:-20}" \
    --timeout "${STEP_TIMEOUT:-120}" \
    --json "$OUT"
echo "results: $OUT"
