"""org.varlink.service and the varlink framing: robustness against malformed and abusive clients."""

import json
import socket
import time

import pytest
import varlink

import mk_helpers as H
from mk_helpers import CHAT, ROOMS, SERVICE, E, V, assert_reply_error, assert_reply_ok, raises_varlink


# --------------------------------------------------------------------------- org.varlink.service

def test_get_info(roomd):
    info = roomd.service().GetInfo()
    for k in ("vendor", "product", "version", "url"):
        assert isinstance(info.get(k), str), "GetInfo.%s missing: %r" % (k, info)
    assert ROOMS in info["interfaces"]
    assert SERVICE in info["interfaces"]


def test_get_info_raw_reply_shape(roomd):
    r = roomd.raw()
    msg = r.call(SERVICE + ".GetInfo")
    p = assert_reply_ok(msg)
    assert set(["vendor", "product", "version", "url", "interfaces"]) <= set(p)
    assert not msg.get("continues")


def test_get_interface_description_rooms(roomd):
    desc = roomd.service().GetInterfaceDescription(interface=ROOMS)["description"]
    assert desc.strip() == H.IDL_TEXT.strip()
    assert varlink.Interface(desc).name == ROOMS


def test_get_interface_description_unknown(roomd):
    with raises_varlink(V("InterfaceNotFound"), interface="org.example.Nope"):
        roomd.service().GetInterfaceDescription(interface="org.example.Nope")


def test_call_on_unknown_interface(roomd):
    r = roomd.raw()
    assert_reply_error(r.call("org.example.Nope.Frob", {}), V("InterfaceNotFound"),
                       interface="org.example.Nope")
    # the connection is still usable
    assert_reply_ok(r.call(SERVICE + ".GetInfo"))


def test_unknown_method_in_rooms(roomd):
    r = roomd.raw()
    p = assert_reply_error(r.call(ROOMS + ".Frobnicate", {}), V("MethodNotFound"))
    assert p.get("method") in ("Frobnicate", ROOMS + ".Frobnicate"), p
    assert_reply_ok(r.rooms("ListServices"))


# --------------------------------------------------------------------------- parameters

WRONG_TYPES = [
    ("GetRoom", {"room": 5}, "room"),
    ("GetRoom", {"room": ["a@chat.example.org"]}, "room"),
    ("CreateRoom", {"room": "a@chat.example.org", "persistent": "yes"}, "persistent"),
    ("CreateRoom", {"room": "a@chat.example.org", "name": 7}, "name"),
    ("ListRooms", {"service": 5}, "service"),
    ("Join", {"room": "a@chat.example.org", "nick": 5, "jid": "u@example.com/r"}, "nick"),
    ("Join", {"room": "a@chat.example.org", "nick": "n", "jid": {"x": 1}}, "jid"),
    ("Kick", {"room": "a@chat.example.org", "nick": "n", "protect": "yes"}, "protect"),
    ("GetAudit", {"limit": "ten"}, "limit"),
    ("SetAffiliation", {"room": "a@chat.example.org", "jid": "u@example.com", "affiliation": 3},
     "affiliation"),
]


@pytest.mark.parametrize("method,params,bad", WRONG_TYPES,
                         ids=["%s-%s-%d" % (m, b, i) for i, (m, _, b) in enumerate(WRONG_TYPES)])
def test_wrong_parameter_type(roomd, method, params, bad):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    r = roomd.raw()
    assert_reply_error(r.rooms(method, **params), V("InvalidParameter"), parameter=bad)
    assert_reply_ok(r.rooms("GetRoom", room="a@chat.example.org"))


MISSING = [
    ("GetRoom", {}, "room"),
    ("GetRoom", {"room": None}, "room"),
    ("CreateRoom", {"name": "x"}, "room"),
    ("DestroyRoom", {}, "room"),
    ("Join", {"room": "a@chat.example.org", "jid": "u@example.com/r"}, "nick"),
    ("Join", {"room": "a@chat.example.org", "nick": "n"}, "jid"),
    ("Leave", {"room": "a@chat.example.org"}, "nick"),
    ("Kick", {"nick": "n"}, "room"),
    ("SetAffiliation", {"room": "a@chat.example.org", "jid": "u@example.com"}, "affiliation"),
    ("SetAffiliation", {"room": "a@chat.example.org", "affiliation": "member"}, "jid"),
]


@pytest.mark.parametrize("method,params,missing", MISSING,
                         ids=["%s-%s-%d" % (m, b, i) for i, (m, _, b) in enumerate(MISSING)])
def test_missing_required_parameter(roomd, method, params, missing):
    roomd.rooms().CreateRoom(room="a@chat.example.org")
    r = roomd.raw()
    assert_reply_error(r.rooms(method, **params), V("InvalidParameter"), parameter=missing)


def test_call_without_parameters_member(roomd):
    """ "parameters" may be omitted entirely for a method without required ones."""
    r = roomd.raw()
    p = assert_reply_ok(r.call(ROOMS + ".ListServices"))
    assert sorted(p["services"]) == sorted([CHAT, H.OTHER])
    assert_reply_error(r.call(ROOMS + ".GetRoom"), V("InvalidParameter"), parameter="room")


# --------------------------------------------------------------------------- malformed frames

BAD_FRAMES = {
    "not-json": b"{this is not json",
    "truncated-json": b'{"method": "org.varlink.service.GetInfo"',
    "array": b'[1, 2, 3]',
    "number": b"42",
    "string": b'"org.varlink.service.GetInfo"',
    "null": b"null",
    "invalid-utf8-in-string": b'{"method": "org.muckick.Rooms.GetRoom", "parameters": {"room": "\xff\xfe@chat.example.org"}}',
    "invalid-utf8-bare": b"\xc3\x28\xa0\xa1",
    "empty-frame": b"",
    "object-without-method": b'{"parameters": {}}',
}


@pytest.mark.parametrize("frame", list(BAD_FRAMES.values()), ids=list(BAD_FRAMES))
def test_invalid_message_keeps_connection_usable(roomd, frame):
    r = roomd.raw()
    r.send(frame + b"\0")
    p = assert_reply_error(r.recv(), E("InvalidMessage"))
    assert isinstance(p.get("reason"), str) and p["reason"], p
    # same connection: further calls work
    assert_reply_ok(r.call(SERVICE + ".GetInfo"))
    p = assert_reply_ok(r.rooms("ListServices"))
    assert sorted(p["services"]) == sorted([CHAT, H.OTHER])


def test_several_invalid_messages_in_one_write(roomd):
    r = roomd.raw()
    r.send(b"garbage\0[]\0\xff\0" + json.dumps({"method": SERVICE + ".GetInfo"}).encode() + b"\0")
    for _ in range(3):
        assert_reply_error(r.recv(), E("InvalidMessage"))
    assert_reply_ok(r.recv())


def test_message_too_large_then_closed(roomd):
    r = roomd.raw()
    head = b'{"method": "org.muckick.Rooms.GetRoom", "parameters": {"room": "'
    try:
        r.send(head + b"a" * (70 * 1024))  # no NUL
    except (BrokenPipeError, ConnectionResetError):
        pass
    p = assert_reply_error(r.recv(timeout=10), E("MessageTooLarge"))
    assert p.get("limit") == 64 * 1024, p
    assert r.closed_within(10), "connection not closed after MessageTooLarge"
    # the daemon still serves others
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))


def test_endless_stream_without_nul_is_cut_off(roomd):
    r = roomd.raw()
    r.s.settimeout(10)
    sent = 0
    try:
        while sent < 4 * 1024 * 1024:
            r.s.sendall(b"x" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    assert_reply_error(r.recv(timeout=10), E("MessageTooLarge"))
    assert r.closed_within(10)
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))


def test_message_below_limit_is_accepted(roomd):
    r = roomd.raw()
    msg = b'{"method": "org.varlink.service.GetInfo"' + b" " * 60000 + b"}"
    r.send(msg + b"\0")
    assert ROOMS in assert_reply_ok(r.recv())["interfaces"]


def test_frame_split_byte_by_byte(roomd):
    r = roomd.raw()
    data = json.dumps({"method": ROOMS + ".CreateRoom",
                       "parameters": {"room": "split@chat.example.org"}}).encode() + b"\0"
    for i in range(len(data)):
        r.send(data[i:i + 1])
        if i % 16 == 0:
            time.sleep(0.001)
    p = assert_reply_ok(r.recv())
    assert p["room"]["room"] == "split@chat.example.org"


def test_pipelined_calls_answered_in_order(roomd):
    r = roomd.raw(timeout=30)
    n = 150
    out = b""
    for i in range(n):
        out += json.dumps({"method": ROOMS + ".CreateRoom",
                           "parameters": {"room": "p%03d@chat.example.org" % i}}).encode() + b"\0"
        # interleave an error and a lookup so order is observable
        out += json.dumps({"method": ROOMS + ".GetRoom",
                           "parameters": {"room": "missing%03d@chat.example.org" % i}}).encode() + b"\0"
        out += json.dumps({"method": ROOMS + ".GetRoom",
                           "parameters": {"room": "p%03d@chat.example.org" % i}}).encode() + b"\0"
    r.send(out)
    for i in range(n):
        name = "p%03d@chat.example.org" % i
        assert assert_reply_ok(r.recv())["room"]["room"] == name
        assert_reply_error(r.recv(), E("RoomNotFound"), room="missing%03d@chat.example.org" % i)
        assert assert_reply_ok(r.recv())["room"]["room"] == name


def test_disconnect_mid_message_does_not_affect_others(roomd):
    other = roomd.raw()
    assert_reply_ok(other.call(SERVICE + ".GetInfo"))
    for _ in range(20):
        a = H.Raw(roomd.sock)
        a.send(b'{"method": "org.muckick.Rooms.CreateRoom", "parameters": {"room": "half')
        a.close()
    # a peer that stays silent in the middle of a frame blocks nobody
    stuck = roomd.raw()
    stuck.send(b'{"method": "org.muckick.Rooms.Crea')
    p = assert_reply_ok(other.rooms("CreateRoom", room="whole@chat.example.org"))
    assert p["room"]["room"] == "whole@chat.example.org"
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))
    # nothing of the half frames was executed
    p = assert_reply_ok(other.rooms("ListRooms"))
    assert [x["room"] for x in p["rooms"]] == ["whole@chat.example.org"]


def test_disconnect_with_pipelined_requests_unanswered(roomd):
    a = H.Raw(roomd.sock)
    a.send((json.dumps({"method": ROOMS + ".ListServices"}).encode() + b"\0") * 500)
    a.close()
    r = roomd.raw()
    assert_reply_ok(r.call(SERVICE + ".GetInfo"))


def test_oneway_gets_no_reply(roomd):
    r = roomd.raw()
    r.send_msg({"method": ROOMS + ".CreateRoom", "parameters": {"room": "ow@chat.example.org"},
                "oneway": True})
    # a failing oneway call gets no reply either
    r.send_msg({"method": ROOMS + ".GetRoom", "parameters": {"room": "nope@chat.example.org"},
                "oneway": True})
    msg = r.call(ROOMS + ".GetRoom", {"room": "ow@chat.example.org"})
    assert assert_reply_ok(msg)["room"]["room"] == "ow@chat.example.org"
    assert r.silent_for(0.5)


def test_oneway_with_pypi_client(roomd):
    h = roomd.rooms()
    assert h.CreateRoom(room="ow2@chat.example.org", _oneway=True) is None
    assert h.GetRoom(room="ow2@chat.example.org")["room"]["room"] == "ow2@chat.example.org"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_many_idle_connections_do_not_block_service(roomd):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2300:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(hard, 2300), hard), hard))
    idle = []
    try:
        for i in range(2000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            # a Unix socket connect fails with EAGAIN while the listen backlog is full: retry
            deadline = time.monotonic() + 20
            while True:
                try:
                    s.connect(roomd.sock)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise AssertionError("roomd stopped accepting after %d connections" % i)
                    time.sleep(0.005)
            if i % 100 == 0:
                s.sendall(b'{"method": "org.varlink.ser')  # half a frame, then silence
            idle.append(s)
        t0 = time.monotonic()
        r = H.Raw(roomd.sock, timeout=10)
        p = assert_reply_ok(r.rooms("CreateRoom", room="busy@chat.example.org"))
        assert p["room"]["room"] == "busy@chat.example.org"
        assert time.monotonic() - t0 < 10
        r.close()
        # an idle connection that finally speaks is still served
        idle[1].sendall(json.dumps({"method": SERVICE + ".GetInfo"}).encode() + b"\0")
        buf = b""
        while b"\0" not in buf:
            d = idle[1].recv(65536)
            assert d, "idle connection was closed by roomd"
            buf += d
        assert "error" not in json.loads(buf.split(b"\0")[0])
    finally:
        for s in idle:
            s.close()
    assert_reply_ok(roomd.raw().call(SERVICE + ".GetInfo"))


def test_still_serving_after_abuse(roomd):
    for frame in list(BAD_FRAMES.values()):
        a = H.Raw(roomd.sock)
        a.send(frame + b"\0")
        a.close()
    a = H.Raw(roomd.sock)
    try:
        a.send(b"z" * (100 * 1024))
    except OSError:
        pass
    a.close()
    for _ in range(50):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(roomd.sock)
        s.close()
    h = roomd.rooms()
    assert h.CreateRoom(room="after@chat.example.org")["room"]["room"] == "after@chat.example.org"
    assert ROOMS in roomd.service().GetInfo()["interfaces"]
