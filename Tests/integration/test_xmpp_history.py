"""Discussion history (XEP-0045 §7.2.13–7.2.14), each flow run through one real Prosody twice: against roomd
(chat.localhost, the component) and against Prosody 0.12's own MUC (muc.localhost, its default of 20 messages
kept), and the joiner's answers compared as XML. The delay stamps are compared apart (each within a few seconds
of the message; both sides write the room's address in `from`), and what Prosody adds that roomd does not is
set aside: `xml:lang`, the XEP-0421 `<occupant-id/>`, and each request's own `id`. One flow runs through
ejabberd, asserted against XEP-0045's order (ejabberd's own MUC is not compared).

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_history.py
"""

import calendar
import copy
import time

import pytest

import xmpp_helpers as XH
from xmpp_helpers import canon, ejabberd, is_message, is_presence, norm, show, status_codes  # noqa: F401

PROSODY_MUC = "muc.localhost"
NS_DELAY = "urn:xmpp:delay"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DATA = "jabber:x:data"
NS_MUC = "http://jabber.org/protocol/muc"
DELAY = "{%s}delay" % NS_DELAY

REFERENCE_MUC = """
Component "%s" "muc"
""" % PROSODY_MUC


@pytest.fixture(scope="module")
def server():
    yield from XH.prosody_with(REFERENCE_MUC)


@pytest.fixture
def xroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def clients(server, xroomd):
    yield from XH.connected_clients(server)


_seq = [0]


def stamp_seconds(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


class Twin:
    """One room on each side, created as an instant room by its first user; every user one client."""

    def __init__(self, clients, creator, form=None):
        _seq[0] += 1
        self.rooms = {"roomd": "hist%d@%s" % (_seq[0], XH.MUC), "prosody": "hist%d@%s" % (_seq[0], PROSODY_MUC)}
        self.clients = clients
        self.cs = {}
        c = self.user(creator)
        for room in self.rooms.values():
            c.join(room, creator)
            done = c.iq(room, form or XH.INSTANT_FORM)
            assert done.get("type") == "result", show(done)

    def user(self, name):
        if name not in self.cs:
            self.cs[name] = self.clients.connect(name)
        return self.cs[name]

    def join(self, name, muc=""):
        """`name` joins both rooms, `muc` inside its MUC element; its answer from each, up to the subject."""
        return {side: self.user(name).join(room, name, muc=muc) for side, room in self.rooms.items()}

    def say(self, name, body, mid, extra=""):
        """`name` says `body` in both rooms and waits for its own copy."""
        c = self.user(name)
        for room in self.rooms.values():
            pos = c.mark()
            c.send("<message type='groupchat' to='%s' id='%s'><body>%s</body>%s</message>" % (
                room, mid, XH.xml_escape(body), extra))
            c.wait(lambda s, room=room: is_message(s) and s.get("id") == mid and s.get("from", "").startswith(room),
                   pos, 5, what="own copy of %s" % mid)

    def generic(self, side, st, sent_at):
        """The stanza with this side's room written ROOM, Prosody's additions set aside, and each delay's
        stamp checked against when its message was sent and then set aside."""
        st = copy.deepcopy(norm(st))
        st.attrib.pop("id", None)
        room = self.rooms[side]
        for oid in st.findall("{urn:xmpp:occupant-id:0}occupant-id"):
            st.remove(oid)
        for delay in st.findall(DELAY):
            stamp = delay.attrib.pop("stamp")
            body = st.findtext("{jabber:client}body")
            assert body in sent_at, "a delay on a message that was not sent: %s" % show(st)
            assert abs(stamp_seconds(stamp) - sent_at[body]) <= 2, "%s: stamp %s, sent at %s" % (
                side, stamp, time.strftime("%H:%M:%S", time.gmtime(sent_at[body])))
        for e in st.iter():
            for k, v in list(e.attrib.items()):
                if v.lower() == room or v.lower().startswith(room + "/"):
                    e.set(k, "ROOM" + v[len(room):])
        return st

    def assert_same(self, got, what, sent_at):
        ours = [self.generic("roomd", s, sent_at) for s in got["roomd"]]
        ref = [self.generic("prosody", s, sent_at) for s in got["prosody"]]
        assert in_order(ours) == in_order(ref), "%s differs from Prosody's MUC:\nroomd:\n%s\n" \
            "prosody:\n%s" % (what, "\n".join(show(s) for s in ours), "\n".join(show(s) for s in ref))


def in_order(answer):
    """A join's answer as compared: the others' presences, which XEP-0045 puts in no order (roomd sorts them by
    nickname, Prosody's MUC walks its table), sorted; from the self-presence (110) on, the order as received."""
    own = next((i for i, s in enumerate(answer) if is_presence(s) and "110" in status_codes(s)), 0)
    return sorted(canon(s) for s in answer[:own]) + [canon(s) for s in answer[own:]]


def bodies(stanzas):
    return [s.findtext("{jabber:client}body") for s in stanzas if is_message(s) and s.find(DELAY) is not None]


def history(**attrs):
    return "<history %s/>" % " ".join("%s='%s'" % (k, v) for k, v in attrs.items())


def test_history_on_join_as_prosodys_muc(clients):
    """A joiner gets the room's messages after its own presence and before the subject, stamped by the room,
    addressed to it; a message with a no-store hint is not kept (Prosody's `muc-message-is-historic`)."""
    t = Twin(clients, "romeo")
    sent_at = {}
    for i, body in enumerate(["Good morrow", "What light <through> yonder window & breaks?", "Hark"]):
        sent_at[body] = time.time()
        t.say("romeo", body, "h%d" % i)
    t.say("romeo", "not kept", "h9", "<no-store xmlns='urn:xmpp:hints'/>")
    got = t.join("juliet")
    t.assert_same(got, "juliet's join", sent_at)
    out = got["roomd"]
    assert [s.tag.rsplit("}", 1)[1] for s in out] == ["presence", "presence", "message", "message", "message",
                                                        "message"], "\n".join(show(s) for s in out)
    assert "110" in status_codes(out[1])
    assert bodies(out) == ["Good morrow", "What light <through> yonder window & breaks?", "Hark"]
    assert out[2].get("to") == t.user("juliet").jid and out[2].find(DELAY).get("from") == t.rooms["roomd"]


@pytest.mark.parametrize("what", ["maxstanzas", "maxchars", "zero", "empty", "seconds", "since"])
def test_each_history_filter_as_prosodys_muc(clients, what):
    t = Twin(clients, "romeo")
    sent_at = {}
    # Bodies of 1000 characters, so that a maxchars of 3000 lets two through on both sides whatever each
    # side's stanza adds around them.
    for i in range(3):
        body = ("%d" % i) * 1000
        sent_at[body] = time.time()
        t.say("romeo", body, "f%d" % i)
    # Both sides keep the second a message came in: `since` two seconds after the last early one falls
    # between it and the late one, whatever fraction of a second each had.
    early = time.time()
    if what in ("seconds", "since"):
        time.sleep(3.2)
        sent_at["late"] = time.time()
        t.say("romeo", "late", "f3")
    extra = {
        "maxstanzas": history(maxstanzas=2),
        "maxchars": history(maxchars=3000),
        "zero": history(maxstanzas=0),
        "empty": "<history/>",
        "seconds": history(seconds=2),
        "since": history(since=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(early) + 2))),
    }[what]
    got = t.join("juliet", extra)
    t.assert_same(got, "a join with %s" % extra, sent_at)
    expected = {"maxstanzas": 2, "maxchars": 2, "zero": 0, "empty": 3, "seconds": 1, "since": 1}[what]
    assert len(bodies(got["roomd"])) == expected, "\n".join(show(s) for s in got["roomd"])


def test_history_after_a_nick_change_and_a_kick_as_prosodys_muc(clients):
    """History keeps the nickname a message was sent under, and the messages of an occupant kicked since."""
    t = Twin(clients, "romeo")
    t.join("juliet")
    sent_at = {}
    sent_at["hello"] = time.time()
    t.say("juliet", "hello", "k1")
    for room in t.rooms.values():
        pos = t.user("juliet").mark()
        t.user("juliet").send("<presence to='%s/Jules'/>" % room)
        t.user("juliet").wait(lambda s, room=room: is_presence(s) and s.get("from") == room + "/Jules", pos, 5)
    sent_at["again"] = time.time()
    t.say("juliet", "again", "k2")
    for room in t.rooms.values():
        res = t.user("romeo").iq(room, XH.kick_iq("Jules", "Enough"))
        assert res.get("type") == "result", show(res)
    got = t.join("nurse")
    t.assert_same(got, "the nurse's join", sent_at)
    froms = [s.get("from").split("/", 1)[1] for s in got["roomd"] if is_message(s) and s.find(DELAY) is not None]
    assert froms == ["juliet", "Jules"]


def field_value(form, var):
    for f in form.iter("{%s}field" % NS_DATA):
        if f.get("var") == var:
            return f.findtext("{%s}value" % NS_DATA)
    return None


def test_history_length_from_the_form_as_prosodys_muc(clients):
    """`muc#roomconfig_historylength` and `muc#roomconfig_defaulthistorymessages`: offered with Prosody's
    defaults, a submitted length keeps that many, and the default number is what a plain join gets."""
    t = Twin(clients, "romeo")
    for side, room in t.rooms.items():
        form = t.user("romeo").iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
        assert field_value(form, "muc#roomconfig_historylength") == "20", (side, show(form))
        assert field_value(form, "muc#roomconfig_defaulthistorymessages") == "20", (side, show(form))
        submit = ("<query xmlns='%s'><x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>%s</value></field>"
                  "<field var='muc#roomconfig_historylength'><value>3</value></field>"
                  "<field var='muc#roomconfig_defaulthistorymessages'><value>2</value></field></x></query>") % (
                      NS_OWNER, NS_DATA, "http://jabber.org/protocol/muc#roomconfig")
        res = t.user("romeo").iq(room, submit)
        assert res.get("type") == "result", show(res)
        form = t.user("romeo").iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
        assert field_value(form, "muc#roomconfig_historylength") == "3", (side, show(form))
        assert field_value(form, "muc#roomconfig_defaulthistorymessages") == "2", (side, show(form))
    sent_at = {}
    for i in range(5):
        sent_at["m%d" % i] = time.time()
        t.say("romeo", "m%d" % i, "l%d" % i)
    got = t.join("juliet")
    t.assert_same(got, "a plain join", sent_at)
    assert bodies(got["roomd"]) == ["m3", "m4"]
    got = t.join("nurse", history(maxstanzas=10))
    t.assert_same(got, "a join asking for 10", sent_at)
    assert bodies(got["roomd"]) == ["m2", "m3", "m4"]


def test_history_length_through_roomctl(clients, xroomd):
    """`roomctl config ROOM historyLength=N`: durable configuration like the others, shown back."""
    t = Twin(clients, "romeo")
    room = t.rooms["roomd"]
    out = XH.roomctl(xroomd, "config", room, "historyLength=1")
    assert "historyLength=1" in out and "defaultHistoryMessages=1" in out, out
    for i in range(3):
        t.user("romeo").groupchat(room, "c%d" % i)
    time.sleep(0.5)
    out = t.user("juliet").join(room, "juliet")
    assert bodies(out) == ["c2"], "\n".join(show(s) for s in out)


@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_history_on_join_through_ejabberd(ejabberd, ej_roomd, ej_clients):
    """Through ejabberd: the joiner's own presence, the history (stamped by the room, from each sender's
    occupant JID), then the subject."""
    room = "ejhist@%s" % XH.MUC
    r, j = ej_clients.connect("romeo"), ej_clients.connect("juliet")
    r.join(room, "romeo")
    assert r.iq(room, XH.INSTANT_FORM).get("type") == "result"
    for body in ["one", "two"]:
        pos = r.mark()
        mid = r.groupchat(room, body)
        r.wait(lambda s: is_message(s) and s.get("id") == mid, pos, 5)
    out = j.join(room, "juliet", muc=history(maxstanzas=5))
    kinds = [s.tag.rsplit("}", 1)[1] for s in out]
    assert kinds == ["presence", "presence", "message", "message", "message"], "\n".join(show(s) for s in out)
    assert "110" in status_codes(out[1])
    assert bodies(out) == ["one", "two"]
    assert all(s.get("from") == room + "/romeo" and s.find(DELAY).get("from") == room for s in out[2:4])
    assert out[4].find("{jabber:client}subject") is not None
