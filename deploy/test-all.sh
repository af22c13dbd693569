#!/usr/bin/env bash
# Runs every test of muc-kick: unit tests (swift test) and the integration tests that start the real
# daemons. Installs what the tests need first (Debian packages, PyPI packages), so it works on a fresh
# Debian machine with Swift. Usage: deploy/test-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for package in libsqlite3-dev libfcgi-dev libssl-dev libexpat1-dev nginx spawn-fcgi wrk util-linux \
    apache2 libapache2-mod-fcgid systemd binutils prosody; do
    dpkg -s "$package" >/dev/null 2>&1 || need_apt+=("$package")
done
if ((${#need_apt[@]})); then
    echo "== installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! python3 -c 'import varlink, pytest, pytest_timeout, slixmpp' 2>/dev/null; then
    echo "== installing Python test clients"
    python3 -m pip install -q varlink pytest pytest-timeout slixmpp
fi

echo "== building"
swift build --build-tests
MUCKICK_BIN_DIR="$(swift build --show-bin-path)"
export MUCKICK_BIN_DIR

status=0
echo "== unit tests (swift test)"
swift test --skip-build || status=1

echo "== integration tests (pytest: real daemons, real sockets)"
python3 -m pytest -q Tests/integration || status=1

exit "$status"
