"""A disk that refuses writes: roomd stays up, refuses the changes it cannot commit (StorageUnavailable,
HTTP 503 through the responder), undoes them in memory, keeps serving reads, and takes writes again
once there is space, without a restart. Also: SIGHUP, and the audit log's retention.
"""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import http_helpers as X  # noqa: E402
from http_helpers import assert_error, assert_json, auth  # noqa: E402
from mk_helpers import CHAT, ROOMS, assert_reply_error, assert_reply_ok, raises_varlink  # noqa: E402

STORAGE = ROOMS + ".StorageUnavailable"
ROOM = "pantry@" + CHAT


def wal(d):
    return os.path.join(d.state_dir, "roomd.sqlite3-wal")


def set_fsize(pid, limit):
    """The soft RLIMIT_FSIZE of a running process: writes past `limit` bytes fail with EFBIG. (The hard
    limit stays: lowering it could not be undone without CAP_SYS_RESOURCE.)"""
    subprocess.run(["prlimit", "--pid", str(pid), "--fsize=%s:unlimited" % limit], check=True)


@contextlib.contextmanager
def tmpfs(path, size):
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", path], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def fill(directory):
    """Writes a file until the file system is full; returns its path."""
    path = os.path.join(directory, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    chunk = b"\0" * 4096
    try:
        while True:
            os.write(fd, chunk)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def watching(d, room):
    w = d.raw()
    assert_reply_ok(w.call(ROOMS + ".Watch", {"room": room}, more=True))
    return w


def storage_log_lines(d):
    log = d.log()
    return log.count("the state database refuses writes"), log.count("the state database takes writes again")


def test_http_kick_on_a_full_disk_is_503_and_changes_nothing_until_space_comes_back(daemon_factory):
    d = daemon_factory()
    with X.stack(daemon=d) as st:
        room = st.room([("alice", "alice@example.com/a"), ("bob", "bob@example.com/b")])
        w = watching(d, room)
        # No byte more for the WAL: the next commit fails with EFBIG (SIGXFSZ ignored).
        set_fsize(d.proc.pid, os.path.getsize(wal(d)))

        r = st.post({"muc": room, "nickname": "bob"})
        assert_error(r, 503, "Room service unavailable", headers={"Retry-After": "5"})
        assert d.running, d.log()
        assert st.occupants(room) == {"alice": ["alice@example.com/a"], "bob": ["bob@example.com/b"]}
        assert w.silent_for(0.5), "a watcher heard of a kick that was not committed: %r" % (w.recv(),)
        # a second refused kick is not logged again
        assert_error(st.post({"muc": room, "nickname": "bob"}), 503, "Room service unavailable")
        # reads go on
        with st.state.conn() as h:
            assert room in [x["room"] for x in h.ListRooms()["rooms"]]
            assert h.GetAudit(room=room).get("records", []) == []
            with raises_varlink(STORAGE):
                h.CreateRoom(room="new@" + CHAT)
            with raises_varlink(ROOMS + ".RoomNotFound"):
                h.GetRoom(room="new@" + CHAT)
        assert storage_log_lines(d) == (1, 0), d.log()

        set_fsize(d.proc.pid, "unlimited")
        r = st.post({"muc": room, "nickname": "bob"})
        assert_json(r, 200)
        assert st.occupants(room) == {"alice": ["alice@example.com/a"]}
        ev = w.recv()
        assert ev["parameters"]["event"]["kind"] == "kicked", ev
        assert [a["nick"] for a in st.state.audit(room)] == ["bob"]
        assert storage_log_lines(d) == (1, 1), d.log()
        w.close()
    d.stop_clean()


def test_full_tmpfs_refuses_changes_undoes_them_and_recovers_without_restart(daemon_factory):
    d = daemon_factory(start=False)
    with tmpfs(d.state_dir, "2m"):
        d.start()
        h = d.raw()
        assert_reply_ok(h.rooms("CreateRoom", room=ROOM))
        for i in range(40):
            assert_reply_ok(h.rooms("Join", room=ROOM, nick="u%d" % i, jid="u%d@example.com/r" % i))
        w = watching(d, ROOM)
        filler = fill(d.state_dir)
        # The WAL's last page of the file system may still hold a commit or two; kicks go on until the
        # disk refuses one, and that one must leave everything as it was.
        refused = None
        for i in range(40):
            reply = h.rooms("Kick", room=ROOM, nick="u%d" % i, reason="x" * 500)
            if reply.get("error"):
                assert_reply_error(reply, STORAGE)
                refused = i
                break
            assert w.recv()["parameters"]["event"]["kind"] == "kicked"
        assert refused is not None, "the full disk never refused a kick:\n" + d.log()
        assert d.running, d.log()
        occupants = [o["nick"] for o in assert_reply_ok(h.rooms("GetRoom", room=ROOM))["room"]["occupants"]]
        assert "u%d" % refused in occupants
        assert w.silent_for(0.5)
        # a change that writes nothing still works, and so do reads
        assert_reply_ok(h.rooms("Join", room=ROOM, nick="late", jid="late@example.com/r"))
        assert w.recv()["parameters"]["event"]["kind"] == "joined"
        assert len(assert_reply_ok(h.rooms("GetAudit", room=ROOM))["records"]) == refused
        assert_reply_error(h.rooms("CreateRoom", room="new@" + CHAT), STORAGE)
        assert_reply_error(h.rooms("GetRoom", room="new@" + CHAT), ROOMS + ".RoomNotFound")

        os.unlink(filler)
        assert_reply_ok(h.rooms("Kick", room=ROOM, nick="u%d" % refused))
        assert w.recv()["parameters"]["event"]["kind"] == "kicked"
        assert_reply_ok(h.rooms("CreateRoom", room="new@" + CHAT))
        assert storage_log_lines(d) == (1, 1), d.log()
        w.close()
        h.close()
        # what was acknowledged is on disk, what was refused is not
        d.restart()
        h = d.raw()
        assert_reply_ok(h.rooms("GetRoom", room="new@" + CHAT))
        records = assert_reply_ok(h.rooms("GetAudit", room=ROOM, limit=1000))["records"]
        assert [r["nick"] for r in records] == ["u%d" % i for i in range(refused + 1)]
        h.close()
        d.stop_clean()


def test_pipelined_calls_of_a_refused_batch_are_all_refused(daemon_factory):
    """Calls answered in the same commit batch as a change the disk refused get StorageUnavailable too:
    their change was undone with it, or what they read was."""
    d = daemon_factory()
    h = d.raw()
    assert_reply_ok(h.rooms("CreateRoom", room=ROOM))
    for nick in ("a", "b", "c"):
        assert_reply_ok(h.rooms("Join", room=ROOM, nick=nick, jid=nick + "@example.com/r"))
    set_fsize(d.proc.pid, os.path.getsize(wal(d)))
    calls = [{"method": ROOMS + ".Kick", "parameters": {"room": ROOM, "nick": n}} for n in ("a", "b")]
    calls.append({"method": ROOMS + ".GetRoom", "parameters": {"room": ROOM}})
    h.send(b"".join(__import__("json").dumps(c).encode() + b"\0" for c in calls))
    replies = [h.recv() for _ in calls]
    assert [r.get("error") for r in replies[:2]] == [STORAGE, STORAGE], replies
    # The read is refused if it shared the failed batch, else it shows the room as it is.
    if replies[2].get("error"):
        assert_reply_error(replies[2], STORAGE)
    else:
        assert len(replies[2]["parameters"]["room"]["occupants"]) == 3
    nicks = [o["nick"] for o in assert_reply_ok(h.rooms("GetRoom", room=ROOM))["room"]["occupants"]]
    assert nicks == ["a", "b", "c"]
    set_fsize(d.proc.pid, "unlimited")
    assert_reply_ok(h.rooms("Kick", room=ROOM, nick="a"))
    h.close()


def test_sighup_does_not_stop_roomd(daemon_factory):
    d = daemon_factory()
    h = d.raw()
    assert_reply_ok(h.rooms("CreateRoom", room=ROOM))
    assert_reply_ok(h.rooms("Join", room=ROOM, nick="a", jid="a@example.com/r"))
    for _ in range(3):
        d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert d.running, "roomd stopped on SIGHUP:\n" + d.log()
    # nothing was lost: the occupant (live state only) is still there
    assert [o["nick"] for o in assert_reply_ok(h.rooms("GetRoom", room=ROOM))["room"]["occupants"]] == ["a"]
    h.close()
    d.stop_clean()


def audit_nicks(h, room=ROOM):
    return [r["nick"] for r in assert_reply_ok(h.rooms("GetAudit", room=room, limit=1000))["records"]]


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_audit_retention_keeps_the_newest_rows(daemon_factory):
    d = daemon_factory(extra_args=["--audit-max-rows", "30"])
    h = d.raw()
    assert_reply_ok(h.rooms("CreateRoom", room=ROOM))
    for i in range(1200):
        assert_reply_ok(h.rooms("Join", room=ROOM, nick="u%d" % i, jid="u%d@example.com/r" % i))
        assert_reply_ok(h.rooms("Kick", room=ROOM, nick="u%d" % i))
    h.close()
    # the first pass a second after the start: a restart prunes what the limits no longer allow, in
    # steps (more than one here), without waiting for the next pass
    d.restart()
    h = d.raw()
    expected = ["u%d" % i for i in range(1170, 1200)]
    assert wait_until(lambda: audit_nicks(h) == expected), audit_nicks(h)[:5]
    h.close()
    d.stop_clean()


def test_audit_retention_drops_records_older_than_max_age(daemon_factory):
    d = daemon_factory(extra_args=["--audit-max-age", "30"])
    h = d.raw()
    assert_reply_ok(h.rooms("CreateRoom", room=ROOM))
    for i in range(5):
        assert_reply_ok(h.rooms("Join", room=ROOM, nick="u%d" % i, jid="u%d@example.com/r" % i))
        assert_reply_ok(h.rooms("Kick", room=ROOM, nick="u%d" % i))
    h.close()
    d.stop_clean()
    # The three oldest records made 31 days old (roomd holds the database's lock while it runs).
    db = sqlite3.connect(os.path.join(d.state_dir, "roomd.sqlite3"))
    old = int(time.time() * 1000) - 31 * 86_400_000
    db.execute("UPDATE audit SET time = ? WHERE id IN (SELECT id FROM audit ORDER BY id LIMIT 3)", (old,))
    db.commit()
    db.close()
    d.start()
    h = d.raw()
    assert wait_until(lambda: audit_nicks(h) == ["u3", "u4"]), audit_nicks(h)
    h.close()
    d.stop_clean()


def test_audit_by_room_uses_the_index(daemon_factory):
    d = daemon_factory()
    d.stop_clean()
    db = sqlite3.connect(os.path.join(d.state_dir, "roomd.sqlite3"))
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT id, time, action, room, nick, jids, reason, actor, uid FROM audit"
        " WHERE room = ? ORDER BY id DESC LIMIT ?", (ROOM, 10)).fetchall()
    db.close()
    text = " ".join(row[-1] for row in plan)
    assert "USING INDEX audit_by_room" in text and "TEMP B-TREE" not in text, text
