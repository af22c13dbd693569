"""Hostile stanzas through a real XMPP server (Prosody and ejabberd, each test against both).

Authority comes only from the un-namespaced `from` the server stamped: a participant that adds a
namespaced `p:from` naming the owner (before or after the real one) gets nothing an owner gets. A
namespaced `p:xmlns` must not move a reflected stanza into another namespace (the server would drop the
whole component stream). Free text that XML cannot carry is refused at the HTTP entry before anything is
sent.
"""

import os
import sqlite3
import subprocess
import time

import pytest

import http_helpers as HH
import mk_helpers as H
import xmpp_helpers as XH
from xmpp_helpers import (MUC, NS_MUC_ADMIN, affiliation_iq, ejabberd, error_condition, from_room,  # noqa: F401
                          is_iq, is_message, is_presence, prosody, roomd_alive, setup_room, show)

SERVERS = ["prosody", "ejabberd"]


@pytest.fixture(params=SERVERS)
def server(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def sroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def sclients(server, sroomd):
    yield from XH.connected_clients(server)


def stream_intact(d, what):
    log = d.current_log()
    assert d.count(XH.ComponentRoomd.AUTHENTICATED) == 1 and "component stream closed" not in log, (
        "%s tore down roomd's component stream. roomd's stderr:\n%s" % (what, log[-3000:]))


def affiliations(d, room):
    got = d.rooms().GetRoom(room=room)["room"]
    return {a["jid"]: a["affiliation"] for a in got["affiliations"]}


FORGED = "xmlns:p='urn:example:forged' p:from='%s'"


@pytest.mark.parametrize("where", ["before", "after"])
def test_namespaced_from_does_not_make_a_participant_owner(sroomd, sclients, where):
    w = setup_room(sroomd, sclients)
    j = w.cs["juliet"]
    owner_jid = w.cs["romeo"].jid
    before = affiliations(sroomd, w.room)
    assert before == {"romeo@localhost": "owner"}, before
    pos = j.mark()
    iid = j.next_id("forge")
    forged = FORGED % owner_jid
    # The client writes its own `from` too, on the other side of the forged one; the server replaces it.
    own = "from='%s'" % j.jid
    attrs = "%s %s" % (forged, own) if where == "before" else "%s %s" % (own, forged)
    j.send("<iq type='set' to='%s' id='%s' %s>%s</iq>" % (
        w.room, iid, attrs, affiliation_iq(j.jid.split("/")[0], "owner")))
    res = j.wait(lambda s: is_iq(s) and s.get("id") == iid, pos, 8, what="reply to the forged iq")
    assert res.get("type") == "error" and error_condition(res)[1] == "forbidden", show(res)
    # Nothing changed: not in memory, not on disk, not in the audit log.
    assert affiliations(sroomd, w.room) == before
    audit = sroomd.rooms().GetAudit(room=w.room)["records"]
    assert not [e for e in audit if "juliet" in " ".join(e.get("jids", []))], audit
    # And a ban of the owner, forged the same way, is refused too.
    pos = j.mark()
    iid = j.next_id("forge")
    j.send("<iq type='set' to='%s' id='%s' %s>%s</iq>" % (
        w.room, iid, forged, affiliation_iq("romeo@localhost", "outcast")))
    res = j.wait(lambda s: is_iq(s) and s.get("id") == iid, pos, 8, what="reply to the forged ban")
    assert res.get("type") == "error", show(res)
    assert affiliations(sroomd, w.room) == before
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}
    stream_intact(sroomd, "a forged p:from")


def test_namespaced_from_cannot_speak_as_another_occupant(sroomd, sclients):
    w = setup_room(sroomd, sclients)
    j = w.cs["juliet"]
    pos = w.marks()
    mid = j.next_id("forge")
    j.send("<message type='groupchat' to='%s' id='%s' %s><body>I am Romeo</body></message>" % (
        w.room, mid, FORGED % w.cs["romeo"].jid))
    got = w.received(pos, pred=lambda s: is_message(s) and s.get("id") == mid)
    for nick, stanzas in got.items():
        assert [s.get("from") for s in stanzas] == [w.occ("juliet")], (nick, [show(s) for s in stanzas])
    # A forged leave for romeo takes nobody out.
    pos = w.marks()
    j.send("<presence type='unavailable' to='%s' %s/>" % (w.occ("juliet"), FORGED % w.cs["romeo"].jid))
    w.cs["romeo"].wait(lambda s: is_presence(s) and s.get("from") == w.occ("juliet")
                       and s.get("type") == "unavailable", pos["romeo"], 6, what="juliet leaving")
    assert set(w.occupants()) == {"romeo", "nurse"}


def test_namespaced_xmlns_is_reflected_in_the_right_namespace(sroomd, sclients):
    w = setup_room(sroomd, sclients)
    j = w.cs["juliet"]
    for attempt in range(3):  # once is enough to drop an unprotected stream; three show it stays up
        pos = w.marks()
        mid = j.next_id("ns")
        j.send("<message type='groupchat' to='%s' id='%s' xmlns:p='urn:example:evil' p:xmlns='urn:example:evil'>"
               "<body>namespace %d</body></message>" % (w.room, mid, attempt))
        got = w.received(pos, pred=lambda s: is_message(s) and s.get("id") == mid)
        for nick, stanzas in got.items():
            assert len(stanzas) == 1, (nick, [show(s) for s in stanzas])
            m = stanzas[0]
            assert m.tag == "{jabber:client}message", show(m)
            assert m.get("from") == w.occ("juliet") and m.findtext("{jabber:client}body") == "namespace %d" % attempt
    time.sleep(0.3)
    roomd_alive(sroomd)
    stream_intact(sroomd, "a p:xmlns message")


@pytest.mark.parametrize("reason", ["bell\u0007", "\u001b]0;owned\u0007", "nul\u0000", "\ufffe", "c1\u009b2J"],
                         ids=["BEL", "OSC", "NUL", "FFFE", "CSI"])
def test_http_kick_with_a_character_xml_cannot_carry_is_400_and_nothing_is_sent(sroomd, sclients, reason):
    s = HH.Stack(daemon=sroomd).start()
    try:
        w = setup_room(sroomd, sclients)
        pos = w.marks()
        resp = s.post({"nickname": "nurse", "muc": w.room, "reason": reason})
        doc = HH.assert_json(resp, 400)
        assert doc["error"].startswith("Invalid reason: 'reason' contains the character U+"), doc
        time.sleep(0.5)
        for nick, c in w.cs.items():
            assert not c.since(pos[nick], pred=is_presence), (nick, [show(x) for x in c.since(pos[nick])])
        assert set(w.occupants()) == {"romeo", "juliet", "nurse"}
        stream_intact(sroomd, "a kick reason with a control character")
        # The same kick with a clean reason works: nothing was left half-done.
        HH.assert_json(s.post({"nickname": "nurse", "muc": w.room, "reason": "clean"}), 200)
    finally:
        s.stop()


# ----------------------------------------------------------------- the control socket and roomctl

@pytest.mark.parametrize("method,params,field", [
    ("CreateRoom", {"room": "bad@" + MUC, "name": "x\u001b[2J"}, "name"),
    ("Kick", {"room": "r@" + MUC, "nick": "n", "reason": "\u0001"}, "reason"),
    ("Kick", {"room": "r@" + MUC, "nick": "n", "actor": "a\u009b"}, "actor"),
    ("SetAffiliation", {"room": "r@" + MUC, "jid": "x@y", "affiliation": "outcast", "reason": "\uffff"}, "reason"),
    ("SetAffiliation", {"room": "r@" + MUC, "jid": "x@y", "affiliation": "member", "reason": "r" * 1025},
     "reason"),
], ids=["name", "kick-reason", "kick-actor", "ban-reason", "affiliation-reason-too-long"])
def test_control_socket_refuses_free_text_xml_cannot_carry(daemon_factory, method, params, field):
    d = daemon_factory(services=(MUC,))
    d.rooms().CreateRoom(room="r@" + MUC)
    d.rooms().Join(room="r@" + MUC, nick="n", jid="n@localhost/x")
    with H.raises_varlink(H.V("InvalidParameter"), parameter=field):
        getattr(d.rooms(), method)(**params)
    assert d.rooms().GetRoom(room="r@" + MUC)["room"]["occupants"][0]["nick"] == "n"


def test_roomctl_escapes_what_a_terminal_would_act_on(daemon_factory):
    """A room name written by an older roomd (or by hand) with escape sequences in it is shown escaped."""
    d = daemon_factory(services=(MUC,))
    d.rooms().CreateRoom(room="old@" + MUC, name="plain")
    d.stop_clean()
    db = sqlite3.connect(os.path.join(d.state_dir, "roomd.sqlite3"))
    db.execute("UPDATE rooms SET name = ? WHERE jid = ?", ("T\u001b]0;pwned\u0007\u009b2J\u202eX", "old@" + MUC))
    db.commit()
    db.close()
    d.start()
    for args in (["rooms"], ["room", "old@" + MUC], ["--json", "rooms"]):
        r = subprocess.run([H.roomctl_bin(), "--socket", d.sock] + args, capture_output=True, timeout=30)
        assert r.returncode == 0, r
        out = r.stdout.decode()
        assert not any(ch in out for ch in "\u001b\u0007\u009b\u202e"), repr(out)
        if "--json" in args:
            assert "t\\u001b]0;pwned\\u0007\\u009b2j\\u202ex" in out.lower(), out
        else:
            assert "T\\x1B]0;pwned\\x07\\x9B2J\\u{202E}X" in out, out
