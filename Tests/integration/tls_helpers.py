"""TLS material and a roomd serving --listen-tls, for the tests of roomd's TLS listener (with roomctl) and of
the responder reaching roomd over TLS: certificates made with Python's cryptography, a callers file, and a
network namespace for roomd so that its TLS traffic crosses a link of its own."""

import datetime
import hashlib
import itertools
import os
import signal
import socket
import ssl
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import http_helpers as HH
import mk_helpers as H

R = "tlsroom@chat.example.org"
TOKEN = "q8Vd0c3Lw9RkP2xN7tYbH5mZs1JfA6eG"
NOW = datetime.datetime.now(datetime.timezone.utc)


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

        def server(stem, name="localhost"):
            k = _key()
            c = _cert(name, k, "muc-kick test CA", ca_key,
                      # DNS names only, as docs/deploy.md advises: a client that connects by address and
                      # checks a name must not pass on an IP entry.
                      sans=[x509.DNSName(name)],
                      usage=ExtendedKeyUsageOID.SERVER_AUTH)
            return c, _write(d, stem, c, k)

        self.server, (self.server_pem, self.server_key) = server("server")
        self.server2, (self.server2_pem, self.server2_key) = server("server2")
        # roomd on the chat host, as the responder on a web host reaches it
        _, (self.chat_pem, self.chat_key) = server("chat", "chat.example.org")

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


class TLSRoomd:
    """roomd with --listen-tls on 127.0.0.1 and a certificate for localhost; or, given a `netns`, in that
    network namespace on its address, with a certificate for chat.example.org."""

    def __init__(self, daemon_factory, pki, callers=None, extra=(), netns=None):
        self.pki = pki
        self.port = HH.free_port()
        self.host = netns.inner_address if netns else "127.0.0.1"
        self.workdir = H.make_workdir()
        self.callers_path = os.path.join(self.workdir, "callers")
        self.cert_path = os.path.join(self.workdir, "tls.pem")
        self.key_path = os.path.join(self.workdir, "tls.key")
        self.write_callers(pki.callers() if callers is None else callers)
        if netns:
            self.use_certificate(pki.chat_pem, pki.chat_key)
        else:
            self.use_certificate(pki.server_pem, pki.server_key)
        self.d = daemon_factory(workdir=self.workdir, wrapper=netns.exec_prefix if netns else (), extra_args=[
            "--listen-tls", "%s:%d" % (self.host, self.port), "--tls-certificate", self.cert_path,
            "--tls-key", self.key_path, "--tls-callers", self.callers_path] + list(extra))
        self.wait_log("listening (TLS)")

    @property
    def address(self):
        return "tls://%s:%d" % (self.host, self.port)

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


_netns_serial = itertools.count(1)


class NetworkNamespace:
    """A network namespace of its own (for roomd, "the chat host"), joined to this one by a veth pair: the
    outer end 198.18.N.1/24 here, the inner end 198.18.N.2/24 in it (198.18.0.0/15 is for benchmarking
    networks, RFC 2544), so traffic between them crosses the pair and nothing else. Needs root and ip(8)."""

    def __init__(self):
        # Distinct between pytest-xdist workers (gw0, gw1, ...), which may each have one at the same time.
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
        serial = (worker * 50 + next(_netns_serial) % 50) % 250 + 1
        self.name = "mk-chat-%d-%d" % (os.getpid(), serial)
        self.outer = "mkv%do" % serial
        self.inner = "mkv%di" % serial
        self.outer_address = "198.18.%d.1" % serial
        self.inner_address = "198.18.%d.2" % serial
        self.exec_prefix = ["ip", "netns", "exec", self.name]
        self.made = False

    def ip(self, *args, inside=False):
        argv = (self.exec_prefix if inside else []) + ["ip"] + list(args)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, "%s: %s%s" % (" ".join(argv), r.stdout, r.stderr)

    def create(self):
        self.ip("netns", "add", self.name)
        self.made = True
        self.ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        self.ip("link", "set", self.inner, "netns", self.name)
        self.ip("addr", "add", self.outer_address + "/24", "dev", self.outer)
        self.ip("link", "set", self.outer, "up")
        self.ip("addr", "add", self.inner_address + "/24", "dev", self.inner, inside=True)
        self.ip("link", "set", self.inner, "up", inside=True)
        self.ip("link", "set", "lo", "up", inside=True)
        return self

    def delete(self):
        if self.made:
            # Deleting the namespace deletes the inner end, and with it the pair.
            subprocess.run(["ip", "netns", "delete", self.name], capture_output=True, timeout=30)
            subprocess.run(["ip", "link", "delete", self.outer], capture_output=True, timeout=30)
            self.made = False
