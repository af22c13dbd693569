"""Multi-session occupants (XEP-0045 §7.2.2) and what is routed to occupant JIDs (§17.4 IQs, errors about
private messages), each flow run through one real Prosody twice: against roomd (chat.localhost, the component)
and against Prosody 0.12's own MUC (muc.localhost), and what every session received compared as XML.

Juliet is one user with two clients (resources `balcony`, joined first, and `chamber`) under one nickname;
Romeo owns the room (a moderator: he sees real JIDs), the Nurse is a participant. The comparison is per
session and in any order (Prosody lists occupants in hash order), with the room written ROOM, and set aside:
ids (each side's request has its own; a routed IQ's id is the room's), `xml:lang`, the XEP-0421
`<occupant-id/>` Prosody adds, its errors' `by` and `<text/>`, and the `jid` of a kick's `<actor/>`
(roomd names the actor by nick only). Where roomd differs from Prosody on purpose, the test says so.

Then the same flows, without a reference, through ejabberd.

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_occupant_routing.py
"""

import copy
import time

import pytest

import xmpp_helpers as XH
from xmpp_helpers import NS_MUC_ADMIN, NS_STANZAS, canon, ejabberd, error_condition, show, status_codes  # noqa: F401

PROSODY_MUC = "muc.localhost"
NS_MUC_USER = XH.NS_MUC_USER
NS_PING = "urn:xmpp:ping"
NS_VCARD = "vcard-temp"

MUC_COMPONENT = """
Component "%s" "muc"
    muc_room_default_history_length = 0
""" % PROSODY_MUC


@pytest.fixture(scope="module")
def server():
    """A Prosody of this module's own: its MUC beside roomd's component, and vCards (mod_vcard), which an
    occupant's avatar is fetched from through the room."""
    yield from XH.prosody_with(MUC_COMPONENT, replace=('"ping"; "posix";', '"ping"; "posix"; "vcard";'))


@pytest.fixture
def xroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def clients(server, xroomd):
    yield from XH.connected_clients(server)


_seq = [0]


def instant(c, room):
    res = c.iq(room, XH.INSTANT_FORM)
    assert res.get("type") == "result", show(res)


class Twin:
    """One room on each side with the same occupants: Romeo (owner), the Nurse, Juliet from her balcony."""

    def __init__(self, clients, rooms=None):
        _seq[0] += 1
        self.rooms = rooms or {"roomd": "route%d@%s" % (_seq[0], XH.MUC),
                               "prosody": "route%d@%s" % (_seq[0], PROSODY_MUC)}
        self.romeo = clients.connect("romeo")
        self.nurse = clients.connect("nurse")
        self.balcony = clients.connect("juliet", resource="balcony")
        self.chamber = clients.connect("juliet", resource="chamber")
        for room in self.rooms.values():
            self.romeo.join(room, "romeo")
            instant(self.romeo, room)
            self.nurse.join(room, "nurse")
            self.balcony.join(room, "juliet", extra="<show>away</show>")
        time.sleep(0.3)

    @property
    def sessions(self):
        return {"romeo": self.romeo, "nurse": self.nurse, "balcony": self.balcony, "chamber": self.chamber}

    def occ(self, side, nick):
        return "%s/%s" % (self.rooms[side], nick)

    def both(self, action, settle=0.5):
        """Runs action(side, room) on each side; returns {side: {session: stanzas from that room}}."""
        out = {}
        for side, room in self.rooms.items():
            pos = {name: c.mark() for name, c in self.sessions.items()}
            action(side, room)
            time.sleep(settle)
            out[side] = {name: c.quiet(pos[name], XH.from_room(room)) for name, c in self.sessions.items()}
        return out

    def generic(self, side, st):
        st = copy.deepcopy(XH.norm(st))
        st.attrib.pop("id", None)
        room = self.rooms[side]
        for el in st.iter():
            for oid in [c for c in el if c.tag == "{urn:xmpp:occupant-id:0}occupant-id"]:
                el.remove(oid)
            for k, v in list(el.attrib.items()):
                if v.lower() == room or v.lower().startswith(room + "/"):
                    el.set(k, "ROOM" + v[len(room):])
            if el.tag == "{jabber:client}error":
                el.attrib.pop("by", None)
                for t in [c for c in el if c.tag == "{%s}text" % NS_STANZAS]:
                    el.remove(t)
            if el.tag == "{%s}actor" % NS_MUC_USER:
                el.attrib.pop("jid", None)
        return st

    def assert_same(self, got, what, names=None):
        problems = []
        for name in names or self.sessions:
            ours = sorted(canon(self.generic("roomd", s)) for s in got["roomd"][name])
            ref = sorted(canon(self.generic("prosody", s)) for s in got["prosody"][name])
            if ours != ref:
                problems.append("%s: what %s received differs from Prosody's MUC:\nroomd:\n%s\nprosody:\n%s" % (
                    what, name, "\n".join(show(self.generic("roomd", s)) for s in got["roomd"][name]),
                    "\n".join(show(self.generic("prosody", s)) for s in got["prosody"][name])))
        assert not problems, "\n\n".join(problems)

    def chamber_joins(self):
        return self.both(lambda side, room: self.chamber.join(room, "juliet", extra="<show>dnd</show>"))


def items(st):
    x = st.find("{%s}x" % NS_MUC_USER)
    return [] if x is None else x.findall("{%s}item" % NS_MUC_USER)


def jids(st):
    return [i.get("jid") for i in items(st)]


# --------------------------------------------------------------------------- §7.2.2 multi-session

def test_a_second_session_joins_the_occupant(server, xroomd, clients):
    t = Twin(clients)
    got = t.chamber_joins()
    t.assert_same(got, "Juliet's second session joining")
    ours = got["roomd"]
    # Her first session is told too, with 110 (it got no 110 before); the joiner's self-presence comes last
    # before the subject, and names its own session first.
    assert [status_codes(s) for s in ours["balcony"]] == [["110"]], ours["balcony"]
    assert ours["chamber"][-1].find("{jabber:client}subject") is not None
    assert "110" in status_codes(ours["chamber"][-2]) and jids(ours["chamber"][-2])[0] == t.chamber.jid
    assert sorted(jids(ours["romeo"][0])) == sorted([t.balcony.jid, t.chamber.jid])
    assert jids(ours["nurse"][0]) == [None]
    occupants = XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])
    assert occupants["juliet"] == sorted([t.balcony.jid, t.chamber.jid])


def test_a_presence_change_of_one_session(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    got = t.both(lambda side, room: t.chamber.send(
        "<presence to='%s'><show>xa</show><status>reading</status></presence>" % t.occ(side, "juliet")))
    t.assert_same(got, "a presence change from Juliet's chamber")
    # Each of her sessions sees its own presence; the others the first session's.
    assert [s.findtext("{jabber:client}show") for s in got["roomd"]["chamber"]] == ["xa"]
    assert [s.findtext("{jabber:client}show") for s in got["roomd"]["balcony"]] == ["away"]
    assert [s.findtext("{jabber:client}show") for s in got["roomd"]["romeo"]] == ["away"]


def test_a_session_leaving_while_another_stays(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    got = t.both(lambda side, room: t.balcony.send(
        "<presence to='%s' type='unavailable'><status>to bed</status></presence>" % t.occ(side, "juliet")))
    # Prosody lists the session that left in what those who see real JIDs receive; roomd does not (the
    # session is gone). Set aside, once seen there.
    for name in ("romeo", "chamber"):
        for st in got["prosody"][name]:
            x = st.find("{%s}x" % NS_MUC_USER)
            gone = [i for i in items(st) if i.get("jid") == t.balcony.jid]
            assert len(gone) == 1, show(st)
            x.remove(gone[0])
    t.assert_same(got, "Juliet's balcony leaving while her chamber stays")
    ours = got["roomd"]
    left = ours["balcony"]
    assert len(left) == 1 and left[0].get("type") == "unavailable" and status_codes(left[0]) == ["110"]
    assert left[0].findtext("{jabber:client}status") == "to bed"
    for name in ("romeo", "nurse", "chamber"):
        assert [s.get("type") for s in ours[name]] == [None], "%s: %s" % (name, ours[name])
    assert XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])["juliet"] == [t.chamber.jid]


def test_a_kick_reaches_every_session(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    kick = "<query xmlns='%s'><item nick='juliet' role='none'><reason>Hence, banished</reason></item></query>" % (
        NS_MUC_ADMIN)
    got = t.both(lambda side, room: t.romeo.iq(room, kick))
    t.assert_same(got, "the kick of both of Juliet's sessions")
    for name in ("balcony", "chamber"):
        assert [sorted(status_codes(s)) for s in got["roomd"][name]] == [["110", "307"]]
    assert "juliet" not in XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])


def test_a_join_again_from_a_joined_session(server, xroomd, clients):
    """A client that lost track (a reconnect the server did not notice) joins again from the same session."""
    t = Twin(clients)
    t.chamber_joins()
    got = t.both(lambda side, room: t.balcony.join(room, "juliet", extra="<show>chat</show>"))
    t.assert_same(got, "Juliet's balcony joining again")


def test_a_bounced_error_from_one_session(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    got = t.both(lambda side, room: t.balcony.send(
        "<presence type='error' to='%s'><error type='cancel'><gone xmlns='%s'/></error></presence>"
        % (t.occ(side, "romeo"), NS_STANZAS)))
    t.assert_same(got, "a presence error from Juliet's balcony")
    # The session that bounced is sent nothing (it would bounce it); the others see Juliet still there.
    assert got["roomd"]["balcony"] == []
    assert [s.get("type") for s in got["roomd"]["romeo"]] == [None]
    assert XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])["juliet"] == [t.chamber.jid]


# --------------------------------------------------------------------------- §17.4 IQs to occupants

def test_an_iq_goes_to_the_first_session_and_its_error_comes_back(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    # slixmpp answers a query it has no handler for with feature-not-implemented.
    got = t.both(lambda side, room: t.romeo.send(
        "<iq type='get' id='ver1' to='%s'><query xmlns='jabber:iq:version'/></iq>" % t.occ(side, "juliet")))
    t.assert_same(got, "a version query from Romeo to Juliet")
    routed = got["roomd"]["balcony"]
    assert len(routed) == 1 and routed[0].get("type") == "get", routed
    assert routed[0].get("id") != "ver1" and routed[0].get("from") == t.occ("roomd", "romeo")
    assert got["roomd"]["chamber"] == []
    answer = got["roomd"]["romeo"]
    assert len(answer) == 1 and answer[0].get("id") == "ver1", answer
    assert error_condition(answer[0]) == ("cancel", "feature-not-implemented")
    assert answer[0].get("from") == t.occ("roomd", "juliet")


def test_a_ping_to_another_occupant_is_answered_by_it(server, xroomd, clients):
    t = Twin(clients)
    t.nurse.loop.call(t.nurse.x.register_plugin, "xep_0199")
    time.sleep(0.3)
    got = t.both(lambda side, room: t.romeo.send(
        "<iq type='get' id='png1' to='%s'><ping xmlns='%s'/></iq>" % (t.occ(side, "nurse"), NS_PING)))
    t.assert_same(got, "Romeo pinging the Nurse")
    answer = got["roomd"]["romeo"]
    assert [(s.get("type"), s.get("id"), s.get("from")) for s in answer] == [
        ("result", "png1", t.occ("roomd", "nurse"))], answer
    # A ping to oneself is still the room's to answer (XEP-0410).
    self_ping = t.both(lambda side, room: t.romeo.send(
        "<iq type='get' id='png2' to='%s'><ping xmlns='%s'/></iq>" % (t.occ(side, "romeo"), NS_PING)))
    t.assert_same(self_ping, "Romeo pinging himself")
    assert [s.get("type") for s in self_ping["roomd"]["romeo"]] == ["result"]


def test_a_vcard_request_goes_to_the_account(server, xroomd, clients):
    """How clients fetch an occupant's avatar: a vcard-temp get to its occupant JID, which the room sends to
    the bare JID, where the user's server answers."""
    t = Twin(clients)
    res = t.balcony.iq("juliet@localhost",
                         "<vCard xmlns='%s'><FN>Juliet Capulet</FN><NICKNAME>juliet</NICKNAME></vCard>" % NS_VCARD)
    assert res.get("type") == "result", show(res)
    got = t.both(lambda side, room: t.nurse.send(
        "<iq type='get' id='vc1' to='%s'><vCard xmlns='%s'/></iq>" % (t.occ(side, "juliet"), NS_VCARD)))
    t.assert_same(got, "the Nurse fetching Juliet's vCard")
    answer = got["roomd"]["nurse"]
    assert len(answer) == 1 and answer[0].get("type") == "result" and answer[0].get("id") == "vc1", answer
    assert answer[0].findtext("{%s}vCard/{%s}FN" % (NS_VCARD, NS_VCARD)) == "Juliet Capulet"
    assert got["roomd"]["balcony"] == [] and got["roomd"]["chamber"] == []


def test_iqs_from_outside_or_to_nobody_are_refused(server, xroomd, clients):
    t = Twin(clients)
    mercutio = clients.connect("mercutio")
    other_romeo = clients.connect("romeo", resource="phone")
    answers = {}
    for side, room in t.rooms.items():
        answers[side] = [
            mercutio.iq(t.occ(side, "juliet"), "<query xmlns='jabber:iq:version'/>", "get"),
            other_romeo.iq(t.occ(side, "juliet"), "<query xmlns='jabber:iq:version'/>", "get"),
            t.romeo.iq(t.occ(side, "tybalt"), "<query xmlns='jabber:iq:version'/>", "get"),
        ]
    assert [error_condition(s) for s in answers["roomd"]] == [
        ("cancel", "not-acceptable"), ("cancel", "not-acceptable"), ("cancel", "item-not-found")]
    for ours, ref in zip(answers["roomd"], answers["prosody"]):
        assert canon(t.generic("roomd", ours)) == canon(t.generic("prosody", ref)), "%s\n%s" % (show(ours), show(ref))


def test_a_forged_answer_is_dropped(server, xroomd, clients):
    """roomd routes an answer only from the session asked, once, under the id it gave: the Nurse cannot
    answer for Juliet, nor Juliet twice (Prosody routes any answer carrying the id, as often as it comes)."""
    t = Twin(clients)
    t.romeo.send("<iq type='get' id='v9' to='%s'><query xmlns='urn:example:slow'/></iq>" % t.occ("roomd", "juliet"))
    routed = t.balcony.wait(lambda s: XH.is_iq(s) and s.get("type") == "get", 0, 5, what="the routed iq")
    token = routed.get("id")
    # balcony's client has already answered (feature-not-implemented); that answer was routed and consumed.
    t.romeo.wait(lambda s: s.get("id") == "v9", 0, 5, what="Juliet's answer")
    pos = t.romeo.mark()
    for sender in (t.nurse, t.balcony, t.chamber):
        sender.send("<iq type='result' id='%s' to='%s'/>" % (token, t.occ("roomd", "romeo")))
    time.sleep(0.6)
    assert t.romeo.since(pos, lambda s: XH.is_iq(s)) == []


# --------------------------------------------------------------------------- errors about private messages

def test_an_error_about_a_private_message_goes_on_to_the_occupant(server, xroomd, clients):
    t = Twin(clients)
    t.chamber_joins()
    got = t.both(lambda side, room: t.nurse.send(
        "<message type='error' id='pm1' to='%s'><error type='modify'><not-acceptable xmlns='%s'/></error>"
        "</message>" % (t.occ(side, "juliet"), NS_STANZAS)))
    t.assert_same(got, "the Nurse's error about a private message to Juliet")
    for name in ("balcony", "chamber"):
        assert [error_condition(s) for s in got["roomd"][name]] == [("modify", "not-acceptable")]
    assert "nurse" in XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])


def test_a_delivery_error_to_an_occupant_removes_the_ghost(server, xroomd, clients):
    t = Twin(clients)
    got = t.both(lambda side, room: t.nurse.send(
        "<message type='error' id='pm2' to='%s'><error type='cancel'><recipient-unavailable xmlns='%s'/></error>"
        "</message>" % (t.occ(side, "romeo"), NS_STANZAS)))
    t.assert_same(got, "a delivery error from the Nurse about a private message to Romeo")
    assert [status_codes(s) for s in got["roomd"]["romeo"]] == [["333"]]
    assert "nurse" not in XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])


# --------------------------------------------------------------------------- through ejabberd

@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_ejabberd_multi_session_and_iq_routing(ejabberd, ej_roomd, ej_clients):
    room = XH.new_room("ejroute")
    t = Twin(ej_clients, rooms={"roomd": room})
    pos = {name: c.mark() for name, c in t.sessions.items()}
    t.chamber.join(room, "juliet")
    time.sleep(0.5)
    balcony = t.balcony.quiet(pos["balcony"], XH.from_room(room))
    assert [status_codes(s) for s in balcony] == [["110"]], [show(s) for s in balcony]
    # An IQ from Romeo reaches Juliet's first session, and its answer comes back under Romeo's id.
    t.balcony.loop.call(t.balcony.x.register_plugin, "xep_0199")
    time.sleep(0.3)
    res = t.romeo.iq(room + "/juliet", "<ping xmlns='%s'/>" % NS_PING, "get")
    assert res.get("type") == "result" and res.get("from") == room + "/juliet", show(res)
    # The balcony leaves; the chamber stays.
    pos = {name: c.mark() for name, c in t.sessions.items()}
    t.balcony.send("<presence to='%s/juliet' type='unavailable'/>" % room)
    time.sleep(0.6)
    left = t.balcony.quiet(pos["balcony"], XH.from_room(room))
    assert [(s.get("type"), status_codes(s)) for s in left] == [("unavailable", ["110"])], [show(s) for s in left]
    assert [s.get("type") for s in t.romeo.quiet(pos["romeo"], XH.from_room(room))] == [None]
