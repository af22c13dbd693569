"""Lifecycle and presence truth (#15): XEP-0410 self-pings, roomd restarts, and the component stream being
down, with real clients (slixmpp) through a real Prosody (and ejabberd for restarts and lost streams).

A client must never believe it is joined when roomd forgot it. roomd does not keep occupants across a
restart, so it tells them (status 332) before its stream ends; a lost stream removes its XMPP occupants,
and they are told (status 333) as soon as a stream is back. Self-pings (XEP-0410) are answered with the
truth: `result` for the joined session, `not-acceptable` for anyone else, compared with Prosody's own MUC,
which this module's Prosody also serves (muc.localhost).

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_lifecycle.py
"""

import shutil
import socket
import threading

import pytest

import xmpp_helpers as XH
from xmpp_helpers import (MUC, NS_DISCO_INFO, ejabberd, error_condition, is_presence, setup_room,  # noqa: F401
                          status_codes)

PROSODY_MUC = "muc.localhost"
NS_PING = "urn:xmpp:ping"
SELF_PING_OPTIMIZATION = "http://jabber.org/protocol/muc#self-ping-optimization"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def prosody_muc():
    """A Prosody of this module's own, serving its own MUC at muc.localhost beside roomd's component."""
    XH.ensure_apt("prosody", "prosody")
    XH.ensure_slixmpp()
    p = XH.Prosody()
    with open(p.config, "a") as f:
        f.write('\nComponent "%s" "muc"\n    restrict_room_creation = false\n' % PROSODY_MUC)
    p.start()
    yield p
    p.cleanup()


@pytest.fixture
def xroomd(prosody_muc):
    yield from XH.attached_roomd(prosody_muc)


@pytest.fixture
def clients(prosody_muc, xroomd):
    yield from XH.connected_clients(prosody_muc)


class Cuttable:
    """A TCP relay between roomd and Prosody's component port whose connections the test can cut, as a
    network failure or a server that drops the stream would."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.pairs = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                a, _ = self.listener.accept()
            except OSError:
                return
            b = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.pairs.append((a, b))
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()
            threading.Thread(target=self._pump, args=(b, a), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.closed = True
        self.listener.close()
        self.cut()


# --------------------------------------------------------------------------- helpers

def self_ping(client, occupant_jid):
    return client.iq(occupant_jid, "<ping xmlns='%s'/>" % NS_PING, type_="get")


def answer(reply):
    """What a XEP-0410 client reads in a reply: its type, the error's type and condition."""
    if reply.get("type") == "result":
        return ("result", None, None, len(list(reply)))
    return ("error",) + tuple(error_condition(reply)) + (None,)


def prosody_room(client, nick):
    """A room of Prosody's own MUC with `client` joined as `nick` (the instant-room form submitted)."""
    room = XH.new_room("pmuc").replace(MUC, PROSODY_MUC)
    client.join(room, nick)
    r = client.iq(room, "<query xmlns='http://jabber.org/protocol/muc#owner'>"
                        "<x xmlns='jabber:x:data' type='submit'/></query>")
    assert r.get("type") == "result", XH.show(r)
    return room


def self_ping_answers(room, romeo, romeo_phone, juliet):
    """Every case XEP-0410 names, for one room where romeo (one session) is joined as 'romeo'."""
    return {
        "joined session": answer(self_ping(romeo, room + "/romeo")),
        "another session of the same user": answer(self_ping(romeo_phone, room + "/romeo")),
        "a non-occupant": answer(self_ping(juliet, room + "/juliet")),
        "a nick nobody holds": answer(self_ping(romeo, room + "/mercutio")),
    }


# --------------------------------------------------------------------------- XEP-0410

def test_self_ping_answers_match_prosodys_muc(prosody_muc, xroomd, clients):
    romeo = clients.connect("romeo")
    romeo_phone = clients.connect("romeo", resource="phone")
    juliet = clients.connect("juliet")
    w = setup_room(xroomd, clients, nicks=())
    romeo.join(w.room, "romeo")
    ours = self_ping_answers(w.room, romeo, romeo_phone, juliet)

    theirs = self_ping_answers(prosody_room(romeo, "romeo"), romeo, romeo_phone, juliet)
    assert ours == theirs, "roomd %s\nProsody's MUC %s" % (ours, theirs)
    assert ours["joined session"] == ("result", None, None, 0)
    assert ours["a non-occupant"] == ("error", "cancel", "not-acceptable", None)
    assert ours["another session of the same user"] == ("error", "cancel", "not-acceptable", None)
    assert ours["a nick nobody holds"] == ("error", "cancel", "item-not-found", None)


def test_self_ping_to_a_room_that_does_not_exist_is_not_acceptable(prosody_muc, xroomd, clients):
    # item-not-found would tell a XEP-0410 client "joined, but renamed": it would never rejoin.
    romeo = clients.connect("romeo")
    reply = self_ping(romeo, XH.new_room("gone") + "/romeo")
    assert answer(reply) == ("error", "cancel", "not-acceptable", None), XH.show(reply)


def test_rooms_advertise_the_self_ping_optimization_as_prosodys_muc_does(prosody_muc, xroomd, clients):
    romeo = clients.connect("romeo")
    w = setup_room(xroomd, clients, nicks=())
    romeo.join(w.room, "romeo")
    for room in (w.room, prosody_room(romeo, "romeo")):
        info = romeo.iq(room, "<query xmlns='%s'/>" % NS_DISCO_INFO, type_="get")
        features = [f.get("var") for f in info.iter("{%s}feature" % NS_DISCO_INFO)]
        assert SELF_PING_OPTIMIZATION in features, (room, features)


# --------------------------------------------------------------------------- restarts

def check_restart_tells_332_and_self_pings_say_rejoin(d, clients):
    """Occupants present, roomd stopped and started: each client got its own 332 presence and nothing
    else, its self-ping after the restart is not-acceptable, and it can rejoin."""
    w = setup_room(d, clients, nicks=("romeo", "juliet"))
    marks = w.marks()
    d.stop_clean()
    for nick, c in w.cs.items():
        st = c.wait(lambda s, n=nick: is_presence(s) and s.get("from") == w.occ(n) and s.get("type") == "unavailable",
                    marks[nick], 10, what="332 presence to %s" % nick)
        assert status_codes(st) == ["110", "332"], XH.show(st)
        item = XH.item_of(st)
        assert item.get("role") == "none", XH.show(st)
        assert item.get("affiliation") == ("owner" if nick == "romeo" else "none"), XH.show(st)
        # Nothing else: the other occupants' leaving is not announced to someone who is out already.
        got = c.quiet(marks[nick], XH.from_room(w.room))
        assert len(got) == 1, "\n".join(XH.show(s) for s in got)
    assert "telling the XMPP occupants roomd stops (status 332)" in d.current_log()
    d.start_attached()
    for nick, c in w.cs.items():
        reply = self_ping(c, w.occ(nick))
        assert answer(reply) == ("error", "cancel", "not-acceptable", None), XH.show(reply)
    # What a Conversations-style client does next: rejoin, which works.
    w.cs["romeo"].join(w.room, "romeo")
    assert answer(self_ping(w.cs["romeo"], w.occ("romeo")))[0] == "result"


def test_restart_tells_occupants_332_and_their_self_pings_after_it_say_rejoin(prosody_muc, xroomd, clients):
    check_restart_tells_332_and_self_pings_say_rejoin(xroomd, clients)


@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_restart_on_ejabberd_tells_occupants_332_and_their_self_pings_say_rejoin(ejabberd, ej_roomd, ej_clients):
    check_restart_tells_332_and_self_pings_say_rejoin(ej_roomd, ej_clients)


# --------------------------------------------------------------------------- the stream being down

@pytest.mark.parametrize("server_name", ["prosody_muc", "ejabberd"])
def test_a_lost_stream_tells_its_occupants_333_once_it_is_back(request, bins, server_name):
    server = request.getfixturevalue(server_name)
    relay = Cuttable(server.component_port)
    d = XH.ComponentRoomd(relay.port, server.secret)
    clients = XH.Clients(server.c2s_port)
    try:
        d.start_attached()
        w = setup_room(d, clients, nicks=("romeo", "juliet"))
        marks = w.marks()
        relay.cut()
        d.wait_log("component stream lost: its XMPP occupants left their rooms")
        d.wait_log(XH.ComponentRoomd.AUTHENTICATED, count=2)
        for nick, c in w.cs.items():
            st = c.wait(lambda s, n=nick: is_presence(s) and s.get("from") == w.occ(n)
                        and s.get("type") == "unavailable", marks[nick], 10, what="333 presence to %s" % nick)
            assert status_codes(st) == ["110", "333"], XH.show(st)
            reply = self_ping(c, w.occ(nick))
            assert answer(reply) == ("error", "cancel", "not-acceptable", None), XH.show(reply)
        assert "sending what was held for the XMPP server while the component stream was down" in d.current_log()
        w.cs["juliet"].join(w.room, "juliet")
    finally:
        clients.close()
        if d.running:
            d.stop_clean()
        relay.close()
        shutil.rmtree(d.workdir, ignore_errors=True)
