#!/usr/bin/env bash
# The StrictJSON parser's time for a 64 KiB object of 7,753 keys against a 64 KiB ordinary body
# (release build). Usage: Benchmarks/json/run.sh
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --scratch-path ../../.build-bench-json >&2
../../.build-bench-json/release/json-bench
