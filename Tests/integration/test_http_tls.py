"""The responder reaching roomd over TLS (`roomd_address = "tls://..."`), as a web host reaches the chat host:
roomd runs in a network namespace of its own made by the test (tls_helpers.NetworkNamespace), listening
only on its end of a veth pair, and the responder behind a real nginx reaches it across that pair with
OpenSSL. Kicks with a client certificate and with a token; refusals (a credential roomd does not accept,
a revoked token, a wrong server name) answer 503 and kick nobody; a restarted roomd is reconnected to;
a peer that stalls the handshake does not hold a worker past the deadline. The same through Apache's
mod_fcgid is in test_deploy_apache.py.
"""

import contextlib
import itertools
import os
import socket
import subprocess
import threading
import time

import pytest

import http_helpers as X
from tls_helpers import TOKEN, TLSRoomd

EX_CONFIG = 78


def tls_env(t, pki, credential, **extra):
    """The responder's environment for roomd `t` in its namespace: the CA, the server name its
    certificate carries, and `credential` ("cert", "token", or a (certificate, key) pair)."""
    env = {"MUC_KICK_ROOMD_SOCKET": None, "MUC_KICK_ROOMD_ADDRESS": t.address,
           "MUC_KICK_ROOMD_CA": pki.ca_pem, "MUC_KICK_ROOMD_SERVER_NAME": "chat.example.org"}
    if credential == "token":
        env["MUC_KICK_ROOMD_TOKEN_FILE"] = pki.token_file
    else:
        cert, key = pki.web1 if credential == "cert" else credential
        env["MUC_KICK_ROOMD_CERTIFICATE"], env["MUC_KICK_ROOMD_KEY"] = cert, key
    env.update(extra)
    return env


_rooms = itertools.count(1)


def kick_room(s):
    return s.room(occupants=[("alice", "alice@example.com/a"), ("bob", "bob@example.com/b")],
                  node="tls%d-%d" % (os.getpid(), next(_rooms)))


def assert_kicked(s, room):
    r = s.post({"muc": room, "nickname": "bob", "reason": "over TLS"})
    X.assert_json(r, 200, body=X.kicked_body(room, "bob", "bob@example.com/b"))
    assert set(s.occupants(room)) == {"alice"}


def assert_refused(s, room, *in_log):
    """503, nobody kicked, and the responder's log says why (never the token)."""
    r = s.post({"muc": room, "nickname": "bob"})
    X.assert_error(r, 503, message="Room service unavailable")
    assert set(s.occupants(room)) == {"alice", "bob"}
    # the access log is written in batches
    X.wait_for(lambda: all(text in s.responder.stderr() for text in in_log), timeout=5)
    log = s.responder.stderr()
    for text in in_log:
        assert text in log, "no %r in the responder's log:\n%s" % (text, log[-3000:])
    assert TOKEN not in log


def responder_connections(s, t):
    """The responder's TCP connections to roomd's address, from /proc (ss -tnp)."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", "dst", "%s:%d" % (t.host, t.port)],
                         capture_output=True, text=True, timeout=10).stdout
    return [line for line in out.splitlines() if "pid=%d," % s.responder.proc.pid in line]


@pytest.mark.parametrize("credential,caller", [("cert", "certificate:web:web1.example.org"),
                                               ("token", "token:shop1")])
def test_kick_through_nginx_across_the_namespaces(daemon_factory, pki, netns, credential, caller):
    t = TLSRoomd(daemon_factory, pki, netns=netns)
    with X.stack(daemon=t.d, responder_env=tls_env(t, pki, credential), threads=2) as s:
        room = kick_room(s)
        assert_kicked(s, room)
        # roomd's audit names the caller the TLS connection proved, not a uid
        rec = s.state.audit(room)[-1]
        assert rec.get("caller") == caller and rec.get("uid") == -1, rec
        # the kick crossed the veth pair: the responder holds a connection to roomd's inner address,
        # from the outer one, and roomd listens nowhere else
        conns = responder_connections(s, t)
        assert conns and netns.outer_address in conns[0], conns
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", t.port), timeout=1).close()
        # a second kick reuses the worker's connection
        room2 = kick_room(s)
        assert_kicked(s, room2)
        assert t.d.log().count("TLS connection refused") == 0


@pytest.mark.parametrize("which", ["expired", "stranger", "other-ca"])
def test_a_certificate_roomd_does_not_accept_is_503(daemon_factory, pki, netns, which):
    t = TLSRoomd(daemon_factory, pki, netns=netns)
    pair = {"expired": pki.expired, "stranger": pki.stranger}.get(which)
    if which == "other-ca":
        pair = pki.web1
        t.write_callers(pki.callers(ca=False, token=True, ops=True))
        t.reload("reloaded the TLS certificate and callers")
    with X.stack(daemon=t.d, responder_env=tls_env(t, pki, pair), threads=1) as s:
        room = kick_room(s)
        assert_refused(s, room, "cannot reach roomd at %s" % t.address)
        t.wait_log("TLS connection refused")
        assert netns.outer_address in t.d.log()


def test_a_revoked_token_is_refused_on_the_next_kick(daemon_factory, pki, netns):
    t = TLSRoomd(daemon_factory, pki, netns=netns)
    with X.stack(daemon=t.d, responder_env=tls_env(t, pki, "token"), threads=1) as s:
        assert_kicked(s, kick_room(s))
        t.write_callers(pki.callers(token=False))
        t.reload("reloaded the TLS certificate and callers")
        assert_refused(s, kick_room(s), "AuthenticationFailed")


def test_a_wrong_server_name_is_refused_before_any_call(daemon_factory, pki, netns):
    t = TLSRoomd(daemon_factory, pki, netns=netns)
    env = tls_env(t, pki, "token", MUC_KICK_ROOMD_SERVER_NAME="other.example.org")
    with X.stack(daemon=t.d, responder_env=env, threads=1) as s:
        assert_refused(s, kick_room(s), "not accepted for other.example.org")
    # without roomd_server_name the address itself is the name, which the certificate does not carry
    env = tls_env(t, pki, "cert", MUC_KICK_ROOMD_SERVER_NAME=None)
    with X.stack(daemon=t.d, responder_env=env, threads=1) as s:
        assert_refused(s, kick_room(s), "not accepted for %s" % t.host)


def test_roomd_restarted_the_responder_reconnects(daemon_factory, pki, netns):
    t = TLSRoomd(daemon_factory, pki, netns=netns)
    with X.stack(daemon=t.d, responder_env=tls_env(t, pki, "cert"), threads=1) as s:
        assert_kicked(s, kick_room(s))
        before = responder_connections(s, t)
        t.d.stop_clean()
        t.d.start()
        t.wait_log("listening (TLS)", count=2)
        # the first kick after the restart already works: the worker sees its connection closed and
        # opens a new one instead of failing the request
        assert_kicked(s, kick_room(s))
        after = responder_connections(s, t)
        assert len(after) == 1 and after != before, (before, after)


# Something on roomd's address that accepts TCP and never answers the ClientHello.
STALL_SERVER = r"""
import socket, sys
host, port = sys.argv[1:3]
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, int(port)))
listener.listen(64)
print("ready", flush=True)
held = []
while True:
    held.append(listener.accept()[0])
"""


@contextlib.contextmanager
def stand_in_for_roomd(daemon_factory, pki, netns, script, credential, *args):
    """A stack whose responder (one worker, roomd_timeout 1 s) is pointed at a stand-in for roomd in the
    namespace: `script` run with ARGS HOST PORT, once it prints "ready". The real roomd only holds the rooms."""
    port = X.free_port()
    server = subprocess.Popen(netns.exec_prefix + ["python3", "-c", script] + list(args)
                              + [netns.inner_address, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        t = TLSRoomd(daemon_factory, pki, netns=netns)
        env = tls_env(t, pki, credential, MUC_KICK_ROOMD_ADDRESS="tls://%s:%d" % (netns.inner_address, port),
                      MUC_KICK_ROOMD_TIMEOUT="1")
        with X.stack(daemon=t.d, responder_env=env, threads=1) as s:
            yield s
    finally:
        server.kill()
        server.wait()


def test_a_stalled_handshake_does_not_hold_the_worker(daemon_factory, pki, netns):
    with stand_in_for_roomd(daemon_factory, pki, netns, STALL_SERVER, "token") as s:
        room = kick_room(s)
        # Two requests at once on one worker: each is answered once its own deadline passes, so the
        # second waits for the first (about 1 s) and then its own (about 1 s), and no longer.
        results = []

        def post():
            t0 = time.monotonic()
            r = s.post({"muc": room, "nickname": "bob"})
            results.append((r, time.monotonic() - t0))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        assert len(results) == 2, results
        for r, took in results:
            X.assert_error(r, 503, message="Room service unavailable")
            assert took < 3.5, took
        assert "the TLS handshake did not finish in time" in s.responder.stderr()
        assert set(s.occupants(room)) == {"alice", "bob"}


@pytest.mark.parametrize("settings,reason", [
    ({}, "a tls:// address needs a credential"),
    ({"MUC_KICK_ROOMD_CERTIFICATE": "/nonexistent/web1.pem", "MUC_KICK_ROOMD_KEY": "/nonexistent/web1.key"},
     "roomd_certificate: cannot load /nonexistent/web1.pem"),
    ({"MUC_KICK_ROOMD_TOKEN_FILE": "/nonexistent/token"}, "roomd_token_file"),
    ({"MUC_KICK_ROOMD_TOKEN_FILE": "TOKEN", "MUC_KICK_ROOMD_CA": "/nonexistent/ca.pem"},
     "roomd_ca: cannot load /nonexistent/ca.pem"),
])
def test_unusable_tls_settings_stop_the_start_with_ex_config(pki, settings, reason):
    env = {"MUC_KICK_AUTHORIZATION": X.SECRET, "MUC_KICK_ROOMD_ADDRESS": "tls://chat.example.org:5433"}
    env.update({k: (pki.token_file if v == "TOKEN" else v) for k, v in settings.items()})
    r = subprocess.run([X.muc_bin(), "--listen", "unix:/nonexistent/fcgi.sock"], env=X.clean_env(**env),
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == EX_CONFIG, (r.returncode, r.stderr)
    assert reason in r.stderr, r.stderr
    assert TOKEN not in r.stderr + r.stdout


# A TLS "roomd" that completes the handshake with roomd's certificate, reads one call, and sends its
# reply's TLS record one byte every 0.2 s: no single wait is long, their sum is.
TRICKLE_SERVER = r"""
import socket, ssl, sys, time
cert, key, host, port = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, int(port)))
listener.listen(8)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=True)

    def pump():
        data = outgoing.read()
        if data:
            conn.sendall(data)
        more = conn.recv(65536)
        if not more:
            raise EOFError
        incoming.write(more)

    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pump()
        conn.sendall(outgoing.read())
        call = b""
        while b"\0" not in call:
            try:
                call += tls.read(65536)
            except ssl.SSLWantReadError:
                pump()
        tls.write(b'{"parameters":{"kicked":[{"nick":"bob","jids":["bob@example.com/b"]}]}}\0')
        for byte in outgoing.read():
            conn.send(bytes([byte]))
            time.sleep(0.2)
    except (EOFError, OSError):
        pass
    conn.close()
"""


def test_a_reply_trickled_in_byte_by_byte_is_cut_at_the_deadline(daemon_factory, pki, netns):
    with stand_in_for_roomd(daemon_factory, pki, netns, TRICKLE_SERVER, "cert", pki.chat_pem, pki.chat_key) as s:
        room = kick_room(s)
        t0 = time.monotonic()
        r = s.post({"muc": room, "nickname": "bob"})
        took = time.monotonic() - t0
        X.assert_error(r, 504, message="Room service did not answer in time")
        assert took < 2.5, took
