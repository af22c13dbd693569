"""Access levels from SO_PEERCRED.

Choice: roomd runs as root (as the tests do) and the test chmods its socket to 0666 after start,
so that clients run as other uids/gids via `setpriv --reuid=... --regid=... --clear-groups` can
connect; the level is then decided by roomd alone. One test runs roomd itself as `nobody` to
check that roomd's own uid is admin.

Groups used (they exist in the base image): --admin-group staff (gid 50) and --kick-group
ssl-cert (gid 103, whose database member list holds `postgres`, used for the supplementary case).
"""

import grp
import pwd

import pytest

import mk_helpers as H
from mk_helpers import ADMIN_METHODS, ALL_METHODS, KICK_METHODS, ROOMS, SERVICE, E, run_peer

R = "snuggery@chat.example.org"
ALICE = "alice@example.com"

# Watch last: a streaming call keeps the connection busy.
ORDER = ["ListServices", "ListRooms", "GetRoom", "GetAudit", "CreateRoom", "DestroyRoom", "Join",
         "Leave", "SetAffiliation", "Kick", "Watch"]
assert sorted(ORDER) == sorted(ALL_METHODS)

KICK_GROUP = "ssl-cert"
ADMIN_GROUP = "staff"


def call_for(method, room=R):
    params = {
        "ListServices": {},
        "ListRooms": {},
        "GetRoom": {"room": room},
        "CreateRoom": {"room": "new@chat.example.org"},
        "DestroyRoom": {"room": room},
        "Join": {"room": room, "nick": "peer", "jid": "peer@example.com/r"},
        "Leave": {"room": room, "nick": "alice"},
        "Kick": {"room": room, "nick": "alice"},
        "SetAffiliation": {"room": room, "jid": "peer@example.com", "affiliation": "member"},
        "GetAudit": {},
        "Watch": {},
    }[method]
    c = {"method": ROOMS + "." + method, "parameters": params}
    if method == "Watch":
        c["more"] = True
    return c


def assert_denied(reply, method, required):
    assert reply.get("error") == E("PermissionDenied"), "%s: expected PermissionDenied, got %r" % (
        method, reply)
    p = reply.get("parameters") or {}
    assert p.get("method") in (method, ROOMS + "." + method), p
    assert p.get("required") == required, p


def assert_allowed(reply, method):
    assert reply.get("error") != E("PermissionDenied"), "%s denied: %r" % (method, reply)
    assert "eof" not in reply


def need_group(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        pytest.skip("group %s not in the group database" % name)


@pytest.fixture
def guarded(daemon_factory):
    need_group(KICK_GROUP)
    need_group(ADMIN_GROUP)
    d = daemon_factory(extra_args=["--kick-group", KICK_GROUP, "--admin-group", ADMIN_GROUP])
    is_sock, mode = H.socket_mode(d.sock)
    assert is_sock and mode == 0o660, oct(mode)
    H.chmod_socket_world(d)
    h = d.rooms()
    h.CreateRoom(room=R)
    h.Join(room=R, nick="alice", jid=ALICE + "/a")
    return d


def test_no_level_denied_everything(guarded):
    calls = [call_for(m) for m in ORDER]
    replies = run_peer(guarded.sock, calls, user="nobody", group="nogroup")
    assert len(replies) == len(calls)
    for m, rep in zip(ORDER, replies):
        assert_denied(rep, m, "kick" if m in KICK_METHODS else "admin")
    # nothing changed
    room = guarded.rooms().GetRoom(room=R)["room"]
    assert [o["nick"] for o in room["occupants"]] == ["alice"]
    assert room.get("affiliations", []) == []
    assert guarded.rooms().GetAudit().get("records", []) == []


def test_no_level_still_gets_service_info(guarded):
    rep = run_peer(guarded.sock, [{"method": SERVICE + ".GetInfo"}], user="nobody", group="nogroup")
    p = H.assert_reply_ok(rep[0])
    assert ROOMS in p["interfaces"]


def test_no_level_unknown_method_is_not_a_leak(guarded):
    rep = run_peer(guarded.sock, [{"method": ROOMS + ".GetRoom", "parameters": {"room": "nope@chat.example.org"}}],
                   user="nobody", group="nogroup")
    assert_denied(rep[0], "GetRoom", "kick")


def test_kick_level_by_primary_gid(guarded):
    gid = need_group(KICK_GROUP)
    calls = [call_for(m) for m in ORDER]
    replies = run_peer(guarded.sock, calls, user="nobody", group=str(gid))
    for m, rep in zip(ORDER, replies):
        if m in KICK_METHODS:
            assert_allowed(rep, m)
        else:
            assert_denied(rep, m, "admin")
    byname = dict(zip(ORDER, replies))
    assert sorted(byname["ListServices"]["parameters"]["services"]) == sorted([H.CHAT, H.OTHER])
    assert byname["GetRoom"]["parameters"]["room"]["room"] == R
    assert [k["nick"] for k in byname["Kick"]["parameters"]["kicked"]] == ["alice"]
    assert byname["Watch"]["parameters"]["event"]["kind"] == "watching"
    assert byname["Watch"].get("continues") is True
    # the kick was audited with the caller's uid
    recs = guarded.rooms().GetAudit().get("records", [])
    assert [(r["action"], r["nick"], r["uid"]) for r in recs] == [
        ("kick", "alice", pwd.getpwnam("nobody").pw_uid)]
    # nothing an admin-only call would have done happened
    with H.raises_varlink(E("RoomNotFound"), room="new@chat.example.org"):
        guarded.rooms().GetRoom(room="new@chat.example.org")


def test_kick_level_by_the_kernels_supplementary_groups_not_the_database(guarded):
    """Levels follow the groups the kernel says the peer has (SO_PEERGROUPS). A process that dropped its
    groups (a sandbox, setpriv --clear-groups) has none, whatever its account has in /etc/group; a
    process given the group has it, whether or not its account is listed."""
    kick_gid = need_group(KICK_GROUP)
    members = [u for u in grp.getgrnam(KICK_GROUP).gr_mem if u != "root"]
    if members:
        user = members[0]
        pw = pwd.getpwnam(user)
        assert pw.pw_gid != kick_gid
        replies = run_peer(guarded.sock, [call_for("ListRooms"), call_for("Kick")],
                           user=user, group=str(pw.pw_gid), clear_groups=True)
        assert_denied(replies[0], "ListRooms", "kick")
        assert_denied(replies[1], "Kick", "kick")
        replies = run_peer(guarded.sock, [call_for("ListRooms")], user=user, group=str(pw.pw_gid),
                           clear_groups=False)
        assert [x["room"] for x in H.assert_reply_ok(replies[0])["rooms"]] == [R]
    # nobody is no member of the group in the database; given it as a supplementary group, it kicks.
    assert "nobody" not in grp.getgrnam(KICK_GROUP).gr_mem
    replies = run_peer(guarded.sock, [call_for("ListRooms"), call_for("Kick"), call_for("Join")],
                       user="nobody", group="nogroup", groups=[kick_gid])
    p = H.assert_reply_ok(replies[0])
    assert [x["room"] for x in p["rooms"]] == [R]
    assert [k["nick"] for k in H.assert_reply_ok(replies[1])["kicked"]] == ["alice"]
    assert_denied(replies[2], "Join", "admin")
    recs = guarded.rooms().GetAudit().get("records", [])
    assert recs[-1]["uid"] == pwd.getpwnam("nobody").pw_uid


def test_admin_level_by_primary_gid(guarded):
    gid = need_group(ADMIN_GROUP)
    calls = [
        call_for("CreateRoom"),
        call_for("SetAffiliation"),
        call_for("Join"),
        {"method": ROOMS + ".Leave", "parameters": {"room": R, "nick": "peer"}},
        call_for("Kick"),
        call_for("DestroyRoom", room="new@chat.example.org"),
        call_for("ListServices"),
    ]
    replies = run_peer(guarded.sock, calls, user="nobody", group=str(gid))
    for c, rep in zip(calls, replies):
        H.assert_reply_ok(rep)
    assert replies[0]["parameters"]["room"]["room"] == "new@chat.example.org"
    assert replies[2]["parameters"]["occupant"]["nick"] == "peer"


def test_kick_group_does_not_grant_admin_and_without_flags_nobody_gets_in(daemon_factory):
    gid = need_group(KICK_GROUP)
    d = daemon_factory()  # no --kick-group / --admin-group
    H.chmod_socket_world(d)
    replies = run_peer(d.sock, [call_for("ListServices"), call_for("CreateRoom")],
                       user="nobody", group=str(gid))
    assert_denied(replies[0], "ListServices", "kick")
    assert_denied(replies[1], "CreateRoom", "admin")


def test_root_is_admin(roomd):
    h = roomd.rooms()
    assert h.CreateRoom(room=R)["room"]["room"] == R
    h.Join(room=R, nick="a", jid=ALICE + "/a")
    h.Kick(room=R, nick="a")
    assert h.GetAudit()["records"][0]["uid"] == 0


def test_own_uid_is_admin(daemon_factory):
    d = daemon_factory(run_as=("nobody", "nogroup"))
    H.chmod_socket_world(d)
    calls = [call_for("CreateRoom"),
             {"method": ROOMS + ".Join",
              "parameters": {"room": "new@chat.example.org", "nick": "n", "jid": "n@example.com/r"}},
             {"method": ROOMS + ".Kick", "parameters": {"room": "new@chat.example.org", "nick": "n"}},
             {"method": ROOMS + ".GetAudit", "parameters": {}}]
    replies = run_peer(d.sock, calls, user="nobody", group="nogroup")
    for rep in replies:
        H.assert_reply_ok(rep)
    assert replies[3]["parameters"]["records"][0]["uid"] == pwd.getpwnam("nobody").pw_uid
    # another unprivileged uid is not
    rep = run_peer(d.sock, [call_for("ListServices")], user="daemon", group="daemon")
    assert_denied(rep[0], "ListServices", "kick")
    # root still is
    assert d.rooms().GetRoom(room="new@chat.example.org")["room"]["room"] == "new@chat.example.org"
