"""roomd's control protocol over TLS (--listen-tls) with roomctl as the client: real roomd, real TLS on
loopback, certificates made by the test (Python's cryptography). Callers are identified by a client
certificate (a client CA or a pinned fingerprint) or a token (Authenticate); everything else is refused,
and each refusal is logged with the peer's address. Also: the handshake deadline, and reloads (SIGHUP) of
the certificate and the callers."""

import datetime
import hashlib
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import mk_helpers as H

R = "tlsroom@chat.example.org"
TOKEN = "q8Vd0c3Lw9RkP2xN7tYbH5mZs1JfA6eG"
EX_UNAVAILABLE, EX_NOPERM = 69, 77
NOW = datetime.datetime.now(datetime.timezone.utc)


# --------------------------------------------------------------------------- certificates

def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(cn, key, issuer=None, issuer_key=None, ca=False, sans=(), usage=None, not_before=None,
          not_after=None):
    b = (x509.CertificateBuilder()
         .subject_name(_name(cn))
         .issuer_name(_name(issuer) if issuer else _name(cn))
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before or NOW - datetime.timedelta(hours=1))
         .not_valid_after(not_after or NOW + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    if usage:
        b = b.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    return b.sign(issuer_key or key, hashes.SHA256())


def _write(d, stem, cert, key):
    cp, kp = os.path.join(d, stem + ".pem"), os.path.join(d, stem + ".key")
    with open(cp, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kp, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cp, kp


def fingerprint(cert):
    return "sha256:" + cert.fingerprint(hashes.SHA256()).hex()


class PKI:
    """A CA, roomd's certificates for localhost, client certificates good and bad."""

    def __init__(self, d):
        self.dir = d
        ca_key = _key()
        self.ca = _cert("muc-kick test CA", ca_key, ca=True)
        self.ca_pem, _ = _write(d, "ca", self.ca, ca_key)
        other_key = _key()
        self.other_ca_pem, _ = _write(d, "other-ca", _cert("another CA", other_key, ca=True), other_key)

        def server(stem):
            k = _key()
            c = _cert("localhost", k, "muc-kick test CA", ca_key,
                      # No IP address entry: swift-nio-ssl accepts a certificate for the address connected to
                      # whatever name was asked for, which would hide the name check tested below.
                      sans=[x509.DNSName("localhost")],
                      usage=ExtendedKeyUsageOID.SERVER_AUTH)
            return c, _write(d, stem, c, k)

        self.server, (self.server_pem, self.server_key) = server("server")
        self.server2, (self.server2_pem, self.server2_key) = server("server2")

        def client(stem, cn, **kw):
            k = _key()
            c = _cert(cn, k, "muc-kick test CA", ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH, **kw)
            return _write(d, stem, c, k)

        self.web1 = client("web1", "web1.example.org")
        self.expired = client("expired", "old.example.org", not_before=NOW - datetime.timedelta(days=10),
                              not_after=NOW - datetime.timedelta(days=1))
        ops_key = _key()
        self.ops_cert = _cert("ops", ops_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
        self.ops = _write(d, "ops", self.ops_cert, ops_key)
        stranger_key = _key()
        self.stranger = _write(d, "stranger", _cert("stranger", stranger_key), stranger_key)
        self.token_file = os.path.join(d, "shop1.token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")

    def callers(self, token=True, ca=True, ops=True):
        lines = ["# callers of the TLS tests"]
        if ca:
            lines.append("ca     web    kick   %s" % self.ca_pem)
        if ops:
            lines.append("cert   ops    admin  %s" % fingerprint(self.ops_cert))
        if token:
            lines.append("token  shop1  kick   sha256:%s" % hashlib.sha256(TOKEN.encode()).hexdigest())
        return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def pki():
    d = H.make_workdir()
    return PKI(d)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class TLSRoomd:
    def __init__(self, daemon_factory, pki, callers=None, extra=()):
        self.pki = pki
        self.port = free_port()
        self.workdir = H.make_workdir()
        self.callers_path = os.path.join(self.workdir, "callers")
        self.cert_path = os.path.join(self.workdir, "tls.pem")
        self.key_path = os.path.join(self.workdir, "tls.key")
        self.write_callers(pki.callers() if callers is None else callers)
        self.use_certificate(pki.server_pem, pki.server_key)
        self.d = daemon_factory(workdir=self.workdir, extra_args=[
            "--listen-tls", "127.0.0.1:%d" % self.port, "--tls-certificate", self.cert_path,
            "--tls-key", self.key_path, "--tls-callers", self.callers_path] + list(extra))
        self.wait_log("listening (TLS)")

    def write_callers(self, text):
        with open(self.callers_path, "w") as f:
            f.write(text)

    def use_certificate(self, pem, key):
        for src, dst in ((pem, self.cert_path), (key, self.key_path)):
            with open(src, "rb") as f:
                data = f.read()
            with open(dst + ".new", "wb") as f:
                f.write(data)
            os.rename(dst + ".new", dst)

    def reload(self, expect):
        before = self.d.log().count(expect)
        self.d.proc.send_signal(signal.SIGHUP)
        self.wait_log(expect, count=before + 1)

    def wait_log(self, text, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while self.d.log().count(text) < count:
            assert time.monotonic() < deadline, "no %r in roomd's log:\n%s" % (text, self.d.log())
            time.sleep(0.05)

    def ctl(self, *args, cred=(), address=None, timeout=30):
        argv = [H.roomctl_bin(), "--connect", address or "tls://localhost:%d" % self.port,
                "--ca", self.pki.ca_pem] + list(cred) + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              cwd="/")

    def populate(self):
        h = self.d.rooms()
        h.CreateRoom(room=R)
        for nick in ("alice", "bob", "carol", "dave"):
            h.Join(room=R, nick=nick, jid="%s@example.com/r" % nick)

    def nicks(self):
        return sorted(o["nick"] for o in self.d.rooms().GetRoom(room=R)["room"]["occupants"])

    def audit(self):
        return self.d.rooms().GetAudit(room=R)["records"]

    def server_fingerprint(self):
        ctx = ssl.create_default_context(cafile=self.pki.ca_pem)
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


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
    d = daemon_factory(start=False, extra_args=["--listen-tls", "127.0.0.1:%d" % free_port()])
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 64 and "--tls-certificate" in p.stderr, p.stderr
    d = daemon_factory(start=False, extra_args=[
        "--listen-tls", "127.0.0.1:%d" % free_port(), "--tls-certificate", pki.server_pem,
        "--tls-key", pki.server2_key])
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 78 and "belong together" in p.stderr, p.stderr
