"""The service policy (who may create rooms, limits, service admins), mediated invitations (XEP-0045 §7.8.2) and
the lock's timeout, through one real Prosody: each flow run against roomd (chat.localhost, started with the
policy's options) and, where Prosody 0.12's own MUC has the same setting, against it too (muc.localhost, with
`restrict_room_creation = "local"` and `friar@localhost` an admin), the stanzas compared as XML.

"Remote" here is a user of a second VirtualHost of the same Prosody (other.localhost): the policy looks only at
the domain of the `from` the server stamps, which is what a federated user's stanza carries too (s2s is off on
these machines).

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_policy.py -q
"""

import copy
import shutil
import time

import pytest

import xmpp_helpers as XH
from xmpp_helpers import (NS_MUC_ADMIN, NS_MUC_USER, NS_STANZAS, canon, ejabberd, error_condition,  # noqa: F401
                          is_message, is_presence, show, status_codes)

PROSODY_MUC = "muc.localhost"
OTHER_DOMAIN = "other.localhost"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DATA = "jabber:x:data"
NS_CONFERENCE = "jabber:x:conference"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"
ADMIN = "friar@localhost"

PROSODY_EXTRA = """
Component "%s" "muc"
    restrict_room_creation = "local"
    admins = { "%s" }

VirtualHost "%s"
""" % (PROSODY_MUC, ADMIN, OTHER_DOMAIN)

# The roomd settings the comparisons with Prosody's MUC above need.
POLICY = ["--room-creation", "local", "--service-admin", ADMIN]


@pytest.fixture(scope="module")
def server():
    yield from XH.prosody_with(PROSODY_EXTRA, register=[("mallory", OTHER_DOMAIN)])


class Roomds:
    """roomd attached to the test's server with the options a test asks for, one at a time (the server takes
    one stream for the component's domain); stopped cleanly at the end."""

    def __init__(self, server):
        self.server = server
        self.current = None

    def start(self, *args):
        self.stop()
        d = XH.ComponentRoomd(self.server.component_port, self.server.secret, extra_args=list(args))
        self.current = d
        d.start_attached()
        time.sleep(0.2)
        return d

    def stop(self):
        d, self.current = self.current, None
        if d is None:
            return
        try:
            if d.running:
                d.stop_clean()
            else:
                d.close_handles()
        finally:
            shutil.rmtree(d.workdir, ignore_errors=True)


@pytest.fixture
def roomds(server, bins):
    r = Roomds(server)
    yield r
    r.stop()


@pytest.fixture
def clients(server):
    yield from XH.connected_clients(server)


_seq = [0]


def room_names(prefix):
    """The same new room's name on each side."""
    _seq[0] += 1
    name = "%s%d" % (prefix, _seq[0])
    return {"roomd": "%s@%s" % (name, XH.MUC), "prosody": "%s@%s" % (name, PROSODY_MUC)}


def generic(st, room, jids=()):
    """The stanza with its room written ROOM (its service ROOMS), each client's JID as USER, without ids,
    xml:lang, XEP-0421 occupant ids (roomd does not implement XEP-0421) and the `by` of errors."""
    st = XH.without_attrs(st, (XH.XML_LANG, "id"))
    domain = room.split("@")[1]

    def sub(v):
        for j in jids:
            v = v.replace(j, "USER:" + j.split("@")[0])
        return v.replace(room, "ROOM").replace(domain, "ROOMS")
    for el in st.iter():
        for child in [c for c in el if c.tag == "{urn:xmpp:occupant-id:0}occupant-id"]:
            el.remove(child)
        if el.tag == "{jabber:client}error":
            el.attrib.pop("by", None)
        for k, v in list(el.attrib.items()):
            el.attrib[k] = sub(v)
        if el.text:
            el.text = sub(el.text)
    if st.get("type") == "error":
        # roomd's error to a join echoes its <x/>, as XEP-0045's examples do; Prosody's does not.
        for x in st.findall("{http://jabber.org/protocol/muc}x"):
            st.remove(x)
    return st


def assert_same(ours, theirs, what, jids=()):
    a, b = generic(ours[1], ours[0], jids), generic(theirs[1], theirs[0], jids)
    assert canon(a) == canon(b), "%s differs from Prosody's MUC:\nroomd:\n%s\nprosody:\n%s" % (what, show(a), show(b))


def without_reasons(st):
    st = copy.deepcopy(st)
    for el in st.iter():
        for r in [c for c in el if c.tag == "{%s}reason" % NS_MUC_ADMIN]:
            el.remove(r)
    return st


def error_text(st):
    t = st.find("{jabber:client}error/{%s}text" % NS_STANZAS)
    return t.text if t is not None else None


def submit(fields):
    body = "".join("<field var='%s'>%s</field>" % (k, "".join("<value>%s</value>" % XH.xml_escape(v) for v in vs))
                   for k, vs in [("FORM_TYPE", [ROOMCONFIG])] + sorted(fields.items()))
    return "<query xmlns='%s'><x xmlns='%s' type='submit'>%s</x></query>" % (NS_OWNER, NS_DATA, body)


INSTANT = XH.INSTANT_FORM


def invite(room, *invitees, reason=None):
    r = "<reason>%s</reason>" % XH.xml_escape(reason) if reason is not None else ""
    items = "".join("<invite to='%s'>%s</invite>" % (j, r) for j in invitees)
    return "<message to='%s' id='%s'><x xmlns='%s'>%s</x></message>" % (room, "inv%d" % time.monotonic_ns(),
                                                                       NS_MUC_USER, items)


def available(*cs):
    """Initial presence: a server delivers a message to a bare JID only to available resources."""
    for c in cs:
        c.send("<presence/>")
    time.sleep(0.2)


# --------------------------------------------------------------------------- who may create rooms

def test_creation_restricted_to_local_users_refuses_a_remote_user_like_prosody(server, roomds, clients):
    roomds.start(*POLICY)
    mallory = clients.connect("mallory", domain=OTHER_DOMAIN)
    seen = {}
    for side, room in room_names("remote").items():
        seen[side] = (room, mallory.join(room, "mallory", expect_error=True)[-1])
    ours, theirs = seen["roomd"], seen["prosody"]
    assert error_condition(ours[1]) == ("cancel", "not-allowed"), show(ours[1])
    assert error_text(ours[1]) == error_text(theirs[1]) == "Room creation is restricted", show(theirs[1])
    assert_same(ours, theirs, "the refused creation")
    # a local user creates, and the remote user may then join the room like anyone
    romeo = clients.connect("romeo")
    for side, room in room_names("local").items():
        out = romeo.join(room, "romeo")
        assert {"110", "201"} <= set(status_codes(out[0])), show(out[0])
        assert romeo.iq(room, INSTANT).get("type") == "result"
        mallory.join(room, "mallory")


def test_creation_by_admins_only(server, roomds, clients):
    roomds.start("--room-creation", "admins", "--service-admin", ADMIN)
    romeo, friar = clients.connect("romeo"), clients.connect("friar")
    room = room_names("admins")["roomd"]
    out = romeo.join(room, "romeo", expect_error=True)
    assert error_condition(out[-1]) == ("cancel", "not-allowed"), show(out[-1])
    out = friar.join(room, "friar")
    assert {"110", "201"} <= set(status_codes(out[0])), show(out[0])


# --------------------------------------------------------------------------- service admins

def test_a_service_admin_enters_a_members_only_room_as_owner_like_prosody(server, roomds, clients):
    roomds.start(*POLICY)
    romeo, friar = clients.connect("romeo"), clients.connect("friar")
    seen = {}
    jids = (romeo.jid, friar.jid)
    for side, room in room_names("guarded").items():
        romeo.join(room, "romeo")
        res = romeo.iq(room, submit({"muc#roomconfig_membersonly": ["1"], "muc#roomconfig_whois": ["anyone"],
                                     "muc#roomconfig_persistentroom": ["1"]}))
        assert res.get("type") == "result", show(res)
        pos = romeo.mark()
        out = friar.join(room, "friar")
        sees = romeo.wait(lambda s: is_presence(s) and s.get("from") == room + "/friar", pos, 5)
        form = friar.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
        # their ownership cannot be taken away
        demote = romeo.iq(room, XH.affiliation_iq(ADMIN, "member"))
        seen[side] = {"self": (room, [s for s in out if is_presence(s)][-1]), "owner-sees": (room, sees),
                      "form": (room, form), "demote": (room, demote)}
    assert error_condition(seen["roomd"]["demote"][1]) == ("modify", "not-acceptable")
    for key in ("self", "owner-sees", "demote"):
        assert_same(seen["roomd"][key], seen["prosody"][key], key, jids)
    item = XH.item_of(seen["roomd"]["self"][1])
    assert (item.get("affiliation"), item.get("role")) == ("owner", "moderator"), show(seen["roomd"]["self"][1])
    # the owner's form is theirs
    assert seen["roomd"]["form"][1].get("type") == seen["prosody"]["form"][1].get("type") == "result"
    # and they may destroy a room they did not create
    room = seen["roomd"]["self"][0]
    res = friar.iq(room, "<query xmlns='%s'><destroy/></query>" % NS_OWNER)
    assert res.get("type") == "result", show(res)


# --------------------------------------------------------------------------- limits

def test_rooms_per_user_limit_counts_rooms_that_still_exist_across_a_restart(server, roomds, clients):
    d = roomds.start("--max-rooms-per-user", "2", "--service-admin", ADMIN)
    romeo = clients.connect("romeo")
    made = []
    for _ in range(2):
        room = room_names("quota")["roomd"]
        romeo.join(room, "romeo")
        res = romeo.iq(room, submit({"muc#roomconfig_persistentroom": ["1"]}))
        assert res.get("type") == "result", show(res)
        made.append(room)
    third = room_names("quota")["roomd"]
    out = romeo.join(third, "romeo", expect_error=True)
    assert error_condition(out[-1]) == ("cancel", "policy-violation"), show(out[-1])
    assert "2 rooms" in (error_text(out[-1]) or ""), show(out[-1])
    # others are not held to romeo's count, service admins to none
    clients.connect("juliet").join(room_names("quota")["roomd"], "juliet")
    # the persistent rooms survive a restart, and so does the count
    d.stop_clean()
    d.start_attached()
    time.sleep(0.3)
    out = romeo.join(third, "romeo", expect_error=True)
    assert error_condition(out[-1]) == ("cancel", "policy-violation"), show(out[-1])
    # destroying one frees its place
    romeo.join(made[0], "romeo")
    res = romeo.iq(made[0], "<query xmlns='%s'><destroy/></query>" % NS_OWNER)
    assert res.get("type") == "result", show(res)
    out = romeo.join(third, "romeo")
    assert {"110", "201"} <= set(status_codes(out[0])), show(out[0])


def test_service_wide_occupant_cap(server, roomds, clients):
    roomds.start("--max-occupants", "2")
    romeo, juliet, nurse = clients.connect("romeo"), clients.connect("juliet"), clients.connect("nurse")
    room = room_names("crowd")["roomd"]
    romeo.join(room, "romeo")
    # a room's own limit may not exceed the service's
    res = romeo.iq(room, submit({"muc#roomconfig_maxusers": ["10"]}))
    assert error_condition(res) == ("modify", "not-acceptable"), show(res)
    assert romeo.iq(room, INSTANT).get("type") == "result"
    juliet.join(room, "juliet")
    # §7.2.10: full
    out = nurse.join(room, "nurse", expect_error=True)
    assert error_condition(out[-1])[1] == "service-unavailable", show(out[-1])
    # an owner still enters (another resource of romeo under another nickname)
    clients.connect("romeo", resource="laptop").join(room, "romeo2")


# --------------------------------------------------------------------------- invitations (§7.8.2)

def private_group(cs, room):
    """Conversations' "create private group": join (201), get the form, submit its fields (members-only,
    whois anyone, persistent, hidden, invitations not allowed), invite two contacts through the room, one
    declines, the other joins as a member."""
    r, j, n = cs.connect("romeo"), cs.connect("juliet"), cs.connect("nurse")
    available(r, j, n)
    seen = {}
    r.join(room, "romeo")
    r.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
    res = r.iq(room, submit({"muc#roomconfig_persistentroom": ["1"], "muc#roomconfig_membersonly": ["1"],
                             "muc#roomconfig_publicroom": ["0"], "muc#roomconfig_whois": ["anyone"],
                             "muc#roomconfig_changesubject": ["0"], "muc#roomconfig_allowinvites": ["0"],
                             "muc#roomconfig_enablearchiving": ["1"]}))
    assert res.get("type") == "result", show(res)
    seen["info"] = r.iq(room, "<query xmlns='%s'/>" % XH.NS_DISCO_INFO, "get")
    time.sleep(0.2)
    jpos, npos = j.mark(), n.mark()
    # one invitation a message: Prosody takes only the first of several
    r.send(invite(room, j.bare, reason="Come to the ball"))
    r.send(invite(room, n.bare))
    seen["invitation"] = j.wait(lambda s: is_message(s) and s.get("from") == room, jpos, 5, what="invitation")
    n.wait(lambda s: is_message(s) and s.get("from") == room, npos, 5, what="invitation")
    # a member may not invite in a members-only room that does not allow it (no invitation is sent)
    jpos = j.mark()
    j.send(invite(room, "paris@localhost"))
    seen["member-refused"] = j.wait(lambda s: is_message(s) and s.get("type") == "error", jpos, 5)
    # the nurse declines; the room tells the inviter
    rpos = r.mark()
    n.send("<message to='%s'><x xmlns='%s'><decline to='%s'><reason>Busy</reason></decline></x></message>" % (
        room, NS_MUC_USER, r.bare))
    seen["decline"] = r.wait(lambda s: is_message(s) and s.get("from") == room and s.find(
        "{%s}x/{%s}decline" % (NS_MUC_USER, NS_MUC_USER)) is not None, rpos, 5, what="decline")
    # the invitee is a member now: it enters
    rpos = r.mark()
    out = j.join(room, "juliet")
    seen["join"] = [s for s in out if is_presence(s)][-1]
    seen["owner-sees"] = r.wait(lambda s: is_presence(s) and s.get("from") == room + "/juliet", rpos, 5)
    seen["members"] = r.iq(room, "<query xmlns='%s'><item affiliation='member'/></query>" % NS_MUC_ADMIN, "get")
    # Someone never invited stays out.
    seen["outsider"] = cs.connect("paris").join(room, "paris", expect_error=True)[-1]
    return seen, (r.jid, j.jid, n.jid)


def test_private_group_with_invitations_like_prosodys_muc(server, roomds, clients):
    roomds.start(*POLICY)
    names = room_names("ball")
    ours, jids = private_group(clients, names["roomd"])
    theirs, _ = private_group(clients, names["prosody"])
    for key in ("invitation", "member-refused", "decline", "join", "owner-sees", "outsider"):
        assert_same((names["roomd"], ours[key]), (names["prosody"], theirs[key]), key, jids)
    # roominfo: members may not invite (Conversations reads this field to offer the invite action)
    def allowinvites(res):
        for f in res.iter("{%s}field" % NS_DATA):
            if f.get("var") == "muc#roomconfig_allowinvites":
                return [v.text for v in f.findall("{%s}value" % NS_DATA)] or ["0"]
    assert allowinvites(ours["info"]) == allowinvites(theirs["info"]) == ["0"], (show(ours["info"]),
                                                                                show(theirs["info"]))
    # The member list: the same members. roomd shows the reason each entry was stored with (as XEP-0045's
    # §9.5 example does, here "Invited by" the inviter, Prosody's own wording); Prosody 0.12 stores it and
    # does not show it.
    reasons = [e.text for e in ours["members"].iter("{%s}reason" % NS_MUC_ADMIN)]
    assert reasons == ["Invited by %s" % jids[0]] * 2, show(ours["members"])
    assert_same((names["roomd"], without_reasons(ours["members"])), (names["prosody"], theirs["members"]), "members",
                jids)
    inv = ours["invitation"]
    assert inv.find("{%s}x/{%s}invite" % (NS_MUC_USER, NS_MUC_USER)).get("from") == jids[0], show(inv)
    assert error_condition(ours["member-refused"]) == ("auth", "forbidden"), show(ours["member-refused"])
    assert XH.item_of(ours["join"]).get("affiliation") == "member", show(ours["join"])
    assert error_condition(ours["outsider"]) == ("auth", "registration-required")


def test_invitation_carries_the_password_and_membership_survives_a_restart(server, roomds, clients):
    d = roomds.start()
    r, j = clients.connect("romeo"), clients.connect("juliet")
    room = room_names("secret")["roomd"]
    r.join(room, "romeo")
    assert r.iq(room, submit({"muc#roomconfig_persistentroom": ["1"], "muc#roomconfig_membersonly": ["1"],
                              "muc#roomconfig_roomsecret": ["capulet"]})).get("type") == "result"
    n = clients.connect("nurse")
    available(j, n)
    pos, npos = j.mark(), n.mark()
    # several invitations in one message: each invitee gets one
    r.send(invite(room, j.bare, n.bare))
    inv = j.wait(lambda s: is_message(s) and s.get("from") == room, pos, 5, what="invitation")
    assert inv.find("{%s}x/{%s}password" % (NS_MUC_USER, NS_MUC_USER)).text == "capulet", show(inv)
    assert inv.find("{%s}x" % NS_CONFERENCE).get("jid") == room, show(inv)
    n.wait(lambda s: is_message(s) and s.get("from") == room, npos, 5, what="the second invitation")
    d.stop_clean()
    d.start_attached()
    time.sleep(0.3)
    pos = j.mark()
    j.send("<presence to='%s/juliet'><x xmlns='%s'><password>capulet</password></x></presence>" % (room, XH.NS_MUC))
    own = j.wait(lambda s: is_presence(s) and s.get("from") == room + "/juliet", pos, 5, what="own presence")
    assert "110" in status_codes(own) and XH.item_of(own).get("affiliation") == "member", show(own)


def test_bad_invitations_are_refused_and_bounded(server, roomds, clients):
    roomds.start()
    r = clients.connect("romeo")
    room = room_names("bad")["roomd"]
    r.join(room, "romeo")
    assert r.iq(room, INSTANT).get("type") == "result"

    def answer(xml):
        pos = r.mark()
        r.send(xml)
        return r.wait(lambda s: is_message(s) and s.get("type") == "error", pos, 5)
    assert error_condition(answer(invite(room, "not@@valid"))) == ("cancel", "jid-malformed")
    assert error_condition(answer(invite(room, *["u%d@localhost" % i for i in range(11)])))[1] == "policy-violation"
    assert error_condition(answer(
        "<message to='%s'><x xmlns='%s'><item/></x></message>" % (room, NS_MUC_USER))) == ("modify", "bad-request")
    # a non-occupant without voice in a members-only room may not use the room to send invitations
    assert r.iq(room, submit({"muc#roomconfig_membersonly": ["1"]})).get("type") == "result"
    n = clients.connect("nurse")
    pos = n.mark()
    n.send(invite(room, "paris@localhost"))
    err = n.wait(lambda s: is_message(s) and s.get("type") == "error", pos, 5)
    assert error_condition(err) == ("auth", "forbidden"), show(err)


# --------------------------------------------------------------------------- the lock's timeout

def test_a_locked_rooms_lock_lapses_after_the_timeout(server, roomds, clients):
    roomds.start("--lock-timeout", "1")
    r, j = clients.connect("romeo"), clients.connect("juliet")
    room = room_names("lapse")["roomd"]
    out = r.join(room, "romeo")
    assert "201" in status_codes(out[0])
    out = j.join(room, "juliet", expect_error=True)
    assert error_condition(out[-1]) == ("cancel", "item-not-found")
    time.sleep(1.5)
    out = j.join(room, "juliet")
    assert XH.item_of([s for s in out if is_presence(s)][-1]).get("role") == "participant"
    # the owner was never told anything changed (nothing did), and the room is still temporary and hidden
    form = r.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
    fields = {f.get("var"): [v.text for v in f.findall("{%s}value" % NS_DATA)]
              for f in form.iter("{%s}field" % NS_DATA)}
    assert fields["muc#roomconfig_persistentroom"] == ["0"] and fields["muc#roomconfig_publicroom"] == ["0"]


# --------------------------------------------------------------------------- ejabberd

@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_private_group_invitation_through_ejabberd(ejabberd, ej_roomd, ej_clients):
    r, j = ej_clients.connect("romeo"), ej_clients.connect("juliet")
    available(j)
    room = XH.new_room("ejinvite")
    r.join(room, "romeo")
    assert r.iq(room, submit({"muc#roomconfig_persistentroom": ["1"], "muc#roomconfig_membersonly": ["1"],
                              "muc#roomconfig_whois": ["anyone"]})).get("type") == "result"
    pos = j.mark()
    r.send(invite(room, j.bare, reason="Come"))
    inv = j.wait(lambda s: is_message(s) and s.get("from") == room, pos, 5, what="invitation")
    assert inv.find("{%s}x/{%s}invite" % (NS_MUC_USER, NS_MUC_USER)).get("from") == r.jid, show(inv)
    out = j.join(room, "juliet")
    assert XH.item_of([s for s in out if is_presence(s)][-1]).get("affiliation") == "member"


@pytest.fixture
def ej_policy_roomd(ejabberd, bins):
    r = Roomds(ejabberd)
    yield r
    r.stop()


def test_admins_only_creation_and_a_service_admin_through_ejabberd(ejabberd, ej_policy_roomd):
    ej_policy_roomd.start("--room-creation", "admins", "--service-admin", ADMIN)
    cs = XH.Clients(ejabberd.c2s_port)
    try:
        romeo, friar = cs.connect("romeo"), cs.connect("friar")
        room = XH.new_room("ejadmins")
        out = romeo.join(room, "romeo", expect_error=True)
        assert error_condition(out[-1]) == ("cancel", "not-allowed"), show(out[-1])
        assert error_text(out[-1]) == "Room creation is restricted", show(out[-1])
        out = friar.join(room, "friar")
        assert {"110", "201"} <= set(status_codes(out[0])), show(out[0])
        assert friar.iq(room, submit({"muc#roomconfig_membersonly": ["1"]})).get("type") == "result"
        # the service admin, owner of the room it made, invites: romeo becomes a member and enters
        pos = romeo.mark()
        available(romeo)
        friar.send(invite(room, romeo.bare))
        romeo.wait(lambda s: is_message(s) and s.get("from") == room, pos, 5, what="invitation")
        out = romeo.join(room, "romeo")
        assert XH.item_of([s for s in out if is_presence(s)][-1]).get("affiliation") == "member"
    finally:
        cs.close()
