"""What roomd acknowledged survives a restart and kill -9; occupants do not survive a restart."""

import json

import pytest

from mk_helpers import ROOMS, E, assert_reply_ok, raises_varlink

R = "snuggery@chat.example.org"
ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.net"
DAVE = "dave@example.org"


def populate(h):
    h.CreateRoom(room=R, name="The Snuggery")
    h.CreateRoom(room="lobby@other.example.org")
    h.SetAffiliation(room=R, jid=ALICE, affiliation="owner")
    h.SetAffiliation(room=R, jid=BOB, affiliation="admin", reason="trusted")
    h.SetAffiliation(room=R, jid=CAROL, affiliation="member")
    h.SetAffiliation(room=R, jid=DAVE, affiliation="member")
    h.SetAffiliation(room=R, jid=DAVE, affiliation="none")  # dropped again
    h.Join(room=R, nick="alice", jid=ALICE + "/a")
    h.Join(room=R, nick="mallory", jid="mallory@example.com/m")
    h.SetAffiliation(room=R, jid="mallory@example.com", affiliation="outcast", reason="spam")
    h.Join(room=R, nick="eve", jid="eve@example.com/e")
    h.Kick(room=R, nick="eve", reason="noise", actor="mod@example.com")
    h.Join(room="lobby@other.example.org", nick="bob", jid=BOB + "/b")
    h.CreateRoom(room="gone@chat.example.org")
    h.DestroyRoom(room="gone@chat.example.org")


def affs(h, room=R):
    return {(a["jid"], a["affiliation"], a.get("reason"))
            for a in h.GetRoom(room=room)["room"].get("affiliations", [])}


EXPECTED_AFFS = {
    (ALICE, "owner", None),
    (BOB, "admin", "trusted"),
    (CAROL, "member", None),
    ("mallory@example.com", "outcast", "spam"),
}


def check_after_restart(h, audit_before):
    rooms = {x["room"]: x for x in h.ListRooms()["rooms"]}
    assert set(rooms) == {R, "lobby@other.example.org"}
    assert rooms[R]["name"] == "The Snuggery"
    assert rooms[R]["persistent"] is True
    # occupants do not survive a restart
    assert rooms[R]["occupants"] == 0
    assert rooms["lobby@other.example.org"]["occupants"] == 0
    room = h.GetRoom(room=R)["room"]
    assert room.get("occupants", []) == []
    assert affs(h) == EXPECTED_AFFS
    # the ban still holds
    with raises_varlink(E("Banned"), room=R, jid="mallory@example.com"):
        h.Join(room=R, nick="mallory", jid="mallory@example.com/m")
    # the owner still is one
    assert h.Join(room=R, nick="alice", jid=ALICE + "/a")["occupant"]["role"] == "moderator"
    with raises_varlink(E("RoomNotFound"), room="gone@chat.example.org"):
        h.GetRoom(room="gone@chat.example.org")
    # audit records survive, unchanged
    assert h.GetAudit()["records"] == audit_before


@pytest.mark.parametrize("hard", [False, True], ids=["sigterm", "kill9"])
def test_rooms_affiliations_audit_survive_restart(roomd, hard):
    h = roomd.rooms()
    populate(h)
    audit_before = h.GetAudit()["records"]
    assert {x["action"] for x in audit_before} == {"kick", "ban"}
    roomd.restart(hard=hard)
    check_after_restart(roomd.rooms(), audit_before)


def test_temporary_room_does_not_keep_occupants_across_restart(roomd):
    h = roomd.rooms()
    h.CreateRoom(room="tmp@chat.example.org", persistent=False)
    h.Join(room="tmp@chat.example.org", nick="alice", jid=ALICE + "/a")
    roomd.restart()
    h = roomd.rooms()
    for x in h.ListRooms().get("rooms", []):
        assert x["occupants"] == 0


def test_audit_ids_keep_growing_after_restart(roomd):
    h = roomd.rooms()
    h.CreateRoom(room=R)
    h.Join(room=R, nick="a", jid=ALICE + "/a")
    h.Kick(room=R, nick="a")
    roomd.restart(hard=True)
    h = roomd.rooms()
    h.Join(room=R, nick="a", jid=ALICE + "/a")
    h.Kick(room=R, nick="a")
    ids = [x["id"] for x in h.GetAudit()["records"]]
    assert len(ids) == 2 and ids[0] < ids[1]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_pipelined_writes_durable_across_kill9(roomd):
    n = 200
    r = roomd.raw(timeout=60)
    out = b""
    for i in range(n):
        room = "bulk%03d@chat.example.org" % i
        out += json.dumps({"method": ROOMS + ".CreateRoom",
                           "parameters": {"room": room, "name": "Bulk %d" % i}}).encode() + b"\0"
        out += json.dumps({"method": ROOMS + ".SetAffiliation",
                           "parameters": {"room": room, "jid": "owner%d@example.com" % i,
                                          "affiliation": "owner"}}).encode() + b"\0"
        out += json.dumps({"method": ROOMS + ".SetAffiliation",
                           "parameters": {"room": room, "jid": "banned%d@example.com" % i,
                                          "affiliation": "outcast", "reason": "r%d" % i}}).encode() + b"\0"
    r.send(out)
    for i in range(3 * n):
        assert_reply_ok(r.recv())
    roomd.kill9()
    roomd.start()
    h = roomd.rooms()
    listed = {x["room"]: x for x in h.ListRooms(service="chat.example.org")["rooms"]}
    assert len(listed) == n
    for i in range(n):
        room = "bulk%03d@chat.example.org" % i
        assert listed[room]["name"] == "Bulk %d" % i
        assert affs(h, room) == {("owner%d@example.com" % i, "owner", None),
                                 ("banned%d@example.com" % i, "outcast", "r%d" % i)}


@pytest.mark.timeout(120)
def test_each_acknowledged_write_is_durable_kill9_right_after(roomd):
    """Repeat: one write, its reply, kill -9 at once, restart: it is there."""
    for i in range(5):
        h = roomd.rooms()
        room = "k%d@chat.example.org" % i
        h.CreateRoom(room=room)
        h.SetAffiliation(room=room, jid=ALICE, affiliation="admin")
        roomd.kill9()
        roomd.start()
        h = roomd.rooms()
        assert affs(h, room) == {(ALICE, "admin", None)}
        assert len(h.ListRooms()["rooms"]) == i + 1
