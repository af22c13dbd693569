"""The portable build (deploy/build-portable.sh): built here with the documented command, then
copied to a directory of its own (a "host") and run with an empty environment
(`env -i LD_LIBRARY_PATH= PATH=/usr/bin:/bin`): roomd, the responder behind nginx (its
configuration from muc-kick.toml next to the binary, as on shared hosting) and roomctl serve and
check a kick, and no Swift toolchain library is loaded (ldd, ELF RUNPATH, /proc/PID/maps).

Slow: a release build with the static Swift runtime takes minutes on two cores (incremental in
.build-portable afterwards). Skip it with MUCKICK_SKIP_PORTABLE=1.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import deploy_helpers as D  # noqa: E402
import http_helpers as X  # noqa: E402
import mk_helpers as H  # noqa: E402
from deploy_helpers import deploy_packages  # noqa: E402,F401 (fixture)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(2700),
    pytest.mark.skipif(os.environ.get("MUCKICK_SKIP_PORTABLE") == "1",
                       reason="MUCKICK_SKIP_PORTABLE=1"),
]

BUILD = os.path.join(D.DEPLOY, "build-portable.sh")
PRODUCTS = ["muc-kick-fcgi", "roomd", "roomctl"]
SWIFT_RUNTIME = re.compile(r"libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu")
# linked in from their static archives on a machine with the -dev packages (this one)
STATIC_C_LIBS = re.compile(r"libfcgi|libssl|libcrypto|libsqlite3|libexpat")
EMPTY_ENV = ["env", "-i", "LD_LIBRARY_PATH=", "PATH=/usr/bin:/bin"]


def toolchain_root():
    swift = shutil.which("swift")
    if not swift:
        return None
    return os.path.dirname(os.path.dirname(os.path.realpath(swift)))  # .../usr


@pytest.fixture(scope="module")
def dist(deploy_packages):
    out = tempfile.mkdtemp(prefix="mk-portable-", dir="/tmp")
    os.chmod(out, 0o755)
    t0 = time.monotonic()
    r = subprocess.run([BUILD, "--out", os.path.join(out, "dist")], capture_output=True, text=True,
                       timeout=2400, cwd=H.REPO)
    took = time.monotonic() - t0
    assert r.returncode == 0, "build-portable.sh failed (%s) after %.0fs:\n%s\n%s" % (
        r.returncode, took, r.stdout[-5000:], r.stderr[-8000:])
    sys.stderr.write("\nbuild-portable.sh: %.0fs\n%s\n" % (took, r.stdout))
    yield os.path.join(out, "dist"), r.stdout
    shutil.rmtree(out, ignore_errors=True)


def test_binaries_need_no_swift_runtime(dist):
    d, report = dist
    root = toolchain_root()
    for p in PRODUCTS:
        path = os.path.join(d, p)
        assert os.access(path, os.X_OK), path
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        assert not SWIFT_RUNTIME.search(ldd), "%s needs the Swift runtime:\n%s" % (p, ldd)
        assert not STATIC_C_LIBS.search(ldd), "%s: a C library is still dynamic:\n%s" % (p, ldd)
        assert "not found" not in ldd, ldd
        elf = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", elf)
        assert needed and not [n for n in needed if SWIFT_RUNTIME.search(n)], needed
        for line in elf.splitlines():
            if "RPATH" in line or "RUNPATH" in line:
                assert not root or root not in line, "%s: %s" % (p, line)
        # the script reports what it built: size and ldd
        assert "== %s: " % path in report and "bytes" in report, report


class PortableHost:
    """The three binaries copied into HOST/, run with an empty environment from there."""

    def __init__(self, dist_dir):
        self.dir = H.make_workdir()
        for p in PRODUCTS:
            shutil.copy2(os.path.join(dist_dir, p), os.path.join(self.dir, p))
        self.roomd_sock = os.path.join(self.dir, "roomd.sock")
        self.fcgi_sock = os.path.join(self.dir, "fcgi.sock")
        os.makedirs(os.path.join(self.dir, "state"))
        # shared hosting: the configuration next to the binary, no --config
        D.write(os.path.join(self.dir, "muc-kick.toml"), D.toml_config(X.SECRET, self.roomd_sock),
                mode=0o600)
        self.procs = {}
        self.state = X.RoomState(D.RoomdAt(self.roomd_sock))
        self.seq = 0

    def spawn(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        p = subprocess.Popen(EMPTY_ENV + ["./" + name] + args, cwd=self.dir, stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log)
        log.close()
        self.procs[name] = p
        return p

    def log(self, name):
        return D.read(os.path.join(self.dir, name + ".log"))

    def start(self):
        self.spawn("roomd", ["--socket", self.roomd_sock, "--state-dir",
                             os.path.join(self.dir, "state"), "--service", "chat.example.org"])
        assert X.wait_for(lambda: D.can_connect_unix(self.roomd_sock), timeout=20), self.log("roomd")
        self.spawn("muc-kick-fcgi", ["--listen", "unix:" + self.fcgi_sock, "--socket-mode", "0666",
                                     "--threads", "2"])
        assert X.wait_for(lambda: D.can_connect_unix(self.fcgi_sock), timeout=20), \
            self.log("muc-kick-fcgi")
        return self

    def cgi_kick(self, room, nick):
        """The portable responder run once as CGI (fd 0 a pipe) with an empty environment, asked to kick."""
        body = ('{"muc":"%s","nickname":"%s"}' % (room, nick)).encode()
        r = subprocess.run(EMPTY_ENV + ["REQUEST_METHOD=POST", "CONTENT_LENGTH=%d" % len(body),
                                        "CONTENT_TYPE=application/json",
                                        "HTTP_AUTHORIZATION=" + X.SECRET, "./muc-kick-fcgi"],
                           input=body, capture_output=True, cwd=self.dir, timeout=30)
        return X.CGIResult(r.returncode, r.stdout, r.stderr)

    def roomctl(self, *args):
        return subprocess.run(EMPTY_ENV + ["./roomctl", "--socket", self.roomd_sock] + list(args),
                              cwd=self.dir, capture_output=True, text=True, timeout=30)

    def room(self, occupants=(D.ALICE, D.BOB)):
        self.seq += 1
        room = "portable%d@chat.example.org" % self.seq
        assert self.roomctl("create", room).returncode == 0
        for nick, jid in occupants:
            r = self.roomctl("join", room, nick, jid)
            assert r.returncode == 0, r.stderr
        return room

    def occupants(self, room):
        """Through the portable roomctl: {nick: [jids]}."""
        import json
        r = self.roomctl("--json", "room", room)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        room_doc = doc.get("room", doc)
        return {o["nick"]: sorted(o.get("jids", []) or []) for o in room_doc.get("occupants", []) or []}

    def stop(self):
        rcs = {}
        for name in ("muc-kick-fcgi", "roomd"):
            p = self.procs.get(name)
            if p is None:
                continue
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            rcs[name] = p.returncode
        return rcs


def test_portable_binaries_serve_a_kick_without_the_toolchain(dist):
    d, _ = dist
    host = PortableHost(d).start()
    ngx = X.Nginx(host.dir, host.fcgi_sock)
    try:
        ngx.start()
        D.check_kick(host, lambda body, value: X.http_request(ngx.port, body=body,
                                                              headers=X.auth(value)))
        # roomctl (portable) sees the kick in the audit log too
        r = host.roomctl("audit")
        assert r.returncode == 0 and "kick" in r.stdout, r.stdout + r.stderr
        # nothing of the toolchain is mapped into the running daemons
        root = toolchain_root()
        for name in ("roomd", "muc-kick-fcgi"):
            pid = host.procs[name].pid
            assert os.readlink("/proc/%d/exe" % pid) == os.path.join(host.dir, name)
            maps = D.read("/proc/%d/maps" % pid)
            assert not SWIFT_RUNTIME.search(maps), "%s maps a Swift runtime library" % name
            assert not root or root not in maps, "%s maps something from %s" % (name, root)
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = sorted(e for e in f.read().split(b"\0") if e)
            assert env == [b"LD_LIBRARY_PATH=", b"PATH=/usr/bin:/bin"], env
        assert "muc-kick.toml" not in " ".join(host.procs["muc-kick-fcgi"].args)
    finally:
        ngx.stop()
        rcs = host.stop()
        logs = host.log("roomd") + host.log("muc-kick-fcgi")
        shutil.rmtree(host.dir, ignore_errors=True)
    assert rcs == {"muc-kick-fcgi": 0, "roomd": 0}, "%r\n%s" % (rcs, logs)


def test_portable_responder_as_cgi_with_an_empty_environment(dist):
    """One-shot CGI mode (fd 0 a pipe), as a shared host without FastCGI would run it."""
    d, _ = dist
    host = PortableHost(d)
    try:
        host.spawn("roomd", ["--socket", host.roomd_sock, "--state-dir",
                             os.path.join(host.dir, "state"), "--service", "chat.example.org"])
        assert X.wait_for(lambda: D.can_connect_unix(host.roomd_sock), timeout=20), host.log("roomd")
        room = host.room()
        res = host.cgi_kick(room, "bob")
        assert res.rc == 0 and res.status == 200, res
        assert res.json() == X.kicked_body(room, "bob", D.BOB[1]), res
        assert host.occupants(room) == {"alice": [D.ALICE[1]]}
    finally:
        rcs = host.stop()
        shutil.rmtree(host.dir, ignore_errors=True)
    assert rcs == {"roomd": 0}, rcs


def test_portable_responder_reaches_roomd_over_tls(dist, pki):
    """The shared-hosting set-up of docs/deploy.md with the portable binaries: the responder's
    muc-kick.toml next to it names roomd by tls:// with a CA and a token file; OpenSSL is linked in."""
    d, _ = dist
    host = PortableHost(d)
    port = X.free_port()
    token = os.path.join(host.dir, "roomd.token")
    shutil.copy(pki.token_file, token)
    callers = os.path.join(host.dir, "callers")
    D.write(callers, pki.callers(ca=False, ops=False), mode=0o600)
    D.write(os.path.join(host.dir, "muc-kick.toml"),
            'http_muc_kick_authorization_header = "%s"\nroomd_address = "tls://127.0.0.1:%d"\n'
            'roomd_server_name = "localhost"\nroomd_ca = "%s"\nroomd_token_file = "%s"\n' % (
                X.SECRET, port, pki.ca_pem, token), mode=0o600)
    try:
        host.spawn("roomd", ["--socket", host.roomd_sock, "--state-dir", os.path.join(host.dir, "state"),
                             "--service", "chat.example.org", "--listen-tls", "127.0.0.1:%d" % port,
                             "--tls-certificate", pki.server_pem, "--tls-key", pki.server_key,
                             "--tls-callers", callers])
        assert X.wait_for(lambda: "listening (TLS)" in host.log("roomd"), timeout=20), host.log("roomd")
        room = host.room()
        res = host.cgi_kick(room, "bob")
        assert res.rc == 0 and res.status == 200, res
        assert res.json() == X.kicked_body(room, "bob", D.BOB[1]), res
        assert host.occupants(room) == {"alice": [D.ALICE[1]]}
        r = host.roomctl("--json", "audit", room)
        assert '"token:shop1"' in r.stdout, r.stdout + r.stderr
    finally:
        rcs = host.stop()
        shutil.rmtree(host.dir, ignore_errors=True)
    assert rcs == {"roomd": 0}, rcs


def installed_version(package):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                          check=True).stdout


def test_version_lists_the_libraries_linked_in(dist):
    """A static binary is not patched by apt: --version names each Debian package it carries, at the
    version installed when it was built; an ordinary build says its libraries are the system's."""
    path, _ = dist
    expected = {"muc-kick-fcgi": ["libfcgi-dev", "libssl-dev"], "roomd": ["libsqlite3-dev", "libexpat1-dev"],
                "roomctl": ["libssl-dev"]}
    for name, packages in expected.items():
        r = subprocess.run(EMPTY_ENV + [os.path.join(path, name), "--version"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r
        assert "C libraries linked in (rebuild to update them" in r.stdout, r.stdout
        for package in packages:
            assert "%s %s" % (package, installed_version(package)) in r.stdout, r.stdout
        ordinary = subprocess.run([os.path.join(H.bin_dir(), name), "--version"], capture_output=True,
                                  text=True, timeout=30)
        assert "the system's shared libraries" in ordinary.stdout, ordinary.stdout
