"""nginx (the shipped snippet, rendered by nginx/render.sh, workers as www-data) -> muc-kick-fcgi
under spawn-fcgi (deploy/spawn-fcgi/runit/muc-kick-fcgi/run: socket www-data:www-data 0660, the
responder as www-data, socket on fd 0) -> roomd (deploy/spawn-fcgi/runit/roomd/run: as
nobody:www-data, --kick-group www-data). Everything started for real from the shipped files."""

import os
import shlex
import shutil
import stat
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import deploy_helpers as D  # noqa: E402
import http_helpers as X  # noqa: E402
from deploy_helpers import deploy_packages  # noqa: E402,F401 (fixture)

pytestmark = pytest.mark.timeout(900)

SPAWN_README = os.path.join(D.DEPLOY, "spawn-fcgi", "README.md")


@pytest.fixture(scope="module")
def site(deploy_packages):
    backend = D.Backend().start()
    ngx = D.NginxAs(backend.workdir, backend.fcgi_sock)
    try:
        ngx.start()
    except BaseException:
        backend.stop(check=False)
        backend.cleanup()
        raise
    yield backend, ngx
    ngx.stop()
    try:
        backend.stop()
    finally:
        backend.cleanup()


def post_via(port):
    return lambda body, authorization: X.http_request(port, body=body,
                                                      headers=X.auth(authorization))


def test_kick_through_nginx_and_spawn_fcgi(site):
    backend, ngx = site
    D.check_kick(backend, post_via(ngx.port), kicker_uid=D.uid_of(D.RESPONDER_USER))


def test_processes_users_sockets_as_documented(site):
    backend, ngx = site
    pid = backend.responder.pid
    # spawn-fcgi -n replaced itself with the responder (runsv supervises the responder itself)
    assert os.readlink("/proc/%d/exe" % pid) == os.path.realpath(X.muc_bin())
    st = D.proc_status(pid)
    # its own user, not the web server's; roomd's group (its socket) from the user database
    assert st["Uid"][0] == str(D.uid_of(D.RESPONDER_USER)), st
    assert st["Gid"][0] == str(D.gid_of(D.RESPONDER_GROUP)), st
    assert str(D.gid_of(D.ROOMD_GROUP)) in st["Groups"], st
    assert str(D.gid_of(D.WEB_GROUP)) not in st["Groups"], st
    # the listening socket is fd 0, as spawn-fcgi hands it over
    assert (D.fd_target(pid, 0) or "").startswith("socket:"), D.fd_target(pid, 0)
    assert "inherited socket (fd 0)" in backend.responder.log(), backend.responder.log()

    fs = os.stat(backend.fcgi_sock)
    assert stat.S_ISSOCK(fs.st_mode) and stat.S_IMODE(fs.st_mode) == 0o660, oct(fs.st_mode)
    assert (fs.st_uid, fs.st_gid) == (D.uid_of(D.WEB_USER), D.gid_of(D.WEB_GROUP))

    rs = os.stat(backend.roomd_sock)
    assert stat.S_IMODE(rs.st_mode) == 0o660, oct(rs.st_mode)
    assert (rs.st_uid, rs.st_gid) == (D.uid_of(D.ROOMD_USER), D.gid_of(D.ROOMD_GROUP))
    rd = os.stat(backend.run_dir)
    assert stat.S_IMODE(rd.st_mode) == 0o755, oct(rd.st_mode)
    # The web server's user (with its groups from the user database) reaches the FastCGI socket only.
    probe = ("import socket, sys\nfor p in sys.argv[1:]:\n    s = socket.socket(socket.AF_UNIX)\n"
             "    try:\n        s.connect(p); print('ok')\n    except OSError as e:\n        print(e.errno)\n")
    r = subprocess.run(["setpriv", "--reuid=" + D.WEB_USER, "--regid=" + D.WEB_GROUP, "--init-groups", "--",
                        "/usr/bin/python3", "-I", "-c", probe, backend.fcgi_sock, backend.roomd_sock],
                       capture_output=True, text=True, timeout=30)
    assert r.stdout.split() == ["ok", "13"], r  # 13: EACCES
    st = D.proc_status(backend.roomd.pid)
    assert st["Uid"][0] == str(D.uid_of(D.ROOMD_USER)), st
    # the database is roomd's alone (umask 077 in the run script)
    state = os.path.join(backend.workdir, "state")
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    for name in os.listdir(state):
        mode = stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode)
        assert mode & 0o077 == 0, "%s is mode %o" % (name, mode)


def test_nginx_refuses_other_methods_and_large_bodies(site):
    backend, ngx = site
    r = X.http_request(ngx.port, method="GET", headers=X.auth())
    X.assert_error(r, 405, message="Method not allowed", headers={"Allow": "POST, OPTIONS"})
    r = X.http_request(ngx.port, body=b"x" * 70000, headers=X.auth())
    X.assert_error(r, 413)


def readme_command():
    """The spawn-fcgi command line of deploy/spawn-fcgi/README.md (the line starting with it in
    the first code block that has one)."""
    with open(SPAWN_README) as f:
        text = f.read()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("spawn-fcgi ") and " -- " in s:
            return shlex.split(s)
    raise AssertionError("no spawn-fcgi command line in %s" % SPAWN_README)


def test_run_script_defaults_are_the_readme_command_line(tmp_path):
    """With no `conf`, the run script runs exactly the command line the README documents."""
    fake = tmp_path / "bin"
    fake.mkdir()
    out = tmp_path / "argv"
    (fake / "spawn-fcgi").write_text('#!/bin/sh\nfor a in spawn-fcgi "$@"; do printf "%%s\\n" "$a"; done > %s\n'
                                     % out)
    (fake / "spawn-fcgi").chmod(0o755)
    svc = tmp_path / "sv"
    svc.mkdir()
    shutil.copy2(os.path.join(D.RUNIT_DIR, "muc-kick-fcgi", "run"), svc / "run")
    # the script makes the socket's directory if missing: point it at a scratch /run/muc-kick
    # only when it does not exist yet on this machine, otherwise nothing is created.
    existed = os.path.isdir("/run/muc-kick")
    try:
        r = subprocess.run(["./run"], cwd=svc, capture_output=True, text=True, timeout=30,
                           env=dict(X.clean_env(), PATH="%s:%s" % (fake, os.environ["PATH"])))
    finally:
        if not existed and os.path.isdir("/run/muc-kick") and not os.listdir("/run/muc-kick"):
            os.rmdir("/run/muc-kick")
    assert r.returncode == 0, r.stderr
    argv = out.read_text().splitlines()
    assert argv == readme_command(), "run script: %r\nREADME:     %r" % (argv, readme_command())
    # docs/deploy.md shows the same line
    assert " ".join(argv) in D.read(os.path.join(D.REPO, "docs", "deploy.md"))


def test_run_scripts_are_posix_sh():
    for name in ("muc-kick-fcgi", "roomd"):
        path = os.path.join(D.RUNIT_DIR, name, "run")
        assert os.access(path, os.X_OK), "%s is not executable" % path
        with open(path) as f:
            assert f.readline().strip() == "#!/bin/sh", path
        for shell in ("dash", "sh"):
            if shutil.which(shell):
                r = subprocess.run([shell, "-n", path], capture_output=True, text=True)
                assert r.returncode == 0, "%s -n %s: %s" % (shell, path, r.stderr)
                break
