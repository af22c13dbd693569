#!/usr/bin/env bash
# A legitimate kick's latency behind Apache with 0, 20 and 100 unauthenticated slow-body clients.
# Usage: Benchmarks/slowbody/run.sh [KICKS]   (MUCKICK_BIN_DIR: the binaries; default `swift build`'s)
set -euo pipefail
cd "$(dirname "$0")/../.."
MUCKICK_BIN_DIR=${MUCKICK_BIN_DIR:-$(swift build --show-bin-path)}
export MUCKICK_BIN_DIR
exec python3 Benchmarks/slowbody/bench.py "$@"
