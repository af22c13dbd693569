#!/usr/bin/env bash
# Parse time of one stanza with about 1 MB of newlines, references or plain text (see README.md).
#   Benchmarks/xml/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product XMLBench
"$(swift build -c release --show-bin-path)/XMLBench" "$@"
