"""roomd's control protocol over TLS (--listen-tls) with roomctl as the client: real roomd, real TLS on
loopback, certificates made by the test (Python's cryptography). Callers are identified by a client
certificate (a client CA or a pinned fingerprint) or a token (Authenticate); everything else is refused,
and each refusal is logged with the peer's address. Also: the handshake deadline, and reloads (SIGHUP) of
the certificate and the callers."""

import os
import signal
import socket
import ssl
import subprocess
import time

import pytest
from cryptography.hazmat.primitives import hashes

import http_helpers as HH
import mk_helpers as H
from tls_helpers import PKI, R, TLSRoomd, TOKEN, fingerprint  # noqa: F401

EX_UNAVAILABLE, EX_NOPERM = 69, 77


def cert_args(pair):
    return ["--certificate", pair[0], "--key", pair[1]]


def token_args(pki):
    return ["--token-file", pki.token_file]


def assert_ok(p):
    assert p.returncode == 0, "roomctl failed (%d): %s %s" % (p.returncode, p.stdout, p.stderr)
    return p


# --------------------------------------------------------------------------- who may kick

def test_kick_with_a_client_certificate_from_the_client_ca(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    assert_ok(t.ctl("kick", R, "bob", "--reason", "spam", cred=cert_args(pki.web1)))
    assert "bob" not in t.nicks()
    record = t.audit()[-1]
    assert (record["nick"], record["uid"], record.get("caller")) == ("bob", -1, "certificate:web:web1.example.org")
    # The kick level does not reach admin methods.
    p = t.ctl("create", "other@chat.example.org", cred=cert_args(pki.web1))
    assert p.returncode == EX_NOPERM and "PermissionDenied" in p.stderr, p.stderr


def test_kick_with_a_token(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    assert_ok(t.ctl("kick", R, "carol", cred=token_args(pki)))
    assert "carol" not in t.nicks()
    record = t.audit()[-1]
    assert (record["nick"], record["uid"], record.get("caller")) == ("carol", -1, "token:shop1")
    assert TOKEN not in t.d.log()


def test_a_pinned_self_signed_certificate_gets_its_level(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    assert_ok(t.ctl("create", "pinned@chat.example.org", cred=cert_args(pki.ops)))
    assert "certificate:ops" in t.d.log()


# --------------------------------------------------------------------------- refusals

def test_no_credential_may_not_kick(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    p = t.ctl("kick", R, "bob")
    assert p.returncode == EX_NOPERM and "PermissionDenied" in p.stderr, p.stderr
    assert "bob" in t.nicks()
    assert "permission denied" in t.d.log() and "tls 127.0.0.1:" in t.d.log()


@pytest.mark.parametrize("which", ["stranger", "expired"])
def test_an_unknown_or_expired_certificate_is_refused(daemon_factory, pki, which):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    p = t.ctl("kick", R, "bob", cred=cert_args(getattr(pki, which)))
    assert p.returncode != 0, p.stdout
    assert "bob" in t.nicks()
    t.wait_log("TLS connection refused")
    line = [l for l in t.d.log().splitlines() if "TLS connection refused" in l][-1]
    assert "127.0.0.1:" in line, line


def test_a_revoked_token_is_refused_and_its_open_connection_closed(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    # A connection authenticated with the token, left open (a responder worker's).
    ctx = ssl.create_default_context(cafile=pki.ca_pem)
    raw = ctx.wrap_socket(socket.create_connection(("127.0.0.1", t.port), timeout=10), server_hostname="localhost")
    raw.sendall(b'{"method":"org.muckick.Rooms.Authenticate","parameters":{"token":"%s"}}\0' % TOKEN.encode())
    reply = b""
    while b"\0" not in reply:
        reply += raw.recv(4096)
    assert b'"caller":"token:shop1"' in reply, reply
    t.write_callers(pki.callers(token=False))
    t.reload("reloaded the TLS certificate and callers")
    raw.settimeout(5)
    try:
        rest = raw.recv(4096)
    except (ssl.SSLError, ConnectionResetError):
        rest = b""
    except socket.timeout:
        rest = None
    assert rest == b"", "the revoked caller's connection stayed open"
    raw.close()
    p = t.ctl("kick", R, "bob", cred=token_args(pki))
    assert p.returncode == EX_NOPERM and "AuthenticationFailed" in p.stderr, p.stderr
    assert "bob" in t.nicks()
    t.wait_log("authentication refused")
    assert TOKEN not in t.d.log()


def test_a_wrong_server_name_is_refused_by_roomctl(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    t.populate()
    p = t.ctl("kick", R, "bob", "--server-name", "chat.example.org", cred=token_args(pki))
    assert p.returncode == EX_UNAVAILABLE, p.stderr
    assert "bob" in t.nicks()
    # And a server whose certificate another CA issued.
    p = subprocess.run([H.roomctl_bin(), "--connect", "tls://localhost:%d" % t.port, "--ca", pki.other_ca_pem]
                       + token_args(pki) + ["kick", R, "bob"], capture_output=True, text=True, timeout=30)
    assert p.returncode == EX_UNAVAILABLE, p.stderr
    assert "bob" in t.nicks()


def test_a_peer_that_stalls_in_the_handshake_is_dropped_at_the_deadline(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki, extra=["--tls-handshake-timeout", "1"])
    s = socket.create_connection(("127.0.0.1", t.port), timeout=10)
    s.sendall(b"\x16\x03\x01\x00\xff")  # the start of a ClientHello, then nothing
    start = time.monotonic()
    s.settimeout(8)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    took = time.monotonic() - start
    s.close()
    # Closed (at most after a TLS alert) once the deadline passed, not before and not much after.
    assert (data == b"" or data.startswith(b"\x15")) and 0.5 < took < 5, (data, took)
    t.wait_log("did not finish in time")
    # roomd still serves.
    assert_ok(t.ctl("services", cred=token_args(pki)))


# --------------------------------------------------------------------------- reloads

def test_a_reload_picks_up_a_new_certificate_and_keeps_it_over_a_bad_one(daemon_factory, pki):
    t = TLSRoomd(daemon_factory, pki)
    first = t.server_fingerprint()
    assert first == pki.server.fingerprint(hashes.SHA256()).hex()
    t.use_certificate(pki.server2_pem, pki.server2_key)
    t.reload("reloaded the TLS certificate and callers")
    assert t.server_fingerprint() == pki.server2.fingerprint(hashes.SHA256()).hex()
    assert_ok(t.ctl("services", cred=token_args(pki)))
    # A key that does not belong to the certificate: refused, the previous pair stays.
    t.use_certificate(pki.server_pem, pki.server2_key)
    t.reload("reload refused")
    assert t.server_fingerprint() == pki.server2.fingerprint(hashes.SHA256()).hex()
    # A callers file with a bad line: refused too, the previous callers stay.
    t.write_callers("token broken kick not-a-hash\n")
    t.reload("reload refused")
    assert "line 1" in t.d.log()
    assert_ok(t.ctl("services", cred=token_args(pki)))
    assert t.d.running


def test_tls_options_are_checked_at_start(daemon_factory, pki):
    d = daemon_factory(start=False, extra_args=["--listen-tls", "127.0.0.1:%d" % HH.free_port()])
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 64 and "--tls-certificate" in p.stderr, p.stderr
    d = daemon_factory(start=False, extra_args=[
        "--listen-tls", "127.0.0.1:%d" % HH.free_port(), "--tls-certificate", pki.server_pem,
        "--tls-key", pki.server2_key])
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 78 and "belong together" in p.stderr, p.stderr
