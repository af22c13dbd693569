"""The HTTP kick interop test against a second XMPP server: Debian's ejabberd (23.01).

ejabberd is started by hand as the notes describe (its own ctl config with ERL_DIST_PORT so no epmd,
config, spool and logs in a temp dir owned by the `ejabberd` user), with an `ejabberd_service` listener
for chat.localhost; roomd attaches to it; users log in with slixmpp (ejabberd offers SCRAM-SHA-512
first, over plaintext here). The same XEP-0045 §8.2 presences are asserted as against Prosody.

If ejabberd cannot be installed or started here, the tests are skipped with the exact reason.
"""

import shutil
import time

import pytest

import http_helpers as HH
import xmpp_helpers as XH
from xmpp_helpers import (MUC, check_kick_presences, ejabberd, from_room, is_presence, kick_iq,  # noqa: F401
                          setup_room, show, status_codes)


@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_ejabberd_handshake(ejabberd, ej_roomd):
    assert XH.ComponentRoomd.AUTHENTICATED in ej_roomd.current_log()
    assert MUC in ej_roomd.rooms().ListServices()["services"]


def test_ejabberd_wrong_secret_not_authorized(ejabberd, bins):
    d = XH.ComponentRoomd(ejabberd.component_port, "wrong-secret")
    d.start()
    try:
        d.wait_log("not-authorized", timeout=10)
        time.sleep(0.3)
        assert d.running and XH.ComponentRoomd.AUTHENTICATED not in d.current_log()
    finally:
        rc = d.stop()
        shutil.rmtree(d.workdir, ignore_errors=True)
    assert rc == 0


@pytest.mark.parametrize("reason,actor", [("Too much noise", None), (None, "muc-admin")],
                         ids=["reason", "actor-no-reason"])
def test_ejabberd_http_kick_presences(ejabberd, ej_roomd, ej_clients, reason, actor):
    """Three users on ejabberd join; nurse is kicked through nginx -> muc-kick-fcgi -> roomd."""
    env = {"MUC_KICK_ACTOR": actor} if actor else None
    s = HH.Stack(responder_env=env, daemon=ej_roomd).start()
    try:
        w = setup_room(ej_roomd, ej_clients)
        r, j, n = w.cs["romeo"], w.cs["juliet"], w.cs["nurse"]
        pos = w.marks()
        body = {"nickname": "nurse", "muc": w.room}
        if reason:
            body["reason"] = reason
        doc = HH.assert_json(s.post(body), 200)
        assert doc["kicked"]["jids"] == [n.jid], doc
        got = w.received(pos)
        check_kick_presences(w, got, "nurse", n.jid, "none", reason, actor)
        assert w.occupants() == {"romeo": [r.jid], "juliet": [j.jid]}
        del w.cs["nurse"]
        _, out = w.join("mercutio")
        occ = sorted(x.get("from") for x in out if is_presence(x) and "110" not in status_codes(x))
        assert occ == sorted([w.occ("romeo"), w.occ("juliet")]), "\n".join(show(x) for x in out)
    finally:
        s.stop()


def test_ejabberd_moderator_kick_over_xmpp(ejabberd, ej_roomd, ej_clients):
    w = setup_room(ej_roomd, ej_clients)
    r, n = w.cs["romeo"], w.cs["nurse"]
    pos = w.marks()
    res = r.iq(w.room, kick_iq("nurse", "Avaunt!"))
    assert res.get("type") == "result", show(res)
    got = w.received(pos, pred=lambda x: from_room(w.room)(x) and is_presence(x))
    check_kick_presences(w, got, "nurse", n.jid, "none", "Avaunt!", "romeo")
    res = w.cs["juliet"].iq(w.room, kick_iq("romeo"))
    assert res.get("type") == "error" and XH.error_condition(res)[1] in ("forbidden", "not-allowed"), show(res)


def test_ejabberd_client_disconnect_leaves_room(ejabberd, ej_roomd, ej_clients):
    """ejabberd sends the component an unavailable presence for a client that goes away."""
    w = setup_room(ej_roomd, ej_clients)
    pos = w.marks()
    w.cs["nurse"].close()
    del w.cs["nurse"]
    got = w.received(pos)
    assert [(x.get("from"), x.get("type")) for x in got["juliet"]] == [(w.occ("nurse"), "unavailable")], \
        "\n".join(show(x) for x in got["juliet"])
    assert set(w.occupants()) == {"romeo", "juliet"}


def test_ejabberd_routes_the_keepalive_ping_back(ejabberd, bins):
    """roomd's liveness ping goes from its domain to its domain: ejabberd must route it back, or roomd
    would drop a healthy stream after --xmpp-ping-after + --xmpp-ping-timeout."""
    d = XH.ComponentRoomd(ejabberd.component_port, ejabberd.secret,
                          extra_args=["--xmpp-ping-after", "1", "--xmpp-ping-timeout", "1.5", "--log-level", "debug"])
    try:
        XH.check_keepalive_pings_come_back(d)
    finally:
        rc = d.stop()
        shutil.rmtree(d.workdir, ignore_errors=True)
    assert rc == 0
