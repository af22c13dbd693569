#!/usr/bin/env python3
"""Compares roomd's nickname profile with precis-i18n, the Python reference implementation of PRECIS.

    pip install --target /tmp/precis precis-i18n==1.1.2
    NICKNAME_PROFILE_DUMP=/tmp/nick.tsv swift test --filter CrossCheckDump
    PYTHONPATH=/tmp/precis python3 Tests/NicknameProfileTests/crosscheck.py /tmp/nick.tsv

Code points that Python's Unicode version leaves unassigned are skipped (ICU's may be newer); every other
difference is printed. Exit status 1 if there is one.
"""
import sys
import unicodedata

from precis_i18n import get_profile

shown_profile = get_profile("NicknameCasePreserved")
key_profile = get_profile("NicknameCaseMapped:ToLower")


def run(profile, text):
    try:
        return " ".join("%x" % ord(c) for c in profile.enforce(text))
    except UnicodeEncodeError:
        return "ERR"


differences = compared = skipped = 0
with open(sys.argv[1], encoding="utf-8") as dump:
    for line in dump:
        value, form, shown, key = line.rstrip("\n").split("\t")
        char = chr(int(value, 16))
        if unicodedata.category(char) == "Cn" and not (0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE):
            skipped += 1
            continue
        text = char if form == "alone" else "a" + char + "b"
        expected = (run(shown_profile, text), run(key_profile, text))
        compared += 1
        if expected != (shown, key):
            differences += 1
            print("U+%04X %s: roomd %s / %s, precis-i18n %s / %s (%s)" % (
                int(value, 16), form, shown, key, expected[0], expected[1], unicodedata.name(char, "?")))
print("unicode %s: %d compared, %d skipped (unassigned there), %d different" % (
    unicodedata.unidata_version, compared, skipped, differences), file=sys.stderr)
sys.exit(1 if differences else 0)
