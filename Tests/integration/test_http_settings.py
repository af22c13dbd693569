"""POST /muc_kick through nginx with a responder configured strictly:

    MUC_KICK_MAX_BODY_SIZE=512             (below nginx's 64k: the responder's own 413 shows)
    MUC_KICK_REQUIRE_JSON_CONTENT_TYPE=true (415)
    MUC_KICK_PROTECT_PRIVILEGED=true       (403 for owners and admins)
    MUC_KICK_CORS_ALLOW_ORIGIN=https://admin.example.org

One stack for the module; each test has its own room and reads the room back after each request.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import http_helpers as X  # noqa: E402
from http_helpers import assert_error, assert_json, auth  # noqa: E402

LIMIT = 512
ORIGIN = "https://admin.example.org"
ALICE = ("alice", "alice@example.com/home")
BOB = ("bob", "bob@example.com/phone")


@pytest.fixture(scope="module")
def st():
    with X.stack(responder_env={
        "MUC_KICK_MAX_BODY_SIZE": str(LIMIT),
        "MUC_KICK_REQUIRE_JSON_CONTENT_TYPE": "true",
        "MUC_KICK_PROTECT_PRIVILEGED": "true",
        "MUC_KICK_CORS_ALLOW_ORIGIN": ORIGIN,
    }) as s:
        yield s


def two(st):
    return st.room([ALICE, BOB])


def padded(obj, size):
    raw = json.dumps(obj)
    assert len(raw) <= size
    return raw + " " * (size - len(raw))


def still_there(st, room, *nicks):
    occ = st.occupants(room)
    for n in nicks:
        assert n in occ, "occupant %r should still be in %s, occupants now %r" % (n, room, occ)


# --------------------------------------------------------------------------- 413 from the responder

def test_body_at_the_limit_is_accepted(st):
    room = two(st)
    r = st.post(padded({"muc": room, "nickname": "bob"}, LIMIT))
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "bob", "nicknames": ["bob"],
                                         "jids": ["bob@example.com/phone"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_body_over_the_limit_with_content_length(st):
    room = two(st)
    r = st.post(padded({"muc": room, "nickname": "bob"}, LIMIT + 1))
    assert_error(r, 413)
    still_there(st, room, "alice", "bob")


def test_body_over_the_limit_chunked(st):
    room = two(st)
    r = st.post(padded({"muc": room, "nickname": "bob"}, 4 * LIMIT), chunked=True)
    assert_error(r, 413)
    still_there(st, room, "alice", "bob")


def test_body_at_the_limit_chunked_is_accepted(st):
    room = two(st)
    r = st.post(padded({"muc": room, "nickname": "bob"}, LIMIT), chunked=True)
    assert_json(r, 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


def test_body_over_the_limit_without_credentials_is_not_kicked(st):
    room = two(st)
    # The responder checks the Authorization before the body's size: a client without credentials
    # learns nothing about the limits (nginx's own limit, 64k, is far above this body).
    r = st.post(padded({"muc": room, "nickname": "bob"}, LIMIT + 100), headers=auth(None))
    assert_error(r, 401, message="Authorization failed", headers={"WWW-Authenticate": 'Basic realm="muc_kick"'})
    still_there(st, room, "alice", "bob")


# --------------------------------------------------------------------------- 415

@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx",
                                   ])
def test_content_type_not_json(st, ctype):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(content_type=ctype))
    assert_error(r, 415)
    still_there(st, room, "alice", "bob")


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8",
                                   "Application/JSON"])
def test_content_type_json_accepted(st, ctype):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(content_type=ctype))
    assert_json(r, 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


# --------------------------------------------------------------------------- 403

@pytest.mark.parametrize("affiliation", ["owner", "admin"])
def test_privileged_occupant_is_protected(st, affiliation):
    room = st.room([("boss", "boss@example.com/desk"), ALICE],
                   affiliations=[("boss@example.com", affiliation)])
    r = st.post({"muc": room, "nickname": "boss"})
    assert_error(r, 403)
    still_there(st, room, "boss", "alice")
    assert st.occupants(room)["boss"] == ["boss@example.com/desk"]
    assert st.state.audit(room) == []


def test_privileged_occupant_is_protected_by_jid(st):
    room = st.room([("boss", "boss@example.com/desk"), ALICE],
                   affiliations=[("boss@example.com", "owner")])
    r = st.post({"muc": room, "jid": "boss@example.com"})
    assert_error(r, 403)
    still_there(st, room, "boss", "alice")


@pytest.mark.parametrize("affiliation", ["member", None])
def test_unprivileged_occupant_is_kicked_while_protecting(st, affiliation):
    affs = [("pleb@example.com", affiliation)] if affiliation else []
    room = st.room([("pleb", "pleb@example.com/x"), ALICE], affiliations=affs)
    r = st.post({"muc": room, "nickname": "pleb"})
    assert_json(r, 200, body={"kicked": {"muc": room, "nickname": "pleb", "nicknames": ["pleb"],
                                         "jids": ["pleb@example.com/x"]}})
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}


# --------------------------------------------------------------------------- CORS

def test_options_with_cors(st):
    r = X.http_request(st.port, method="OPTIONS", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status == 204, r
    assert r.body == b""
    assert r.headers.get("Allow") == "POST, OPTIONS", r
    assert r.headers.get("Access-Control-Allow-Origin") == ORIGIN, r
    methods = r.headers.get("Access-Control-Allow-Methods") or ""
    assert "POST" in methods, r
    allowed = (r.headers.get("Access-Control-Allow-Headers") or "").lower()
    assert "authorization" in allowed and "content-type" in allowed, r


def test_post_response_carries_cors_origin(st):
    """Not in the contract table, but needed for CORS to work at all: a browser only lets the page
    read the POST's answer if that answer carries Access-Control-Allow-Origin too."""
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(Origin=ORIGIN))
    assert_json(r, 200)
    assert st.occupants(room) == {"alice": ["alice@example.com/home"]}
    assert r.headers.get("Access-Control-Allow-Origin") == ORIGIN, r


# --------------------------------------------------------------------------- still the same contract

def test_missing_field_message_unchanged(st):
    room = two(st)
    r = st.post({"muc": room})
    assert_error(r, 400, message="Missing nickname and/or MUC")
    still_there(st, room, "alice", "bob")


def test_authorization_still_required(st):
    room = two(st)
    r = st.post({"muc": room, "nickname": "bob"}, headers=auth(None))
    assert_error(r, 401, message="Authorization failed")
    assert r.headers.get("WWW-Authenticate")
    still_there(st, room, "alice", "bob")
