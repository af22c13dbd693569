"""POST /muc_kick through nginx when roomd is missing, stopped, restarted, frozen or silent, and
the responder's SIGTERM. Each test has its own stack (roomd + responder + nginx)."""

import os
import signal
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import http_helpers as X  # noqa: E402
from http_helpers import assert_error, assert_json, kicked_body  # noqa: E402

ALICE = ("alice", "alice@example.com/home")
BOB = ("bob", "bob@example.com/phone")
FAST = 1.5  # seconds: an unavailable roomd is reported at once, not after a timeout


def freeze(daemon):
    os.kill(daemon.proc.pid, signal.SIGSTOP)


def thaw(daemon):
    os.kill(daemon.proc.pid, signal.SIGCONT)


# --------------------------------------------------------------------------- 503

def test_roomd_socket_missing_is_503():
    with X.stack(responder_env={"MUC_KICK_ROOMD_SOCKET": "/tmp/mk-no-such-dir/roomd.sock"}) as st:
        room = st.room([ALICE, BOB])
        for _ in range(3):
            r = st.post({"muc": room, "nickname": "bob"})
            assert_error(r, 503)
            assert r.headers.get("Retry-After"), "503 without Retry-After: %r" % r
            assert r.elapsed < FAST, "503 took %.2fs" % r.elapsed
        assert set(st.occupants(room)) == {"alice", "bob"}


def test_roomd_stopped_is_503_and_started_again_works():
    with X.stack() as st:
        room = st.room([ALICE, BOB])
        assert_json(st.post({"muc": room, "nickname": "alice"}), 200)  # connections established
        st.daemon.stop_clean()
        for _ in range(4):
            r = st.post({"muc": room, "nickname": "bob"})
            assert_error(r, 503)
            assert r.headers.get("Retry-After"), "503 without Retry-After: %r" % r
            assert r.elapsed < FAST, "503 took %.2fs" % r.elapsed
        st.daemon.start()
        st.state.join(room, *BOB)
        r = st.post({"muc": room, "nickname": "bob"})
        assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
        assert st.occupants(room) == {}


# --------------------------------------------------------------------------- reconnect

def test_roomd_restart_between_requests():
    with X.stack() as st:
        nicks = ["u%d" % i for i in range(8)]
        room = st.room([(n, "%s@example.com/r" % n) for n in nicks] + [ALICE])
        assert_json(st.post({"muc": room, "nickname": "alice"}), 200)
        # give every worker thread a roomd connection
        results = []
        ts = [threading.Thread(target=lambda: results.append(
            st.post({"muc": room, "nickname": "nobody"}))) for _ in range(12)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(20)
        assert [r.status for r in results] == [404] * 12, results

        st.daemon.restart()
        for n in nicks:  # occupants do not survive a restart: put them back
            st.state.join(room, n, "%s@example.com/r" % n)
        for n in nicks:
            r = st.post({"muc": room, "nickname": n})
            assert_json(r, 200, body=kicked_body(room, n, "%s@example.com/r" % n))
            assert n not in st.occupants(room)
        assert st.occupants(room) == {}


def test_roomd_hard_killed_and_restarted():
    with X.stack() as st:
        room = st.room([ALICE, BOB])
        assert_json(st.post({"muc": room, "nickname": "alice"}), 200)
        st.daemon.restart(hard=True)
        st.state.join(room, *BOB)  # occupants do not survive a restart: put them back
        st.state.join(room, *ALICE)
        for nick, jid in (BOB, ALICE):
            r = st.post({"muc": room, "nickname": nick})
            assert_json(r, 200, body=kicked_body(room, nick, jid))
        assert st.occupants(room) == {}


# --------------------------------------------------------------------------- 504

def test_frozen_roomd_is_504_then_recovers():
    with X.stack(responder_env={"MUC_KICK_ROOMD_TIMEOUT": "0.5"}) as st:
        room = st.room([ALICE, BOB, ("carol", "carol@example.net/x")])
        freeze(st.daemon)
        try:
            r = st.post({"muc": room, "nickname": "bob"})
            assert_error(r, 504)
            assert 0.4 < r.elapsed < 3.0, "504 after %.2fs (timeout 0.5s)" % r.elapsed
        finally:
            thaw(st.daemon)
        time.sleep(0.2)
        r = st.post({"muc": room, "nickname": "carol"})
        assert_json(r, 200, body=kicked_body(room, "carol", "carol@example.net/x"))
        occ = st.occupants(room)
        assert "carol" not in occ and "alice" in occ, occ
        r = st.post({"muc": room, "nickname": "alice"})
        assert_json(r, 200, body=kicked_body(room, "alice", ALICE[1]))


def test_kick_answered_504_is_not_carried_out_later():
    """The contract: the occupant is gone exactly when the answer is 200. A kick answered 504
    while roomd was frozen must not take effect when roomd resumes."""
    with X.stack(responder_env={"MUC_KICK_ROOMD_TIMEOUT": "0.5"}) as st:
        room = st.room([ALICE, BOB])
        freeze(st.daemon)
        try:
            r = st.post({"muc": room, "nickname": "bob"})
            assert_error(r, 504)
        finally:
            thaw(st.daemon)
        time.sleep(0.5)
        occ = st.occupants(room)
        assert "bob" in occ, (
            "answered 504, yet bob was kicked once roomd resumed: occupants %r, audit %r" % (
                occ, st.state.audit(room)))


def test_silent_roomd_is_504():
    with X.stack(responder_env={"MUC_KICK_ROOMD_TIMEOUT": "0.5"}) as st:
        silent = X.SilentListener(os.path.join(st.workdir, "silent.sock"))
        try:
            st.responder.stop()
            st.responder.env["MUC_KICK_ROOMD_SOCKET"] = silent.path
            st.responder.start()
            room = st.room([ALICE, BOB])
            for _ in range(2):
                r = st.post({"muc": room, "nickname": "bob"})
                assert_error(r, 504)
                assert 0.4 < r.elapsed < 3.0, "504 after %.2fs (timeout 0.5s)" % r.elapsed
            assert b"Kick" in silent.received, "the responder never asked the silent roomd"
            assert set(st.occupants(room)) == {"alice", "bob"}
        finally:
            st.responder.stop()
            silent.close()


# --------------------------------------------------------------------------- SIGTERM

def _unusable(path):
    if not os.path.exists(path):
        return True
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(path)
        return False
    except OSError:
        return True
    finally:
        s.close()


def test_sigterm_idle_exits_0_and_socket_is_unusable():
    with X.stack() as st:
        room = st.room([ALICE, BOB])
        assert_json(st.post({"muc": room, "nickname": "alice"}), 200)
        rc = st.responder.stop(signal.SIGTERM, timeout=10)
        assert rc == 0, "exit code %s after SIGTERM\n%s" % (rc, st.responder.stderr())
        assert _unusable(st.responder.sock), "responder socket still accepts connections"
        # The socket is gone, so nginx's connect fails at once: its 502, with the JSON body of the
        # repository's nginx snippet.
        r = st.post({"muc": room, "nickname": "bob"})
        assert_error(r, 502, message="Responder unavailable")
        assert set(st.occupants(room)) == {"bob"}


@pytest.mark.parametrize("sigterms", [1, 2])
def test_sigterm_finishes_the_request_in_flight(sigterms):
    # one worker thread: the kick goes over the connection the first request opened, where `ss`
    # shows it waiting unread for the frozen roomd. A second SIGTERM (a supervisor repeating itself,
    # a double Ctrl-C) changes nothing.
    with X.stack(responder_env={"MUC_KICK_ROOMD_TIMEOUT": "5"}, threads=1) as st:
        room = st.room([ALICE, BOB])
        assert_json(st.post({"muc": room, "nickname": "alice"}), 200)
        freeze(st.daemon)
        try:
            bg = X.Background(lambda: st.post({"muc": room, "nickname": "bob"}))
            X.wait_request_reached_roomd(st.daemon)  # now in flight inside the responder
            for _ in range(sigterms):
                st.responder.proc.send_signal(signal.SIGTERM)
                time.sleep(0.25)
            time.sleep(0.25)
            assert st.responder.proc.poll() is None, \
                "the responder exited (%s) with a request in flight" % st.responder.proc.returncode
        finally:
            thaw(st.daemon)
        r = bg.result(15)
        assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
        rc = st.responder.proc.wait(15)
        assert rc == 0, "exit code %s after SIGTERM\n%s" % (rc, st.responder.stderr())
        assert st.occupants(room) == {}
        assert _unusable(st.responder.sock)
