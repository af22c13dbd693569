"""The XEP-0045 bugs of #15, each flow run twice through one real Prosody: against roomd (chat.localhost, the
component) and against Prosody's own MUC (muc.localhost, Prosody 0.12's mod_muc, instant rooms), and the
answers compared. Prosody's MUC is the reference: what roomd sends must be what it sends, with the room's
address written as ROOM and the stanza's id set aside (each side's request had its own). Two things Prosody adds and roomd does not are set aside where they occur: the
`by` attribute and `<text/>` of its errors, the XEP-0421 `<occupant-id/>` it adds to what occupants send
(roomd does not implement XEP-0421), and the `xml:lang` it stamps on everything it routes.

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_muc_fixes.py
"""

import copy
import time

import pytest

import xmpp_helpers as XH
from xmpp_helpers import (NS_DISCO_INFO, NS_MUC_ADMIN, NS_STANZAS, X, affiliation_iq, assert_stanza, canon,
                          error_condition, is_message, is_presence, norm, show, status_codes)

PROSODY_MUC = "muc.localhost"

OTHER_DOMAIN = "other.localhost"

# A second host, so that a domain ban can name a domain the room's owner is not in.
MUC_COMPONENT = """
Component "%s" "muc"
    muc_room_locking = false
    muc_room_default_history_length = 0

VirtualHost "%s"
""" % (PROSODY_MUC, OTHER_DOMAIN)


@pytest.fixture(scope="module")
def server():
    """A Prosody of this module's own, with its MUC beside roomd's component."""
    yield from XH.prosody_with(MUC_COMPONENT, register=[("mallory", OTHER_DOMAIN)])


@pytest.fixture
def xroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def clients(server, xroomd):
    yield from XH.connected_clients(server)


_seq = [0]


class Twin:
    """One room on each side, with the same occupants (each user one client, joined to both)."""

    def __init__(self, clients, nicks):
        _seq[0] += 1
        self.rooms = {"roomd": "fix%d@%s" % (_seq[0], XH.MUC), "prosody": "fix%d@%s" % (_seq[0], PROSODY_MUC)}
        self.cs = {}
        for index, nick in enumerate(nicks):
            c = clients.connect(nick)
            self.cs[nick] = c
            for side in self.rooms:
                c.join(self.rooms[side], nick)
                if index == 0:
                    # The creator's empty form makes it an instant room (XEP-0045 §10.1.2), as clients do:
                    # until then both MUCs keep it locked.
                    done = c.iq(self.rooms[side], XH.INSTANT_FORM)
                    assert done.get("type") == "result", XH.show(done)
        time.sleep(0.3)

    def occ(self, side, nick):
        return "%s/%s" % (self.rooms[side], nick)

    def received(self, side, nick, pos, count=1, timeout=6.0):
        pred = XH.from_room(self.rooms[side])
        c = self.cs[nick]
        if count:
            c.wait(pred, pos, timeout, count=count, what="%d stanza(s) from %s" % (count, self.rooms[side]))
        time.sleep(0.3)
        return c.quiet(pos, pred)

    def both(self, action, nick, count=1, extra_pred=None):
        """Runs action(side, room) on each side; returns {side: stanzas from that room `nick` received}."""
        out = {}
        for side, room in self.rooms.items():
            pos = self.cs[nick].mark()
            action(side, room)
            got = self.received(side, nick, pos, count)
            out[side] = [s for s in got if extra_pred is None or extra_pred(s)]
        return out

    def generic(self, side, st):
        """The stanza with this side's room written as ROOM, without xml:lang and the error's by/text."""
        st = copy.deepcopy(norm(st))
        st.attrib.pop("id", None)  # each side's request had its own id; both echo it
        room = self.rooms[side]
        for oid in st.findall("{urn:xmpp:occupant-id:0}occupant-id"):
            st.remove(oid)
        if st.get("type") == "error":
            # roomd's error to a join echoes its <x/>, as XEP-0045's examples do; Prosody's does not.
            for x in st.findall("{http://jabber.org/protocol/muc}x"):
                st.remove(x)
        for e in st.iter():
            for k, v in list(e.attrib.items()):
                if v.lower() == room or v.lower().startswith(room + "/"):
                    e.set(k, "ROOM" + v[len(room):])
            if e.tag == "{jabber:client}error":
                e.attrib.pop("by", None)
                for t in [c for c in e if c.tag == "{%s}text" % NS_STANZAS]:
                    e.remove(t)
        return st

    def assert_same(self, got, what):
        ours = [self.generic("roomd", s) for s in got["roomd"]]
        ref = [self.generic("prosody", s) for s in got["prosody"]]
        assert [canon(s) for s in ours] == [canon(s) for s in ref], "%s differs from Prosody's MUC:\nroomd:\n%s\n" \
            "prosody:\n%s" % (what, "\n".join(show(s) for s in ours), "\n".join(show(s) for s in ref))


def errors(stanzas):
    return [s for s in stanzas if s.get("type") == "error"]


# --------------------------------------------------------------------------- 1. §7.5

def test_private_message_of_type_groupchat_is_bad_request(server, xroomd, clients):
    t = Twin(clients, ("romeo", "juliet"))
    j = t.cs["juliet"]
    for target in ("romeo", "nobody"):
        got = t.both(lambda side, room: j.send(
            "<message type='groupchat' to='%s' id='pm-%s'><body>The room says: leave now</body></message>"
            % (t.occ(side, target), target)), "juliet")
        assert [error_condition(s) for s in got["roomd"]] == [("modify", "bad-request")], got
        t.assert_same(got, "the refusal of a groupchat PM to %s" % target)
    time.sleep(0.2)
    assert not [s for s in t.cs["romeo"].since(0) if is_message(s) and "leave now" in XH.show(s)]


# --------------------------------------------------------------------------- 2. §10.4 / §10.6

@pytest.mark.parametrize("affiliation", ["admin", "none", "outcast"])
def test_last_owner_cannot_leave_ownership(server, xroomd, clients, affiliation):
    t = Twin(clients, ("romeo",))
    r = t.cs["romeo"]
    got = {side: [r.iq(room, affiliation_iq(r.bare, affiliation))] for side, room in t.rooms.items()}
    assert error_condition(got["roomd"][0]) == ("cancel", "conflict"), show(got["roomd"][0])
    t.assert_same(got, "the last owner giving up ownership")
    room = xroomd.rooms().GetRoom(room=t.rooms["roomd"])["room"]
    assert {"jid": r.bare, "affiliation": "owner"} in room["affiliations"]


def test_last_owner_through_the_control_socket(server, xroomd, clients):
    t = Twin(clients, ("romeo",))
    raw = xroomd.raw()
    reply = raw.rooms("SetAffiliation", room=t.rooms["roomd"], jid=t.cs["romeo"].bare, affiliation="member")
    assert reply.get("error") == "org.muckick.Rooms.LastOwner", reply
    assert reply.get("parameters") == {"room": t.rooms["roomd"], "jid": t.cs["romeo"].bare}, reply


# --------------------------------------------------------------------------- 3. §17.4

def test_item_with_role_and_affiliation_is_bad_request(server, xroomd, clients):
    t = Twin(clients, ("romeo", "nurse"))
    r = t.cs["romeo"]
    item = "<query xmlns='%s'><item nick='nurse' role='none' jid='%s' affiliation='outcast'/></query>" % (
        NS_MUC_ADMIN, t.cs["nurse"].bare)
    got = {side: [r.iq(room, item)] for side, room in t.rooms.items()}
    assert error_condition(got["roomd"][0]) == ("cancel", "bad-request"), show(got["roomd"][0])
    t.assert_same(got, "an item with role and affiliation")
    assert set(XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])) == {"romeo", "nurse"}


# --------------------------------------------------------------------------- 4. §8.1

def test_subject_with_body_is_a_message(server, xroomd, clients):
    t = Twin(clients, ("romeo", "nurse"))
    n = t.cs["nurse"]
    got = t.both(lambda side, room: n.send(
        "<message type='groupchat' to='%s' id='sb1'><subject>Fake</subject><body>look</body></message>" % room),
        "romeo")
    assert len(got["roomd"]) == 1 and got["roomd"][0].find("{jabber:client}body") is not None, got
    t.assert_same(got, "a message with a subject and a body")
    # the subject did not change: a new joiner gets none
    b = clients.connect("benvolio")
    out = {side: [b.join(room, "benvolio")[-1]] for side, room in t.rooms.items()}
    t.assert_same(out, "the subject at the next join")


# --------------------------------------------------------------------------- 5.

def test_message_to_missing_room_is_item_not_found(server, xroomd, clients):
    c = clients.connect("tybalt")
    got = {}
    for side, domain in (("roomd", XH.MUC), ("prosody", PROSODY_MUC)):
        pos = c.mark()
        c.send("<message type='groupchat' to='nowhere@%s' id='nw1'><body>hello?</body></message>" % domain)
        got[side] = [c.wait(lambda s: s.get("id") == "nw1", pos, 5)]
    assert error_condition(got["roomd"][0]) == ("cancel", "item-not-found"), show(got["roomd"][0])
    assert error_condition(got["prosody"][0]) == error_condition(got["roomd"][0])


# --------------------------------------------------------------------------- 6. §11.1 / §18.1.2

@pytest.mark.parametrize("kind", ["presence", "message"])
def test_bounced_error_removes_the_ghost_with_333(server, xroomd, clients, kind):
    t = Twin(clients, ("romeo", "nurse"))
    n = t.cs["nurse"]

    def bounce(side, room):
        to = t.occ(side, "romeo") if kind == "presence" else room
        n.send("<%s type='error' to='%s'><error type='cancel'><recipient-unavailable xmlns='%s'/></error></%s>"
               % (kind, to, NS_STANZAS, kind))
    got = t.both(bounce, "romeo", extra_pred=is_presence)
    assert len(got["roomd"]) == 1 and got["roomd"][0].get("type") == "unavailable", got
    assert status_codes(got["roomd"][0]) == ["333"], show(got["roomd"][0])
    t.assert_same(got, "the removal of a ghost (%s error)" % kind)
    assert set(XH.HH.RoomState(xroomd).occupants(t.rooms["roomd"])) == {"romeo"}


# --------------------------------------------------------------------------- 7. §17.3

def test_extended_presence_passes_through(server, xroomd, clients):
    t = Twin(clients, ("romeo",))
    j = clients.connect("juliet")
    t.cs["juliet"] = j
    extra = ("<show>away</show><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://x.example' "
             "ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/><x xmlns='vcard-temp:x:update'><photo>"
             "01b87fcd030b72895ff8e88db57ec525450f000d</photo></x><idle xmlns='urn:xmpp:idle:1' "
             "since='2026-12-07T06:00:00Z'/>")
    got = t.both(lambda side, room: j.join(room, "juliet", extra=extra), "romeo", extra_pred=is_presence)
    assert got["roomd"][0].find("{vcard-temp:x:update}x") is not None, show(got["roomd"][0])
    t.assert_same(got, "juliet's presence with caps, avatar and idle")


# --------------------------------------------------------------------------- 8. §7.12

def test_roomuser_item_node(server, xroomd, clients):
    t = Twin(clients, ("romeo",))
    r = t.cs["romeo"]
    q = "<query xmlns='%s' node='x-roomuser-item'/>" % NS_DISCO_INFO
    got = {side: [r.iq(room, q, "get")] for side, room in t.rooms.items()}
    assert got["roomd"][0].get("type") == "result", show(got["roomd"][0])
    t.assert_same(got, "disco#info node x-roomuser-item")


# --------------------------------------------------------------------------- 9.

def test_domain_ban_is_enforced_at_join(server, xroomd, clients):
    t = Twin(clients, ("romeo",))
    r = t.cs["romeo"]
    for room in t.rooms.values():
        res = r.iq(room, affiliation_iq(OTHER_DOMAIN, "outcast", "the whole domain"))
        assert res.get("type") == "result", show(res)
    m = clients.connect("mallory", domain=OTHER_DOMAIN)
    got = {side: [m.join(room, "mallory", expect_error=True)[-1]] for side, room in t.rooms.items()}
    assert error_condition(got["roomd"][0]) == ("auth", "forbidden"), show(got["roomd"][0])
    t.assert_same(got, "a join from a banned domain")
    # a user of another domain still joins
    j = clients.connect("juliet")
    for room in t.rooms.values():
        j.join(room, "juliet")


def test_domain_ban_set_over_the_control_socket_holds_across_a_restart(server, xroomd, clients):
    room = "fixdurable%d@%s" % (_seq[0], XH.MUC)
    _seq[0] += 1
    XH.HH.RoomState(xroomd).make_room(room, affiliations=[(OTHER_DOMAIN, "outcast")])
    xroomd.stop_clean()
    xroomd.start_attached()
    m = clients.connect("mallory", domain=OTHER_DOMAIN)
    out = m.join(room, "mallory", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "forbidden"), show(out[-1])
    affiliations = xroomd.rooms().GetRoom(room=room)["room"]["affiliations"]
    assert {"jid": OTHER_DOMAIN, "affiliation": "outcast"} in affiliations
    clients.connect("juliet").join(room, "juliet")
