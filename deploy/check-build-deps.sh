#!/usr/bin/env bash
# Lists the Debian packages muc-kick builds against (deploy/build-deps.txt) with their installed,
# candidate and minimum versions, and exits 1 with a clear message when one is missing or older than
# its minimum. A package whose installed version is older than apt's candidate is reported too: it
# builds, but misses updates that deploy/install-deps.sh would bring.
#
#   deploy/check-build-deps.sh            check
#   deploy/check-build-deps.sh --strict   also fail when an installed version is older than the candidate
set -euo pipefail
cd "$(dirname "$0")/.."

strict=0
[ "${1:-}" = --strict ] && strict=1

status=0
printf '%-16s %-22s %-22s %-20s %s\n' package installed candidate minimum state
while read -r package minimum _; do
    case "$package" in '' | '#'*) continue ;; esac
    installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$package" 2>/dev/null |
        awk '$1 == "ii" { print $2 }') || true
    candidate=$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }') || true
    state=ok
    if [ -z "$installed" ]; then
        state="MISSING: apt-get install $package"
        status=1
    elif ! dpkg --compare-versions "$installed" ge "$minimum"; then
        state="TOO OLD: needs >= $minimum; apt-get install $package"
        status=1
    elif [ -n "$candidate" ] && [ "$candidate" != "(none)" ] &&
        dpkg --compare-versions "$installed" lt "$candidate"; then
        state="older than candidate: apt-get install $package"
        [ "$strict" = 1 ] && status=1
    fi
    printf '%-16s %-22s %-22s %-20s %s\n' "$package" "${installed:-(none)}" "${candidate:-(unknown)}" \
        "$minimum" "$state"
done <deploy/build-deps.txt

if [ -f /usr/include/expat.h ]; then
    if grep -q XML_SetReparseDeferralEnabled /usr/include/expat.h; then
        echo "expat.h declares XML_SetReparseDeferralEnabled (reparse deferral present)"
    else
        echo "expat.h has no XML_SetReparseDeferralEnabled (expat without reparse deferral; builds all the same)"
    fi
fi
if [ "$status" != 0 ]; then
    echo "error: the build dependencies above are missing or too old; deploy/install-deps.sh installs them" >&2
fi
exit "$status"
