"""Nicknames under RFC 8266's nickname profile (docs/nicknames.md), through one real Prosody with slixmpp
clients, each flow run against roomd (the component) and Prosody 0.12's own MUC (muc.localhost).

Prosody applies Resourceprep (stringprep) to every stanza's `to` before routing it, so both MUCs receive
nicknames already NFKC-normalised (`ﬁ` arrives as `fi`); where the flows agree the answers are compared as
XML. Where RFC 8266 asks for more than Resourceprep (case-insensitive comparison, code points Resourceprep
lets through and FreeformClass refuses) roomd differs from Prosody's MUC on purpose, and the test says so.

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_nicknames.py
"""

import copy
import time

import pytest

import xmpp_helpers as XH
from xmpp_helpers import NS_MUC, NS_STANZAS, canon, error_condition, is_presence, norm, show, status_codes, xml_escape

PROSODY_MUC = "muc.localhost"

MUC_COMPONENT = """
Component "%s" "muc"
    muc_room_locking = false
    muc_room_default_history_length = 0
""" % PROSODY_MUC


@pytest.fixture(scope="module")
def server():
    """A Prosody of this module's own, with its MUC beside roomd's component."""
    yield from XH.prosody_with(MUC_COMPONENT)


@pytest.fixture
def xroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def clients(server, xroomd):
    yield from XH.connected_clients(server)


_seq = [0]


def rooms():
    _seq[0] += 1
    return {"roomd": "nick%d@%s" % (_seq[0], XH.MUC), "prosody": "nick%d@%s" % (_seq[0], PROSODY_MUC)}


def create(client, rs, nick):
    """`client` makes each room, as `nick`, and unlocks roomd's (an instant room, XEP-0045 §10.1.2)."""
    for side, room in rs.items():
        client.join(room, nick)
        result = client.iq(room, "<query xmlns='http://jabber.org/protocol/muc#owner'>"
                                 "<x xmlns='jabber:x:data' type='submit'/></query>")
        assert result.get("type") == "result", show(result)


def send_join(client, room, nick, muc_x=True):
    """Sends a join presence (a nickname change without `muc_x`, as XEP-0045 §7.6 shows it) and returns what
    came back from the room (or its error), once quiet."""
    pos = client.mark()
    x = "<x xmlns='%s'/>" % NS_MUC if muc_x else ""
    client.send("<presence to='%s'>%s</presence>" % (xml_escape("%s/%s" % (room, nick)), x))
    client.wait(lambda s: (s.get("from") or "").lower().startswith(room) and (
        s.get("type") == "error" or s.find("{jabber:client}subject") is not None
        or "303" in status_codes(s) or "110" in status_codes(s)), pos, 8, what="an answer to the join")
    time.sleep(0.3)
    return client.quiet(pos, lambda s: (s.get("from") or "").lower().startswith(room))


def generic(room, st):
    """The stanza with its room written as ROOM, without xml:lang, id, the error's by/text and <x/> echo."""
    st = copy.deepcopy(norm(st))
    st.attrib.pop("id", None)
    for oid in st.findall("{urn:xmpp:occupant-id:0}occupant-id"):
        st.remove(oid)
    if st.get("type") == "error":
        for x in st.findall("{%s}x" % NS_MUC):
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


def assert_same(rs, got, what):
    ours = [canon(generic(rs["roomd"], s)) for s in got["roomd"]]
    ref = [canon(generic(rs["prosody"], s)) for s in got["prosody"]]
    assert ours == ref, "%s differs from Prosody's MUC:\nroomd:\n%s\nprosody:\n%s" % (
        what, "\n".join(show(s) for s in got["roomd"]), "\n".join(show(s) for s in got["prosody"]))


def errors(stanzas):
    return [error_condition(s) for s in stanzas if s.get("type") == "error"]


def test_an_invisible_nickname_is_refused_jid_malformed(server, xroomd, clients):
    rs = rooms()
    r = clients.connect("romeo")
    create(r, rs, "Romeo")
    j = clients.connect("juliet")
    # U+3164 HANGUL FILLER: Resourceprep keeps it (as U+1160 after NFKC), so Prosody's MUC lets an
    # occupant in whose nickname shows as nothing; RFC 8266 refuses it (RFC 5892's OldHangulJamo).
    got = {side: send_join(j, room, "\u3164") for side, room in rs.items()}
    assert errors(got["roomd"]) == [("modify", "jid-malformed")], [show(s) for s in got["roomd"]]
    assert not errors(got["prosody"]), "Prosody's MUC no longer accepts it: compare the errors instead"
    # U+115F HANGUL CHOSEONG FILLER, a default-ignorable conjoining jamo: the same.
    got = {side: send_join(j, room, "\u115f\u115f") for side, room in rs.items()}
    assert errors(got["roomd"]) == [("modify", "jid-malformed")], [show(s) for s in got["roomd"]]
    # Zero-width spaces alone never reach either MUC through Prosody: Resourceprep maps U+200B to nothing.
    # roomd's own refusal of them is in MUCComponentNicknameTests and below, over the control socket.
    reply = xroomd.raw().rooms("Join", room=rs["roomd"], nick="\u200b\u200b", jid="juliet@localhost/x")
    assert reply.get("error") == "org.muckick.Rooms.InvalidAddress", reply
    state = xroomd.rooms().GetRoom(room=rs["roomd"])["room"]
    assert [o["nick"] for o in state["occupants"]] == ["Romeo"]


def test_nicknames_comparing_equal_conflict(server, xroomd, clients):
    rs = rooms()
    r = clients.connect("romeo")
    create(r, rs, "fi")
    j = clients.connect("juliet")
    # The ligature: Resourceprep already makes it `fi`, for both MUCs alike: the same conflict (§7.2.9).
    got = {side: send_join(j, room, "\ufb01") for side, room in rs.items()}
    assert errors(got["roomd"]) == [("cancel", "conflict")], [show(s) for s in got["roomd"]]
    assert_same(rs, got, "a join with a nickname that is the occupant's after NFKC")
    # Case: Resourceprep keeps it, RFC 8266 compares lowercased. Prosody's MUC lets a second `FI` in.
    got = {side: send_join(j, room, "FI") for side, room in rs.items()}
    assert errors(got["roomd"]) == [("cancel", "conflict")], [show(s) for s in got["roomd"]]
    assert not errors(got["prosody"]), "Prosody's MUC now refuses it: compare the errors instead"
    # Spaces: runs collapse, so `f i` with two spaces is taken by an occupant `f i`.
    n = clients.connect("nurse")
    n.join(rs["roomd"], "f i")
    got = send_join(j, rs["roomd"], "f  i")
    assert errors(got) == [("cancel", "conflict")], [show(s) for s in got]
    state = xroomd.rooms().GetRoom(room=rs["roomd"])["room"]
    assert sorted(o["nick"] for o in state["occupants"]) == ["f i", "fi"]


def test_changing_the_case_of_ones_own_nickname_is_a_nickname_change(server, xroomd, clients):
    rs = rooms()
    r = clients.connect("romeo")
    create(r, rs, "Romeo")
    got = {side: send_join(r, room, "ROMEO", muc_x=False) for side, room in rs.items()}
    assert ["110", "303"] in [sorted(status_codes(s)) for s in got["roomd"]], [show(s) for s in got["roomd"]]
    assert_same(rs, got, "an occupant changing the case of its nickname")


def test_a_kick_over_the_control_socket_finds_the_occupant_by_its_comparison_form(server, xroomd, clients):
    rs = rooms()
    r = clients.connect("romeo")
    create(r, {"roomd": rs["roomd"]}, "Romeo")
    j = clients.connect("juliet")
    j.join(rs["roomd"], "Juliet")
    pos = j.mark()
    reply = xroomd.rooms().Kick(room=rs["roomd"], nick="\uff32\uff2f\uff2d\uff25\uff2f")  # full-width ROMEO
    assert [k["nick"] for k in reply["kicked"]] == ["Romeo"], reply
    gone = j.wait(lambda s: is_presence(s) and s.get("from") == rs["roomd"] + "/Romeo", pos, 5)
    assert gone.get("type") == "unavailable" and "307" in status_codes(gone), show(gone)
    raw = xroomd.raw().rooms("Kick", room=rs["roomd"], nick="\u200b")
    assert raw.get("error") == "org.muckick.Rooms.OccupantNotFound", raw
