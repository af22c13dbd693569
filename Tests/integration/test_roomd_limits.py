"""Bounds on what one control-socket client can make roomd hold: replies to calls it never reads, and
connections it leaves idle."""

import json
import socket
import time

import mk_helpers as H
from mk_helpers import ROOMS, SERVICE, assert_reply_ok


def test_unread_pipelined_calls_do_not_grow_roomd(daemon_factory):
    """GetInterfaceDescription needs no access level and answers ~5 KB per ~100-byte call. A client that
    sends 100,000 of them and reads nothing makes roomd stop reading once its replies fill the socket
    and the connection's buffer, instead of buffering every reply."""
    d = daemon_factory()
    call = (json.dumps({"method": SERVICE + ".GetInterfaceDescription", "parameters": {"interface": ROOMS}})
            + "\0").encode()
    calls = 100_000
    before = H.rss_kib(d.proc.pid)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(d.sock)
    c.setblocking(False)
    data = call * calls
    sent = 0
    stalled_since = None
    deadline = time.monotonic() + 60
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += c.send(data[sent:sent + 65536])
            stalled_since = None
        except BlockingIOError:
            # roomd stopped reading: that is the back-pressure. Give it a moment to show it holds.
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 2:
                break
            time.sleep(0.01)
    time.sleep(0.5)
    grown_mib = (H.rss_kib(d.proc.pid) - before) / 1024
    accepted = sent // len(call)
    # Reads stop while the connection holds 4 MiB it could not write (its high water mark), and the
    # calls of one read wait once their replies pass 1 MiB. Unbounded, 100,000 replies would be ~500 MB.
    assert grown_mib < 16, "roomd grew %.1f MiB for %d unread calls sent" % (grown_mib, accepted)
    assert accepted < calls, "roomd read all %d calls without their replies being read" % calls
    # Everyone else is still served.
    assert ROOMS in d.service().GetInfo()["interfaces"]
    c.close()


def test_idle_control_connections_are_closed_but_watchers_are_not(daemon_factory):
    d = daemon_factory(extra_args=["--control-idle-timeout", "1"])
    idle = H.Raw(d.sock)
    half = H.Raw(d.sock)
    half.send(b'{"method": "org.varl')  # a call begun and never finished
    watcher = H.Raw(d.sock)
    try:
        first = assert_reply_ok(watcher.call(ROOMS + ".Watch", {}, more=True))
        assert first["event"]["kind"] == "watching", first
        assert idle.closed_within(5), "an idle connection stayed open past the idle timeout"
        assert half.closed_within(5), "a half-sent call kept its connection open past the idle timeout"
        assert watcher.silent_for(2.5), "the watcher was closed or sent something unexpected"
        # The watcher still gets events.
        d.rooms().CreateRoom(room="idle@chat.example.org")
        event = watcher.recv(timeout=5)
        assert event["parameters"]["event"]["kind"] == "created", event
        # A new connection works as ever.
        assert ROOMS in d.service().GetInfo()["interfaces"]
    finally:
        for c in (idle, half, watcher):
            c.close()


def test_a_pipelining_client_that_reads_gets_every_reply_in_order(daemon_factory):
    """Calls held back while their replies wait to be written are answered once they are: thousands of
    pipelined calls with large replies, sent at once, all come back, in order."""
    d = daemon_factory()
    calls = 3000
    data = b"".join(
        (json.dumps({"method": SERVICE + (".GetInterfaceDescription" if i % 2 == 0 else ".GetInfo"),
                     "parameters": {"interface": ROOMS} if i % 2 == 0 else {}}) + "\0").encode()
        for i in range(calls))
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(d.sock)
    c.settimeout(30)
    import threading
    sender = threading.Thread(target=c.sendall, args=(data,), daemon=True)
    sender.start()
    buf = b""
    replies = []
    while len(replies) < calls:
        chunk = c.recv(1 << 20)
        assert chunk, "roomd closed the connection after %d replies" % len(replies)
        buf += chunk
        *done, buf = buf.split(b"\0")
        replies += [json.loads(m) for m in done]
    sender.join(10)
    c.close()
    assert [("description" in r["parameters"]) for r in replies] == [i % 2 == 0 for i in range(calls)]
