"""The component link's health: back-pressure, liveness, and what a lost stream does to its occupants.

- A server that completes the handshake and then never reads (a fake XMPP server in Python: the only
  way to hold a real server's reading without also stopping its writing) while control-socket joins
  make roomd render presences for that server's occupants: roomd's memory stays bounded, the stream is
  dropped at the send queue's bound and reconnected, and the control socket keeps answering.
- A silent server (Prosody under SIGSTOP: TCP open, no bytes) is noticed within --xmpp-ping-after +
  --xmpp-ping-timeout, and the stream comes back after SIGCONT; the keepalive ping is routed back by
  both Prosody and ejabberd.
- When a stream ends, its XMPP occupants leave their rooms: watchers see them leave, GetRoom and
  `roomctl room` no longer list them, a temporary room left empty ends.
"""

import os
import re
import shutil
import signal
import socket
import threading
import time

import pytest

import http_helpers as HH
import mk_helpers as H
import xmpp_helpers as XH
from xmpp_helpers import MUC, setup_room

NS_COMPONENT = "jabber:component:accept"


def events_until(watch, pred, timeout):
    """Watch events (dicts) until the list of them satisfies `pred` or `timeout` passes; returns them."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out
        try:
            msg = watch.recv(timeout=left)
        except socket.timeout:
            return out
        ev = msg["parameters"]["event"]
        out.append(ev)
        if pred(out):
            return out


def start_watch(d):
    w = d.raw(timeout=10)
    msg = w.call(H.ROOMS + ".Watch", {}, more=True)
    assert msg["parameters"]["event"]["kind"] == "watching", msg
    return w


# --------------------------------------------------------------------------- a server that never reads

class DeafServer:
    """Accepts component connections, answers the header and the handshake, writes `stanzas` on the first
    connection, and from then on never reads. Counts the handshakes it completed."""

    def __init__(self, stanzas=()):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.stanzas = list(stanzas)
        self.handshakes = 0
        self.conns = []
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _read_until(self, conn, marker):
        buf = b""
        while marker not in buf:
            d = conn.recv(4096)
            if not d:
                raise EOFError
            buf += d
        return buf

    def _run(self):
        while not self.stopped:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            try:
                self._read_until(conn, b">")
                conn.sendall(("<?xml version='1.0'?><stream:stream xmlns='%s' xmlns:stream="
                              "'http://etherx.jabber.org/streams' id='deaf%d' from='%s'>"
                              % (NS_COMPONENT, len(self.conns), MUC)).encode())
                self._read_until(conn, b"</handshake>")
                conn.sendall(b"<handshake/>")
                self.handshakes += 1
                if self.handshakes == 1 and self.stanzas:
                    conn.sendall("".join(self.stanzas).encode())
            except (OSError, EOFError):
                pass

    def close(self):
        self.stopped = True
        self.listener.close()
        for c in self.conns:
            c.close()


def test_server_that_stops_reading_bounds_memory_and_drops_the_stream(bins):
    n_xmpp = 60
    room = "flood@" + MUC
    joins = ["<presence from='user%d@localhost/r' to='%s/u%d'><x xmlns='http://jabber.org/protocol/muc'/>"
             "</presence>" % (i, room, i) for i in range(n_xmpp)]
    # The first join creates the room locked (XEP-0045 §10.1.1); its owner's empty form opens it.
    joins.insert(1, "<iq from='user0@localhost/r' to='%s' type='set' id='open'>"
                    "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/>"
                    "</query></iq>" % room)
    server = DeafServer(joins)
    # The default bound, stated: at most twice --xmpp-send-queue-kib is held for a server that does not read.
    d = XH.ComponentRoomd(server.port, "deaf-secret", extra_args=["--xmpp-send-queue-kib", "4096"])
    stack = None
    try:
        d.start_attached()
        occupants = {}
        deadline = time.monotonic() + 20
        while len(occupants) < n_xmpp:
            assert time.monotonic() < deadline, "the fake server's %d joins did not arrive: %d" % (
                n_xmpp, len(occupants))
            try:
                occupants = HH.RoomState(d).occupants(room)
            except Exception:
                pass
            time.sleep(0.1)
        baseline = H.rss_kib(d.proc.pid)
        r = d.raw(timeout=20)
        peak = baseline
        # The HTTP API goes on answering through nginx and the responder; each kick renders presences
        # for the deaf stream too.
        stack = HH.Stack(daemon=d).start()
        kicked = 0
        # each join is rendered for the 60 XMPP occupants: ~17 KB of presences, ~70 MB in all
        for i in range(4000):
            reply = r.rooms("Join", room=room, nick="c%d" % i, jid="c%d@example.org/x" % i)
            assert "error" not in reply, reply
            if i % 100 == 0:
                peak = max(peak, H.rss_kib(d.proc.pid))
                info = d.raw(timeout=5).call("org.varlink.service.GetInfo")
                assert info["parameters"]["product"] == "roomd", info
            if i % 500 == 499:
                resp = stack.post({"muc": room, "nickname": "c%d" % i})
                HH.assert_json(resp, 200)
                kicked += 1
        peak = max(peak, H.rss_kib(d.proc.pid))
        growth_mib = (peak - baseline) / 1024
        print("roomd RSS: baseline %.1f MiB, peak %.1f MiB, growth %.1f MiB" % (
            baseline / 1024, peak / 1024, growth_mib))
        assert growth_mib < 24, "roomd grew %.1f MiB for a server that does not read" % growth_mib
        log = d.wait_log("dropping the component stream: the XMPP server does not read it", timeout=10)
        assert "deaf-secret" not in log
        # the stream comes back, and the occupants of the dropped one are gone
        d.wait_log(XH.ComponentRoomd.AUTHENTICATED, timeout=15, count=2)
        left = HH.RoomState(d).occupants(room)
        assert not [n for n in left if n.startswith("u")], "XMPP occupants of the dropped stream remain"
        assert len(left) == 4000 - kicked
        info = d.raw(timeout=5).call("org.varlink.service.GetInfo")
        assert info["parameters"]["product"] == "roomd"
    finally:
        if stack is not None:
            stack.stop()
        if d.running:
            d.stop_clean()
        server.close()
        shutil.rmtree(d.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- a silent server

def _own_prosody():
    XH.ensure_apt("prosody", "prosody")
    XH.ensure_slixmpp()
    return XH.Prosody(users=["romeo", "juliet"]).start()


FAST = ["--xmpp-ping-after", "1", "--xmpp-ping-timeout", "1.5", "--xmpp-handshake-timeout", "2",
        "--log-level", "debug"]


def test_keepalive_ping_comes_back_through_prosody(bins):
    p = _own_prosody()
    d = XH.ComponentRoomd(p.component_port, p.secret, extra_args=FAST)
    try:
        XH.check_keepalive_pings_come_back(d)
    finally:
        if d.running:
            d.stop_clean()
        p.cleanup()
        shutil.rmtree(d.workdir, ignore_errors=True)


def test_silent_server_is_detected_and_the_stream_comes_back(bins):
    p = _own_prosody()
    d = XH.ComponentRoomd(p.component_port, p.secret, extra_args=FAST)
    try:
        d.start_attached()
        d.wait_log("keepalive ping answered", timeout=10)
        os.kill(p.proc.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        try:
            d.wait_log("did not answer a keepalive ping", timeout=10)
            detected = time.monotonic() - stopped_at
            print("silent server detected after %.2f s" % detected)
            # --xmpp-ping-after + --xmpp-ping-timeout, and the log poll's slack
            assert detected <= 1 + 1.5 + 0.5, "detected after %.2f s" % detected
            assert H.varlink is not None and d.raw(timeout=5).call("org.varlink.service.GetInfo")
        finally:
            os.kill(p.proc.pid, signal.SIGCONT)
        d.wait_log(XH.ComponentRoomd.AUTHENTICATED, timeout=30, count=2)
        d.wait_log("keepalive ping answered", timeout=10, count=d.count("keepalive ping answered") + 1)
    finally:
        if d.running:
            d.stop_clean()
        p.cleanup()
        shutil.rmtree(d.workdir, ignore_errors=True)


def test_handshake_deadline_for_a_server_that_accepts_and_says_nothing(bins):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    d = XH.ComponentRoomd(port, "mute-secret", extra_args=["--xmpp-handshake-timeout", "1"])
    try:
        d.start()
        d.wait_log("no handshake from the XMPP server within 1 s", timeout=5, count=2)
        assert "mute-secret" not in d.current_log()
    finally:
        if d.running:
            d.stop_clean()
        listener.close()
        shutil.rmtree(d.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- a lost stream's occupants

def test_occupants_of_a_lost_stream_leave_their_rooms(bins):
    p = _own_prosody()
    d = XH.ComponentRoomd(p.component_port, p.secret)
    cs = XH.Clients(p.c2s_port)
    try:
        d.start_attached()
        w = setup_room(d, cs, nicks=("romeo", "juliet"))
        HH.RoomState(d).join(w.room, "warden", "warden@example.org/desk")
        temp = XH.new_room("tomb")
        cs.connect("juliet", resource="tomb").join(temp, "juliet")
        assert HH.RoomState(d).occupants(temp)
        watch = start_watch(d)
        # killed, not stopped: a Prosody that shuts down cleanly first sends each client's unavailable
        # presence to the rooms, and the occupants leave through the stream itself
        p.proc.kill()
        p.proc.wait()
        expected = sorted([(w.room, "juliet"), (w.room, "romeo"), (temp, "juliet")])

        def left(events):
            return sorted((e["room"], e["nick"]) for e in events if e["kind"] == "left")

        events = events_until(watch, lambda evs: len(left(evs)) >= len(expected), timeout=10)
        events += events_until(watch, lambda evs: False, timeout=0.5)
        assert left(events) == expected, events
        assert [e for e in events if e["kind"] == "destroyed"] == [{"kind": "destroyed", "room": temp}], events
        assert HH.RoomState(d).occupants(w.room) == {"warden": ["warden@example.org/desk"]}
        out = XH.roomctl(d, "room", w.room)
        # the occupant table only: romeo stays in the affiliation table as the room's owner
        table = out.split("\nJID ")[0]
        assert "warden" in table and "romeo" not in table and "juliet" not in table, out
        with HH.RoomState(d).conn() as h:
            assert temp not in [r["room"] for r in h.ListRooms()["rooms"]]
    finally:
        cs.close()
        if d.running:
            d.stop_clean()
        p.cleanup()
        shutil.rmtree(d.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- where the secret goes

@pytest.mark.parametrize("host,warned", [("192.0.2.7", True), ("xmpp.example.org", True), ("127.0.0.1", False),
                                         ("localhost", False)])
def test_non_loopback_component_link_is_warned_about(bins, host, warned):
    d = XH.ComponentRoomd(9, "link-secret-1234")
    d.extra_args = [a.replace("=127.0.0.1:9", "=%s:9" % host) for a in d.extra_args]
    try:
        d.start()
        time.sleep(0.3)
        log = d.current_log()
        assert ("not loopback" in log) == warned, log
        if warned:
            assert "XEP-0114 has no encryption" in log and "%s:9" % host in log, log
        assert "link-secret-1234" not in log
    finally:
        if d.running:
            d.stop_clean()
        shutil.rmtree(d.workdir, ignore_errors=True)
