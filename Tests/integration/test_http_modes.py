"""muc-kick-fcgi outside the default nginx + unix-socket set-up: one-shot CGI mode (stdin not a
socket), --listen tcp:, systemd socket activation, configuration files, and refusing to start
(exit 78) without an Authorization value or with a bad configuration line."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import http_helpers as X  # noqa: E402
import mk_helpers as H  # noqa: E402
from http_helpers import SECRET, SECRET2, SECRET_TOKEN, assert_error, assert_json, kicked_body  # noqa: E402

ALICE = ("alice", "alice@example.com/home")
BOB = ("bob", "bob@example.com/phone")
JSON_CT = "application/json"


class Env:
    """A roomd for the module, rooms with unique names."""

    def __init__(self):
        self.daemon = H.Daemon().start()
        self.state = X.RoomState(self.daemon)
        self.n = 0

    def room(self, occupants=(ALICE, BOB), affiliations=()):
        self.n += 1
        return self.state.make_room("mode%d-%d@chat.example.org" % (os.getpid(), self.n), occupants,
                                    affiliations)

    def occupants(self, room):
        return self.state.occupants(room)

    def cgi(self, **kw):
        return X.run_cgi(self.daemon.sock, **kw)


@pytest.fixture(scope="module")
def env():
    e = Env()
    yield e
    e.daemon.stop_clean()
    shutil.rmtree(e.daemon.workdir, ignore_errors=True)


def cgi_json(res, status, body=None, contains=(), message=None):
    assert res.rc == 0, "CGI run exited %s: %r" % (res.rc, res)
    assert res.status == status, "expected Status %s, got %r" % (status, res)
    ct = (res.content_type or "").split(";")[0].strip().lower()
    assert ct == JSON_CT, "Content-Type %r: %r" % (res.content_type, res)
    doc = res.json()
    if body is not None:
        assert doc == body, doc
    if message is not None:
        assert doc == {"error": message}, doc
    for c in contains:
        assert c in doc.get("error", ""), doc
    return doc


# --------------------------------------------------------------------------- CGI mode

def test_cgi_kick_200(env):
    room = env.room()
    res = env.cgi(body={"muc": room, "nickname": "bob", "reason": "cgi"})
    cgi_json(res, 200, body=kicked_body(room, "bob", BOB[1]))
    assert env.occupants(room) == {"alice": [ALICE[1]]}
    assert [r["nick"] for r in env.state.audit(room)] == ["bob"]
    assert SECRET_TOKEN not in res.stderr


@pytest.mark.parametrize("value", [None, "", "Basic d3Jvbmc6d3Jvbmc=", SECRET.lower()])
def test_cgi_authorization_failed(env, value):
    room = env.room()
    res = env.cgi(body={"muc": room, "nickname": "bob"}, authorization=value)
    cgi_json(res, 401, message="Authorization failed")
    assert res.header("WWW-Authenticate"), res
    assert set(env.occupants(room)) == {"alice", "bob"}
    assert SECRET_TOKEN not in res.stderr


def test_cgi_redirect_http_authorization_accepted(env):
    room = env.room()
    res = env.cgi(body={"muc": room, "nickname": "bob"}, authorization=None,
                  env={"REDIRECT_HTTP_AUTHORIZATION": SECRET2})
    cgi_json(res, 200, body=kicked_body(room, "bob", BOB[1]))
    assert env.occupants(room) == {"alice": [ALICE[1]]}


def test_cgi_redirect_http_authorization_wrong(env):
    room = env.room()
    res = env.cgi(body={"muc": room, "nickname": "bob"}, authorization=None,
                  env={"REDIRECT_HTTP_AUTHORIZATION": "Basic bm9wZTpub3Bl"})
    cgi_json(res, 401, message="Authorization failed")
    assert res.header("WWW-Authenticate"), res
    assert set(env.occupants(room)) == {"alice", "bob"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "TRACE"])
def test_cgi_method_not_allowed(env, method):
    room = env.room()
    res = env.cgi(method=method, body={"muc": room, "nickname": "bob"})
    cgi_json(res, 405, message="Method not allowed")
    assert res.header("Allow") == "POST, OPTIONS", res
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_head_not_allowed(env):
    res = env.cgi(method="HEAD", body=b"")
    assert res.rc == 0, res
    assert res.status == 405, res
    assert res.header("Allow") == "POST, OPTIONS", res
    assert (res.content_type or "").startswith(JSON_CT), res
    assert res.body == b"", res


def test_cgi_options_without_cors(env):
    res = env.cgi(method="OPTIONS", body=b"", env={"HTTP_ORIGIN": "https://x.example"})
    assert res.rc == 0, res
    assert res.status == 204, res
    assert res.header("Allow") == "POST, OPTIONS", res
    assert not [k for k in res.headers if k.startswith("access-control-")], res
    assert res.body == b""


def test_cgi_options_with_cors(env):
    res = env.cgi(method="OPTIONS", body=b"", env={"HTTP_ORIGIN": "https://admin.example.org",
                                                   "MUC_KICK_CORS_ALLOW_ORIGIN": "https://admin.example.org"})
    assert res.rc == 0, res
    assert res.status == 204, res
    assert res.header("Allow") == "POST, OPTIONS", res
    assert res.header("Access-Control-Allow-Origin") == "https://admin.example.org", res
    assert "POST" in (res.header("Access-Control-Allow-Methods") or ""), res


def test_cgi_body_too_large_with_content_length(env):
    room = env.room()
    body = ('{"muc": "%s", "nickname": "bob"}' % room).ljust(300)
    res = env.cgi(body=body, env={"MUC_KICK_MAX_BODY_SIZE": "100"})
    cgi_json(res, 413)
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_body_too_large_without_length(env):
    """Like a chunked upload: no CONTENT_LENGTH, the body is read until EOF."""
    room = env.room()
    body = ('{"muc": "%s", "nickname": "bob"}' % room).ljust(5000)
    res = env.cgi(body=body, content_length=False, env={"MUC_KICK_MAX_BODY_SIZE": "100"})
    cgi_json(res, 413)
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_declared_length_over_limit_is_refused_unread(env):
    room = env.room()
    res = env.cgi(body=b"", env={"CONTENT_LENGTH": "100000000", "MUC_KICK_MAX_BODY_SIZE": "100"})
    cgi_json(res, 413)
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_invalid_json(env):
    room = env.room()
    res = env.cgi(body="{nope")
    cgi_json(res, 400, message="Request body is not valid JSON")
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_roomd_missing_503(env):
    room = env.room()
    t0 = time.monotonic()
    res = X.run_cgi("/tmp/mk-no-such-dir/roomd.sock", body={"muc": room, "nickname": "bob"})
    cgi_json(res, 503)
    assert res.header("Retry-After"), res
    assert time.monotonic() - t0 < 5
    assert set(env.occupants(room)) == {"alice", "bob"}


def test_cgi_log_line_and_no_secret(env):
    room = env.room()
    res = env.cgi(body={"muc": room, "nickname": "bob"})
    cgi_json(res, 200)
    lines = X.log_lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "POST" in lines[0] and " 200 " in lines[0] and room in lines[0] and "bob" in lines[0], lines
    for s in (SECRET, SECRET_TOKEN, SECRET2):
        assert s not in res.stderr


# --------------------------------------------------------------------------- configuration files

def test_prosody_config_line_via_config_option(env, tmp_path):
    secret = "Basic cHJvc29keTpjb25mLWxpbmUtOTk="
    conf = tmp_path / "muc-kick.toml"
    conf.write_text('http_muc_kick_authorization_header = "%s"\nroomd_socket = "%s"\n' % (
        secret, env.daemon.sock))
    room = env.room()
    res = X.run_cgi(env.daemon.sock, body={"muc": room, "nickname": "bob"}, authorization=secret,
                    env={"MUC_KICK_AUTHORIZATION": None, "MUC_KICK_ROOMD_SOCKET": None},
                    args=["--config", str(conf)])
    cgi_json(res, 200, body=kicked_body(room, "bob", BOB[1]))
    assert env.occupants(room) == {"alice": [ALICE[1]]}
    # the environment's default secret is not accepted: only the file's value is configured
    room2 = env.room()
    res = X.run_cgi(env.daemon.sock, body={"muc": room2, "nickname": "bob"}, authorization=SECRET,
                    env={"MUC_KICK_AUTHORIZATION": None, "MUC_KICK_ROOMD_SOCKET": None},
                    args=["--config", str(conf)])
    cgi_json(res, 401, message="Authorization failed")
    assert set(env.occupants(room2)) == {"alice", "bob"}
    assert secret not in res.stderr


def test_prosody_config_line_via_environment(env, tmp_path):
    secret = "Basic ZW52OmNvbmZpZy12aWEtZW52"
    conf = tmp_path / "prosody-style.toml"
    conf.write_text('http_muc_kick_authorization_header = "%s"\n' % secret)
    room = env.room()
    res = X.run_cgi(env.daemon.sock, body={"muc": room, "nickname": "bob"}, authorization=secret,
                    env={"MUC_KICK_AUTHORIZATION": None, "MUC_KICK_CONFIG": str(conf)})
    cgi_json(res, 200, body=kicked_body(room, "bob", BOB[1]))
    assert env.occupants(room) == {"alice": [ALICE[1]]}


def _no_default_config():
    for p in (os.path.join(H.bin_dir(), "muc-kick.toml"), "/etc/muc-kick/muc-kick.toml"):
        if os.path.exists(p):
            pytest.skip("a default configuration file exists (%s): cannot test 'nothing configured'" % p)


def _run(args, env, timeout=15, stdin=subprocess.DEVNULL, cwd="/"):
    return subprocess.run([X.muc_bin()] + list(args), env=X.clean_env(**env), stdin=stdin,
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.mark.parametrize("how", ["listen", "cgi", "empty-env"])
def test_exit_78_without_authorization(tmp_path, how):
    _no_default_config()
    sock = str(tmp_path / "fcgi.sock")
    env = {"MUC_KICK_ROOMD_SOCKET": "/tmp/x.sock"}
    args = ["--listen", "unix:" + sock]
    stdin = subprocess.DEVNULL
    if how == "cgi":
        args = []
        env.update(REQUEST_METHOD="POST", CONTENT_LENGTH="0")
    if how == "empty-env":
        env["MUC_KICK_AUTHORIZATION"] = ""
    r = _run(args, env, stdin=stdin)
    assert r.returncode == 78, "exit %s, stderr %r, stdout %r" % (r.returncode, r.stderr, r.stdout)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, "expected a one-line message, got %r" % r.stderr
    assert "http_muc_kick_authorization_header" in lines[0], lines
    assert not os.path.exists(sock), "socket created although the configuration is unusable"
    assert "Status:" not in r.stdout


BAD_CONFIGS = [
    ("not-a-setting", 'http_muc_kick_authorization_header = "%s"\nthis is not a setting\n', "line 2"),
    ("unterminated-string", 'http_muc_kick_authorization_header = "%s\n', "line 1"),
    ("unknown-key", 'http_muc_kick_authorization_header = "%s"\nroomd_sockett = "/x"\n', "roomd_sockett"),
    ("wrong-type", 'http_muc_kick_authorization_header = "%s"\nroomd_timeout = "soon"\n', "roomd_timeout"),
    ("bad-bool", 'http_muc_kick_authorization_header = "%s"\nprotect_privileged = maybe\n', "line 2"),
    ("body-size-too-small", 'http_muc_kick_authorization_header = "%s"\nmax_body_size = 1\n', "max_body_size"),
]


@pytest.mark.parametrize("name,text,mention", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_exit_78_on_bad_configuration(tmp_path, name, text, mention):
    conf = tmp_path / "bad.toml"
    conf.write_text(text % SECRET)
    sock = str(tmp_path / "fcgi.sock")
    r = _run(["--config", str(conf), "--listen", "unix:" + sock], {})
    assert r.returncode == 78, "exit %s, stderr %r" % (r.returncode, r.stderr)
    assert r.stderr.strip(), "no message"
    assert mention in r.stderr, "message %r does not mention %r" % (r.stderr, mention)
    assert SECRET_TOKEN not in r.stderr and SECRET not in r.stderr, "the message shows the secret"
    assert not os.path.exists(sock)


@pytest.mark.parametrize("var,value", [("MUC_KICK_ROOMD_TIMEOUT", "soon"), ("MUC_KICK_ROOMD_TIMEOUT", "0"),
                                       ("MUC_KICK_MAX_BODY_SIZE", "big"),
                                       ("MUC_KICK_PROTECT_PRIVILEGED", "maybe"),
                                       ("MUC_KICK_REQUIRE_JSON_CONTENT_TYPE", "perhaps")])
def test_exit_78_on_bad_environment_value(tmp_path, var, value):
    sock = str(tmp_path / "fcgi.sock")
    r = _run(["--listen", "unix:" + sock], {"MUC_KICK_AUTHORIZATION": SECRET, var: value})
    assert r.returncode == 78, "exit %s, stderr %r" % (r.returncode, r.stderr)
    assert r.stderr.strip()
    assert SECRET_TOKEN not in r.stderr


# --------------------------------------------------------------------------- --listen tcp:

def test_listen_tcp_through_nginx(env):
    port = X.free_port()
    work = H.make_workdir()
    resp = X.Responder(work, env.daemon.sock, listen="tcp:127.0.0.1:%d" % port, threads=2)
    ngx = X.Nginx(work, "/nonexistent/unused.sock", fastcgi_pass="127.0.0.1:%d" % port)
    try:
        resp.start()
        ngx.start()
        room = env.room()
        r = X.http_request(ngx.port, body={"muc": room, "nickname": "bob"}, headers=X.auth())
        assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
        assert env.occupants(room) == {"alice": [ALICE[1]]}
        r = X.http_request(ngx.port, body={"muc": room, "nickname": "alice"}, headers=X.auth("Basic eA=="))
        assert_error(r, 401, message="Authorization failed")
        assert env.occupants(room) == {"alice": [ALICE[1]]}
    finally:
        ngx.stop()
        rc = resp.stop()
        shutil.rmtree(work, ignore_errors=True)
    assert rc == 0, "exit %s after SIGTERM" % rc


# --------------------------------------------------------------------------- systemd socket activation

def test_systemd_socket_activation(env):
    tool = shutil.which("systemd-socket-activate")
    if not tool:
        pytest.skip("systemd-socket-activate is not installed (apt-get install systemd)")
    work = H.make_workdir()
    sock = os.path.join(work, "activated.sock")
    errp = os.path.join(work, "activated.stderr")
    errf = open(errp, "wb")
    argv = [tool, "-l", sock,
            "-E", "MUC_KICK_AUTHORIZATION=" + SECRET,
            "-E", "MUC_KICK_ROOMD_SOCKET=" + env.daemon.sock,
            X.muc_bin(), "--threads", "2"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                            env=X.clean_env(), cwd=work)
    errf.close()
    ngx = X.Nginx(work, sock)
    try:
        assert X.wait_for(lambda: os.path.exists(sock), timeout=10), "socket %s not created" % sock
        os.chmod(sock, 0o666)
        ngx.start()
        room = env.room()
        r = X.http_request(ngx.port, body={"muc": room, "nickname": "bob"}, headers=X.auth(), timeout=20)
        assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
        assert env.occupants(room) == {"alice": [ALICE[1]]}
        r = X.http_request(ngx.port, body={"muc": room, "nickname": "alice"}, headers=X.auth(SECRET2))
        assert_error(r, 401, message="Authorization failed")
        assert env.occupants(room) == {"alice": [ALICE[1]]}
        with open(errp, errors="replace") as f:
            log = f.read()
        assert "systemd" in log, "the responder did not use the systemd socket:\n" + log
    finally:
        ngx.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = "timeout"
        shutil.rmtree(work, ignore_errors=True)
    assert rc == 0, "exit %s after SIGTERM" % rc


def test_restart_on_the_same_inherited_socket_serves_again(env):
    """What systemd does on `systemctl restart muc-kick-fcgi` with socket activation: the listening socket
    stays open in the manager and is handed to each new process. A responder that shuts that socket down
    at SIGTERM leaves the next one unable to accept (nginx 502 for good)."""
    import socket as socketlib
    work = H.make_workdir()
    sock_path = os.path.join(work, "kept.sock")
    listener = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(128)
    os.chmod(sock_path, 0o666)
    ngx = X.Nginx(work, sock_path)

    def activated():
        errf = open(os.path.join(work, "activated.stderr"), "ab")
        env_vars = X.clean_env(MUC_KICK_AUTHORIZATION=SECRET, MUC_KICK_ROOMD_SOCKET=env.daemon.sock,
                               LISTEN_FDS="1")
        # LISTEN_PID must be the responder's own pid: the shell sets it, then becomes the responder.
        p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", X.muc_bin(), "--threads", "4"],
                             stdin=subprocess.DEVNULL, stdout=errf, stderr=errf, env=env_vars, cwd=work,
                             pass_fds=(3,), preexec_fn=lambda: os.dup2(listener.fileno(), 3))
        errf.close()
        return p

    procs = []
    try:
        ngx.start()
        for round_ in range(3):
            p = activated()
            procs.append(p)
            room = env.room()
            r = X.http_request(ngx.port, body={"muc": room, "nickname": "bob"}, headers=X.auth(), timeout=20)
            assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
            p.send_signal(signal.SIGTERM)
            assert p.wait(15) == 0, "round %d: exit after SIGTERM" % round_
        # Between two processes the socket keeps queueing connections; the next process serves them.
        room = env.room()
        pending = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
        pending.connect(sock_path)
        pending.close()
        p = activated()
        procs.append(p)
        r = X.http_request(ngx.port, body={"muc": room, "nickname": "bob"}, headers=X.auth(), timeout=20)
        assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
    finally:
        ngx.stop()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
        listener.close()
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- worker scheduling

SCHED_OTHER, SCHED_BATCH, SCHED_IDLE = 0, 3, 5


def thread_policies(pid):
    """The scheduling policy of each of the process's threads (field 41 of /proc/PID/task/TID/stat)."""
    policies = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            fields = f.read().rpartition(")")[2].split()
        policies.append(int(fields[41 - 3]))
    return sorted(policies)


def policies_once_settled(pid, expected):
    """Workers set their policy as they start, so the listening socket can come first: wait a moment."""
    deadline = time.monotonic() + 5
    while True:
        found = thread_policies(pid)
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize("setting,wrapper,expected", [
    (None, (), [SCHED_OTHER] * 2 + [SCHED_BATCH] * 3),
    ("false", (), [SCHED_OTHER] * 5),
    # A policy the operator chose is kept.
    (None, ("chrt", "--idle", "0"), [SCHED_IDLE] * 5),
], ids=["default", "batch_scheduling=false", "under-chrt-idle"])
def test_worker_threads_scheduling_policy(env, setting, wrapper, expected):
    if wrapper and not shutil.which(wrapper[0]):
        pytest.skip("%s is not installed (util-linux)" % wrapper[0])
    if os.sched_getscheduler(0) != SCHED_OTHER:
        pytest.skip("the tests run under a non-default scheduling policy, which the responder keeps")
    work = H.make_workdir()
    extra = {} if setting is None else {"MUC_KICK_BATCH_SCHEDULING": setting}
    resp = X.Responder(work, env.daemon.sock, env=extra, threads=3)
    resp.argv = list(wrapper) + resp.argv
    try:
        resp.start()
        # Three workers, plus the thread that waits for signals and the access log's writer.
        found = policies_once_settled(resp.proc.pid, expected)
        assert found == expected, "thread policies %r, expected %r" % (found, expected)
        # Still answering, whatever the policy.
        ngx = X.Nginx(work, resp.sock)
        ngx.start()
        try:
            room = env.room()
            r = X.http_request(ngx.port, body={"muc": room, "nickname": "bob"}, headers=X.auth())
            assert_json(r, 200, body=kicked_body(room, "bob", BOB[1]))
        finally:
            ngx.stop()
    finally:
        rc = resp.stop()
        shutil.rmtree(work, ignore_errors=True)
    assert rc == 0, "exit %s after SIGTERM" % rc
