#!/usr/bin/env bash
# The XMPP benchmark: the latency of a rejoin in a room of 20, against Prosody's own MUC on the same
# Prosody; occupants joined over XMPP per second, and kicks per second with the presence fan-out, in rooms
# of 100 and 1,000 occupants; through a real Prosody (end to end) and against roomd alone (the benchmark
# plays the XMPP server). See README.md.
#
# Usage: Benchmarks/xmpp/run.sh
# Environment (all optional):
#   MUCKICK_BIN_DIR=dir   roomd / muc-kick-fcgi to measure (default: `swift build` debug bin path)
#   SKIP_BUILD=1          do not run `swift build` (debug) first
#   SIZES=100,1000        room sizes through Prosody ("" to skip)
#   DIRECT_SIZES=100,1000 room sizes with the benchmark as the XMPP server ("" to skip)
#   KICKS=50              HTTP kicks per room (at most half the room)
#   XMPP_KICKS=20         kicks by the owner over XMPP per room (at most a quarter of the room)
#   REJOIN=20             occupants of the rejoin rooms, roomd's and Prosody's own MUC's (0 skips the phase)
#   REJOIN_ROUNDS=60      rejoins in each room, the two rooms alternating
#   REJOIN_PAUSE=0        seconds between a leave answered and the next join
#   REJOIN_HISTORY=0      messages said in each rejoin room first, sent again as history on every join
#   PROSODY_NAGLE=on      off: Prosody runs with network_settings = { nagle = false }
#   PROSODY_READ_SIZE=0   Prosody's network_settings read_size (0: its default, 8192)
#   HTTP_CONCURRENCY=4    HTTP kick requests in flight
#   OUT=file              JSON results (default: a file in /tmp, printed at the end)
#   STEP_TIMEOUT=300      seconds allowed for each phase to complete
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

if [ -z "${MUCKICK_BIN_DIR:-}" ]; then
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        swift build >/dev/null
    fi
    MUCKICK_BIN_DIR=$(swift build --show-bin-path)
fi
export MUCKICK_BIN_DIR

need() { command -v "$1" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null; }
need prosody prosody
need nginx nginx
python3 -c 'import varlink' 2>/dev/null || python3 -m pip install -q varlink

OUT=${OUT:-$(mktemp /tmp/xmpp-bench.XXXXXX.json)}
echo "roomd under test: $MUCKICK_BIN_DIR/roomd"
python3 "$HERE/bench.py" \
    --sizes "${SIZES-100,1000}" \
    --direct-sizes "${DIRECT_SIZES-100,1000}" \
    --kicks "${KICKS:-50}" \
    --xmpp-kicks "${XMPP_KICKS:-20}" \
    --rejoin "${REJOIN:-20}" \
    --rejoin-rounds "${REJOIN_ROUNDS:-60}" \
    --rejoin-pause "${REJOIN_PAUSE:-0}" \
    --rejoin-history "${REJOIN_HISTORY:-0}" \
    --prosody-nagle "${PROSODY_NAGLE:-on}" \
    --prosody-read-size "${PROSODY_READ_SIZE:-0}" \
    --http-concurrency "${HTTP_CONCURRENCY:-4}" \
    --timeout "${STEP_TIMEOUT:-300}" \
    --json "$OUT"
echo "results: $OUT"
