"""Helpers for the POST /muc_kick end-to-end tests (test_http_*.py).

The stack under test is real: nginx (configuration rendered by nginx/render.sh from the shipped
snippet nginx/muc-kick.conf) -> muc-kick-fcgi (FastCGI, libfcgi) -> roomd (varlink over a Unix
socket). roomd is started with mk_helpers.Daemon; this module adds the responder, nginx, a small
HTTP client (http.client, so odd methods and chunked bodies are possible), CGI-mode runs of the
responder and room-state checks over varlink.
"""

import base64
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

import mk_helpers as H

REPO = H.REPO
RENDER_SH = os.path.join(REPO, "nginx", "render.sh")

# The accepted Authorization values of every responder the tests start (two: the responder
# accepts a comma-separated list). Distinctive, so the logs can be searched for them.
SECRET_TOKEN = base64.b64encode(b"muc-operator:s3cr3t-Zq7vXk29").decode()
SECRET = "Basic " + SECRET_TOKEN
SECRET2_TOKEN = base64.b64encode(b"second-operator:0th3r-Pw8mNc41").decode()
SECRET2 = "Basic " + SECRET2_TOKEN

JSON_CT = "application/json"

# roomd state helpers --------------------------------------------------------------------------


def muc_bin():
    p = os.path.join(H.bin_dir(), "muc-kick-fcgi")
    if not os.access(p, os.X_OK):
        pytest.fail("muc-kick-fcgi not found at %s (set MUCKICK_BIN_DIR or build first)" % p)
    return p


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env(**overrides):
    """The test process's environment without any MUC_KICK_* / LISTEN_* variable, plus overrides."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MUC_KICK_") and not k.startswith("LISTEN_")}
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


class RoomState:
    """Room set-up and inspection over varlink (a fresh connection each time: roomd may restart)."""

    def __init__(self, daemon):
        self.daemon = daemon

    @contextlib.contextmanager
    def conn(self):
        c = H.varlink.Client(address="unix:" + self.daemon.sock)
        c.add_interface(H.varlink.Interface(H.IDL_TEXT))
        h = c.open(H.ROOMS)
        h._connection.settimeout(20)
        try:
            yield h
        finally:
            try:
                h.close()
            except Exception:
                pass
            try:
                c.cleanup()
            except Exception:
                pass

    def make_room(self, room, occupants=(), affiliations=()):
        """Create `room`, set affiliations [(bare_jid, affiliation)], then join [(nick, full_jid)]."""
        with self.conn() as h:
            h.CreateRoom(room=room)
            for jid, aff in affiliations:
                h.SetAffiliation(room=room, jid=jid, affiliation=aff)
            for nick, jid in occupants:
                h.Join(room=room, nick=nick, jid=jid)
        return room

    def join(self, room, nick, jid):
        with self.conn() as h:
            return h.Join(room=room, nick=nick, jid=jid)["occupant"]

    def occupants(self, room):
        """{nick: sorted list of jids}."""
        with self.conn() as h:
            occ = h.GetRoom(room=room)["room"].get("occupants", []) or []
        return {o["nick"]: sorted(o.get("jids", []) or []) for o in occ}

    def audit(self, room):
        with self.conn() as h:
            return h.GetAudit(room=room, limit=1000).get("records", []) or []


# the responder --------------------------------------------------------------------------------


class Responder:
    """muc-kick-fcgi listening on a socket in `workdir`, stderr captured to a file."""

    def __init__(self, workdir, roomd_sock, env=None, listen=None, threads=4, args=(), name="fcgi",
                 authorization=SECRET + "," + SECRET2):
        self.workdir = workdir
        self.sock = os.path.join(workdir, name + ".sock")
        self.listen = listen or ("unix:" + self.sock)
        self.err_path = os.path.join(workdir, name + ".stderr")
        e = {"MUC_KICK_AUTHORIZATION": authorization, "MUC_KICK_ROOMD_SOCKET": roomd_sock}
        e.update(env or {})
        self.env = clean_env(**e)
        self.argv = [muc_bin(), "--listen", self.listen, "--socket-mode", "0666",
                     "--threads", str(threads)] + list(args)
        self.proc = None

    def start(self, timeout=20):
        errf = open(self.err_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                     env=self.env, cwd=self.workdir)
        errf.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("muc-kick-fcgi exited with %s before listening:\n%s" % (
                    self.proc.returncode, self.stderr()))
            if self._can_connect():
                return self
            if time.monotonic() > deadline:
                raise AssertionError("muc-kick-fcgi not listening on %s within %ss:\n%s" % (
                    self.listen, timeout, self.stderr()))
            time.sleep(0.02)

    def _can_connect(self):
        if self.listen.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr = self.listen[5:]
        else:
            hp = self.listen[4:]
            host, _, port = hp.rpartition(":")
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            addr = (host, int(port))
        s.settimeout(1)
        try:
            s.connect(addr)
            return True
        except OSError:
            return False
        finally:
            s.close()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        return H.stop_process(self.proc, "muc-kick-fcgi", sig, timeout, self.stderr)


# nginx ----------------------------------------------------------------------------------------


class Nginx:
    """nginx in the foreground with a configuration rendered by nginx/render.sh."""

    def __init__(self, workdir, fcgi_sock, fastcgi_pass=None, name="nginx"):
        self.prefix = os.path.join(workdir, name)
        os.makedirs(self.prefix, exist_ok=True)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        self.port = free_port()
        self.fcgi_sock = fcgi_sock
        self.fastcgi_pass = fastcgi_pass  # e.g. "127.0.0.1:9000": rewrite the rendered fastcgi_pass
        self.proc = None

    def render(self):
        r = subprocess.run([RENDER_SH, "--prefix", self.prefix, "--socket", self.fcgi_sock,
                            "--port", str(self.port), "--workers", "1", "--daemon", "off",
                            "-o", self.conf, "--check"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, "render.sh failed (%s): %s%s" % (r.returncode, r.stdout, r.stderr)
        if self.fastcgi_pass:
            with open(self.conf) as f:
                text = f.read()
            new = text.replace("fastcgi_pass unix:%s;" % self.fcgi_sock,
                               "fastcgi_pass %s;" % self.fastcgi_pass)
            assert new != text, "could not rewrite fastcgi_pass in the rendered configuration"
            with open(self.conf, "w") as f:
                f.write(new)
        return self.conf

    def start(self, timeout=20):
        self.render()
        errf = open(os.path.join(self.prefix, "stderr.log"), "ab")
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix + "/", "-e",
                                      os.path.join(self.prefix, "error.log"), "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
        errf.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("nginx exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("nginx not listening on %s:\n%s" % (self.port, self.log()))
            time.sleep(0.02)

    def log(self):
        out = []
        for n in ("stderr.log", "error.log"):
            p = os.path.join(self.prefix, n)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    out.append(f.read()[-3000:])
        return "\n".join(out)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# HTTP -----------------------------------------------------------------------------------------


class Resp:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage (case-insensitive .get)
        self.body = body
        self.elapsed = elapsed

    @property
    def content_type(self):
        return self.headers.get("Content-Type")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("response body is not JSON (%s): %r" % (e, self.body[:500]))

    def __repr__(self):
        return "<HTTP %s %s %r>" % (self.status, dict(self.headers), self.body[:300])


def http_request(port, method="POST", path="/muc_kick", body=None, headers=None, chunked=False,
                 timeout=15):
    """One request on a fresh connection. `body`: bytes, str, a JSON-able object or None.
    chunked=True sends the body with Transfer-Encoding: chunked (no Content-Length)."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    hdrs = dict(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.monotonic()
    try:
        if chunked:
            conn.putrequest(method, path)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            data = body or b""
            step = 4096
            for i in range(0, len(data), step):
                piece = data[i:i + step]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        else:
            if body is None and method in ("POST", "PUT", "PATCH"):
                hdrs.setdefault("Content-Length", "0")
            conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, r.headers, data, time.monotonic() - t0)
    finally:
        conn.close()


def auth(value=SECRET, content_type=JSON_CT, **extra):
    h = {}
    if value is not None:
        h["Authorization"] = value
    if content_type is not None:
        h["Content-Type"] = content_type
    h.update(extra)
    return h


def kicked_body(room, nick, jid):
    """The 200 body of a kick that removed one occupant with one session."""
    return {"kicked": {"muc": room, "nickname": nick, "nicknames": [nick], "jids": [jid]}}


def assert_json(r, status, body=None, contains=(), headers=None):
    """Status, Content-Type: application/json, and the body (exact dict, or an "error" string
    containing every item of `contains`)."""
    assert r.status == status, "expected HTTP %s, got %r" % (status, r)
    ct = (r.content_type or "").split(";")[0].strip().lower()
    assert ct == JSON_CT, "expected Content-Type application/json, got %r (%r)" % (r.content_type, r)
    doc = r.json()
    if body is not None:
        assert doc == body, "expected body %r, got %r" % (body, doc)
    if contains:
        assert isinstance(doc, dict) and isinstance(doc.get("error"), str), \
            "expected {\"error\": string}, got %r" % (doc,)
        for c in contains:
            assert c in doc["error"], "error %r does not contain %r" % (doc["error"], c)
    for k, v in (headers or {}).items():
        assert r.headers.get(k) == v, "header %s: expected %r, got %r (%r)" % (
            k, v, r.headers.get(k), r)
    return doc


def assert_error(r, status, message=None, contains=(), headers=None):
    doc = assert_json(r, status, contains=contains, headers=headers)
    assert isinstance(doc, dict) and isinstance(doc.get("error"), str), \
        "expected an {\"error\": string} body, got %r" % (doc,)
    if message is not None:
        assert doc == {"error": message}, "expected %r, got %r" % ({"error": message}, doc)
    return doc


# CGI mode -------------------------------------------------------------------------------------


class CGIResult:
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.raw = stdout
        self.stderr = stderr.decode("utf-8", "replace")
        head, sep, body = stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = stdout.partition(b"\n\n")
        self.body = body
        self.headers = {}
        self.status = None
        for line in head.decode("latin-1").splitlines():
            if not line.strip():
                continue
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        st = self.headers.get("status")
        if st:
            self.status = int(st.split()[0])

    @property
    def content_type(self):
        return self.headers.get("content-type")

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<CGI rc=%s status=%s headers=%r body=%r stderr=%r>" % (
            self.rc, self.status, self.headers, self.body[:300], self.stderr[-500:])


def run_cgi(roomd_sock, method="POST", body=b"", env=None, content_length=True, args=(),
            authorization=SECRET, timeout=30, cwd=None):
    """Runs muc-kick-fcgi once as a CGI program (stdin a pipe, not a socket)."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    e = {"REQUEST_METHOD": method, "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "/muc_kick",
         "REQUEST_URI": "/muc_kick", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": JSON_CT,
         "MUC_KICK_AUTHORIZATION": SECRET + "," + SECRET2, "MUC_KICK_ROOMD_SOCKET": roomd_sock}
    if authorization is not None:
        e["HTTP_AUTHORIZATION"] = authorization
    if content_length and body is not None:
        e["CONTENT_LENGTH"] = str(len(body))
    e.update(env or {})
    r = subprocess.run([muc_bin()] + list(args), input=body or b"", capture_output=True,
                       env=clean_env(**e), timeout=timeout, cwd=cwd or "/")
    return CGIResult(r.returncode, r.stdout, r.stderr)


# the whole stack ------------------------------------------------------------------------------


class Stack:
    """roomd + muc-kick-fcgi + nginx on one temp dir. `post()` goes through nginx."""

    def __init__(self, responder_env=None, threads=4, daemon=None):
        self.own_daemon = daemon is None
        self.daemon = daemon or H.Daemon()
        self.workdir = self.daemon.workdir
        self.state = RoomState(self.daemon)
        self.responder = Responder(self.workdir, self.daemon.sock, env=responder_env, threads=threads,
                                   name="fcgi-%d" % id(self))
        self.nginx = Nginx(self.workdir, self.responder.sock, name="nginx-%d" % id(self))
        self._seq = 0

    def start(self):
        try:
            if self.own_daemon and not self.daemon.running:
                self.daemon.start()
            self.responder.start()
            self.nginx.start()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    @property
    def port(self):
        return self.nginx.port

    def post(self, body=None, headers=None, path="/muc_kick", method="POST", **kw):
        if headers is None:
            headers = auth()
        return http_request(self.port, method=method, path=path, body=body, headers=headers, **kw)

    def room(self, occupants=(), affiliations=(), node=None, service=H.CHAT):
        """A fresh room with a unique name, filled as asked."""
        self._seq += 1
        node = node or "room%d-%d" % (os.getpid(), self._seq)
        return self.state.make_room("%s@%s" % (node, service), occupants, affiliations)

    def occupants(self, room):
        return self.state.occupants(room)

    def stop(self, check=True):
        problems = []
        self.nginx.stop()
        try:
            rc = self.responder.stop()
            if check and rc not in (0, None):
                problems.append("muc-kick-fcgi exit code %s after SIGTERM\n%s" % (
                    rc, self.responder.stderr()[-2000:]))
        except AssertionError as e:
            problems.append(str(e))
        if self.own_daemon:
            try:
                if self.daemon.proc is not None and self.daemon.proc.poll() is None:
                    # a test may have left roomd stopped (SIGSTOP)
                    os.kill(self.daemon.proc.pid, signal.SIGCONT)
                    self.daemon.stop()
                self.daemon.close_handles()
            except AssertionError as e:
                problems.append(str(e))
            shutil.rmtree(self.workdir, ignore_errors=True)
        if check and problems:
            raise AssertionError("\n".join(problems))


@contextlib.contextmanager
def stack(**kw):
    s = Stack(**kw).start()
    try:
        yield s
    finally:
        s.stop()


def wait_for(pred, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(interval)


def log_lines(text):
    return [l for l in text.splitlines() if " muc-kick-fcgi: " in l and re.search(r"duration=", l)]


def settled_log_lines(read_log, quiet=0.4, timeout=5.0):
    """The request lines once the log has stopped growing for `quiet` seconds: the responder writes
    its access log in batches (within 100 ms), so lines of requests already answered may still be on
    their way."""
    deadline = time.monotonic() + timeout
    text = read_log()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = read_log()
        if now != text:
            text, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= quiet:
            break
    return log_lines(text)


class Background:
    """Runs fn() in a thread; .result() waits for it."""

    def __init__(self, fn):
        self.value = None
        self.error = None
        self.t = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.t.start()

    def _run(self, fn):
        try:
            self.value = fn()
        except BaseException as e:  # noqa: B902
            self.error = e

    def result(self, timeout=30):
        self.t.join(timeout)
        assert not self.t.is_alive(), "background request did not finish within %ss" % timeout
        if self.error:
            raise self.error
        return self.value


class SilentListener:
    """A Unix socket that accepts connections, reads what comes, and never answers (a hung roomd)."""

    def __init__(self, path):
        self.path = path
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.bind(path)
        os.chmod(path, 0o666)
        self.s.listen(64)
        self.conns = []
        self.received = b""
        self.stopped = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        import select
        while not self.stopped:
            r, _, _ = select.select([self.s] + self.conns, [], [], 0.05)
            for x in r:
                if x is self.s:
                    try:
                        c, _ = self.s.accept()
                        self.conns.append(c)
                    except OSError:
                        pass
                else:
                    try:
                        d = x.recv(65536)
                    except OSError:
                        d = b""
                    if d:
                        self.received += d
                    else:
                        self.conns.remove(x)
                        x.close()

    def close(self):
        self.stopped = True
        self.t.join(5)
        for c in self.conns:
            c.close()
        self.s.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def roomd_has_unread_request(daemon):
    """True when some connection to roomd's socket holds bytes roomd has not read (ss -x Recv-Q),
    e.g. a kick sent to a frozen roomd. None when `ss` is not available."""
    if not shutil.which("ss"):
        return None
    out = subprocess.run(["ss", "-xn"], capture_output=True, text=True, timeout=10).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] == "u_str" and f[1] == "ESTAB" and f[4].startswith(daemon.sock):
            try:
                if int(f[2]) > 0:
                    return True
            except ValueError:
                pass
    return False


def wait_request_reached_roomd(daemon, timeout=10):
    if roomd_has_unread_request(daemon) is None:
        time.sleep(1.0)
        return
    assert wait_for(lambda: roomd_has_unread_request(daemon), timeout=timeout), \
        "the kick never reached roomd's socket"
