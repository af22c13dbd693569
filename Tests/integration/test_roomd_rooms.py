"""org.muckick.Rooms semantics: rooms, addresses, occupants, kicks, affiliations, bans, audit."""

import unicodedata

import pytest

import mk_helpers as H
from mk_helpers import CHAT, OTHER, UNSERVED, E, V, assert_reply_error, raises_varlink

R = "snuggery@chat.example.org"
ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.net"


def occupants(h, room=R):
    return {o["nick"]: o for o in h.GetRoom(room=room)["room"].get("occupants", [])}


def affiliations(h, room=R):
    return {a["jid"]: a for a in h.GetRoom(room=room)["room"].get("affiliations", [])}


def audit(h, **kw):
    return h.GetAudit(**kw).get("records", [])


# --------------------------------------------------------------------------- services and rooms

def test_list_services(rooms):
    assert sorted(rooms.ListServices()["services"]) == sorted([CHAT, OTHER])


def test_create_room_defaults(rooms):
    s = rooms.CreateRoom(room=R)["room"]
    assert s["room"] == R
    assert s["persistent"] is True
    assert s["occupants"] == 0
    assert s.get("name") is None
    got = rooms.GetRoom(room=R)["room"]
    assert got["room"] == R
    assert got["persistent"] is True
    assert got.get("occupants", []) == []
    assert got.get("affiliations", []) == []


def test_create_room_with_name_and_temporary(rooms):
    s = rooms.CreateRoom(room="tmp@chat.example.org", name="Tea room", persistent=False)["room"]
    assert s == {"room": "tmp@chat.example.org", "name": "Tea room", "persistent": False,
                 "occupants": 0}
    got = rooms.GetRoom(room="tmp@chat.example.org")["room"]
    assert got["name"] == "Tea room"
    assert got["persistent"] is False


def test_room_address_is_case_insensitive_and_normalised(rooms):
    s = rooms.CreateRoom(room="Snuggery@Chat.Example.org")["room"]
    assert s["room"] == R
    assert rooms.GetRoom(room="SNUGGERY@CHAT.EXAMPLE.ORG")["room"]["room"] == R
    assert rooms.GetRoom(room=R)["room"]["room"] == R
    with raises_varlink(E("RoomExists"), room=R):
        rooms.CreateRoom(room="snuggery@CHAT.example.ORG")
    occ = rooms.Join(room="sNuGgErY@chat.example.org", nick="alice", jid=ALICE + "/home")["occupant"]
    assert occ["nick"] == "alice"
    assert list(occupants(rooms)) == ["alice"]


def test_room_exists(rooms):
    rooms.CreateRoom(room=R, name="first")
    with raises_varlink(E("RoomExists"), room=R):
        rooms.CreateRoom(room=R, name="second")
    assert rooms.GetRoom(room=R)["room"]["name"] == "first"


def test_list_rooms_all_and_by_service(rooms):
    rooms.CreateRoom(room="a@chat.example.org", name="A")
    rooms.CreateRoom(room="b@chat.example.org", persistent=False)
    rooms.CreateRoom(room="c@other.example.org")
    rooms.Join(room="a@chat.example.org", nick="n1", jid="u1@example.com/r")
    rooms.Join(room="a@chat.example.org", nick="n2", jid="u2@example.com/r")
    allr = {x["room"]: x for x in rooms.ListRooms()["rooms"]}
    assert set(allr) == {"a@chat.example.org", "b@chat.example.org", "c@other.example.org"}
    assert allr["a@chat.example.org"]["occupants"] == 2
    assert allr["a@chat.example.org"]["name"] == "A"
    assert allr["a@chat.example.org"]["persistent"] is True
    assert allr["b@chat.example.org"]["persistent"] is False
    assert allr["c@other.example.org"]["occupants"] == 0
    chat = [x["room"] for x in rooms.ListRooms(service=CHAT)["rooms"]]
    assert sorted(chat) == ["a@chat.example.org", "b@chat.example.org"]
    other = [x["room"] for x in rooms.ListRooms(service="Other.Example.ORG")["rooms"]]
    assert other == ["c@other.example.org"]


def test_list_rooms_empty(rooms):
    assert rooms.ListRooms().get("rooms", []) == []
    assert rooms.ListRooms(service=CHAT).get("rooms", []) == []


def test_service_not_found(rooms):
    with raises_varlink(E("ServiceNotFound"), service=UNSERVED):
        rooms.CreateRoom(room="x@" + UNSERVED)
    with raises_varlink(E("ServiceNotFound"), service=UNSERVED):
        rooms.GetRoom(room="x@" + UNSERVED)
    with raises_varlink(E("ServiceNotFound"), service=UNSERVED):
        rooms.ListRooms(service=UNSERVED)
    with raises_varlink(E("ServiceNotFound"), service=UNSERVED):
        rooms.Join(room="x@" + UNSERVED, nick="n", jid=ALICE + "/r")


def test_room_not_found_everywhere(rooms):
    nf = "ghost@chat.example.org"
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.GetRoom(room="Ghost@chat.example.org")
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.DestroyRoom(room=nf)
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.Join(room=nf, nick="n", jid=ALICE + "/r")
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.Leave(room=nf, nick="n")
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.Kick(room=nf, nick="n")
    with raises_varlink(E("RoomNotFound"), room=nf):
        rooms.SetAffiliation(room=nf, jid=ALICE, affiliation="member")


def test_destroy_room(rooms):
    rooms.CreateRoom(room=R)
    rooms.SetAffiliation(room=R, jid=BOB, affiliation="admin")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/a")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/b")
    rooms.Join(room=R, nick="bob", jid=BOB + "/x")
    removed = rooms.DestroyRoom(room=R, reason="closing")["removed"]
    by = {x["nick"]: x for x in removed}
    assert set(by) == {"alice", "bob"}
    assert by["alice"]["room"] == R
    assert sorted(by["alice"]["jids"]) == [ALICE + "/a", ALICE + "/b"]
    assert by["alice"]["role"] == "participant" and by["alice"]["affiliation"] == "none"
    assert by["bob"]["role"] == "moderator" and by["bob"]["affiliation"] == "admin"
    with raises_varlink(E("RoomNotFound"), room=R):
        rooms.GetRoom(room=R)
    assert rooms.ListRooms().get("rooms", []) == []
    # affiliations went with the room
    rooms.CreateRoom(room=R)
    assert affiliations(rooms) == {}


def test_destroy_empty_room(rooms):
    rooms.CreateRoom(room=R)
    assert rooms.DestroyRoom(room=R).get("removed", []) == []
    with raises_varlink(E("RoomNotFound"), room=R):
        rooms.DestroyRoom(room=R)


# --------------------------------------------------------------------------- invalid addresses

LONG = "a" * 1024

INVALID_ROOMS = {
    "empty": "",
    "no-at": "chat.example.org",
    "slash": "room@chat.example.org/resource",
    "two-ats": "a@b@chat.example.org",
    "control-char": "ro\x07om@chat.example.org",
    "nul": "ro\x00om@chat.example.org",
    "newline": "room\n@chat.example.org",
    "too-long": LONG + "@chat.example.org",
}


@pytest.mark.parametrize("bad", list(INVALID_ROOMS.values()), ids=list(INVALID_ROOMS))
@pytest.mark.parametrize("method", ["GetRoom", "CreateRoom", "DestroyRoom"])
def test_invalid_room_address(roomd, method, bad):
    r = roomd.raw()
    p = assert_reply_error(r.rooms(method, room=bad), E("InvalidAddress"), field="room")
    assert isinstance(p.get("value"), str)
    assert isinstance(p.get("reason"), str) and p["reason"]


@pytest.mark.parametrize("bad", list(INVALID_ROOMS.values()), ids=list(INVALID_ROOMS))
def test_invalid_room_address_in_join_and_kick(roomd, bad):
    r = roomd.raw()
    assert_reply_error(r.rooms("Join", room=bad, nick="n", jid=ALICE + "/r"), E("InvalidAddress"),
                       field="room")
    assert_reply_error(r.rooms("Kick", room=bad, nick="n"), E("InvalidAddress"), field="room")


INVALID_NICKS = {
    "empty": "",
    "control-char": "bo\x01b",
    "nul": "bo\x00b",
    "newline": "bob\n",
    "too-long": "n" * 1024,
    "too-long-multibyte": "\u00e9" * 512,  # 1024 bytes in UTF-8
}


@pytest.mark.parametrize("bad", list(INVALID_NICKS.values()), ids=list(INVALID_NICKS))
def test_invalid_nick(roomd, bad):
    h = roomd.rooms()
    h.CreateRoom(room=R)
    r = roomd.raw()
    assert_reply_error(r.rooms("Join", room=R, nick=bad, jid=ALICE + "/r"), E("InvalidAddress"),
                       field="nick")
    assert_reply_error(r.rooms("Kick", room=R, nick=bad), E("InvalidAddress"), field="nick")
    assert_reply_error(r.rooms("Leave", room=R, nick=bad), E("InvalidAddress"), field="nick")
    assert occupants(h) == {}


INVALID_JIDS = {
    "empty": "",
    "two-ats": "alice@@example.com/r",
    "two-ats-apart": "a@b@example.com",
    "control-char": "alice@example.com/r\x02",
    "nul": "ali\x00ce@example.com",
    "too-long": LONG + "@example.com/r",
}


@pytest.mark.parametrize("bad", list(INVALID_JIDS.values()), ids=list(INVALID_JIDS))
def test_invalid_real_jid(roomd, bad):
    h = roomd.rooms()
    h.CreateRoom(room=R)
    r = roomd.raw()
    assert_reply_error(r.rooms("Join", room=R, nick="n", jid=bad), E("InvalidAddress"), field="jid")
    assert_reply_error(r.rooms("Kick", room=R, jid=bad), E("InvalidAddress"), field="jid")
    assert_reply_error(r.rooms("SetAffiliation", room=R, jid=bad, affiliation="member"),
                       E("InvalidAddress"), field="jid")
    assert_reply_error(r.rooms("Leave", room=R, nick="n", jid=bad), E("InvalidAddress"), field="jid")
    assert occupants(h) == {}
    assert affiliations(h) == {}


def test_longest_valid_nick_and_room(rooms):
    node = "r" * (1023 - len("@chat.example.org"))
    big_room = node + "@chat.example.org"
    assert len(big_room.encode()) == 1023
    assert rooms.CreateRoom(room=big_room)["room"]["room"] == big_room
    nick = "n" * 1023
    assert rooms.Join(room=big_room, nick=nick, jid=ALICE + "/r")["occupant"]["nick"] == nick


def test_real_jid_bare_part_case_insensitive(rooms):
    """XMPP: the localpart and domain of a real JID compare case-insensitively (resource does not)."""
    rooms.CreateRoom(room=R)
    rooms.SetAffiliation(room=R, jid="Alice@Example.COM", affiliation="admin")
    assert set(affiliations(rooms)) == {ALICE}
    occ = rooms.Join(room=R, nick="alice", jid="ALICE@example.com/Home")["occupant"]
    assert occ["affiliation"] == "admin"
    assert occ["jids"] == [ALICE + "/Home"]
    k = rooms.Kick(room=R, jid="alice@EXAMPLE.com")["kicked"]
    assert [x["nick"] for x in k] == ["alice"]
    rooms.SetAffiliation(room=R, jid="ALICE@EXAMPLE.COM", affiliation="outcast")
    with raises_varlink(E("Banned"), room=R, jid=ALICE):
        rooms.Join(room=R, nick="other", jid="aLiCe@example.com/x")


# --------------------------------------------------------------------------- nicknames

def test_nicks_compare_case_insensitively_and_keep_their_case(rooms):
    # Issue #15: RFC 8266's comparison form (docs/nicknames.md); the occupant is shown as it joined.
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="Bob", jid=BOB + "/1")
    with raises_varlink(E("NickConflict"), room=R):
        rooms.Join(room=R, nick="bob", jid=CAROL + "/1")
    occ = occupants(rooms)
    assert set(occ) == {"Bob"}
    assert occ["Bob"]["jids"] == [BOB + "/1"]
    kicked = rooms.Kick(room=R, nick="BOB")["kicked"]
    assert [k["nick"] for k in kicked] == ["Bob"]
    assert set(occupants(rooms)) == set()


def test_nicks_compare_after_nfc(rooms):
    rooms.CreateRoom(room=R)
    decomposed, composed = "caf" + "e\u0301", "caf\u00e9"
    occ = rooms.Join(room=R, nick=decomposed, jid=ALICE + "/1")["occupant"]
    assert unicodedata.normalize("NFC", occ["nick"]) == composed
    with raises_varlink(E("NickConflict"), room=R):
        rooms.Join(room=R, nick=composed, jid=BOB + "/1")
    # same user, other resource, other normalisation form: a second session
    occ = rooms.Join(room=R, nick=composed, jid=ALICE + "/2")["occupant"]
    assert sorted(occ["jids"]) == [ALICE + "/1", ALICE + "/2"]
    assert len(occupants(rooms)) == 1
    kicked = rooms.Kick(room=R, nick=decomposed)["kicked"]
    assert len(kicked) == 1 and sorted(kicked[0]["jids"]) == [ALICE + "/1", ALICE + "/2"]
    assert occupants(rooms) == {}


# --------------------------------------------------------------------------- join / leave

def test_join_defaults(rooms):
    rooms.CreateRoom(room=R)
    occ = rooms.Join(room=R, nick="alice", jid=ALICE + "/home")["occupant"]
    assert occ == {"nick": "alice", "jids": [ALICE + "/home"], "role": "participant",
                   "affiliation": "none"}
    assert occupants(rooms)["alice"] == occ
    assert rooms.ListRooms()["rooms"][0]["occupants"] == 1


@pytest.mark.parametrize("aff,role", [("owner", "moderator"), ("admin", "moderator"),
                                      ("member", "participant")])
def test_join_role_from_affiliation(rooms, aff, role):
    rooms.CreateRoom(room=R)
    rooms.SetAffiliation(room=R, jid=ALICE, affiliation=aff)
    occ = rooms.Join(room=R, nick="alice", jid=ALICE + "/home")["occupant"]
    assert occ["role"] == role
    assert occ["affiliation"] == aff


def test_join_explicit_role(rooms):
    rooms.CreateRoom(room=R)
    occ = rooms.Join(room=R, nick="v", jid=ALICE + "/r", role="visitor")["occupant"]
    assert occ["role"] == "visitor"


def test_join_room_not_found(rooms):
    with raises_varlink(E("RoomNotFound"), room=R):
        rooms.Join(room=R, nick="alice", jid=ALICE + "/r")


def test_join_nick_conflict(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/r")
    with raises_varlink(E("NickConflict"), room=R, nick="alice"):
        rooms.Join(room=R, nick="alice", jid=BOB + "/r")
    assert occupants(rooms)["alice"]["jids"] == [ALICE + "/r"]


def test_join_second_session(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/phone")
    occ = rooms.Join(room=R, nick="alice", jid=ALICE + "/laptop")["occupant"]
    assert sorted(occ["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    occ = occupants(rooms)
    assert list(occ) == ["alice"]
    assert sorted(occ["alice"]["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert rooms.ListRooms()["rooms"][0]["occupants"] == 1


def test_join_already_joined(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/phone")
    with raises_varlink(E("AlreadyJoined"), room=R, jid=ALICE + "/phone", nick="alice"):
        rooms.Join(room=R, nick="alice2", jid=ALICE + "/phone")
    assert list(occupants(rooms)) == ["alice"]
    # another resource of the same user may take another nick
    rooms.Join(room=R, nick="alice2", jid=ALICE + "/laptop")
    assert set(occupants(rooms)) == {"alice", "alice2"}


def test_join_banned(rooms):
    rooms.CreateRoom(room=R)
    rooms.SetAffiliation(room=R, jid=ALICE, affiliation="outcast", reason="trolling")
    with raises_varlink(E("Banned"), room=R, jid=ALICE):
        rooms.Join(room=R, nick="alice", jid=ALICE + "/r")
    with raises_varlink(E("Banned"), room=R, jid=ALICE):
        rooms.Join(room=R, nick="other", jid=ALICE + "/other")
    assert occupants(rooms) == {}


def test_leave_by_nick_and_by_session(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/a")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/b")
    rooms.Join(room=R, nick="bob", jid=BOB + "/x")
    assert rooms.Leave(room=R, nick="alice", jid=ALICE + "/a") in ({}, None)
    assert occupants(rooms)["alice"]["jids"] == [ALICE + "/b"]
    rooms.Leave(room=R, nick="alice")
    assert set(occupants(rooms)) == {"bob"}
    rooms.Leave(room=R, nick="bob")
    assert occupants(rooms) == {}
    # a persistent room stays
    assert rooms.GetRoom(room=R)["room"]["room"] == R


def test_leave_multi_session_nick_removes_all(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/a")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/b")
    rooms.Leave(room=R, nick="alice")
    assert occupants(rooms) == {}


def test_leave_unknown(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/a")
    with raises_varlink(E("OccupantNotFound"), room=R, nick="nobody"):
        rooms.Leave(room=R, nick="nobody")
    with raises_varlink(E("OccupantNotFound"), room=R):
        rooms.Leave(room=R, nick="alice", jid=ALICE + "/zzz")
    assert occupants(rooms)["alice"]["jids"] == [ALICE + "/a"]


def test_temporary_room_destroyed_when_last_leaves(rooms):
    t = "tmp@chat.example.org"
    rooms.CreateRoom(room=t, persistent=False)
    rooms.Join(room=t, nick="alice", jid=ALICE + "/a")
    rooms.Join(room=t, nick="bob", jid=BOB + "/a")
    rooms.Leave(room=t, nick="alice")
    assert set(occupants(rooms, t)) == {"bob"}
    rooms.Leave(room=t, nick="bob")
    with raises_varlink(E("RoomNotFound"), room=t):
        rooms.GetRoom(room=t)
    assert rooms.ListRooms().get("rooms", []) == []


def test_temporary_room_destroyed_when_last_session_leaves(rooms):
    t = "tmp@chat.example.org"
    rooms.CreateRoom(room=t, persistent=False)
    rooms.Join(room=t, nick="alice", jid=ALICE + "/a")
    rooms.Join(room=t, nick="alice", jid=ALICE + "/b")
    rooms.Leave(room=t, nick="alice", jid=ALICE + "/a")
    assert rooms.GetRoom(room=t)["room"]["room"] == t
    rooms.Leave(room=t, nick="alice", jid=ALICE + "/b")
    with raises_varlink(E("RoomNotFound"), room=t):
        rooms.GetRoom(room=t)


def test_temporary_room_destroyed_when_last_kicked(rooms):
    t = "tmp@chat.example.org"
    rooms.CreateRoom(room=t, persistent=False)
    rooms.Join(room=t, nick="alice", jid=ALICE + "/a")
    rooms.Kick(room=t, nick="alice")
    with raises_varlink(E("RoomNotFound"), room=t):
        rooms.GetRoom(room=t)


def test_empty_temporary_room_exists_until_someone_left(rooms):
    t = "tmp@chat.example.org"
    rooms.CreateRoom(room=t, persistent=False)
    assert rooms.GetRoom(room=t)["room"]["persistent"] is False


# --------------------------------------------------------------------------- kick

def setup_room(h):
    h.CreateRoom(room=R)
    h.SetAffiliation(room=R, jid=CAROL, affiliation="admin")
    h.SetAffiliation(room=R, jid=BOB, affiliation="member")
    h.Join(room=R, nick="alice", jid=ALICE + "/phone")
    h.Join(room=R, nick="alice", jid=ALICE + "/laptop")
    h.Join(room=R, nick="bob", jid=BOB + "/x")
    h.Join(room=R, nick="carol", jid=CAROL + "/y")


def test_kick_by_nick_removes_every_session(rooms):
    setup_room(rooms)
    kicked = rooms.Kick(room=R, nick="alice", reason="spam", actor="mod@example.com")["kicked"]
    assert len(kicked) == 1
    k = kicked[0]
    assert k["room"] == R and k["nick"] == "alice"
    assert sorted(k["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert k["role"] == "participant" and k["affiliation"] == "none"
    assert set(occupants(rooms)) == {"bob", "carol"}


def test_kick_reports_role_and_affiliation_before(rooms):
    setup_room(rooms)
    k = rooms.Kick(room=R, nick="carol")["kicked"][0]
    assert (k["role"], k["affiliation"]) == ("moderator", "admin")
    k = rooms.Kick(room=R, nick="bob")["kicked"][0]
    assert (k["role"], k["affiliation"]) == ("participant", "member")
    assert k["jids"] == [BOB + "/x"]


def test_kick_by_bare_jid_removes_every_occupant_of_that_user(rooms):
    setup_room(rooms)
    rooms.Join(room=R, nick="alice-too", jid=ALICE + "/tablet")
    kicked = rooms.Kick(room=R, jid=ALICE)["kicked"]
    by = {k["nick"]: k for k in kicked}
    assert set(by) == {"alice", "alice-too"}
    assert sorted(by["alice"]["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert by["alice-too"]["jids"] == [ALICE + "/tablet"]
    assert set(occupants(rooms)) == {"bob", "carol"}


def test_kick_by_full_jid_removes_the_occupant_holding_it(rooms):
    setup_room(rooms)
    rooms.Join(room=R, nick="alice-too", jid=ALICE + "/tablet")
    kicked = rooms.Kick(room=R, jid=ALICE + "/phone")["kicked"]
    assert [k["nick"] for k in kicked] == ["alice"]
    assert set(occupants(rooms)) == {"alice-too", "bob", "carol"}


def test_kick_never_removes_affiliation_and_user_can_rejoin(rooms):
    setup_room(rooms)
    rooms.Kick(room=R, nick="bob", reason="cool down")
    aff = affiliations(rooms)
    assert aff[BOB]["affiliation"] == "member"
    assert aff[CAROL]["affiliation"] == "admin"
    occ = rooms.Join(room=R, nick="bob", jid=BOB + "/x")["occupant"]
    assert occ["affiliation"] == "member"
    rooms.Kick(room=R, nick="alice")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/phone")
    assert set(occupants(rooms)) == {"alice", "bob", "carol"}


def test_kick_exactly_one_of_nick_and_jid(roomd):
    h = roomd.rooms()
    setup_room(h)
    r = roomd.raw()
    p = assert_reply_error(r.rooms("Kick", room=R), V("InvalidParameter"))
    assert p.get("parameter") in ("nick", "jid"), p
    p = assert_reply_error(r.rooms("Kick", room=R, nick="alice", jid=ALICE), V("InvalidParameter"))
    assert p.get("parameter") in ("nick", "jid"), p
    assert set(occupants(h)) == {"alice", "bob", "carol"}
    assert audit(h) == []


def test_kick_protect(rooms):
    setup_room(rooms)
    rooms.SetAffiliation(room=R, jid="dave@example.org", affiliation="owner")
    rooms.Join(room=R, nick="dave", jid="dave@example.org/d")
    with raises_varlink(E("NotAllowed"), room=R, nick="carol", affiliation="admin"):
        rooms.Kick(room=R, nick="carol", protect=True)
    with raises_varlink(E("NotAllowed"), room=R, nick="dave", affiliation="owner"):
        rooms.Kick(room=R, nick="dave", protect=True)
    with raises_varlink(E("NotAllowed"), room=R, nick="dave", affiliation="owner"):
        rooms.Kick(room=R, jid="dave@example.org", protect=True)
    assert set(occupants(rooms)) == {"alice", "bob", "carol", "dave"}
    assert audit(rooms) == []
    # protect does not shield members or unaffiliated users
    assert rooms.Kick(room=R, nick="bob", protect=True)["kicked"][0]["nick"] == "bob"
    assert rooms.Kick(room=R, nick="alice", protect=True)["kicked"][0]["nick"] == "alice"
    # without protect an admin is kicked (and stays admin)
    k = rooms.Kick(room=R, nick="carol", protect=False)["kicked"][0]
    assert k["affiliation"] == "admin"
    assert affiliations(rooms)[CAROL]["affiliation"] == "admin"


def test_kick_unknown_occupant(rooms):
    setup_room(rooms)
    with raises_varlink(E("OccupantNotFound"), room=R, nick="mallory"):
        rooms.Kick(room=R, nick="mallory")
    with raises_varlink(E("OccupantNotFound"), room=R, jid="mallory@example.com"):
        rooms.Kick(room=R, jid="mallory@example.com")
    with raises_varlink(E("OccupantNotFound"), room=R):
        rooms.Kick(room=R, jid=ALICE + "/nosuchresource")
    assert audit(rooms) == []
    assert len(occupants(rooms)) == 3


def test_kick_is_audited(rooms):
    setup_room(rooms)
    rooms.Kick(room=R, nick="alice", reason="spam", actor="mod@example.com")
    recs = audit(rooms)
    assert len(recs) == 1
    a = recs[0]
    assert a["action"] == "kick"
    assert a["room"] == R
    assert a["nick"] == "alice"
    assert sorted(a["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert a["reason"] == "spam"
    assert a["actor"] == "mod@example.com"
    assert a["uid"] == 0
    assert isinstance(a["id"], int)
    assert isinstance(a["time"], str) and a["time"]


def test_kick_by_bare_jid_audits_each_occupant(rooms):
    setup_room(rooms)
    rooms.Join(room=R, nick="alice-too", jid=ALICE + "/tablet")
    rooms.Kick(room=R, jid=ALICE, reason="r")
    recs = audit(rooms)
    assert sorted(x["nick"] for x in recs) == ["alice", "alice-too"]
    assert all(x["action"] == "kick" and x["reason"] == "r" for x in recs)


# --------------------------------------------------------------------------- affiliations and bans

def test_set_affiliation_and_none_drops(rooms):
    rooms.CreateRoom(room=R)
    assert rooms.SetAffiliation(room=R, jid=ALICE, affiliation="owner").get("removed", []) == []
    rooms.SetAffiliation(room=R, jid=BOB, affiliation="admin", reason="helps")
    rooms.SetAffiliation(room=R, jid=CAROL, affiliation="member")
    aff = affiliations(rooms)
    assert {j: a["affiliation"] for j, a in aff.items()} == {ALICE: "owner", BOB: "admin",
                                                            CAROL: "member"}
    assert aff[BOB].get("reason") == "helps"
    # change
    rooms.SetAffiliation(room=R, jid=CAROL, affiliation="admin")
    assert affiliations(rooms)[CAROL]["affiliation"] == "admin"
    # none drops the entry
    rooms.SetAffiliation(room=R, jid=CAROL, affiliation="none")
    assert CAROL not in affiliations(rooms)
    assert set(affiliations(rooms)) == {ALICE, BOB}
    occ = rooms.Join(room=R, nick="carol", jid=CAROL + "/c")["occupant"]
    assert (occ["role"], occ["affiliation"]) == ("participant", "none")


@pytest.mark.parametrize("bad", ["moderator", "banned", "OWNER-ish", ""])
def test_set_affiliation_invalid_value(roomd, bad):
    h = roomd.rooms()
    h.CreateRoom(room=R)
    r = roomd.raw()
    assert_reply_error(r.rooms("SetAffiliation", room=R, jid=ALICE, affiliation=bad),
                       V("InvalidParameter"), parameter="affiliation")
    assert affiliations(h) == {}


def test_ban_removes_occupants_and_refuses_join(rooms):
    setup_room(rooms)
    rooms.Join(room=R, nick="alice-too", jid=ALICE + "/tablet")
    removed = rooms.SetAffiliation(room=R, jid=ALICE, affiliation="outcast", reason="abuse",
                                   actor="mod@example.com")["removed"]
    by = {x["nick"]: x for x in removed}
    assert set(by) == {"alice", "alice-too"}
    assert sorted(by["alice"]["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert by["alice"]["room"] == R
    assert (by["alice"]["role"], by["alice"]["affiliation"]) == ("participant", "none")
    assert set(occupants(rooms)) == {"bob", "carol"}
    a = affiliations(rooms)[ALICE]
    assert a["affiliation"] == "outcast" and a.get("reason") == "abuse"
    with raises_varlink(E("Banned"), room=R, jid=ALICE):
        rooms.Join(room=R, nick="alice", jid=ALICE + "/phone")
    # lifting the ban
    rooms.SetAffiliation(room=R, jid=ALICE, affiliation="none")
    rooms.Join(room=R, nick="alice", jid=ALICE + "/phone")


def test_ban_of_a_member_reports_previous_affiliation(rooms):
    setup_room(rooms)
    removed = rooms.SetAffiliation(room=R, jid=BOB + "", affiliation="outcast")["removed"]
    assert [(x["nick"], x["affiliation"], x["role"]) for x in removed] == [
        ("bob", "member", "participant")]


def test_ban_is_audited(rooms):
    setup_room(rooms)
    rooms.SetAffiliation(room=R, jid=ALICE, affiliation="outcast", reason="abuse",
                         actor="mod@example.com")
    recs = [x for x in audit(rooms) if x["action"] == "ban"]
    assert len(recs) == 1, recs
    a = recs[0]
    assert a["room"] == R and a["nick"] == "alice"
    assert sorted(a["jids"]) == [ALICE + "/laptop", ALICE + "/phone"]
    assert a["reason"] == "abuse" and a["actor"] == "mod@example.com" and a["uid"] == 0
    assert not any(x["action"] == "kick" for x in audit(rooms))


def test_ban_without_occupants(rooms):
    rooms.CreateRoom(room=R)
    assert rooms.SetAffiliation(room=R, jid=ALICE, affiliation="outcast").get("removed", []) == []
    with raises_varlink(E("Banned"), room=R, jid=ALICE):
        rooms.Join(room=R, nick="alice", jid=ALICE + "/r")


# --------------------------------------------------------------------------- audit

def test_audit_order_limit_and_room_filter(rooms):
    rooms.CreateRoom(room=R)
    rooms.CreateRoom(room="other@chat.example.org")
    for i in range(5):
        rooms.Join(room=R, nick="n%d" % i, jid="u%d@example.com/r" % i)
        rooms.Kick(room=R, nick="n%d" % i, reason="r%d" % i)
        rooms.Join(room="other@chat.example.org", nick="m%d" % i, jid="v%d@example.com/r" % i)
        rooms.Kick(room="other@chat.example.org", nick="m%d" % i)
    allrec = audit(rooms)
    assert len(allrec) == 10
    ids = [x["id"] for x in allrec]
    assert ids == sorted(ids) and len(set(ids)) == 10
    mine = audit(rooms, room=R)
    assert [x["nick"] for x in mine] == ["n0", "n1", "n2", "n3", "n4"]
    assert [x["reason"] for x in mine] == ["r0", "r1", "r2", "r3", "r4"]
    newest = audit(rooms, room="Snuggery@Chat.Example.org", limit=2)
    assert [x["nick"] for x in newest] == ["n3", "n4"]
    last3 = audit(rooms, limit=3)
    assert [x["id"] for x in last3] == ids[-3:]


def test_audit_survives_room_destruction(rooms):
    rooms.CreateRoom(room=R)
    rooms.Join(room=R, nick="alice", jid=ALICE + "/r")
    rooms.Kick(room=R, nick="alice")
    rooms.DestroyRoom(room=R)
    recs = audit(rooms)
    assert [(x["action"], x["room"], x["nick"]) for x in recs] == [("kick", R, "alice")]
