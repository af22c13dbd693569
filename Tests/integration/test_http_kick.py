"""POST /muc_kick end to end: nginx (shipped snippet) -> muc-kick-fcgi -> roomd, default settings.

One stack for the whole module (roomd + responder with 4 threads + nginx); every test works in
its own room, so the tests do not depend on each other. After every request the room is read
back over varlink: the occupant is gone exactly when the answer is 200.
"""

import json
import os
import re
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import http_helpers as X  # noqa: E402
from http_helpers import SECRET, SECRET2, SECRET_TOKEN, SECRET2_TOKEN, assert_error, assert_json, auth  # noqa: E402
from mk_helpers import CHAT, UNSERVED  # noqa: E402

MISSING = "Missing nickname and/or MUC"
ALICE = ("alice", "alice@example.com/home")
BOB = ("bob", "bob@example.com/phone")


@pytest.fixture(scope="module")
def st():
    with X.stack() as s:
        yield s


def two(st):
    """A room with alice and bob."""
    return st.room([ALICE, BOB])


def still_there(st, room, *nicks):
    occ = st.occupants(room)
    for n in nicks:
        assert n in occ, "occupant %r should still be in %s, occupants now %r" % (n, room, occ)


# --------------------------------------------------------------------------- 200

def test_kick_by_nickname(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob", "reason": "Spamming"})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "bob", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    recs = st.state.audit(room)
    assert len(recs) == 1, recs
    assert recs[0]["action"] == "kick"
    assert recs[0]["nick"] == "bob"
    assert recs[0]["jids"] == ["bob@example.com/phone"]
    assert recs[0].get("reason") == "Spamming"


def test_kick_without_reason(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "alice"})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "alice", "nicknames": ["alice"],
                                         "jids": ["alice@example.com/home"]}})
    assert st.occupants(room) == {"bob": ["bob@example.com/phone"]}
    recs = st.state.audit(room)
    assert [x["nick"] for x in recs] == ["alice"]
    assert recs[0].get("reason") in (None, "")


def test_kick_nickname_with_two_sessions(st):
    room = st.room([("dora", "dora@example.com/a"), ("dora", "dora@example.com/b"), ALICE])
    assert st.occupants(room)["dora"] == ["dora@example.com/a", "dora@example.com/b"]
    r = st.post({"muc": room, "nickname": "dora"})
    doc = assert_json(r, 200)
    k = doc["kicked"]
    assert set(k) == {"muc", "nickname", "nicknames", "jids"}, doc
    assert (k["muc"], k["nickname"], k["nicknames"]) == (room, "dora", ["dora"])
    assert sorted(k["jids"]) == ["dora@example.com/a", "dora@example.com/b"]
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    assert len(st.state.audit(room)) == 1


def test_kick_non_ascii_nickname(st):
    room = st.room([("Zoë ☕", "zoe@example.com/x"), ALICE])
    r = st.post({"muc": room, "nickname": "Zoë ☕"})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "Zoë ☕", "nicknames": ["Zoë ☕"],
                                         "jids": ["zoe@example.com/x"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_kick_by_bare_jid_removes_every_occupant_of_that_user(st):
    room = st.room([("carol", "carol@example.net/laptop"), ("carol-phone", "carol@example.net/phone"),
                    ALICE])
    r = st.post({"muc": room, "jid": "carol@example.net", "reason": "bye"})
    doc = assert_json(r, 200)
    k = doc["kicked"]
    assert set(k) == {"muc", "jid", "nicknames", "jids"}, "by jid: 'jid' instead of 'nickname': %r" % doc
    assert k["muc"] == room
    assert k["jid"] == "carol@example.net"
    assert sorted(k["nicknames"]) == ["carol", "carol-phone"]
    assert sorted(k["jids"]) == ["carol@example.net/laptop", "carol@example.net/phone"]
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    recs = st.state.audit(room)
    assert sorted(x["nick"] for x in recs) == ["carol", "carol-phone"], "one audit record per occupant"


def test_kick_by_full_jid_removes_only_that_session_holder(st):
    room = st.room([("carol", "carol@example.net/laptop"), ("carol-phone", "carol@example.net/phone"),
                    ALICE])
    r = st.post({"muc": room, "jid": "carol@example.net/phone"})
    assert_json(r, 200, body={"kicked": {"muc": room, "jid": "carol@example.net/phone",
                                         "nicknames": ["carol-phone"],
                                         "jids": ["carol@example.net/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"],
                                  "carol": ["carol@example.net/laptop"]}
    assert [x["nick"] for x in st.state.audit(room)] == ["carol-phone"]


def test_kicked_user_can_rejoin_and_be_kicked_again(st):
    room = two(st)
    assert_json(st.post({"muc": room, "nickname": "bob"}), 200)
    assert "bob" not in st.occupants(room)
    st.state.join(room, *BOB)
    assert st.occupants(room)["bob"] == ["bob@example.com/phone"]
    assert_json(st.post({"muc": room, "nickname": "bob"}), 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    assert [x["nick"] for x in st.state.audit(room)] == ["bob", "bob"]


def test_room_address_is_case_insensitive(st):
    room = st.room([ALICE, BOB], node="snuggery")
    assert room == "snuggery@chat.example.org"
    r = st.post({"muc": "Snuggery@Chat.Example.org", "nickname": "bob"})
    doc = assert_json(r, 200)
    assert doc["kicked"]["muc"].lower() == room
    assert doc["kicked"]["nickname"] == "bob"
    assert doc["kicked"]["jids"] == ["bob@example.com/phone"]
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_nickname_compares_as_rfc8266_does(st):
    # Issue #15: nicknames are compared by RFC 8266's comparison form (lowercased, NFKC, spaces collapsed), so
    # another case or width of `bob` kicks bob; `nicknames` reports the occupant as shown. docs/nicknames.md.
    room = two(st)
    r = st.post({"muc": room, "nickname": "\u200b"})  # no occupant can hold a nickname the profile refuses
    assert_error(r, 404)
    still_there(st, room, "alice", "bob")
    r = st.post({"muc": room, "nickname": "\uff22\uff2f\uff22"})  # full-width BOB
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "\uff22\uff2f\uff22", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_query_string_is_ignored(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, path="/muc_kick?x=1&nickname=alice")
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "bob", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_extra_json_fields_are_ignored(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob", "reason": "r", "actor": "mallory", "extra": [1, {"a": None}],
                 "ban": True})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "bob", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_second_configured_authorization_value_is_accepted(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(SECRET2))
    assert_json(r, 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_chunked_request_body_within_limit(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, chunked=True)
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "bob", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_owner_is_kicked_when_privileged_occupants_are_not_protected(st):
    room = st.room([("boss", "boss@example.com/desk"), ALICE],
                   affiliations=[("boss@example.com", "owner")])
    r = st.post({"muc": room, "nickname": "boss"})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "boss", "nicknames": ["boss"],
                                         "jids": ["boss@example.com/desk"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_body_of_exactly_the_default_limit_is_accepted(st):
    room = two(st)
    raw = json.dumps({"muc": room, "nickname": "bob"})
    body = raw + " " * (65536 - len(raw))
    assert len(body.encode()) == 65536
    r = st.post(body)
    assert_json(r, 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_nickname_of_1023_bytes_is_valid(st):
    nick = "n" * 1023
    room = st.room([(nick, "long@example.com/x"), ALICE])
    r = st.post({"muc": room, "nickname": nick})
    doc = assert_json(r, 200)
    assert doc["kicked"]["nicknames"] == [nick]
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_parallel_kicks(st):
    nicks = ["p%02d" % i for i in range(16)]
    room = st.room([(n, "%s@example.com/r" % n) for n in nicks] + [ALICE])
    results = {}

    def one(n):
        results[n] = st.post({"muc": room, "nickname": n})

    ts = [threading.Thread(target=one, args=(n,)) for n in nicks]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    for n in nicks:
        assert_json(results[n], 200, body={"kicked": {"muc": room, "nickname": n, "nicknames": [n],
                                                      "jids": ["%s@example.com/r" % n]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    assert sorted(x["nick"] for x in st.state.audit(room)) == nicks


# --------------------------------------------------------------------------- 401

BAD_AUTH = {
    "missing": None,
    "empty": "",
    "wrong-secret": "Basic " + X.base64.b64encode(b"muc-operator:wrong").decode(),
    "scheme-lowercase": "basic " + SECRET_TOKEN,
    "scheme-uppercase": "BASIC " + SECRET_TOKEN,
    "token-only": SECRET_TOKEN,
    "double-space": "Basic  " + SECRET_TOKEN,
    "extra-char": SECRET + "x",
    "truncated": SECRET[:-1],
    "bearer": "Bearer " + SECRET_TOKEN,
    "both-values": SECRET + "," + SECRET2,
    "other-token-case": "Basic " + SECRET2_TOKEN.lower(),
}


@pytest.mark.parametrize("name", list(BAD_AUTH))
def test_authorization_failed(st, name):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(BAD_AUTH[name]))
    assert_error(r, 401, message="Authorization failed")
    assert r.headers.get("WWW-Authenticate"), "401 without WWW-Authenticate: %r" % r
    still_there(st, room, "alice", "bob")
    assert st.state.audit(room) == []


# --------------------------------------------------------------------------- 405 / OPTIONS

@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_method_not_allowed(st, method):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, method=method)
    assert_error(r, 405, message="Method not allowed", headers={"Allow": "POST, OPTIONS"})
    still_there(st, room, "alice", "bob")


def test_head_not_allowed(st):
    room = two(st)
    r = X.http_request(st.port, method="HEAD", headers=auth())
    assert r.status == 405, r
    assert r.headers.get("Allow") == "POST, OPTIONS", r
    assert (r.content_type or "").split(";")[0] == "application/json", r
    assert r.body == b""
    still_there(st, room, "alice", "bob")


def test_get_without_credentials_is_405(st):
    r = X.http_request(st.port, method="GET", headers={})
    assert_error(r, 405, message="Method not allowed", headers={"Allow": "POST, OPTIONS"})


def test_options_without_cors(st):
    r = X.http_request(st.port, method="OPTIONS", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status == 204, r
    assert r.headers.get("Allow") == "POST, OPTIONS", r
    assert r.body == b""
    cors = [k for k in r.headers.keys() if k.lower().startswith("access-control-")]
    assert cors == [], "CORS headers without MUC_KICK_CORS_ALLOW_ORIGIN: %r" % r


# --------------------------------------------------------------------------- 413 (nginx's, made JSON)

def test_body_too_large_with_content_length(st):
    room = two(st)
    raw = json.dumps({"muc": room, "nickname": "bob"})
    body = raw + " " * (65537 - len(raw))
    r = st.post(body)
    assert_error(r, 413)
    still_there(st, room, "alice", "bob")


def test_body_far_too_large_with_content_length(st):
    room = two(st)
    body = json.dumps({"muc": room, "nickname": "bob", "pad": "x" * 300000})
    r = st.post(body)
    assert_error(r, 413)
    still_there(st, room, "alice", "bob")


def test_body_too_large_chunked(st):
    room = two(st)
    body = json.dumps({"muc": room, "nickname": "bob", "pad": "x" * 70000})
    r = st.post(body, chunked=True)
    assert_error(r, 413)
    still_there(st, room, "alice", "bob")


# --------------------------------------------------------------------------- 400: body shape

NOT_JSON = "Request body is not valid JSON"
NOT_OBJECT = "Request body is not a JSON object"
EMPTY = "Request body is empty: expected a JSON object"

BAD_BODIES = [
    ("truncated", '{"muc": "x@chat.example.org", "nickname": "bob"', NOT_JSON),
    ("garbage", "nickname=bob&muc=x", NOT_JSON),
    ("single-quotes", "{'muc': 'x@chat.example.org', 'nickname': 'bob'}", NOT_JSON),
    ("trailing-garbage", '{"muc": "%(room)s", "nickname": "bob"} x', NOT_JSON),
    ("two-objects", '{"muc": "%(room)s", "nickname": "bob"}{}', NOT_JSON),
    # RFC 8259 grammar: no trailing commas, no leading zeros, no raw control characters in strings
    ("trailing-comma", '{"muc": "%(room)s", "nickname": "bob",}', NOT_JSON),
    ("trailing-comma-in-array", '{"muc": "%(room)s", "nickname": "bob", "x": [1, 2,]}', NOT_JSON),
    ("leading-zero", '{"muc": "%(room)s", "nickname": "bob", "x": 01}', NOT_JSON),
    ("raw-tab-in-string", '{"muc": "%(room)s", "nickname": "bob", "x": "a\tb"}', NOT_JSON),
    ("comment", '{"muc": "%(room)s", "nickname": "bob" /* c */}', NOT_JSON),
    ("unquoted-keys", '{muc: "%(room)s", nickname: "bob"}', NOT_JSON),
    ("array", '[{"muc": "%(room)s", "nickname": "bob"}]', NOT_OBJECT),
    ("empty-array", "[]", NOT_OBJECT),
    ("number", "42", NOT_OBJECT),
    ("string", '"bob"', NOT_OBJECT),
    ("true", "true", NOT_OBJECT),
    ("null", "null", NOT_OBJECT),
    ("empty", "", EMPTY),
    ("whitespace", "  \r\n\t ", EMPTY),
]


@pytest.mark.parametrize("name,body,message", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_body_not_a_json_object(st, name, body, message):
    room = two(st)
    if isinstance(body, str) and "%(room)s" in body:
        body = body % {"room": room}
    r = st.post(body)
    assert_error(r, 400, message=message)
    still_there(st, room, "alice", "bob")


def test_invalid_utf8_in_body_is_refused(st):
    """Not UTF-8, so not JSON (RFC 8259 8.1); the product may name the field instead."""
    room = two(st)
    body = ('{"muc": "%s", "nickname": "bo' % room).encode() + b"\xff" + b'b"}'
    r = st.post(body)
    assert_error(r, 400)
    still_there(st, room, "alice", "bob")


# --------------------------------------------------------------------------- 400: missing fields

MISSING_CASES = [
    ("empty-object", {}),
    ("no-nickname", {"muc": "@ROOM@"}),
    ("no-muc", {"nickname": "bob"}),
    ("null-nickname", {"muc": "@ROOM@", "nickname": None}),
    ("null-muc", {"muc": None, "nickname": "bob"}),
    ("both-null", {"muc": None, "nickname": None}),
    ("only-reason", {"reason": "x"}),
    ("wrong-key-case", {"MUC": "@ROOM@", "Nickname": "bob"}),
]


@pytest.mark.parametrize("name,body", MISSING_CASES, ids=[c[0] for c in MISSING_CASES])
def test_missing_nickname_or_muc(st, name, body):
    room = two(st)
    body = {k: (room if v == "@ROOM@" else v) for k, v in body.items()}
    r = st.post(body)
    assert_error(r, 400, message=MISSING)
    still_there(st, room, "alice", "bob")


# --------------------------------------------------------------------------- 400: wrong types

WRONG_TYPES = [
    ("nickname-number", {"nickname": 5}, "nickname"),
    ("nickname-array", {"nickname": ["bob"]}, "nickname"),
    ("nickname-object", {"nickname": {"nick": "bob"}}, "nickname"),
    ("nickname-bool", {"nickname": True}, "nickname"),
    ("muc-number", {"muc": 1}, "MUC"),
    ("muc-array", {"muc": ["@ROOM@"]}, "MUC"),
    ("muc-object", {"muc": {"room": "@ROOM@"}}, "MUC"),
    ("muc-bool", {"muc": False}, "MUC"),
    ("reason-number", {"reason": 42}, "reason"),
    ("reason-bool", {"reason": True}, "reason"),
    ("reason-array", {"reason": ["spam"]}, "reason"),
    ("reason-object", {"reason": {"text": "spam"}}, "reason"),
    ("jid-number", {"nickname": None, "jid": 7}, "jid"),
    ("jid-array", {"nickname": None, "jid": ["bob@example.com"]}, "jid"),
]


@pytest.mark.parametrize("name,override,field", WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_wrong_field_type_names_the_field(st, name, override, field):
    room = two(st)
    body = {"muc": room, "nickname": "bob"}
    for k, v in override.items():
        if v is None:
            del body[k]
        elif v == ["@ROOM@"]:
            body[k] = [room]
        elif isinstance(v, dict) and "room" in v:
            body[k] = {"room": room}
        else:
            body[k] = v
    r = st.post(body)
    assert_error(r, 400, contains=[field])
    still_there(st, room, "alice", "bob")
    assert st.state.audit(room) == []


# --------------------------------------------------------------------------- 400: invalid values

INVALID_VALUES = [
    ("nickname-empty", {"nickname": ""}, "nickname"),
    ("nickname-too-long", {"nickname": "n" * 1024}, "nickname"),
    ("nickname-too-long-multibyte", {"nickname": "é" * 512}, "nickname"),
    ("nickname-control-char", {"nickname": "bo\u0007b"}, "nickname"),
    ("nickname-newline", {"nickname": "bob\n"}, "nickname"),
    ("nickname-nul", {"nickname": "bob\u0000"}, "nickname"),
    ("muc-empty", {"muc": ""}, "MUC"),
    ("muc-no-at", {"muc": "@NODE@"}, "MUC"),
    ("muc-resource", {"muc": "@ROOM@/bob"}, "MUC"),
    ("muc-empty-node", {"muc": "@chat.example.org"}, "MUC"),
    ("muc-node-too-long", {"muc": "r" * 1024 + "@chat.example.org"}, "MUC"),
    ("muc-domain-too-long", {"muc": "room@" + "d" * 1024}, "MUC"),
    ("muc-control-char", {"muc": "snug\u0001gery@chat.example.org"}, "MUC"),
    ("muc-two-ats", {"muc": "a@b@chat.example.org"}, "MUC"),
]


@pytest.mark.parametrize("name,override,field", INVALID_VALUES, ids=[c[0] for c in INVALID_VALUES])
def test_invalid_value_names_the_field(st, name, override, field):
    room = two(st)
    node = room.split("@")[0]
    body = {"muc": room, "nickname": "bob"}
    for k, v in override.items():
        body[k] = v.replace("@ROOM@", room).replace("@NODE@", node)
    r = st.post(body)
    assert_error(r, 400, contains=[field])
    still_there(st, room, "alice", "bob")


# --------------------------------------------------------------------------- 404

def test_unserved_domain(st):
    r = st.post({"muc": "room@" + UNSERVED, "nickname": "bob"})
    assert_error(r, 404, message="MUC not found: No such host: " + UNSERVED)


def test_room_does_not_exist(st):
    r = st.post({"muc": "nosuchroom@" + CHAT, "nickname": "bob"})
    assert_error(r, 404, message="MUC not found: No MUC 'nosuchroom' found for host: " + CHAT)


def test_room_with_1023_byte_node_does_not_exist(st):
    node = "r" * 1023
    r = st.post({"muc": node + "@" + CHAT, "nickname": "bob"})
    assert_error(r, 404, message="MUC not found: No MUC '%s' found for host: %s" % (node, CHAT))


def test_nickname_not_in_room(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "mallory"})
    assert_error(r, 404, contains=["mallory"])
    still_there(st, room, "alice", "bob")
    assert st.state.audit(room) == []


def test_jid_not_in_room(st):
    room = two(st)
    r = st.post({"muc": room, "jid": "mallory@example.com"})
    assert_error(r, 404)
    still_there(st, room, "alice", "bob")


def test_kick_the_already_kicked_is_404(st):
    room = two(st)
    assert_json(st.post({"muc": room, "nickname": "bob"}), 200)
    r = st.post({"muc": room, "nickname": "bob"})
    assert_error(r, 404, contains=["bob"])
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    assert len(st.state.audit(room)) == 1


# --------------------------------------------------------------------------- the log

def test_log_line_per_request(st):
    room = two(st)
    before = len(X.settled_log_lines(st.responder.stderr))
    marker = "logmark-%d" % os.getpid()
    st.post({"muc": room, "nickname": marker})                          # 404
    st.post({"muc": room, "nickname": "bob"})                           # 200
    st.post({"muc": room, "nickname": marker}, headers=auth("Basic nope"))  # 401
    st.post("[]")                                                       # 400
    X.http_request(st.port, method="OPTIONS")                           # 204 (reaches the responder)
    lines = X.wait_for(lambda: (lambda ls: ls if len(ls) >= before + 5 else None)(
        X.log_lines(st.responder.stderr())), timeout=5)
    assert lines, "expected 5 new request lines, log:\n%s" % st.responder.stderr()[-3000:]
    new = lines[before:]
    assert len(new) == 5, new
    # One line each. A worker writes its line once the response is out, so two workers' lines may come in
    # another order than their responses did: they are matched by status, not by position.
    by_status = {}
    for l in new:
        status = re.search(r" ([0-9]{3}) room=", l)
        assert status, l
        by_status.setdefault(status.group(1), []).append(l)
    assert sorted(by_status) == ["200", "204", "400", "401", "404"], new
    line = {k: v[0] for k, v in by_status.items()}
    assert "POST" in line["404"] and room in line["404"] and marker in line["404"], line["404"]
    assert "POST" in line["200"] and room in line["200"] and "bob" in line["200"], line["200"]
    assert "POST" in line["401"], line["401"]
    assert "POST" in line["400"], line["400"]
    assert "OPTIONS" in line["204"], line["204"]
    line_format = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ muc-kick-fcgi: [A-Z]+ \d{3} room=\S+ nickname=\S+ "
        r"duration=\d+\.\d{3}ms( detail=\"[^\"]*\")?$")
    for l in new:
        assert line_format.match(l), l
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_zz_log_never_contains_the_secret(st):
    """Runs last in this module: by now the log holds every request above (200s and 401s)."""
    room = two(st)
    assert_json(st.post({"muc": room, "nickname": "bob"}), 200)
    assert_json(st.post({"muc": room, "nickname": "alice"}, headers=auth(SECRET2)), 200)
    text = X.wait_for(lambda: (lambda t: t if t.rstrip().endswith("ms") and "nickname=alice" in
                                 t.rstrip().splitlines()[-1] else None)(st.responder.stderr()),
                      timeout=5) or st.responder.stderr()
    assert len(X.log_lines(text)) >= 2, text
    for s in (SECRET, SECRET_TOKEN, SECRET2, SECRET2_TOKEN, "s3cr3t-Zq7vXk29", "0th3r-Pw8mNc41"):
        assert s not in text, "the responder's log contains an Authorization secret (%r)" % s
