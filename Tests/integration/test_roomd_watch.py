"""org.muckick.Rooms.Watch: the event stream."""

import socket
import time

import pytest

from mk_helpers import ROOMS, SERVICE, E, V, assert_reply_error, assert_reply_ok, raises_varlink

R = "snuggery@chat.example.org"
T = "tmp@chat.example.org"
ALICE = "alice@example.com"
BOB = "bob@example.com"


def start_watch(roomd, room=None):
    w = roomd.raw(timeout=10)
    params = {} if room is None else {"room": room}
    msg = w.call(ROOMS + ".Watch", params, more=True)
    p = assert_reply_ok(msg)
    assert msg.get("continues") is True, "first Watch reply must continue: %r" % msg
    assert p["event"]["kind"] == "watching", msg
    return w


def next_event(w, timeout=5):
    msg = w.recv(timeout)
    p = assert_reply_ok(msg)
    assert msg.get("continues") is True, "Watch event without continues: %r" % msg
    return p["event"]


def events_until(w, pred, timeout=10, limit=200):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ev = next_event(w, left)
        except socket.timeout:
            break
        out.append(ev)
        if pred(ev):
            return out
    raise AssertionError("expected event not seen; got %r" % (out,))


def test_watch_requires_more(roomd):
    r = roomd.raw()
    assert_reply_error(r.call(ROOMS + ".Watch", {}), V("ExpectedMore"))
    # with the PyPI client too
    with raises_varlink(V("ExpectedMore")):
        roomd.rooms().Watch()
    # connection still usable
    assert_reply_ok(r.call(SERVICE + ".GetInfo"))


def test_watch_with_pypi_client_more(roomd):
    h = roomd.rooms()
    gen = h.Watch(_more=True)
    first = next(gen)
    assert first["event"]["kind"] == "watching"
    roomd.rooms().CreateRoom(room=R)
    ev = next(gen)["event"]
    assert ev["kind"] == "created" and ev["room"] == R


def test_watch_members_only_removals(roomd):
    """XEP-0045 §10.2 and §9.4 through the control socket: a room made members-only removes its non-members
    (kind membersonly), a membership revoked there removes the member (kind revoked); both are audited."""
    h = roomd.rooms()
    h.CreateRoom(room=R, name="Snug")
    h.SetAffiliation(room=R, jid=ALICE, affiliation="member")
    h.Join(room=R, nick="alice", jid=ALICE + "/phone")
    h.Join(room=R, nick="bob", jid=BOB + "/desk")
    w = start_watch(roomd, R)
    h.ConfigureRoom(room=R, membersOnly=True)
    ev = next_event(w)
    assert (ev["kind"], ev["nick"], ev["jids"], ev["affiliation"]) == ("membersonly", "bob", [BOB + "/desk"], "none")
    assert next_event(w)["kind"] == "configured"
    removed = h.SetAffiliation(room=R, jid=ALICE, affiliation="none", reason="moved", actor="ops")["removed"]
    assert [r["nick"] for r in removed] == ["alice"]
    evs = events_until(w, lambda e: e["kind"] == "revoked")
    assert [e["kind"] for e in evs] == ["affiliation", "revoked"], evs
    assert (evs[-1]["nick"], evs[-1]["reason"], evs[-1]["actor"]) == ("alice", "moved", "ops")
    records = h.GetAudit(room=R)["records"]
    assert [(r["action"], r["nick"]) for r in records] == [("membersonly", "bob"), ("revoke", "alice")]
    assert h.GetRoom(room=R)["room"]["occupants"] == []


def test_watch_all_event_kinds(roomd):
    w = start_watch(roomd)
    h = roomd.rooms()
    h.CreateRoom(room=R, name="Snug")
    ev = next_event(w)
    assert ev["kind"] == "created" and ev["room"] == R

    h.Join(room=R, nick="alice", jid=ALICE + "/phone")
    ev = next_event(w)
    assert ev["kind"] == "joined"
    assert ev["room"] == R and ev["nick"] == "alice"
    assert ev["jids"] == [ALICE + "/phone"]
    assert ev["role"] == "participant" and ev["affiliation"] == "none"

    h.Leave(room=R, nick="alice")
    ev = next_event(w)
    assert ev["kind"] == "left" and ev["room"] == R and ev["nick"] == "alice"

    h.Join(room=R, nick="alice", jid=ALICE + "/phone")
    assert next_event(w)["kind"] == "joined"
    h.Kick(room=R, nick="alice", reason="spam", actor="mod@example.com")
    ev = next_event(w)
    assert ev["kind"] == "kicked"
    assert ev["room"] == R and ev["nick"] == "alice"
    assert ev["reason"] == "spam" and ev["actor"] == "mod@example.com"
    assert ev["jids"] == [ALICE + "/phone"]

    h.SetAffiliation(room=R, jid=BOB, affiliation="member")
    ev = next_event(w)
    assert ev["kind"] == "affiliation" and ev["room"] == R and ev["affiliation"] == "member"

    h.Join(room=R, nick="alice", jid=ALICE + "/phone")
    assert next_event(w)["kind"] == "joined"
    h.SetAffiliation(room=R, jid=ALICE, affiliation="outcast", reason="abuse")
    evs = events_until(w, lambda e: e["kind"] == "banned")
    banned = evs[-1]
    assert banned["room"] == R and banned["nick"] == "alice" and banned["reason"] == "abuse"
    assert all(e["kind"] in ("affiliation", "banned") for e in evs), evs

    h.DestroyRoom(room=R)
    evs = events_until(w, lambda e: e["kind"] == "destroyed")
    assert evs[-1]["room"] == R


def test_watch_temporary_room_destroyed_after_last_leave(roomd):
    w = start_watch(roomd)
    h = roomd.rooms()
    h.CreateRoom(room=T, persistent=False)
    h.Join(room=T, nick="alice", jid=ALICE + "/a")
    h.Leave(room=T, nick="alice")
    kinds = [e["kind"] for e in events_until(w, lambda e: e["kind"] == "destroyed")]
    assert kinds == ["created", "joined", "left", "destroyed"]


def test_watch_room_filter(roomd):
    h = roomd.rooms()
    h.CreateRoom(room=R)
    h.CreateRoom(room="other@chat.example.org")
    w = start_watch(roomd, room="Snuggery@Chat.Example.org")
    h.Join(room="other@chat.example.org", nick="x", jid=BOB + "/x")
    h.Kick(room="other@chat.example.org", nick="x")
    h.CreateRoom(room="third@other.example.org")
    h.Join(room=R, nick="alice", jid=ALICE + "/a")
    ev = next_event(w)
    assert ev["kind"] == "joined" and ev["room"] == R and ev["nick"] == "alice"
    assert w.silent_for(0.5)


def test_watch_several_watchers_and_a_vanishing_one(roomd):
    w1 = start_watch(roomd)
    w2 = start_watch(roomd)
    w3 = start_watch(roomd)
    w3.close()
    h = roomd.rooms()
    h.CreateRoom(room=R)
    assert next_event(w1)["kind"] == "created"
    assert next_event(w2)["kind"] == "created"
    w2.close()
    h.Join(room=R, nick="alice", jid=ALICE + "/a")
    assert next_event(w1)["kind"] == "joined"
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))


def test_watch_nothing_before_events(roomd):
    w = start_watch(roomd)
    assert w.silent_for(0.5)
