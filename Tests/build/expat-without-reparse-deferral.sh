#!/usr/bin/env bash
# Builds the XML stream layer against a copy of the installed expat.h with XML_SetReparseDeferralEnabled
# removed, as upstream expat before 2.6.0 and older distribution point releases ship it, with its
# unit tests: the code must build with and without that function (it finds the function at load time).
set -euo pipefail
cd "$(dirname "$0")/../.."

header=$(echo '#include <expat.h>' | cc -E -H -x c - 2>&1 >/dev/null | awk '/expat.h$/ { print $2; exit }')
[ -f "$header" ] || { echo "error: expat.h not found (apt-get install libexpat1-dev)" >&2; exit 1; }
include=$(mktemp -d)
trap 'rm -rf "$include"' EXIT
cp "$(dirname "$header")"/expat*.h "$include/"
# The declaration spans two lines: XMLPARSEAPI(XML_Bool) then the name with its parameters.
python3 - "$include/expat.h" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text, count = re.subn(r"XMLPARSEAPI\(XML_Bool\)\s*XML_SetReparseDeferralEnabled\([^;]*\);", "", text)
print("removed %d declaration(s) of XML_SetReparseDeferralEnabled" % count)
open(path, "w").write(text)
PY
if grep -q XML_SetReparseDeferralEnabled "$include/expat.h"; then
    echo "error: could not remove XML_SetReparseDeferralEnabled from the copy of expat.h" >&2
    exit 1
fi
swift build --scratch-path .build-oldexpat --target XMLStreamTests -Xcc -I"$include"
