"""roomctl, the operator CLI: human output, --json output, and sysexits-style exit codes."""

import json
import os
import select
import shutil
import subprocess
import time

import pytest

import mk_helpers as H

R = "snuggery@chat.example.org"
ALICE = "alice@example.com"
BOB = "bob@example.com"

EX_USAGE, EX_DATAERR, EX_UNAVAILABLE, EX_NOPERM = 64, 65, 69, 77


def ctl(sock, *args, json_out=False, user=None, timeout=30):
    argv = [H.roomctl_bin()]
    if sock is not None:
        argv += ["--socket", sock]
    if json_out:
        argv += ["--json"]
    argv += list(args)
    if user:
        argv = ["setpriv", "--reuid=" + user[0], "--regid=" + user[1], "--clear-groups"] + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd="/")


def ok(p):
    assert p.returncode == 0, "roomctl failed (%d): %s" % (p.returncode, p.stderr)
    return p


def js(p):
    ok(p)
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise AssertionError("roomctl --json printed no JSON: %r" % p.stdout)


def assert_error(p, code):
    assert p.returncode == code, "expected exit %d, got %d (stdout %r, stderr %r)" % (
        code, p.returncode, p.stdout, p.stderr)
    err = p.stderr.strip("\n")
    assert err.strip(), "no message on stderr"
    assert "\n" not in err, "stderr is not a single line: %r" % p.stderr
    return err


# --------------------------------------------------------------------------- --json

def test_json_services(roomd):
    out = js(ctl(roomd.sock, "services", json_out=True))
    assert sorted(out["services"]) == sorted([H.CHAT, H.OTHER])


def test_json_create_room_rooms_destroy(roomd):
    out = js(ctl(roomd.sock, "create", "Snuggery@Chat.Example.org", "--name", "The Snuggery",
                 json_out=True))
    assert out["room"] == {"room": R, "name": "The Snuggery", "persistent": True, "occupants": 0}
    out = js(ctl(roomd.sock, "create", "tmp@other.example.org", "--temporary", json_out=True))
    assert out["room"]["persistent"] is False
    out = js(ctl(roomd.sock, "rooms", json_out=True))
    assert sorted(x["room"] for x in out["rooms"]) == [R, "tmp@other.example.org"]
    out = js(ctl(roomd.sock, "rooms", H.OTHER, json_out=True))
    assert [x["room"] for x in out["rooms"]] == ["tmp@other.example.org"]
    out = js(ctl(roomd.sock, "room", R, json_out=True))
    assert out["room"]["room"] == R and out["room"]["name"] == "The Snuggery"
    out = js(ctl(roomd.sock, "destroy", R, json_out=True))
    assert out.get("removed", []) == []
    assert_error(ctl(roomd.sock, "room", R, json_out=True), EX_DATAERR)


def test_json_join_leave_kick_ban_affiliation_audit(roomd):
    ok(ctl(roomd.sock, "create", R))
    out = js(ctl(roomd.sock, "join", R, "alice", ALICE + "/phone", json_out=True))
    assert out["occupant"] == {"nick": "alice", "jids": [ALICE + "/phone"], "role": "participant",
                               "affiliation": "none"}
    js(ctl(roomd.sock, "join", R, "bob", BOB + "/x", json_out=True))
    out = js(ctl(roomd.sock, "room", R, json_out=True))
    assert sorted(o["nick"] for o in out["room"]["occupants"]) == ["alice", "bob"]

    out = js(ctl(roomd.sock, "leave", R, "bob", json_out=True))
    assert isinstance(out, dict)
    out = js(ctl(roomd.sock, "kick", R, "alice", "--reason", "spam", json_out=True))
    assert [(k["nick"], k["jids"]) for k in out["kicked"]] == [("alice", [ALICE + "/phone"])]

    out = js(ctl(roomd.sock, "affiliation", R, BOB, "admin", json_out=True))
    assert out.get("removed", []) == []
    ok(ctl(roomd.sock, "join", R, "alice", ALICE + "/phone"))
    out = js(ctl(roomd.sock, "ban", R, ALICE, "--reason", "abuse", json_out=True))
    assert [x["nick"] for x in out["removed"]] == ["alice"]
    room = js(ctl(roomd.sock, "room", R, json_out=True))["room"]
    affs = {a["jid"]: a for a in room["affiliations"]}
    assert affs[BOB]["affiliation"] == "admin"
    assert affs[ALICE]["affiliation"] == "outcast" and affs[ALICE].get("reason") == "abuse"
    assert_error(ctl(roomd.sock, "join", R, "alice", ALICE + "/phone"), EX_DATAERR)

    out = js(ctl(roomd.sock, "audit", json_out=True))
    assert [(r["action"], r["nick"]) for r in out["records"]] == [("kick", "alice"), ("ban", "alice")]
    assert out["records"][0]["reason"] == "spam" and out["records"][0]["uid"] == 0
    out = js(ctl(roomd.sock, "audit", R, "--limit", "1", json_out=True))
    assert [r["action"] for r in out["records"]] == ["ban"]
    out = js(ctl(roomd.sock, "audit", "other@chat.example.org", json_out=True))
    assert out.get("records", []) == []


# --------------------------------------------------------------------------- human output

def test_human_output(roomd):
    p = ok(ctl(roomd.sock, "services"))
    assert H.CHAT in p.stdout and H.OTHER in p.stdout
    ok(ctl(roomd.sock, "create", R, "--name", "The Snuggery"))
    ok(ctl(roomd.sock, "join", R, "alice", ALICE + "/phone"))
    ok(ctl(roomd.sock, "affiliation", R, BOB, "member"))
    p = ok(ctl(roomd.sock, "rooms"))
    assert R in p.stdout
    with pytest.raises(ValueError):
        json.loads(p.stdout)
    p = ok(ctl(roomd.sock, "room", R))
    assert "alice" in p.stdout and ALICE + "/phone" in p.stdout and BOB in p.stdout
    with pytest.raises(ValueError):
        json.loads(p.stdout)
    ok(ctl(roomd.sock, "kick", R, "alice", "--reason", "spam"))
    p = ok(ctl(roomd.sock, "audit"))
    assert "kick" in p.stdout and "alice" in p.stdout and "spam" in p.stdout


# --------------------------------------------------------------------------- watch

def read_json_values(proc, want, timeout=10):
    """Parse JSON values from a streaming stdout (one per line or pretty-printed)."""
    dec = json.JSONDecoder()
    buf = ""
    vals = []
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while len(vals) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("roomctl watch printed %r, wanted %d values" % (buf, want))
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            raise AssertionError("roomctl watch ended: %r" % buf)
        buf += chunk.decode()
        while True:
            s = buf.lstrip()
            if not s:
                buf = ""
                break
            try:
                v, end = dec.raw_decode(s)
            except ValueError:
                break
            vals.append(v)
            buf = s[end:]
    return vals


def test_watch_json(roomd):
    ok(ctl(roomd.sock, "create", R))
    argv = [H.roomctl_bin(), "--socket", roomd.sock, "--json", "watch", R]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        first = read_json_values(proc, 1)[0]
        assert first["event"]["kind"] == "watching"
        roomd.rooms().Join(room=R, nick="alice", jid=ALICE + "/a")
        ev = read_json_values(proc, 1)[0]["event"]
        assert ev["kind"] == "joined" and ev["nick"] == "alice" and ev["room"] == R
    finally:
        proc.terminate()
        proc.wait(10)


def test_watch_human(roomd):
    ok(ctl(roomd.sock, "create", R))
    argv = [H.roomctl_bin(), "--socket", roomd.sock, "watch"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        roomd.rooms().Join(room=R, nick="alice", jid=ALICE + "/a")
        fd = proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + 10
        while b"alice" not in buf and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
        assert b"alice" in buf, "roomctl watch printed %r" % buf
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------- errors and exit codes

def test_unavailable_socket_missing():
    p = ctl("/tmp/mk-no-such-dir/roomd.sock", "services")
    assert_error(p, EX_UNAVAILABLE)
    assert p.stdout == ""


def test_unavailable_stale_socket():
    import socket
    d = H.make_workdir()
    try:
        path = os.path.join(d, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()
        assert_error(ctl(path, "rooms"), EX_UNAVAILABLE)
        assert_error(ctl(path, "rooms", json_out=True), EX_UNAVAILABLE)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_unavailable_after_daemon_stopped(roomd):
    sock = roomd.sock
    roomd.stop_clean()
    assert_error(ctl(sock, "services"), EX_UNAVAILABLE)


@pytest.mark.parametrize("args,needs_room", [
    (("room", "ghost@chat.example.org"), False),
    (("destroy", "ghost@chat.example.org"), False),
    (("join", "ghost@chat.example.org", "n", "u@example.com/r"), False),
    (("kick", R, "nobody-here"), True),
    (("leave", R, "nobody-here"), True),
    (("create", R), True),                       # RoomExists
    (("create", "x@nowhere.example.net"), False),  # ServiceNotFound
    (("rooms", "nowhere.example.net"), False),   # ServiceNotFound
], ids=["room-notfound", "destroy-notfound", "join-notfound", "kick-unknown", "leave-unknown",
        "create-exists", "create-noservice", "rooms-noservice"])
def test_daemon_error_is_dataerr(roomd, args, needs_room):
    if needs_room:
        ok(ctl(roomd.sock, "create", R))
    p = ctl(roomd.sock, *args)
    assert_error(p, EX_DATAERR)
    p = ctl(roomd.sock, *args, json_out=True)
    assert_error(p, EX_DATAERR)


def test_dataerr_message_names_the_error(roomd):
    err = assert_error(ctl(roomd.sock, "room", "ghost@chat.example.org"), EX_DATAERR)
    assert "ghost@chat.example.org" in err or "RoomNotFound" in err or "not found" in err.lower()


def test_join_conflicts_are_dataerr(roomd):
    ok(ctl(roomd.sock, "create", R))
    ok(ctl(roomd.sock, "join", R, "alice", ALICE + "/a"))
    assert_error(ctl(roomd.sock, "join", R, "alice", BOB + "/b"), EX_DATAERR)  # NickConflict
    assert_error(ctl(roomd.sock, "join", R, "other", ALICE + "/a"), EX_DATAERR)  # AlreadyJoined


@pytest.mark.parametrize("args", [
    ("frobnicate",),
    ("room",),
    ("join", R, "nick-only"),
    ("audit", "--limit", "many"),
    ("create",),
    ("kick",),
], ids=["unknown-command", "room-missing-arg", "join-missing-jid", "limit-not-int",
        "create-missing-arg", "kick-missing-args"])
def test_usage_errors_exit_64(roomd, args):
    p = ctl(roomd.sock, *args)
    assert p.returncode == EX_USAGE, "expected 64, got %d: %r" % (p.returncode, p.stderr)


def test_no_arguments_is_usage_error():
    p = ctl(None)
    assert p.returncode == EX_USAGE, "expected 64, got %d: %r" % (p.returncode, p.stderr)


@pytest.mark.parametrize("args", [("frobnicate",), ("room",), ("audit", "--limit", "many"),
                                  ("kick", R)],
                         ids=["unknown-command", "room-missing-arg", "limit-not-int",
                              "kick-neither-nick-nor-jid"])
def test_usage_errors_single_stderr_line(roomd, args):
    assert_error(ctl(roomd.sock, *args), EX_USAGE)


def test_permission_denied_is_noperm(roomd):
    H.chmod_socket_world(roomd)
    ok(ctl(roomd.sock, "create", R))
    for args in (("services",), ("rooms",), ("room", R), ("create", "x@chat.example.org"),
                 ("kick", R, "alice"), ("ban", R, ALICE), ("audit",)):
        p = ctl(roomd.sock, *args, user=("nobody", "nogroup"))
        assert_error(p, EX_NOPERM)
        assert p.stdout == ""
    # nothing happened
    out = js(ctl(roomd.sock, "rooms", json_out=True))
    assert [x["room"] for x in out["rooms"]] == [R]


def test_socket_permission_error(roomd):
    """The socket is 0660 root:root: nobody cannot even connect (EACCES: 69, one line)."""
    p = ctl(roomd.sock, "services", user=("nobody", "nogroup"))
    assert_error(p, EX_UNAVAILABLE)


def test_kick_level_operator(daemon_factory):
    import grp
    try:
        gid = grp.getgrnam("ssl-cert").gr_gid
    except KeyError:
        pytest.skip("no group ssl-cert")
    d = daemon_factory(extra_args=["--kick-group", "ssl-cert"])
    H.chmod_socket_world(d)
    ok(ctl(d.sock, "create", R))
    ok(ctl(d.sock, "join", R, "alice", ALICE + "/a"))
    op = ("nobody", str(gid))
    out = js(ctl(d.sock, "kick", R, "alice", "--reason", "bye", json_out=True, user=op))
    assert [k["nick"] for k in out["kicked"]] == ["alice"]
    out = js(ctl(d.sock, "audit", R, json_out=True, user=op))
    assert [(r["action"], r["uid"]) for r in out["records"]] == [("kick", 65534)]
    assert_error(ctl(d.sock, "create", "x@chat.example.org", user=op), EX_NOPERM)
    assert_error(ctl(d.sock, "ban", R, ALICE, user=op), EX_NOPERM)


def test_kick_by_jid_and_protect(roomd):
    ok(ctl(roomd.sock, "create", R))
    ok(ctl(roomd.sock, "affiliation", R, BOB, "admin"))
    ok(ctl(roomd.sock, "join", R, "alice", ALICE + "/a"))
    ok(ctl(roomd.sock, "join", R, "alice2", ALICE + "/b"))
    ok(ctl(roomd.sock, "join", R, "bob", BOB + "/x"))
    out = js(ctl(roomd.sock, "kick", R, "--jid", ALICE, "--reason", "r", json_out=True))
    assert sorted(k["nick"] for k in out["kicked"]) == ["alice", "alice2"]
    assert_error(ctl(roomd.sock, "kick", R, "bob", "--protect"), EX_DATAERR)  # NotAllowed
    out = js(ctl(roomd.sock, "room", R, json_out=True))
    assert [o["nick"] for o in out["room"]["occupants"]] == ["bob"]
    p = ctl(roomd.sock, "kick", R)  # neither nick nor --jid (its stderr: test_usage_errors_single_stderr_line)
    assert p.returncode in (EX_USAGE, EX_DATAERR), p.returncode


def test_config_reads_and_sets_the_room_configuration(roomd):
    ok(ctl(roomd.sock, "create", R))
    out = js(ctl(roomd.sock, "config", R, json_out=True))
    assert out["configuration"] == {"persistent": True, "public": True, "membersOnly": False, "whois": "moderators",
                                    "moderated": False, "passwordProtected": False, "changeSubject": False,
                                    "allowPM": "anyone", "allowInvites": False, "historyLength": 20,
                                    "defaultHistoryMessages": 20}
    out = js(ctl(roomd.sock, "config", R, "membersOnly=true", "whois=anyone", "maxUsers=20", "name=Snug",
                 "password=s3cret", "historyLength=5", "defaultHistoryMessages=9", json_out=True))
    c = out["configuration"]
    assert (c["membersOnly"], c["whois"], c["maxUsers"], c["name"], c["passwordProtected"]) == (
        True, "anyone", 20, "Snug", True)
    # a default above the length is taken as the length, as Prosody does
    assert (c["historyLength"], c["defaultHistoryMessages"]) == (5, 5), c
    assert "s3cret" not in json.dumps(out)
    human = ok(ctl(roomd.sock, "config", R, "password=", "maxUsers=0")).stdout.splitlines()
    assert "membersOnly=true" in human and "password=" in human and "maxUsers=0" in human, human
    # survives a restart
    roomd.restart()
    c = js(ctl(roomd.sock, "config", R, json_out=True))["configuration"]
    assert (c["membersOnly"], c["whois"], c["name"], c["passwordProtected"]) == (True, "anyone", "Snug", False)
    assert (c["historyLength"], c["defaultHistoryMessages"]) == (5, 5), c
    assert_error(ctl(roomd.sock, "config", R, "historyLength=51"), EX_DATAERR)
    assert_error(ctl(roomd.sock, "config", R, "historyLength=some"), EX_USAGE)
    assert_error(ctl(roomd.sock, "config", R, "colour=red"), EX_USAGE)
    assert_error(ctl(roomd.sock, "config", R, "moderated=perhaps"), EX_USAGE)
    assert_error(ctl(roomd.sock, "config", R, "whois=all"), EX_DATAERR)
    assert_error(ctl(roomd.sock, "config", "nowhere@" + H.CHAT), EX_DATAERR)
