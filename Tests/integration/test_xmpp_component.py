"""roomd as an XEP-0114 component of a real Prosody (Debian's package), with real XMPP clients (slixmpp).

Every test starts its own roomd attached to the session's Prosody as the component for chat.localhost,
and connects ordinary users (romeo, juliet, nurse...) over plain c2s. Stanzas are compared as XML
(ElementTree; attribute order and sibling order free). Two things are normalised, and only those:
- `xml:lang`, which Prosody stamps on every stanza it routes to a client (roomd never sends it);
- in the kicked / banned / leaving occupant's *own* copy, the item's `jid` attribute when it is that
  occupant's own full JID (XEP-0045's examples omit it; the semi-anonymous rule allows it).

Rooms are prepared through the control socket (persistent, romeo its owner) unless a test is about
instant rooms, so one defect in room creation does not hide everything else.

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration -q -k xmpp
"""

import re
import shutil
import time

import pytest

import http_helpers as HH
import xmpp_helpers as XH
from xmpp_helpers import (MUC, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC_ADMIN, World, X, affiliation_iq,
                          assert_stanza, assert_stanza_list, check_kick_presences, error_condition, from_room,
                          is_iq, is_message, is_presence, item_children, kick_iq, new_room, norm, presence_xml,
                          presences, prosody, roomctl, roomd_alive, setup_room, show, status_codes)  # noqa: F401



# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def xroomd(prosody, bins):
    yield from XH.attached_roomd(prosody)


@pytest.fixture
def clients(prosody, xroomd):
    yield from XH.connected_clients(prosody)


@pytest.fixture
def http_stack(xroomd):
    """Factory: nginx -> muc-kick-fcgi -> this test's roomd; actor=... sets MUC_KICK_ACTOR."""
    made = []

    def make(actor=None):
        env = {"MUC_KICK_ACTOR": actor} if actor is not None else None
        s = HH.Stack(responder_env=env, daemon=xroomd).start()
        made.append(s)
        return s
    yield make
    for s in made:
        s.stop()


# --------------------------------------------------------------------------- helpers

# --------------------------------------------------------------------------- handshake

def test_handshake_authenticates_and_serves_domain(prosody, xroomd):
    log = xroomd.current_log()
    assert XH.ComponentRoomd.AUTHENTICATED in log, log
    assert "External component successfully authenticated" in prosody.log()
    assert MUC in xroomd.rooms().ListServices()["services"]


def test_secret_from_environment(prosody, bins):
    d = XH.ComponentRoomd(prosody.component_port, prosody.secret, secret_via="env")
    try:
        d.start_attached()
    finally:
        rc = d.stop()
        shutil.rmtree(d.workdir, ignore_errors=True)
    assert rc == 0


def _bad_component(prosody, **kw):
    d = XH.ComponentRoomd(prosody.component_port, **kw)
    d.start()
    return d


def _finish(d):
    try:
        rc = d.stop()
        assert rc == 0, "roomd exit code %s:\n%s" % (rc, d.log())
    finally:
        shutil.rmtree(d.workdir, ignore_errors=True)


def test_wrong_secret_logs_not_authorized_and_keeps_running(prosody, bins):
    d = _bad_component(prosody, secret="not-the-secret")
    try:
        log = d.wait_log("not-authorized", timeout=10)
        assert XH.ComponentRoomd.AUTHENTICATED not in log
        # it retries with backoff (0.5 s, 1 s, ...) and stays up and serving its control socket
        d.wait_log("not-authorized", timeout=10, count=2)
        time.sleep(0.5)
        assert d.running, d.log()
        assert MUC in d.rooms().ListServices()["services"]
        assert re.search(r"refused the component secret \(not-authorized\)", d.current_log()), d.current_log()
    finally:
        _finish(d)


def test_undeclared_domain_logs_host_unknown(prosody, bins):
    d = _bad_component(prosody, secret=prosody.secret, domain="nowhere.localhost")
    try:
        log = d.wait_log("host-unknown", timeout=10)
        assert "nowhere.localhost" in log
        time.sleep(0.5)
        assert d.running, d.log()
    finally:
        _finish(d)


def test_second_roomd_for_same_domain_logs_conflict(prosody, xroomd, clients):
    d2 = _bad_component(prosody, secret=prosody.secret)
    try:
        log = d2.wait_log("conflict", timeout=10)
        assert XH.ComponentRoomd.AUTHENTICATED not in log
        assert d2.running
    finally:
        _finish(d2)
    # the first one still serves the domain
    w = setup_room(xroomd, clients, nicks=("romeo",))
    assert w.occupants() == {"romeo": [w.cs["romeo"].jid]}
    assert xroomd.count(XH.ComponentRoomd.AUTHENTICATED) == 1


# --------------------------------------------------------------------------- joining

def test_instant_room_created_on_first_join(prosody, xroomd, clients):
    """XEP-0045 §10.1.1: the first join creates the room; the creator is owner/moderator, gets 110+201."""
    room = new_room("instant")
    c = clients.connect("romeo")
    out = c.join(room, "romeo", timeout=6)
    exp = [presence_xml(room + "/romeo", c.jid, "owner", "moderator", jid=c.jid, codes=("110", "201")),
           X("<message type='groupchat' from='%s' to='%s'><subject/></message>" % (room, c.jid))]
    assert_stanza_list([norm(s) for s in out], exp, what="the creator's join")
    time.sleep(0.3)
    assert len(c.since(0, from_room(room))) == 2, "extra stanzas:\n" + "\n".join(show(s) for s in c.since(0))
    got = xroomd.rooms().GetRoom(room=room)["room"]
    assert got["persistent"] is False
    assert [(o["nick"], o["role"], o["affiliation"]) for o in got["occupants"]] == [("romeo", "moderator", "owner")]
    # temporary: gone with its last occupant
    c.leave(room, "romeo")
    time.sleep(0.3)
    assert room not in [r["room"] for r in xroomd.rooms().ListRooms()["rooms"]]


def test_join_sequence_occupant_list_then_self_then_subject(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo",))
    r = w.cs["romeo"]
    pos = w.marks()
    j, out = w.join("juliet")
    # the joiner: existing occupants first (no jid: juliet is a participant), self with 110, empty subject
    exp = [presence_xml(w.occ("romeo"), j.jid, "owner", "moderator"),
           presence_xml(w.occ("juliet"), j.jid, "none", "participant", jid=j.jid, codes=("110",)),
           X("<message type='groupchat' from='%s' to='%s'><subject/></message>" % (w.room, j.jid))]
    assert_stanza_list([norm(s) for s in out], exp, what="juliet's join")
    # the moderator sees the join with the real JID
    got = w.received({"romeo": pos["romeo"]}, nicks=["romeo"])["romeo"]
    assert_stanza_list([norm(s) for s in got],
                       [presence_xml(w.occ("juliet"), r.jid, "none", "participant", jid=j.jid)],
                       what="romeo's view of juliet's join")
    # a third, participant, joins: juliet (participant) sees it without jid
    pos = w.marks()
    n, _ = w.join("nurse")
    got = w.received(pos, nicks=["romeo", "juliet"])
    assert_stanza_list([norm(s) for s in got["juliet"]],
                       [presence_xml(w.occ("nurse"), j.jid, "none", "participant")], what="juliet's view")
    assert_stanza_list([norm(s) for s in got["romeo"]],
                       [presence_xml(w.occ("nurse"), r.jid, "none", "participant", jid=n.jid)], what="romeo's view")
    assert w.occupants() == {"romeo": [r.jid], "juliet": [j.jid], "nurse": [n.jid]}


def test_moderator_joiner_sees_real_jids_in_occupant_list(prosody, xroomd, clients):
    """Semi-anonymous: a moderator (the owner) joining after participants gets their real JIDs."""
    w = setup_room(xroomd, clients, nicks=("juliet",))
    j = w.cs["juliet"]
    pos = w.marks()
    r, out = w.join("romeo")
    exp = [presence_xml(w.occ("juliet"), r.jid, "none", "participant", jid=j.jid),
           presence_xml(w.occ("romeo"), r.jid, "owner", "moderator", jid=r.jid, codes=("110",)),
           X("<message type='groupchat' from='%s' to='%s'><subject/></message>" % (w.room, r.jid))]
    assert_stanza_list([norm(s) for s in out], exp, what="the owner's join")
    got = w.received(pos, nicks=["juliet"])["juliet"]
    assert_stanza_list([norm(s) for s in got], [presence_xml(w.occ("romeo"), j.jid, "owner", "moderator")],
                       what="juliet's view of the owner's join (no jid)")


def test_nickname_conflict(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    t = clients.connect("tybalt")
    out = t.join(w.room, "juliet", expect_error=True)
    assert len(out) == 1, "\n".join(show(s) for s in out)
    err = out[0]
    assert err.get("from") == w.occ("juliet") and err.get("type") == "error"
    assert error_condition(err) == ("cancel", "conflict"), show(err)
    assert w.occupants() == {"romeo": [w.cs["romeo"].jid], "juliet": [w.cs["juliet"].jid]}


def test_presence_update_broadcast(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    pos = w.marks()
    w.cs["juliet"].send("<presence to='%s'><show>away</show><status>at the window</status></presence>"
                        % w.occ("juliet"))
    got = w.received(pos)
    kids = "<show>away</show><status>at the window</status>"
    assert_stanza_list([norm(s) for s in got["romeo"]], [presence_xml(
        w.occ("juliet"), w.cs["romeo"].jid, "none", "participant", jid=w.cs["juliet"].jid, children=kids)],
        what="romeo's view of juliet's status")
    assert_stanza_list([norm(s) for s in got["juliet"]], [presence_xml(
        w.occ("juliet"), w.cs["juliet"].jid, "none", "participant", jid=w.cs["juliet"].jid, codes=("110",),
        children=kids)], what="juliet's own status")


def test_nick_change_303(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    r, j = w.cs["romeo"], w.cs["juliet"]
    pos = w.marks()
    j.send("<presence to='%s'/>" % w.occ("capulet-girl"))
    got = w.received(pos, count=2)
    assert_stanza_list([norm(s) for s in got["romeo"]], [
        presence_xml(w.occ("juliet"), r.jid, "none", "participant", jid=j.jid, nick="capulet-girl",
                     codes=("303",), type_="unavailable"),
        presence_xml(w.occ("capulet-girl"), r.jid, "none", "participant", jid=j.jid)],
        what="romeo's view of the nick change")
    assert_stanza_list([norm(s) for s in got["juliet"]], [
        presence_xml(w.occ("juliet"), j.jid, "none", "participant", jid=j.jid, nick="capulet-girl",
                     codes=("303", "110"), type_="unavailable"),
        presence_xml(w.occ("capulet-girl"), j.jid, "none", "participant", jid=j.jid, codes=("110",))],
        what="juliet's own nick change")
    assert w.occupants() == {"romeo": [r.jid], "capulet-girl": [j.jid]}


def test_leave(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    pos = w.marks()
    w.cs["nurse"].send("<presence to='%s' type='unavailable'><status>off to bed</status></presence>" % w.occ("nurse"))
    got = w.received(pos)
    st = "<status>off to bed</status>"
    n = w.cs["nurse"]
    assert_stanza_list([norm(s, n.jid) for s in got["nurse"]], [presence_xml(
        w.occ("nurse"), n.jid, "none", "none", codes=("110",), type_="unavailable", children=st)],
        what="nurse's own leave")
    assert_stanza_list([norm(s) for s in got["romeo"]], [presence_xml(
        w.occ("nurse"), w.cs["romeo"].jid, "none", "none", jid=n.jid, type_="unavailable", children=st)],
        what="romeo's view of the leave")
    assert_stanza_list([norm(s) for s in got["juliet"]], [presence_xml(
        w.occ("nurse"), w.cs["juliet"].jid, "none", "none", type_="unavailable", children=st)],
        what="juliet's view of the leave")
    assert set(w.occupants()) == {"romeo", "juliet"}


def test_disconnect_removes_occupant(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    pos = w.marks()
    w.cs["nurse"].close()
    del w.cs["nurse"]
    got = w.received(pos)
    assert [(s.get("from"), s.get("type"), status_codes(s)) for s in got["juliet"]] == [
        (w.occ("nurse"), "unavailable", [])], "\n".join(show(s) for s in got["juliet"])
    assert set(w.occupants()) == {"romeo", "juliet"}


# --------------------------------------------------------------------------- messages

def test_groupchat_reflected_to_all(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    pos = w.marks()
    mid = w.cs["juliet"].groupchat(w.room, "Wherefore art thou <Romeo> & why?")
    got = w.received(pos)
    for nick, c in w.cs.items():
        assert_stanza_list([norm(s) for s in got[nick]], [X(
            "<message type='groupchat' from='%s' to='%s' id='%s'><body>Wherefore art thou &lt;Romeo&gt; &amp; "
            "why?</body></message>" % (w.occ("juliet"), c.jid, mid))], what="what %s received" % nick)


def test_groupchat_from_non_occupant_refused(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo",))
    t = clients.connect("tybalt")
    pos = t.mark()
    mid = t.groupchat(w.room, "I am not in there")
    err = t.wait(lambda s: is_message(s) and s.get("id") == mid, pos, 5)
    assert err.get("type") == "error" and error_condition(err)[1] == "not-acceptable", show(err)
    time.sleep(0.3)
    assert not [s for s in w.cs["romeo"].since(0) if is_message(s) and s.find("{jabber:client}body") is not None]


def test_private_message(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    pos = w.marks()
    w.cs["juliet"].send("<message type='chat' to='%s' id='pm1'><body>psst</body></message>" % w.occ("nurse"))
    got = w.received(pos, nicks=["nurse"])
    assert_stanza_list([norm(s) for s in got["nurse"]], [X(
        "<message type='chat' from='%s' to='%s' id='pm1'><body>psst</body>"
        "<x xmlns='http://jabber.org/protocol/muc#user'/></message>" % (w.occ("juliet"), w.cs["nurse"].jid))],
        what="the private message")
    time.sleep(0.2)
    assert not [s for s in w.cs["romeo"].since(pos["romeo"]) if is_message(s)]


def test_subject(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    pos = w.marks()
    w.cs["romeo"].send("<message type='groupchat' to='%s' id='s1'><subject>Two households</subject></message>"
                       % w.room)
    got = w.received(pos)
    for nick, c in w.cs.items():
        assert_stanza_list([norm(s) for s in got[nick]], [X(
            "<message type='groupchat' from='%s' to='%s' id='s1'><subject>Two households</subject></message>"
            % (w.occ("romeo"), c.jid))], what="subject change seen by %s" % nick)
    # a participant may not change it
    pos = w.marks()
    w.cs["juliet"].send("<message type='groupchat' to='%s' id='s2'><subject>Mine</subject></message>" % w.room)
    err = w.cs["juliet"].wait(lambda s: s.get("id") == "s2", pos["juliet"], 5)
    assert err.get("type") == "error" and error_condition(err) == ("auth", "forbidden"), show(err)
    # a new occupant gets the current subject at the end of its join
    _, out = w.join("nurse")
    assert_stanza(norm(out[-1]), X("<message type='groupchat' from='%s' to='%s'><subject>Two households</subject>"
                                   "</message>" % (w.occ("romeo"), w.cs["nurse"].jid)), what="subject on join")


# --------------------------------------------------------------------------- disco

def test_disco(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo",))
    r = w.cs["romeo"]
    res = r.iq(MUC, "<query xmlns='%s'/>" % NS_DISCO_INFO, "get")
    assert res.get("type") == "result", show(res)
    q = res.find("{%s}query" % NS_DISCO_INFO)
    idents = [(i.get("category"), i.get("type")) for i in q.findall("{%s}identity" % NS_DISCO_INFO)]
    feats = {f.get("var") for f in q.findall("{%s}feature" % NS_DISCO_INFO)}
    assert ("conference", "text") in idents
    assert {"http://jabber.org/protocol/muc", NS_DISCO_INFO, NS_DISCO_ITEMS} <= feats
    res = r.iq(MUC, "<query xmlns='%s'/>" % NS_DISCO_ITEMS, "get")
    items = [i.get("jid") for i in res.find("{%s}query" % NS_DISCO_ITEMS)]
    assert w.room in items, show(res)
    res = r.iq(w.room, "<query xmlns='%s'/>" % NS_DISCO_INFO, "get")
    q = res.find("{%s}query" % NS_DISCO_INFO)
    assert [(i.get("category"), i.get("type")) for i in q.findall("{%s}identity" % NS_DISCO_INFO)] == [
        ("conference", "text")]
    feats = {f.get("var") for f in q.findall("{%s}feature" % NS_DISCO_INFO)}
    assert {"http://jabber.org/protocol/muc", "muc_semianonymous", "muc_persistent"} <= feats, feats
    res = r.iq("nosuchroom@" + MUC, "<query xmlns='%s'/>" % NS_DISCO_INFO, "get")
    assert res.get("type") == "error" and error_condition(res) == ("cancel", "item-not-found"), show(res)


# --------------------------------------------------------------------------- kicks through HTTP

@pytest.mark.parametrize("reason,actor", [("Too much noise", None), (None, None), (None, "muc-admin"),
                                          ("Spamming", "muc-admin")],
                         ids=["reason", "no-reason", "actor", "reason+actor"])
def test_http_kick_presences(prosody, xroomd, clients, http_stack, reason, actor):
    """The Must-show: nginx -> muc-kick-fcgi -> roomd kicks nurse; everyone sees XEP-0045 §8.2."""
    s = http_stack(actor=actor)
    w = setup_room(xroomd, clients)
    r, j, n = w.cs["romeo"], w.cs["juliet"], w.cs["nurse"]
    pos = w.marks()
    body = {"nickname": "nurse", "muc": w.room}
    if reason is not None:
        body["reason"] = reason
    resp = s.post(body)
    doc = HH.assert_json(resp, 200)
    assert doc["kicked"]["nickname"] == "nurse" and doc["kicked"]["jids"] == [n.jid], doc
    got = w.received(pos)
    check_kick_presences(w, got, "nurse", n.jid, "none", reason, actor)
    # the occupant list afterwards, over the control socket ...
    assert w.occupants() == {"romeo": [r.jid], "juliet": [j.jid]}
    # ... and over XMPP: a fresh joiner is told of exactly romeo and juliet
    del w.cs["nurse"]
    m, out = w.join("mercutio")
    occ = sorted(s.get("from") for s in out if is_presence(s) and "110" not in status_codes(s))
    assert occ == sorted([w.occ("romeo"), w.occ("juliet")]), "\n".join(show(s) for s in out)
    # a kick is not a ban: nurse may come back
    out = n.join(w.room, "nurse")
    assert "110" in status_codes(out[-2])


def test_http_kick_unknown_nick_and_room(prosody, xroomd, clients, http_stack):
    s = http_stack()
    w = setup_room(xroomd, clients, nicks=("romeo",))
    HH.assert_error(s.post({"nickname": "ghost", "muc": w.room}), 404)
    HH.assert_error(s.post({"nickname": "romeo", "muc": "nosuch@" + MUC}), 404)
    time.sleep(0.3)
    assert not [x for x in w.cs["romeo"].since(0) if is_presence(x) and x.get("type") == "unavailable"]


def test_http_kick_of_multi_session_occupant(prosody, xroomd, clients, http_stack):
    """One nick held by two resources of the same user: each session gets its own 110+307 copy, every
    other occupant one presence. Each session's own presences name that session's JID first, then the other
    session's (one item per session, as Prosody's MUC lists a multi-session occupant)."""
    s = http_stack()
    w = setup_room(xroomd, clients)
    n1 = w.cs["nurse"]
    n2 = clients.connect("nurse", resource="kitchen")
    out = n2.join(w.room, "nurse")
    problems = []
    selfp = [x for x in out if is_presence(x) and "110" in status_codes(x)]
    if len(selfp) != 1 or XH.item_of(selfp[0]).get("jid") != n2.jid:
        problems.append("second session's join: expected one self-presence with jid=%s, got:\n%s" % (
            n2.jid, "\n".join(show(x) for x in selfp)))
    time.sleep(0.3)
    assert w.occupants()["nurse"] == sorted([n1.jid, n2.jid])
    w.cs["nurse-kitchen"] = n2
    pos = w.marks()
    HH.assert_json(s.post({"nickname": "nurse", "muc": w.room, "reason": "Both of you"}), 200)
    got = w.received(pos)
    kids = item_children(reason="Both of you")
    for key, c, other in (("nurse", n1, n2), ("nurse-kitchen", n2, n1)):
        try:
            assert len(got[key]) == 1 and XH.item_of(got[key][0]).get("jid") == c.jid, \
                "%s: own session's item first:\n%s" % (c.jid, "\n".join(show(x) for x in got[key]))
            expected = presence_xml(
                w.occ("nurse"), c.jid, "none", "none", codes=("110", "307"), type_="unavailable",
                item_children=kids)
            x = XH.muc_user_x(expected)
            x.insert(1, X("<item xmlns='%s' affiliation='none' role='none' jid='%s'>%s</item>" % (
                XH.NS_MUC_USER, other.jid, kids)))
            assert_stanza_list([norm(x, c.jid) for x in got[key]], [expected],
                               what="what session %s received" % c.jid)
        except AssertionError as e:
            problems.append(str(e))
    for nick in ("romeo", "juliet"):
        got_p = [norm(x) for x in got[nick]]
        assert len(got_p) == 1, "%s: %s" % (nick, "\n".join(show(x) for x in got_p))
        it = XH.item_of(got_p[0])
        assert got_p[0].get("type") == "unavailable" and status_codes(got_p[0]) == ["307"], show(got_p[0])
        if nick == "romeo":
            items = XH.muc_user_x(got_p[0]).findall("{%s}item" % XH.NS_MUC_USER)
            assert [i.get("jid") for i in items] == [n1.jid, n2.jid], show(got_p[0])
        else:
            assert it.get("jid") is None, show(got_p[0])
    assert set(w.occupants()) == {"romeo", "juliet"}
    assert not problems, "\n\n".join(problems)


def test_destroy_over_roomctl_reaches_xmpp_occupants(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    pos = w.marks()
    roomctl(xroomd, "destroy", w.room, "--reason", "A plague o' both your houses")
    got = w.received(pos)
    for nick, c in w.cs.items():
        ps = presences(got[nick])
        assert len(ps) == 1, "%s:\n%s" % (nick, "\n".join(show(x) for x in got[nick]))
        p = ps[0]
        assert p.get("from") == w.occ(nick) and p.get("type") == "unavailable", show(p)
        it = XH.item_of(p)
        assert it is not None and it.get("role") == "none", show(p)
        d = XH.muc_user_x(p).find("{%s}destroy" % XH.NS_MUC_USER)
        assert d is not None and d.findtext("{%s}reason" % XH.NS_MUC_USER) == "A plague o' both your houses", show(p)


# --------------------------------------------------------------------------- kicks over XMPP

def test_moderator_kicks_over_xmpp(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    r, n = w.cs["romeo"], w.cs["nurse"]
    pos = w.marks()
    res = r.iq(w.room, kick_iq("nurse", "Avaunt, you cullion!"))
    assert_stanza(norm(res), X("<iq type='result' from='%s' to='%s' id='%s'/>" % (w.room, r.jid, res.get("id"))),
                  what="the kick's iq result")
    got = w.received(pos, pred=lambda s: from_room(w.room)(s) and is_presence(s))
    check_kick_presences(w, got, "nurse", n.jid, "none", "Avaunt, you cullion!", "romeo")
    # the presences come before the moderator's iq result (§8.2: "the service MUST then inform")
    seq = r.since(pos["romeo"], from_room(w.room))
    kinds = [("iq" if is_iq(s) else "presence") for s in seq]
    assert kinds == ["presence", "iq"], "romeo's stanzas in order: %s" % kinds
    assert w.occupants() == {"romeo": [r.jid], "juliet": [w.cs["juliet"].jid]}


def test_non_moderator_kick_forbidden(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    pos = w.marks()
    res = w.cs["juliet"].iq(w.room, kick_iq("nurse", "I don't like her"))
    assert res.get("type") == "error" and error_condition(res) == ("auth", "forbidden"), show(res)
    time.sleep(0.3)
    for nick, c in w.cs.items():
        assert not [s for s in c.since(pos[nick]) if is_presence(s)], "%s got presences after a refused kick" % nick
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}


def test_kick_unknown_nick_item_not_found(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo",))
    res = w.cs["romeo"].iq(w.room, kick_iq("ghost"))
    assert res.get("type") == "error" and error_condition(res) == ("cancel", "item-not-found"), show(res)


def test_kicking_owner_or_admin_not_allowed(prosody, xroomd, clients):
    """§8.2: a moderator may not kick an occupant with a higher affiliation (admin -> owner: not-allowed),
    and admins/owners are never kickable by plain moderators."""
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet", "nurse"))
    r, j = w.cs["romeo"], w.cs["juliet"]
    # romeo (owner) makes juliet an admin: she becomes a moderator; everyone sees her new presence
    pos = w.marks()
    res = r.iq(w.room, affiliation_iq(j.bare, "admin"))
    assert res.get("type") == "result", show(res)
    got = w.received(pos, pred=lambda s: from_room(w.room)(s) and is_presence(s))
    assert_stanza_list([norm(s) for s in got["nurse"]], [presence_xml(
        w.occ("juliet"), w.cs["nurse"].jid, "admin", "moderator")], what="nurse's view of juliet's promotion")
    assert_stanza_list([norm(s) for s in got["juliet"]], [presence_xml(
        w.occ("juliet"), j.jid, "admin", "moderator", jid=j.jid, codes=("110",))], what="juliet's promotion")
    # juliet (admin) kicks romeo (owner): not-allowed
    pos = w.marks()
    res = j.iq(w.room, kick_iq("romeo"))
    assert res.get("type") == "error" and error_condition(res) == ("cancel", "not-allowed"), show(res)
    time.sleep(0.3)
    assert not [s for s in r.since(pos["romeo"]) if is_presence(s)]
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}
    # juliet (admin, moderator) may kick nurse (participant)
    res = j.iq(w.room, kick_iq("nurse"))
    assert res.get("type") == "result", show(res)


# --------------------------------------------------------------------------- bans

def test_ban_over_xmpp_301_and_rejoin_forbidden(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    r, n = w.cs["romeo"], w.cs["nurse"]
    pos = w.marks()
    res = r.iq(w.room, affiliation_iq(n.bare, "outcast", "Thou art banished"))
    assert res.get("type") == "result", show(res)
    got = w.received(pos, pred=lambda s: from_room(w.room)(s) and is_presence(s))
    check_kick_presences(w, got, "nurse", n.jid, "none", "Thou art banished", "romeo", code="301",
                         new_aff="outcast")
    assert w.occupants() == {"romeo": [r.jid], "juliet": [w.cs["juliet"].jid]}
    room = xroomd.rooms().GetRoom(room=w.room)["room"]
    assert {"jid": n.bare, "affiliation": "outcast", "reason": "Thou art banished"} in room["affiliations"]
    out = n.join(w.room, "nurse", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "forbidden"), show(out[-1])
    # another resource of the banned user, under another nick: refused too
    n2 = clients.connect("nurse", resource="kitchen")
    out = n2.join(w.room, "nanny", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "forbidden"), show(out[-1])


def test_ban_over_roomctl_301_and_rejoin_forbidden(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    n = w.cs["nurse"]
    pos = w.marks()
    roomctl(xroomd, "ban", w.room, n.bare, "--reason", "By order of the Prince")
    got = w.received(pos)
    check_kick_presences(w, got, "nurse", n.jid, "none", "By order of the Prince", None, code="301",
                         new_aff="outcast")
    out = n.join(w.room, "nurse", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "forbidden"), show(out[-1])
    assert set(w.occupants()) == {"romeo", "juliet"}


def test_ban_by_participant_forbidden(prosody, xroomd, clients):
    w = setup_room(xroomd, clients)
    res = w.cs["juliet"].iq(w.room, affiliation_iq(w.cs["nurse"].bare, "outcast"))
    assert res.get("type") == "error" and error_condition(res) == ("auth", "forbidden"), show(res)
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}


# --------------------------------------------------------------------------- control socket occupants

def test_control_socket_occupant_shared_with_xmpp(prosody, xroomd, clients, http_stack):
    s = http_stack()
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    pos = w.marks()
    w.state.join(w.room, "friar", "laurence@cell.example/herbs")
    got = w.received(pos)
    assert_stanza_list([norm(x) for x in got["romeo"]], [presence_xml(
        w.occ("friar"), w.cs["romeo"].jid, "none", "participant", jid="laurence@cell.example/herbs")],
        what="romeo's view of the control-socket join")
    assert_stanza_list([norm(x) for x in got["juliet"]], [presence_xml(
        w.occ("friar"), w.cs["juliet"].jid, "none", "participant")], what="juliet's view")
    assert set(w.occupants()) == {"romeo", "juliet", "friar"}
    # a later XMPP joiner sees it in the occupant list
    _, out = w.join("nurse")
    assert w.occ("friar") in [x.get("from") for x in out if is_presence(x)]
    # its kick over HTTP reaches every XMPP occupant
    pos = w.marks()
    HH.assert_json(s.post({"nickname": "friar", "muc": w.room, "reason": "Too late"}), 200)
    got = w.received(pos)
    for nick, c in w.cs.items():
        exp = presence_xml(w.occ("friar"), c.jid, "none", "none",
                           jid="laurence@cell.example/herbs" if nick == "romeo" else None,
                           codes=("307",), type_="unavailable", item_children=item_children(reason="Too late"))
        assert_stanza_list([norm(x) for x in got[nick]], [exp], what="%s's view of the friar's kick" % nick)
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}
    # and an XMPP occupant kicked over the control socket (roomctl kick)
    pos = w.marks()
    roomctl(xroomd, "kick", w.room, "nurse", "--reason", "roomctl says so")
    got = w.received(pos)
    check_kick_presences(w, got, "nurse", w.cs["nurse"].jid, "none", "roomctl says so", None)


# --------------------------------------------------------------------------- robustness

def stream_intact(d, what):
    log = d.current_log()
    assert d.count(XH.ComponentRoomd.AUTHENTICATED) == 1 and "component stream closed" not in log, (
        "%s tore down roomd's component stream (every occupant of every room loses the service until "
        "roomd reconnects, and what was sent meanwhile is lost). roomd's stderr:\n%s" % (what, log[-3000:]))


def room_still_works(w, sender="juliet"):
    pos = w.marks()
    mid = w.cs[sender].groupchat(w.room, "still here?")
    got = w.received(pos, pred=lambda s: is_message(s) and s.get("id") == mid)
    assert all(len(v) == 1 for v in got.values()), got


def test_odd_stanzas_get_errors_and_roomd_keeps_serving(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    r = w.cs["romeo"]
    odd = [
        "<presence to='%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % w.room,  # no nick
        "<iq type='get' to='%s' id='odd1'/>" % w.room,                                          # no payload
        "<iq type='get' to='%s' id='odd2'><query xmlns='urn:nothing'/></iq>" % w.room,          # unknown ns
        "<iq type='set' to='%s' id='odd3'><query xmlns='%s'><item/></query></iq>" % (w.room, NS_MUC_ADMIN),
        "<iq type='set' to='%s' id='odd4'><query xmlns='%s'><item nick='juliet' role='pope'/></query></iq>"
        % (w.room, NS_MUC_ADMIN),
        "<iq type='set' to='%s' id='odd8'><query xmlns='%s'><item jid='@@@' affiliation='outcast'/></query></iq>"
        % (w.room, NS_MUC_ADMIN),
        "<message to='%s' id='odd5'><body>no type</body></message>" % w.room,
        "<message type='groupchat' to='nosuch@%s' id='odd6'><body>?</body></message>" % MUC,
        "<presence type='probe' to='%s'/>" % w.occ("juliet"),
        "<presence type='subscribe' to='%s'/>" % w.room,
        "<message type='groupchat' to='%s' id='odd7'><body>\u202e\U0001F600 \u00e9 &#x10FFFF;</body></message>"
        % w.room,
    ]
    pos = r.mark()
    for o in odd:
        r.send(o)
    for iid in ("odd1", "odd2", "odd3", "odd4", "odd8"):
        res = r.wait(lambda s, i=iid: is_iq(s) and s.get("id") == i, pos, 5, what="reply to %s" % iid)
        assert res.get("type") == "error", show(res)
    for mid in ("odd5", "odd6"):
        res = r.wait(lambda s, i=mid: is_message(s) and s.get("id") == i, pos, 5, what="reply to %s" % mid)
        assert res.get("type") == "error", show(res)
    m = r.wait(lambda s: is_message(s) and s.get("id") == "odd7" and s.get("type") == "groupchat", pos, 5)
    assert m.findtext("{jabber:client}body") == "\u202e\U0001F600 \u00e9 \U0010FFFF"
    time.sleep(0.3)
    roomd_alive(xroomd)
    stream_intact(xroomd, "an odd stanza")
    room_still_works(w)


def test_large_messages_reflected(prosody, xroomd, clients):
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    r, j = w.cs["romeo"], w.cs["juliet"]
    # 200,000 characters, then a body just under Prosody's own c2s stanza limit (256 KiB): Prosody adds
    # attributes when it forwards it to the component
    for mid, size in (("big1", 200000), ("big2", 256 * 1024 - 400)):
        body = "B" * size
        pos = r.mark()
        j.groupchat(w.room, body, mid=mid)
        m = r.wait(lambda s, i=mid: is_message(s) and s.get("id") == i, pos, 10, what="the %d-byte message" % size)
        assert m.get("type") == "groupchat" and m.findtext("{jabber:client}body") == body
    roomd_alive(xroomd)
    stream_intact(xroomd, "a large message")
    room_still_works(w)


def test_a_burst_of_large_messages_in_a_full_room_keeps_the_stream(prosody, xroomd, clients):
    """One turn of roomd's loop can render megabytes for the one component stream (each message reflected
    to every occupant): the server reads them as they come, and the stream must not be taken for one that
    stopped reading."""
    nicks = tuple(XH.USERS)
    w = setup_room(xroomd, clients, nicks=nicks, owner=None)
    sender, reader = w.cs[nicks[0]], w.cs[nicks[-1]]
    pos = reader.mark()
    mids = []
    for k in range(6):  # 6 x 200 KB x 12 occupants: 14 MB, sent without waiting
        mids.append(sender.groupchat(w.room, "%d" % k + "M" * 200000, mid="burst%d" % k))
    for mid in mids:
        reader.wait(lambda s, i=mid: is_message(s) and s.get("id") == i, pos, 30, what="message %s" % mid)
    roomd_alive(xroomd)
    stream_intact(xroomd, "a burst of large messages")


def test_deeply_nested_client_stanza_keeps_component_stream(prosody, xroomd, clients):
    """Prosody forwards a client's well-formed message with 40 nested elements as it is. roomd's parser limit
    (depth 32) must not turn one user's stanza into a stream error for the whole MUC domain: at most that
    stanza is refused."""
    w = setup_room(xroomd, clients, nicks=("romeo", "juliet"))
    j = w.cs["juliet"]
    deep = "<a xmlns='urn:x'>" * 40 + "</a>" * 40
    pos = j.mark()
    j.send("<message type='groupchat' to='%s' id='deep1'><body>deep</body>%s</message>" % (w.room, deep))
    time.sleep(1.5)
    roomd_alive(xroomd)
    stream_intact(xroomd, "one client's message with 40 nested elements")
    room_still_works(w)
    del pos


# --------------------------------------------------------------------------- reconnect

def test_reconnect_after_prosody_restart(prosody, xroomd, http_stack):
    s = http_stack(actor="watchman")
    cs = XH.Clients(prosody.c2s_port)
    try:
        w = setup_room(xroomd, cs)
        room = w.room
        prosody.restart()
        xroomd.wait_log("component stream closed", timeout=10)
        xroomd.wait_log(XH.ComponentRoomd.AUTHENTICATED, timeout=20, count=2)
        cs.close()
        assert xroomd.running
        # every XMPP session went away with the old server: no ghosts left behind
        time.sleep(0.5)
        ghosts = w.occupants()
        # the room works again: the same users reconnect and join
        cs2 = XH.Clients(prosody.c2s_port)
        try:
            w2 = World(xroomd, cs2, room, {})
            outs = {}
            for n in ("romeo", "juliet", "nurse"):
                _, outs[n] = w2.join(n)
            for n, out in outs.items():
                c = w2.cs[n]
                selfp = [x for x in out if is_presence(x) and x.get("from") == w2.occ(n)]
                assert selfp and "110" in status_codes(selfp[-1]), "%s's rejoin:\n%s" % (
                    n, "\n".join(show(x) for x in out))
            assert ghosts == {}, "occupants of the old XMPP sessions are still in the room after the " \
                                 "server restarted: %r" % ghosts
            for n, c in w2.cs.items():
                for other in ("romeo", "juliet", "nurse"):
                    c.wait(lambda x, o=other: is_presence(x) and x.get("from") == w2.occ(o), 0, 6)
            time.sleep(0.3)
            pos = w2.marks()
            HH.assert_json(s.post({"nickname": "nurse", "muc": room, "reason": "after restart"}), 200)
            got = w2.received(pos)
            check_kick_presences(w2, got, "nurse", w2.cs["nurse"].jid, "none", "after restart", "watchman")
            assert w2.occupants() == {"romeo": [w2.cs["romeo"].jid], "juliet": [w2.cs["juliet"].jid]}
        finally:
            cs2.close()
    finally:
        cs.close()
        if not prosody.running:
            prosody.start()


def test_a_kick_the_disk_refuses_leaves_the_xmpp_occupant_whole(prosody, xroomd, clients, http_stack):
    """The commit of an HTTP kick fails (the WAL may not grow): 503, and the occupant is still a full XMPP
    occupant afterwards (the room service's undo restores the XMPP side with the registry): it gets the
    room's messages, and a kick once the disk is back sends it its 307."""
    import os
    import subprocess
    s = http_stack()
    w = setup_room(xroomd, clients)
    n = w.cs["nurse"]
    wal = os.path.join(xroomd.state_dir, "roomd.sqlite3-wal")
    subprocess.run(["prlimit", "--pid", str(xroomd.proc.pid), "--fsize=%d:unlimited" % os.path.getsize(wal)],
                   check=True)
    pos = w.marks()
    HH.assert_error(s.post({"nickname": "nurse", "muc": w.room}), 503)
    time.sleep(0.3)
    for nick, c in w.cs.items():
        assert not [x for x in c.since(pos[nick]) if is_presence(x) and x.get("type") == "unavailable"], nick
    assert set(w.occupants()) == {"romeo", "juliet", "nurse"}
    subprocess.run(["prlimit", "--pid", str(xroomd.proc.pid), "--fsize=unlimited:unlimited"], check=True)
    # nurse still hears the room
    pos = n.mark()
    mid = w.cs["juliet"].groupchat(w.room, "still with us?")
    n.wait(lambda x: is_message(x) and x.get("id") == mid, pos, 6, what="the room's message")
    # and a kick now reaches nurse as XEP-0045 says
    pos = w.marks()
    HH.assert_json(s.post({"nickname": "nurse", "muc": w.room, "reason": "now"}), 200)
    got = w.received(pos)
    check_kick_presences(w, got, "nurse", n.jid, "none", "now", None)
