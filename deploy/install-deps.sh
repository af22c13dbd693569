#!/usr/bin/env bash
# Installs, or upgrades to apt's candidate, the Debian packages a muc-kick task needs, then checks the
# build dependencies' versions (deploy/check-build-deps.sh). `apt-get install` of an installed package
# upgrades it, which a "dpkg -s" guard would skip: a machine whose image has an older point release
# gets the security updates the build may rely on.
#
#   deploy/install-deps.sh build    what `swift build` needs
#   deploy/install-deps.sh local    build + what deploy/run-local.sh runs (nginx, curl)
#   deploy/install-deps.sh test     build + every server and tool the tests start, and the Python clients
#
# MUC_KICK_SKIP_INSTALL=1 skips installing (offline work) and only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

task=${1:-build}
build=$(awk '!/^#/ && NF { print $1 }' deploy/build-deps.txt | tr '\n' ' ')
case "$task" in
build) packages="$build" ;;
local) packages="$build nginx curl" ;;
test)
    packages="$build nginx spawn-fcgi curl wrk util-linux apache2 libapache2-mod-fcgid systemd binutils \
        prosody ejabberd iproute2"
    ;;
*)
    echo "usage: deploy/install-deps.sh build|local|test" >&2
    exit 64
    ;;
esac

if [ "${MUC_KICK_SKIP_INSTALL:-0}" != 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: installing Debian packages needs root (or set MUC_KICK_SKIP_INSTALL=1 to only check)" >&2
        exit 77
    fi
    echo "== installing or upgrading: $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # the list is words
    apt_log=$(mktemp)
    apt-get install -y -qq -o Dpkg::Use-Pty=0 $packages >"$apt_log" 2>&1 || {
        cat "$apt_log" >&2
        echo "error: apt-get install failed (output above)" >&2
        exit 69
    }
    rm -f "$apt_log"
    if [ "$task" = test ]; then
        echo "== installing or upgrading the Python test clients"
        # A distribution's own python3 refuses pip installs outside a virtual environment (PEP 668); the
        # tests run with that same python3, so the clients go where it looks.
        PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check \
            -r Tests/integration/requirements.txt
    fi
fi
deploy/check-build-deps.sh
