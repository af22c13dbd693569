"""Shared helpers for the roomd / roomctl integration tests.

Everything here talks to real processes: roomd is started from the built binaries
(MUCKICK_BIN_DIR, or `swift build --show-bin-path` from the repository root) on a
fresh temporary directory, and spoken to over its Unix socket, either with the
PyPI `varlink` client or with the raw-frame helper `Raw` for malformed input.
"""

import contextlib
import json
import os
import select
import signal
import socket
import stat
import subprocess
import tempfile
import time

import pytest
import varlink

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
IDL_PATH = os.path.join(REPO, "Sources", "Shared", "ControlProtocol", "org.muckick.Rooms.varlink")
with open(IDL_PATH, encoding="utf-8") as _f:
    IDL_TEXT = _f.read()

ROOMS = "org.muckick.Rooms"
SERVICE = "org.varlink.service"
CHAT = "chat.example.org"
OTHER = "other.example.org"
UNSERVED = "nowhere.example.net"

# Methods of org.muckick.Rooms and the level each needs.
KICK_METHODS = ["ListServices", "ListRooms", "GetRoom", "Kick", "GetAudit", "Watch"]
ADMIN_METHODS = ["CreateRoom", "DestroyRoom", "Join", "Leave", "SetAffiliation"]
ALL_METHODS = KICK_METHODS + ADMIN_METHODS


def E(name):
    """Full name of an org.muckick.Rooms error."""
    return ROOMS + "." + name


def V(name):
    """Full name of an org.varlink.service error."""
    return SERVICE + "." + name


def room(node, service=CHAT):
    return "%s@%s" % (node, service)


# --------------------------------------------------------------------------- binaries

_BIN_DIR = None


def bin_dir():
    global _BIN_DIR
    if _BIN_DIR is None:
        d = os.environ.get("MUCKICK_BIN_DIR")
        if not d:
            r = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO,
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                pytest.fail("swift build --show-bin-path failed: " + r.stderr)
            d = r.stdout.strip().splitlines()[-1]
        _BIN_DIR = d
    return _BIN_DIR


def roomd_bin():
    p = os.path.join(bin_dir(), "roomd")
    if not os.access(p, os.X_OK):
        pytest.fail("roomd binary not found at %s (set MUCKICK_BIN_DIR or build first)" % p)
    return p


def roomctl_bin():
    p = os.path.join(bin_dir(), "roomctl")
    if not os.access(p, os.X_OK):
        pytest.fail("roomctl binary not found at %s (set MUCKICK_BIN_DIR or build first)" % p)
    return p


def make_workdir():
    """A short temp dir (Unix socket paths are limited to 107 bytes) readable by everyone."""
    d = tempfile.mkdtemp(prefix="mk-", dir="/tmp")
    os.chmod(d, 0o755)
    return d


# --------------------------------------------------------------------------- raw frames


def stop_process(proc, name, sig, timeout, log=lambda: ""):
    """Signal a daemon, wait for it, return its exit code; one that does not stop fails the test."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("%s did not exit within %ss after signal %s:\n%s" % (name, timeout, sig, log()))
    return proc.returncode

class Raw:
    """A varlink connection at the byte level: NUL-terminated JSON frames."""

    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        # a Unix-socket connect fails at once with EAGAIN while the listen backlog is full
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s.connect(path)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
        self.buf = b""

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        self.s.sendall(data)

    def send_msg(self, obj):
        self.send(json.dumps(obj).encode("utf-8") + b"\0")

    def recv(self, timeout=None):
        """Next frame as a dict. Raises EOFError when the peer closed, socket.timeout on timeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete reply within timeout")
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                raise EOFError("connection closed by roomd (pending: %r)" % self.buf[:200])
            self.buf += d
        m, _, self.buf = self.buf.partition(b"\0")
        return json.loads(m.decode("utf-8"))

    def call(self, method, parameters=None, timeout=None, **flags):
        msg = {"method": method}
        if parameters is not None:
            msg["parameters"] = parameters
        msg.update(flags)
        self.send_msg(msg)
        return self.recv(timeout)

    def rooms(self, method, timeout=None, **parameters):
        return self.call(ROOMS + "." + method, parameters, timeout=timeout)

    def silent_for(self, seconds):
        """True if nothing at all arrives within `seconds` (and the connection stays open)."""
        if b"\0" in self.buf:
            return False
        r, _, _ = select.select([self.s], [], [], seconds)
        if not r:
            return True
        return False

    def closed_within(self, seconds):
        """True if the peer closes the connection within `seconds` (frames before EOF are dropped)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return False
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                return True
            if not d:
                return True
            self.buf += d


def assert_reply_ok(msg):
    assert "error" not in msg or msg.get("error") is None, "unexpected error reply: %r" % (msg,)
    return msg.get("parameters", {})


def assert_reply_error(msg, name, **params):
    assert msg.get("error") == name, "expected error %s, got %r" % (name, msg)
    p = msg.get("parameters") or {}
    for k, v in params.items():
        assert p.get(k) == v, "error %s: parameter %r expected %r, got %r (reply %r)" % (
            name, k, v, p.get(k), msg)
    return p


@contextlib.contextmanager
def raises_varlink(name, **params):
    """Expect a varlink error reply (through the PyPI client) with this exact name and parameters."""
    with pytest.raises(varlink.VarlinkError) as ei:
        yield ei
    err = ei.value
    assert err.error() == name, "expected %s, got %s %r" % (name, err.error(), err.parameters())
    p = err.parameters() or {}
    for k, v in params.items():
        assert p.get(k) == v, "error %s: parameter %r expected %r, got %r" % (name, k, v, p.get(k))


# --------------------------------------------------------------------------- the daemon

class Daemon:
    """One roomd process on a temp dir (socket + state dir), restartable on the same state."""

    def __init__(self, workdir=None, services=(CHAT, OTHER), extra_args=(), run_as=None, wrapper=()):
        self.workdir = workdir or make_workdir()
        self.sock = os.path.join(self.workdir, "roomd.sock")
        self.state_dir = os.path.join(self.workdir, "state")
        self.services = list(services)
        self.extra_args = list(extra_args)
        self.run_as = run_as  # (user, group) to run roomd as, via setpriv
        self.wrapper = list(wrapper)  # a command that execs roomd, e.g. ip netns exec NAME
        self.proc = None
        self.starts = 0
        self.handles = []
        self.clients = []
        os.makedirs(self.state_dir, exist_ok=True)
        if run_as:
            import pwd
            uid = pwd.getpwnam(run_as[0]).pw_uid
            for p in (self.workdir, self.state_dir):
                os.chown(p, uid, -1)

    # -- process control

    def argv(self):
        a = [roomd_bin(), "--socket", self.sock, "--state-dir", self.state_dir]
        for s in self.services:
            a += ["--service", s]
        a += self.extra_args
        if self.run_as:
            a = ["setpriv", "--reuid=" + self.run_as[0], "--regid=" + self.run_as[1],
                 "--clear-groups"] + a
        return self.wrapper + a

    @property
    def log_path(self):
        return os.path.join(self.workdir, "roomd.%d.log" % self.starts)

    def log(self):
        out = []
        for i in range(1, self.starts + 1):
            p = os.path.join(self.workdir, "roomd.%d.log" % i)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    out.append("--- start %d ---\n%s" % (i, f.read()[-4000:]))
        return "\n".join(out)

    def spawn(self):
        """Start a roomd process and return it, without waiting."""
        self.starts += 1
        logf = open(self.log_path, "wb")
        p = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                             cwd=self.workdir)
        logf.close()
        return p

    def start(self, timeout=30):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.proc = self.spawn()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("roomd exited with %s before serving:\n%s" % (rc, self.log()))
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(2)
                s.connect(self.sock)
                s.close()
                return
            except OSError:
                s.close()
            if time.monotonic() > deadline:
                raise AssertionError("roomd socket %s not ready within %ss:\n%s" % (
                    self.sock, timeout, self.log()))
            time.sleep(0.05)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close_handles(self):
        for h in self.handles:
            try:
                h.close()
            except Exception:
                pass
        self.handles = []
        for c in self.clients:
            try:
                c.cleanup()
            except Exception:
                pass
        self.clients = []

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal roomd and return its exit code."""
        self.close_handles()
        return stop_process(self.proc, "roomd", sig, timeout, self.log)

    def stop_clean(self, sig=signal.SIGTERM):
        rc = self.stop(sig)
        assert rc == 0, "roomd exit code after %s: expected 0, got %s\n%s" % (
            signal.Signals(sig).name, rc, self.log())
        assert not os.path.lexists(self.sock), "socket %s left behind after clean exit" % self.sock

    def kill9(self):
        self.close_handles()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(20)

    def restart(self, hard=False):
        if hard:
            self.kill9()
        else:
            self.stop_clean()
        return self.start()

    # -- clients

    def client(self):
        c = varlink.Client(address="unix:" + self.sock)
        c.add_interface(varlink.Interface(IDL_TEXT))
        self.clients.append(c)
        return c

    def rooms(self):
        """A fresh connection with the org.muckick.Rooms methods (PyPI varlink client)."""
        h = self.client().open(ROOMS)
        h._connection.settimeout(20)
        self.handles.append(h)
        return h

    def service(self):
        """A fresh connection with the org.varlink.service methods (PyPI varlink client)."""
        h = self.client().open(SERVICE)
        h._connection.settimeout(20)
        self.handles.append(h)
        return h

    def raw(self, timeout=10.0):
        r = Raw(self.sock, timeout)
        self.handles.append(r)
        return r


# --------------------------------------------------------------------------- other uids

# Runs with /usr/bin/python3 -I as another uid/gid: connects, sends each call, reads one reply
# per call (for a `more` call only the first), prints the replies as a JSON list.
PEER_SCRIPT = r'''
import json, socket, sys
path, calls = sys.argv[1], json.loads(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(15)
try:
    s.connect(path)
except OSError as e:
    print(json.dumps({"connect_error": "%s: %s" % (type(e).__name__, e)}))
    sys.exit(0)
buf, out = b"", []
for c in calls:
    s.sendall(json.dumps(c).encode() + b"\0")
    eof = False
    while b"\0" not in buf:
        d = s.recv(65536)
        if not d:
            eof = True
            break
        buf += d
    if eof:
        out.append({"eof": True})
        break
    m, _, buf = buf.partition(b"\0")
    out.append(json.loads(m))
print(json.dumps(out))
'''


def run_peer(sock, calls, user="nobody", group="nogroup", clear_groups=True, groups=None):
    """Send calls as another uid/gid (setpriv) and return the replies. `groups`: the supplementary gids
    the process gets (else none with clear_groups, or its account's with clear_groups=False)."""
    cmd = ["setpriv", "--reuid=%s" % user, "--regid=%s" % group]
    if groups is not None:
        cmd += ["--groups=%s" % ",".join(str(g) for g in groups)]
    else:
        cmd += ["--clear-groups"] if clear_groups else ["--init-groups"]
    cmd += ["/usr/bin/python3", "-I", "-c", PEER_SCRIPT, sock, json.dumps(calls)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")
    assert r.returncode == 0, "peer client failed: %s" % r.stderr
    out = json.loads(r.stdout)
    if isinstance(out, dict):
        raise AssertionError("peer client could not connect: %r" % out)
    return out


def chmod_socket_world(d):
    os.chmod(d.sock, 0o666)


def rss_kib(pid):
    """A process's resident memory, KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def socket_mode(path):
    st = os.stat(path)
    return stat.S_ISSOCK(st.st_mode), stat.S_IMODE(st.st_mode)
