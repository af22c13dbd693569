"""roomd as a process: socket creation and removal, signals, stale sockets, a second instance."""

import os
import signal
import socket
import subprocess
import time

import pytest

import mk_helpers as H
from mk_helpers import ROOMS, SERVICE, assert_reply_ok


def test_socket_mode_0660_and_foreground(roomd):
    is_sock, mode = H.socket_mode(roomd.sock)
    assert is_sock
    assert mode == 0o660, "socket mode %o" % mode
    st = os.stat(roomd.sock)
    assert (st.st_uid, st.st_gid) == (os.getuid(), os.getgid())
    # foreground: the process we started is the one serving
    time.sleep(0.3)
    assert roomd.running


def test_sigterm_exits_0_and_removes_socket(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    roomd.stop_clean(signal.SIGTERM)


def test_sigint_exits_0_and_removes_socket(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    roomd.stop_clean(signal.SIGINT)


def test_sigterm_with_open_connections_and_watchers(roomd):
    # Opened with H.Raw rather than roomd.raw(): the daemon's stop closes its own handles before the
    # signal, and these must still be open when it arrives.
    w = H.Raw(roomd.sock)
    idle = [H.Raw(roomd.sock) for _ in range(20)]
    try:
        first = assert_reply_ok(w.call(ROOMS + ".Watch", {}, more=True))
        assert first["event"]["kind"] == "watching", first
        idle[0].send(b'{"method": "org.varl')
        roomd.stop_clean(signal.SIGTERM)
        assert w.closed_within(5), "the watcher's connection stayed open after roomd exited"
    finally:
        for c in [w] + idle:
            c.close()


def test_stale_socket_is_replaced(daemon_factory):
    d = daemon_factory(start=False)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(d.sock)
    s.close()  # the file stays, nobody listens
    assert os.path.exists(d.sock)
    d.start()
    assert ROOMS in d.service().GetInfo()["interfaces"]


def test_stale_socket_after_kill9_is_replaced(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    roomd.kill9()
    assert os.path.lexists(roomd.sock)
    roomd.start()
    assert roomd.rooms().GetRoom(room="a@chat.example.org")["room"]["room"] == "a@chat.example.org"


def test_second_instance_on_live_socket_refuses(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    ino = os.stat(roomd.sock).st_ino
    other_state = os.path.join(roomd.workdir, "state2")
    os.makedirs(other_state)
    argv = [H.roomd_bin(), "--socket", roomd.sock, "--state-dir", other_state,
            "--service", H.CHAT]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0, "second roomd exited 0"
    assert p.stderr.strip(), "second roomd said nothing on stderr"
    # the first is untouched and still serving on the same socket
    assert os.stat(roomd.sock).st_ino == ino
    assert roomd.running
    assert roomd.rooms().GetRoom(room="a@chat.example.org")["room"]["room"] == "a@chat.example.org"


def test_second_instance_same_state_dir_refuses_too(roomd):
    p = subprocess.run(roomd.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert roomd.running
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))


def test_state_is_sqlite_under_state_dir(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    found = []
    for dirpath, _, files in os.walk(roomd.state_dir):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                if fh.read(16) == b"SQLite format 3\0":
                    found.append(p)
    assert found, "no SQLite database under %s: %r" % (roomd.state_dir, os.listdir(roomd.state_dir))


def test_restart_after_clean_stop(roomd):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    roomd.restart()
    assert [x["room"] for x in roomd.rooms().ListRooms()["rooms"]] == ["a@chat.example.org"]


def test_services_come_from_the_command_line(daemon_factory):
    d = daemon_factory(services=["muc.example.net"])
    assert d.rooms().ListServices()["services"] == ["muc.example.net"]
    with H.raises_varlink(H.E("ServiceNotFound"), service=H.CHAT):
        d.rooms().CreateRoom(room="a@chat.example.org")


def test_missing_state_dir_is_created_private(daemon_factory):
    d = daemon_factory(start=False)
    os.rmdir(d.state_dir)
    d.state_dir = os.path.join(d.workdir, "new", "state")
    d.start()
    assert os.path.isdir(d.state_dir)
    assert os.stat(d.state_dir).st_mode & 0o777 == 0o700
    d.rooms().CreateRoom(room="a@chat.example.org")
    assert os.path.exists(os.path.join(d.state_dir, "roomd.sqlite3"))


@pytest.mark.parametrize("blocker,message", [
    ("file", "state directory {path} exists and is not a directory"),
    ("parent-file", "state directory {path} cannot be reached: Not a directory"),
])
def test_state_dir_blocked_says_so(daemon_factory, blocker, message):
    d = daemon_factory(start=False)
    os.rmdir(d.state_dir)
    if blocker == "file":
        open(d.state_dir, "w").close()
        path = d.state_dir
    else:
        open(d.state_dir, "w").close()
        path = os.path.join(d.state_dir, "inner")
    d.state_dir = path
    p = d.spawn()
    assert p.wait(timeout=10) == 73
    log = d.log()
    assert message.format(path=path) in log, log
    assert "SQLite" not in log, log
