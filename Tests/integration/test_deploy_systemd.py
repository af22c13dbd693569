"""The systemd units of deploy/systemd/:

- `systemd-analyze verify` passes on each (copies whose ExecStart binaries are the built ones:
  verify checks that they exist), with no warning at all, and `systemd-analyze security` rates
  both services well;
- the units agree with each other and with the web server snippets (socket paths, groups);
- the responder's ExecStart, run the way muc-kick-fcgi.socket + .service run it: the socket made
  by `systemd-socket-activate` (fd 3, LISTEN_FDS) with the socket unit's mode and group, the
  process as the service's User=/Group=, in a network namespace of its own (PrivateNetwork=),
  serves kicks through nginx; SIGTERM stops it with exit 0.
"""

import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import deploy_helpers as D  # noqa: E402
import http_helpers as X  # noqa: E402
import mk_helpers as H  # noqa: E402
from deploy_helpers import deploy_packages  # noqa: E402,F401 (fixture)

pytestmark = pytest.mark.timeout(600)

UNITS = ["roomd.service", "muc-kick-fcgi.socket", "muc-kick-fcgi.service"]


def unit(name):
    """{section: {key: [values]}} of a unit file (repeated keys kept in order)."""
    out = {}
    section = None
    with open(os.path.join(D.SYSTEMD_DIR, name)) as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#") or s.startswith(";"):
                continue
            if s.startswith("[") and s.endswith("]"):
                section = out.setdefault(s[1:-1], {})
                continue
            k, _, v = s.partition("=")
            section.setdefault(k.strip(), []).append(v.strip())
    return out


def one(u, section, key):
    values = u[section][key]
    assert len(values) == 1, "%s %s: %r" % (section, key, values)
    return values[0]


def rendered_units(tmp_path):
    """Copies of the units whose /usr/local/bin binaries are the built ones."""
    for name in UNITS:
        with open(os.path.join(D.SYSTEMD_DIR, name)) as f:
            text = f.read()
        for b in ("roomd", "muc-kick-fcgi"):
            text = text.replace("/usr/local/bin/%s " % b, os.path.join(H.bin_dir(), b) + " ")
        (tmp_path / name).write_text(text)
    return [str(tmp_path / n) for n in UNITS]


def test_systemd_analyze_verify(deploy_packages, tmp_path):
    paths = rendered_units(tmp_path)
    for p in paths:
        r = subprocess.run(["systemd-analyze", "verify", p], capture_output=True, text=True,
                           timeout=120, cwd=str(tmp_path))
        assert r.returncode == 0, "verify %s: %s%s" % (p, r.stdout, r.stderr)
        assert not (r.stdout + r.stderr).strip(), "verify %s warns:\n%s%s" % (p, r.stdout, r.stderr)
    r = subprocess.run(["systemd-analyze", "verify"] + paths, capture_output=True, text=True,
                       timeout=120, cwd=str(tmp_path))
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr


def test_verify_would_catch_a_typo(deploy_packages, tmp_path):
    """The check above means something: a misspelt key is reported."""
    paths = rendered_units(tmp_path)
    bad = tmp_path / "bad.service"
    bad.write_text(open(paths[0]).read().replace("ProtectSystem=strict", "ProtectSystm=strict"))
    r = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True,
                       timeout=120, cwd=str(tmp_path))
    assert "ProtectSystm" in r.stdout + r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("service", ["roomd.service", "muc-kick-fcgi.service"])
def test_systemd_analyze_security(deploy_packages, tmp_path, service):
    rendered_units(tmp_path)
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                        str(tmp_path / service)], capture_output=True, text=True, timeout=120,
                       cwd=str(tmp_path))
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", r.stdout + r.stderr)
    if m is None and "offline" in (r.stderr or ""):
        pytest.skip("systemd-analyze security --offline not supported here: " + r.stderr.strip())
    assert m, r.stdout[-2000:] + r.stderr[-2000:]
    assert float(m.group(1)) <= 2.0, "exposure %s %s:\n%s" % (m.group(1), m.group(2), r.stdout)


def test_units_agree_with_each_other_and_the_web_server_snippets():
    roomd, sock, svc = (unit(n) for n in UNITS)
    listen = one(sock, "Socket", "ListenStream")
    assert listen == "/run/muc-kick/fcgi.sock"
    assert one(sock, "Socket", "SocketMode") == "0660"
    assert one(sock, "Socket", "SocketGroup") == D.WEB_GROUP
    assert one(sock, "Socket", "Accept") == "no"
    # the snippets connect to that socket
    assert "fastcgi_pass unix:%s;" % listen in D.read(os.path.join(H.REPO, "nginx", "muc-kick.conf"))
    assert '"unix:%s|fcgi://' % listen in D.read(os.path.join(D.APACHE_DIR, "muc-kick-proxy-fcgi.conf"))
    assert "Requires" in svc["Unit"] and "muc-kick-fcgi.socket" in svc["Unit"]["Requires"][0]

    # roomd: its own user, its socket in its RuntimeDirectory, its database in its StateDirectory
    argv = shlex.split(one(roomd, "Service", "ExecStart"))
    assert argv[0] == "/usr/local/bin/roomd"
    opts = dict(zip(argv[1::2], argv[2::2]))
    assert opts["--socket"] == "/run/%s/roomd.sock" % one(roomd, "Service", "RuntimeDirectory")
    assert opts["--state-dir"] == "/var/lib/%s" % one(roomd, "Service", "StateDirectory")
    assert one(roomd, "Service", "User") == "muc-kick"
    assert one(roomd, "Service", "RuntimeDirectoryMode") == "0755"
    # the responder has a user of its own, not the web server's; it may kick, and it alone is in
    # roomd's group (sysusers): the web server's user reaches only the FastCGI socket
    assert one(svc, "Service", "User") == D.RESPONDER_USER != D.WEB_USER
    assert opts["--kick-group"] == one(svc, "Service", "Group") == D.RESPONDER_GROUP
    assert one(svc, "Service", "SupplementaryGroups") == one(roomd, "Service", "Group")
    sysusers = D.read(os.path.join(D.SYSTEMD_DIR, "muc-kick.sysusers"))
    assert re.search(r"^u muc-kick ", sysusers, re.M)
    assert re.search(r"^u %s " % D.RESPONDER_USER, sysusers, re.M)
    members = re.findall(r"^m (\S+) (\S+)$", sysusers, re.M)
    assert members == [(D.RESPONDER_USER, one(roomd, "Service", "Group"))], members
    tmpfiles = D.read(os.path.join(D.SYSTEMD_DIR, "muc-kick.tmpfiles"))
    assert re.search(r"^d /run/muc-kick 0755 muc-kick muc-kick", tmpfiles, re.M)
    # the responder: no --listen (it takes systemd's socket), a configuration file
    fargv = shlex.split(one(svc, "Service", "ExecStart"))
    assert fargv[0] == "/usr/local/bin/muc-kick-fcgi" and "--listen" not in fargv
    for u, restart in ((roomd, "always"), (svc, "on-failure")):
        s = u["Service"]
        for key, value in (("NoNewPrivileges", "true"), ("ProtectSystem", "strict"),
                           ("ProtectHome", "true"), ("PrivateTmp", "true"),
                           ("PrivateDevices", "true"), ("Restart", restart)):
            assert s.get(key) == [value], "%s=%r" % (key, s.get(key))


def test_roomd_unit_never_ends_failed_after_transient_faults():
    """A crash loop (or the OOM killer at MemoryMax=) must not leave roomd dead: restarts go on, spaced."""
    roomd = unit("roomd.service")
    s = roomd["Service"]
    assert one(roomd, "Service", "Restart") == "always"
    # no start rate limit: either off (0) or a burst that a restart every RestartSec= cannot reach
    interval = one(roomd, "Unit", "StartLimitIntervalSec")
    restart_sec = one(roomd, "Service", "RestartSec")
    assert restart_sec.endswith("s") and float(restart_sec[:-1]) >= 1, restart_sec
    if interval not in ("0", "infinity"):
        burst = int(one(roomd, "Unit", "StartLimitBurst"))
        assert float(interval.rstrip("s")) / float(restart_sec[:-1]) < burst, (interval, burst)
    assert re.fullmatch(r"\d+[MG]", one(roomd, "Service", "MemoryMax")), s.get("MemoryMax")


def test_socket_activation_runs_the_units_responder(deploy_packages, tmp_path):
    """muc-kick-fcgi.service's ExecStart as systemd would run it, on muc-kick-fcgi.socket's socket."""
    sock_unit, svc = unit("muc-kick-fcgi.socket"), unit("muc-kick-fcgi.service")
    backend = D.Backend(with_responder=False).start()
    work = backend.workdir
    sock = os.path.join(backend.run_dir, "activated.sock")
    conf = os.path.join(work, "etc-muc-kick.toml")
    D.write(conf, D.toml_config(X.SECRET, backend.roomd_sock), mode=0o640, group=D.RESPONDER_GROUP)

    argv = shlex.split(one(svc, "Service", "ExecStart"))
    assert argv[0] == "/usr/local/bin/muc-kick-fcgi"
    argv[0] = X.muc_bin()
    argv = [conf if a == "/etc/muc-kick/muc-kick.toml" else a for a in argv]
    assert conf in argv, "the unit's ExecStart lost --config /etc/muc-kick/muc-kick.toml"
    user, group = one(svc, "Service", "User"), one(svc, "Service", "Group")

    # systemd-socket-activate plays the socket unit (it passes fd 3 + LISTEN_FDS/LISTEN_PID and
    # execs); setpriv plays User=/Group=/SupplementaryGroups= (same pid, so LISTEN_PID still matches); unshare --net
    # plays PrivateNetwork=yes (the responder reaches roomd through a path in the file system).
    cmd = ["unshare", "--net", "--", "systemd-socket-activate", "-l", sock, "--",
           "setpriv", "--reuid=" + user, "--regid=" + group,
           "--groups=%d" % D.gid_of(one(svc, "Service", "SupplementaryGroups")), "--"] + argv
    errp = os.path.join(work, "activated.log")
    errf = open(errp, "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                            env=X.clean_env(), cwd="/")
    errf.close()
    ngx = None
    try:
        assert X.wait_for(lambda: os.path.exists(sock), timeout=15), D.read(errp)
        # what SocketUser=/SocketGroup=/SocketMode= do
        os.chown(sock, 0, D.gid_of(one(sock_unit, "Socket", "SocketGroup")))
        os.chmod(sock, int(one(sock_unit, "Socket", "SocketMode"), 8))
        # systemd-socket-activate execs the responder at the first connection (like a socket unit
        # starts its service): the first kick starts it
        ngx = D.NginxAs(work, sock)
        ngx.start()
        D.check_kick(backend, lambda body, value: X.http_request(ngx.port, body=body,
                                                                 headers=X.auth(value)),
                     kicker_uid=D.uid_of(user))
        assert "systemd socket (fd 3)" in D.read(errp), D.read(errp)
        pid = proc.pid
        assert os.readlink("/proc/%d/exe" % pid) == os.path.realpath(X.muc_bin())
        st = D.proc_status(pid)
        assert st["Uid"][0] == str(D.uid_of(user)), st
        assert st["Gid"][0] == str(D.gid_of(group)), st
        assert (D.fd_target(pid, 3) or "").startswith("socket:"), D.fd_target(pid, 3)
        assert os.readlink("/proc/%d/ns/net" % pid) != os.readlink("/proc/self/ns/net")
    finally:
        if ngx is not None:
            ngx.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = "timeout"
        backend.stop(check=False)
        backend.cleanup()
    assert rc == 0, "exit %s after SIGTERM:\n%s" % (rc, D.read(errp))


def test_sysusers_and_tmpfiles_files_apply(deploy_packages, tmp_path):
    """muc-kick.sysusers and muc-kick.tmpfiles, applied to a copy of this machine's user database
    (--root): users and groups muc-kick and muc-kick-fcgi, the responder's user (alone) in group
    muc-kick, /run/muc-kick muc-kick:muc-kick 0755."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "run").mkdir()
    for name in ("passwd", "group", "shadow", "gshadow"):
        if os.path.exists("/etc/" + name):
            shutil.copy2("/etc/" + name, root / "etc" / name)
    r = subprocess.run(["systemd-sysusers", "--root=%s" % root,
                        os.path.join(D.SYSTEMD_DIR, "muc-kick.sysusers")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    passwd = (root / "etc" / "passwd").read_text()
    group = (root / "etc" / "group").read_text()
    user = [l.split(":") for l in passwd.splitlines() if l.startswith("muc-kick:")]
    grp_ = [l.split(":") for l in group.splitlines() if l.startswith("muc-kick:")]
    assert user and grp_, passwd + group
    assert user[0][5] == "/var/lib/muc-kick" and user[0][6].endswith("nologin"), user
    assert grp_[0][3].split(",") == [D.RESPONDER_USER], grp_
    responder = [l.split(":") for l in passwd.splitlines() if l.startswith(D.RESPONDER_USER + ":")]
    assert responder and responder[0][6].endswith("nologin"), responder
    r = subprocess.run(["systemd-tmpfiles", "--root=%s" % root, "--create",
                        os.path.join(D.SYSTEMD_DIR, "muc-kick.tmpfiles")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    st = os.stat(root / "run" / "muc-kick")
    assert stat.S_IMODE(st.st_mode) == 0o755, oct(st.st_mode)
    assert (st.st_uid, st.st_gid) == (int(user[0][2]), int(grp_[0][2]))
