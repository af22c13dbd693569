"""The responder's TOML reader against Python's tomllib, over the documents in toml_corpus/.

The reader (Sources/Responder/ResponderConfiguration/TOMLDocument.swift) reads a documented subset of TOML 1.0. Run through
`muc-kick-fcgi --check-config FILE --json`, every document must come out one of three ways:

- tomllib refuses it: the reader refuses it too, naming the line.
- the reader accepts it: tomllib accepts it, with the same keys, types and values.
- tomllib accepts it and the reader refuses it: only for the constructs in UNSUPPORTED, each with a
  message saying so. These documents live in toml_corpus/unsupported/, named CATEGORY__DETAIL.toml,
  so the subset is written down rather than whatever the reader happens to do.

valid/ and invalid/ say what each document is meant to be, so that a change in either reader that
turns a valid document into a refusal (or the reverse) shows up here too.
"""

import json
import math
import os
import subprocess
import tomllib

import pytest

import mk_helpers as H

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "toml_corpus")

# What the reader does not support, and the words of its message for each. README.md's "Responder
# configuration" section lists the same.
UNSUPPORTED = {
    "dotted-key": "dotted keys",
    "inline-table": "inline tables",
    "array-of-tables": "arrays of tables",
    "multiline-string": "multi-line strings",
    "date-time": "dates and times are not supported",
    "integer-range": "out of the range of 64-bit integers",
    "deep-nesting": "nested deeper than 16 are not supported",
    "dotted-name-clash": "quoted keys with dots are not supported",
}


def documents():
    found = []
    for kind in ("valid", "invalid", "unsupported"):
        for name in sorted(os.listdir(os.path.join(CORPUS, kind))):
            if name.endswith(".toml"):
                found.append(pytest.param(kind, name, id="%s/%s" % (kind, name[: -len(".toml")])))
    return found


def fcgi_bin():
    path = os.path.join(H.bin_dir(), "muc-kick-fcgi")
    if not os.path.exists(path):
        pytest.fail("muc-kick-fcgi not found at %s (set MUCKICK_BIN_DIR or build first)" % path)
    return path


def python_reading(path):
    """tomllib's reading, or None when it refuses the document."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def our_reading(path):
    """(document or None, stderr): the responder's reading of the file, as plain Python values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUC_KICK_")}
    proc = subprocess.run(
        [fcgi_bin(), "--check-config", path, "--json"], capture_output=True, timeout=30, env=env)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 78), "exit %s: %s" % (proc.returncode, stderr)
    if not proc.stdout:
        assert proc.returncode == 78, stderr
        return None, stderr
    return untyped(json.loads(proc.stdout)), stderr


def untyped(node):
    """The typed JSON (toml-test's form) as the values tomllib gives."""
    if set(node) == {"type", "value"} and isinstance(node["type"], str):
        kind, value = node["type"], node["value"]
        if kind == "array":
            return [untyped(item) for item in value]
        if kind == "string":
            return value
        if kind == "integer":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            assert value in ("true", "false")
            return value == "true"
        raise AssertionError("unknown type %r" % kind)
    return {key: untyped(value) for key, value in node.items()}


def same(ours, theirs, where="document"):
    """Exact equality: types too (1 is not 1.0 nor True), NaN equals NaN, -0.0 is not 0.0."""
    assert type(ours) is type(theirs), "%s: %r is not %r" % (where, ours, theirs)
    if isinstance(ours, dict):
        assert sorted(ours) == sorted(theirs), "%s: keys %r, tomllib %r" % (where, sorted(ours), sorted(theirs))
        for key in ours:
            same(ours[key], theirs[key], "%s.%s" % (where, key))
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), "%s: %r, tomllib %r" % (where, ours, theirs)
        for index, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, "%s[%d]" % (where, index))
    elif isinstance(ours, float):
        if math.isnan(theirs):
            assert math.isnan(ours), "%s: %r, tomllib nan" % (where, ours)
        else:
            assert ours == theirs and math.copysign(1, ours) == math.copysign(1, theirs), (
                "%s: %r, tomllib %r" % (where, ours, theirs))
    else:
        assert ours == theirs, "%s: %r, tomllib %r" % (where, ours, theirs)


def test_the_corpus_is_large_enough():
    assert len(documents()) >= 60


@pytest.mark.parametrize("kind,name", documents())
def test_reader_agrees_with_tomllib(kind, name):
    path = os.path.join(CORPUS, kind, name)
    theirs = python_reading(path)
    ours, stderr = our_reading(path)

    if theirs is None:
        assert ours is None, "tomllib refuses %s, the responder read %r" % (name, ours)
    if ours is not None:
        assert theirs is not None
        same(ours, theirs)
    else:
        # A refusal names the line, so that an operator finds what to fix.
        assert "configuration line " in stderr, stderr
    if theirs is not None and ours is None:
        category = name.split("__")[0]
        assert kind == "unsupported" and category in UNSUPPORTED, (
            "the responder refuses %s/%s, which tomllib reads, and it is not a documented unsupported "
            "construct: %s" % (kind, name, stderr))
        assert UNSUPPORTED[category] in stderr, stderr

    # The directory states what the document is meant to be.
    if kind == "valid":
        assert ours is not None, stderr
    elif kind == "invalid":
        assert theirs is None
    else:
        assert theirs is not None and ours is None


def test_check_config_accepts_a_multi_line_rotation_list_and_reports_settings(tmp_path):
    path = tmp_path / "muc-kick.toml"
    path.write_text(
        'authorization = [\n'
        '    "Bearer old-token",  # until the clients move\n'
        '    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",\n'
        ']\n'
        'roomd_socket = "/tmp/roomd.sock"\n')
    os.chmod(path, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUC_KICK_")}
    proc = subprocess.run([fcgi_bin(), "--check-config", str(path)], capture_output=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    # Without --json nothing goes to standard output: the file holds secrets.
    assert proc.stdout == b""
    assert b"2 Authorization value(s)" in proc.stderr


def test_check_config_refuses_an_unknown_setting_with_exit_78(tmp_path):
    path = tmp_path / "muc-kick.toml"
    path.write_text('authorization = "Bearer x"\nroomd_sockett = "/tmp/roomd.sock"\n')
    os.chmod(path, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUC_KICK_")}
    proc = subprocess.run([fcgi_bin(), "--check-config", str(path)], capture_output=True, timeout=30, env=env)
    assert proc.returncode == 78
    assert b"invalid setting 'roomd_sockett': unknown setting (line 2)" in proc.stderr


def test_json_without_check_config_is_a_usage_error():
    proc = subprocess.run([fcgi_bin(), "--json"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 64
    assert b"--json goes with --check-config" in proc.stderr
