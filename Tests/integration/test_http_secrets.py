"""The responder's handling of its secret: what it refuses, where the secret can and cannot be seen."""

import json
import os
import shutil
import signal
import stat
import subprocess
import time

import pytest

import http_helpers as X
import mk_helpers as H
from http_helpers import SECRET

EXAMPLE = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"


def run_responder(args, env=None, stdin=None, timeout=15):
    return subprocess.run([X.muc_bin()] + list(args), input=stdin, capture_output=True, text=True,
                          env=X.clean_env(**(env or {})), timeout=timeout)


@pytest.mark.parametrize("where", ["environment", "file"])
def test_the_documentations_example_secret_refuses_to_start(where):
    work = H.make_workdir()
    try:
        if where == "environment":
            r = run_responder(["--listen", "unix:" + os.path.join(work, "s")],
                              env={"MUC_KICK_AUTHORIZATION": EXAMPLE})
        else:
            path = os.path.join(work, "muc-kick.toml")
            with open(path, "w") as f:
                f.write('http_muc_kick_authorization_header = "%s"\n' % EXAMPLE)
            os.chmod(path, 0o600)
            r = run_responder(["--config", path, "--listen", "unix:" + os.path.join(work, "s")])
        assert r.returncode == 78, r
        assert "example value" in r.stderr, r.stderr
        assert "YWxhZGRpbjpvcGVuc2VzYW1l" not in r.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_hash_authorization_reads_standard_input_not_argv():
    r = run_responder(["--hash-authorization"], stdin="Bearer from-stdin\n")
    assert r.returncode == 0, r
    import hashlib
    assert r.stdout.strip() == "sha256:" + hashlib.sha256(b"Bearer from-stdin").hexdigest()
    r = run_responder(["--hash-authorization", "Bearer on-the-command-line"])
    assert r.returncode == 64, r  # a value as an argument is a usage error now


def test_secret_is_not_in_proc_environ_and_a_world_readable_config_is_warned_about():
    d = H.Daemon().start()
    work = H.make_workdir()
    config = os.path.join(work, "muc-kick.toml")
    with open(config, "w") as f:
        f.write('roomd_socket = "%s"\n' % d.sock)
    os.chmod(config, 0o644)
    resp = X.Responder(work, d.sock, args=["--config", config])
    try:
        resp.start()
        with open("/proc/%d/environ" % resp.proc.pid, "rb") as f:
            environ = f.read()
        assert SECRET.encode() not in environ and X.SECRET_TOKEN.encode() not in environ
        assert "is readable by every user" in resp.stderr(), resp.stderr()
        # It still serves with the secret it read.
        ngx = X.Nginx(work, resp.sock)
        ngx.start()
        try:
            r = X.http_request(ngx.port, body={"muc": "x@chat.example.org", "nickname": "n"}, headers=X.auth())
            assert r.status == 404, r  # authorized: the room does not exist
            r = X.http_request(ngx.port, body={"muc": "x@chat.example.org", "nickname": "n"},
                               headers=X.auth("Basic bm9wZQ=="))
            assert r.status == 401, r
        finally:
            ngx.stop()
    finally:
        resp.stop()
        d.stop_clean()
        shutil.rmtree(work, ignore_errors=True)


def test_a_private_config_gets_no_warning():
    d = H.Daemon().start()
    work = H.make_workdir()
    config = os.path.join(work, "muc-kick.toml")
    with open(config, "w") as f:
        f.write('roomd_socket = "%s"\nauthorization = "%s"\n' % (d.sock, SECRET))
    os.chmod(config, 0o640)
    resp = X.Responder(work, d.sock, args=["--config", config], authorization=None)
    resp.env.pop("MUC_KICK_AUTHORIZATION", None)
    try:
        resp.start()
        assert "readable by every user" not in resp.stderr(), resp.stderr()
    finally:
        resp.stop()
        d.stop_clean()
        shutil.rmtree(work, ignore_errors=True)


def test_sighup_and_a_stray_sigusr1_do_not_stop_the_responder():
    """logrotate's postrotate sends SIGHUP; the responder has nothing to reopen and keeps serving. SIGUSR1
    is what wakes its workers at shutdown: one from outside must not make them quit (libfcgi's own handler
    would set its shutdown flag, and every worker would leave after its next request)."""
    with X.stack() as st:
        for _ in range(3):
            st.responder.proc.send_signal(signal.SIGHUP)
            st.responder.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        assert st.responder.proc.poll() is None, "the responder died of SIGHUP or SIGUSR1:\n" + st.responder.stderr()
        # More requests than it has threads: every worker is still there after answering one.
        for _ in range(12):
            r = st.post({"muc": "x@chat.example.org", "nickname": "n"}, timeout=5)
            assert r.status == 404, r


def test_a_body_of_thousands_of_keys_is_refused_at_once():
    """7,753 keys fit in a 64 KiB body; the duplicate-key check was quadratic. The member cap refuses such
    a body with 400 before anything is kicked, and the responder answers a normal kick right after."""
    with X.stack() as st:
        body = "{" + ",".join('"%s":0' % format(i, "x") for i in range(7753)) + "}"
        assert len(body) <= 65536
        started = time.monotonic()
        r = st.post(body)
        assert r.status == 400, r
        assert json.loads(r.body) == {"error": "Request body has an object of more than 256 members"}, r.body
        assert time.monotonic() - started < 5
        r = st.post({"muc": "x@chat.example.org", "nickname": "n"})
        assert r.status == 404, r
        # The same object as a varlink call: refused as an invalid message, and roomd answers the next call.
        raw = st.daemon.raw()
        raw.send(('{"method":"org.muckick.Rooms.ListRooms","parameters":%s}' % body).encode() + b"\0")
        reply = raw.recv(timeout=10)
        assert reply.get("error"), reply
        assert "org.muckick.Rooms" in st.daemon.service().GetInfo()["interfaces"]
