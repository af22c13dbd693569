"""Helpers for the deployment tests (test_deploy_*.py): the shipped files under deploy/ started for
real, as root, with the web server and the responder dropping to www-data like on a Debian host.

- `deploy_packages`: a session fixture that installs the Debian packages these tests need
  (apt-get, only what is missing; `apt-get update` only if the install fails without it).
- `RunitService`: one of the runit `run` scripts of deploy/spawn-fcgi/runit, copied into a temp
  service directory with a `conf` file (the scripts' documented override), run like runsv runs it.
- `Backend`: roomd (its run script: user nobody, group www-data, --kick-group www-data) and the
  responder (its run script: spawn-fcgi, socket www-data:www-data 0660, user www-data) on one temp
  dir, the way docs/deploy.md sets them up (there the shared group is muc-kick; the tests use
  www-data, the primary group of www-data, instead of creating users and groups on the machine).
- `Apache`: apache2 in the foreground (`-f CONF -DFOREGROUND`) with a generated configuration
  under a temp dir, children running as www-data.
- `check_kick`: the 200 / occupant gone / 401 round every set-up must pass.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

import http_helpers as X
import mk_helpers as H

REPO = H.REPO
DEPLOY = os.path.join(REPO, "deploy")
APACHE_DIR = os.path.join(DEPLOY, "apache")
SYSTEMD_DIR = os.path.join(DEPLOY, "systemd")
RUNIT_DIR = os.path.join(DEPLOY, "spawn-fcgi", "runit")

WEB_USER = "www-data"
WEB_GROUP = "www-data"
# The users of the shipped units and run scripts (deploy/systemd/muc-kick.sysusers).
ROOMD_USER = ROOMD_GROUP = "muc-kick"
RESPONDER_USER = RESPONDER_GROUP = "muc-kick-fcgi"
# A wrong Authorization value ("wrong:wrong").
WRONG = "Basic d3Jvbmc6d3Jvbmc="

# What the deployment tests need besides what deploy/test-all.sh installs already.
DEPLOY_APT_PACKAGES = ["apache2", "libapache2-mod-fcgid", "spawn-fcgi", "systemd", "nginx", "util-linux",
                       "binutils"]

ALICE = ("alice", "alice@example.com/home")
BOB = ("bob", "bob@example.com/phone")


# --------------------------------------------------------------------------- packages

def _installed(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() == "install ok installed"


def ensure_apt(packages):
    """Installs the Debian packages that are missing (as root). Returns the list installed."""
    missing = [p for p in packages if not _installed(p)]
    if not missing:
        return []
    if os.geteuid() != 0:
        pytest.fail("packages missing and not root to install them: %s" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300",
           "--no-install-recommends"] + missing
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    if r.returncode != 0:
        u = subprocess.run(["apt-get", "update", "-qq", "-o", "DPkg::Lock::Timeout=300"],
                           capture_output=True, text=True, env=env, timeout=600)
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
        if r.returncode != 0:
            pytest.fail("apt-get install %s failed:\n%s%s\n(apt-get update: %s%s)" % (
                " ".join(missing), r.stdout[-3000:], r.stderr[-3000:], u.stdout[-1000:],
                u.stderr[-1000:]))
    still = [p for p in missing if not _installed(p)]
    assert not still, "still not installed: %s" % still
    return missing


@pytest.fixture(scope="session")
def deploy_packages():
    ensure_apt(DEPLOY_APT_PACKAGES)
    for tool in ("apache2", "spawn-fcgi", "nginx", "setpriv", "systemd-analyze",
                 "systemd-socket-activate", "systemd-sysusers"):
        assert shutil.which(tool) or os.path.exists("/usr/sbin/" + tool), "%s not found" % tool
    ensure_service_users()
    return DEPLOY_APT_PACKAGES


def ensure_service_users():
    """The shipped users and groups on this machine, made by the shipped sysusers file (as an
    operator installs them); applying it again changes nothing."""
    r = subprocess.run(["systemd-sysusers", os.path.join(SYSTEMD_DIR, "muc-kick.sysusers")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, "systemd-sysusers: " + r.stdout + r.stderr
    members = grp.getgrnam(ROOMD_GROUP).gr_mem
    assert RESPONDER_USER in members and WEB_USER not in members, members


# --------------------------------------------------------------------------- small things

def uid_of(user):
    return pwd.getpwnam(user).pw_uid


def gid_of(group):
    return grp.getgrnam(group).gr_gid


def read(path, tail=None):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return ""
    return text[-tail:] if tail else text


def write(path, text, mode=0o644, group=None):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    if group is not None:
        os.chown(path, 0, gid_of(group))
    return path


def can_connect_unix(path, timeout=1.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def can_connect_tcp(port, timeout=1.0):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
        return True
    except OSError:
        return False


def proc_status(pid):
    """{'Uid': [...], 'Gid': [...], 'Groups': [...]} of a running process."""
    out = {}
    for line in read("/proc/%d/status" % pid).splitlines():
        k, _, v = line.partition(":")
        if k in ("Uid", "Gid", "Groups", "PPid", "Name"):
            out[k] = v.split()
    return out


def fd_target(pid, fd):
    try:
        return os.readlink("/proc/%d/fd/%d" % (pid, fd))
    except OSError:
        return None


def pids_of_exe(path):
    """Pids whose /proc/PID/exe is `path`."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % d) == path:
                    found.append(int(d))
            except OSError:
                pass
    return found


def toml_config(authorization, roomd_socket, extra=""):
    return 'http_muc_kick_authorization_header = "%s"\nroomd_socket = "%s"\n%s' % (
        authorization, roomd_socket, extra)


def render(src, replacements=(), drop_lines_matching=None):
    """The text of a shipped file with exact replacements [(old, new)], each of which must occur,
    and optionally without the lines matching a regular expression (which must match)."""
    with open(src) as f:
        text = f.read()
    for old, new in replacements:
        assert old in text, "%s no longer contains %r" % (src, old)
        text = text.replace(old, new)
    if drop_lines_matching:
        lines = text.splitlines(True)
        kept = [l for l in lines if not re.search(drop_lines_matching, l)]
        assert len(kept) < len(lines), "%s has no line matching %r" % (src, drop_lines_matching)
        text = "".join(kept)
    return text


# --------------------------------------------------------------------------- runit services

class RunitService:
    """A run script of deploy/spawn-fcgi/runit/NAME in WORKDIR/sv/NAME with a `conf` file, started as
    runsv starts it (cwd = the service directory, stdout/stderr to a log). The script ends in exec,
    so the process started is, in the end, the service itself."""

    def __init__(self, workdir, name, conf):
        self.name = name
        self.dir = os.path.join(workdir, "sv", name)
        os.makedirs(self.dir, exist_ok=True)
        shutil.copy2(os.path.join(RUNIT_DIR, name, "run"), os.path.join(self.dir, "run"))
        lines = ["%s=%s" % (k, shquote(v)) for k, v in conf.items()]
        write(os.path.join(self.dir, "conf"), "\n".join(lines) + "\n")
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None

    def start(self, ready, timeout=30):
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["./run"], cwd=self.dir, stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=logf, env=X.clean_env())
        logf.close()
        deadline = time.monotonic() + timeout
        while not ready():
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s:\n%s" % (self.name, self.proc.returncode,
                                                                  self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("%s not ready within %ss:\n%s" % (self.name, timeout, self.log()))
            time.sleep(0.05)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        return read(self.log_path, tail=6000)

    def stop(self, timeout=20):
        """SIGTERM (what `sv down` sends); returns the exit code."""
        return H.stop_process(self.proc, self.name, signal.SIGTERM, timeout, self.log)


def shquote(value):
    return "'" + str(value).replace("'", "'\\''") + "'"


class RoomdAt:
    """What http_helpers.RoomState needs of a daemon: its socket path."""

    def __init__(self, sock):
        self.sock = sock


class Backend:
    """roomd + muc-kick-fcgi, each from its runit run script, on one temp dir:

        WORKDIR/run/roomd.sock   nobody:www-data 0660 (dir nobody:www-data 0750)
        WORKDIR/run/fcgi.sock    www-data:www-data 0660, made by spawn-fcgi
        WORKDIR/muc-kick.toml    root:www-data 0640, the responder's configuration
    """

    def __init__(self, workdir=None, threads=2, with_responder=True, responder_user=RESPONDER_USER):
        """As shipped (responder_user=RESPONDER_USER): roomd as muc-kick with --kick-group muc-kick-fcgi,
        the responder as muc-kick-fcgi. With responder_user=WEB_USER: the layout where the web server's
        user runs the responder (mod_fcgid on shared hosting), roomd's socket and kick level given to
        that user's group."""
        self.workdir = workdir or H.make_workdir()
        shipped = responder_user == RESPONDER_USER
        self.responder_user = responder_user
        self.responder_group = RESPONDER_GROUP if shipped else WEB_GROUP
        self.run_dir = os.path.join(self.workdir, "run")
        self.roomd_sock = os.path.join(self.run_dir, "roomd.sock")
        self.fcgi_sock = os.path.join(self.run_dir, "fcgi.sock")
        self.config = os.path.join(self.workdir, "muc-kick.toml")
        self.with_responder = with_responder
        self.roomd = RunitService(self.workdir, "roomd", {
            "SOCKET": self.roomd_sock, "STATE_DIR": os.path.join(self.workdir, "state"),
            "SERVICES": "chat.example.org other.example.org",
            "RUN_USER": ROOMD_USER if shipped else "nobody", "RUN_GROUP": ROOMD_GROUP if shipped else WEB_GROUP,
            "KICK_GROUP": self.responder_group, "ROOMD": H.roomd_bin()})
        self.responder = RunitService(self.workdir, "muc-kick-fcgi", {
            "SOCKET": self.fcgi_sock, "THREADS": threads, "RESPONDER": X.muc_bin(),
            "RUN_USER": responder_user, "RESPONDER_ARGS": "--config " + self.config})
        self.state = X.RoomState(RoomdAt(self.roomd_sock))
        self.seq = 0

    def start(self):
        write(self.config, toml_config(X.SECRET, self.roomd_sock), mode=0o640, group=self.responder_group)
        try:
            self.roomd.start(lambda: can_connect_unix(self.roomd_sock))
            if self.with_responder:
                self.responder.start(lambda: os.path.exists(self.fcgi_sock))
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def room(self, occupants=(ALICE, BOB), prefix="deploy"):
        self.seq += 1
        return self.state.make_room("%s%d-%d@chat.example.org" % (prefix, os.getpid(), self.seq),
                                    occupants)

    def occupants(self, room):
        return self.state.occupants(room)

    def stop(self, check=True):
        problems = []
        for svc in (self.responder, self.roomd):
            try:
                rc = svc.stop()
            except AssertionError as e:
                problems.append(str(e))
                continue
            if rc not in (0, None):
                problems.append("%s exit code %s after SIGTERM:\n%s" % (svc.name, rc, svc.log()))
        if check and problems:
            raise AssertionError("\n".join(problems))

    def cleanup(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- nginx

class NginxAs(X.Nginx):
    """nginx with the shipped snippet, rendered by nginx/render.sh with `--user www-data`, as on a
    Debian host (http_helpers.Nginx renders `user root;`)."""

    def render(self):
        r = subprocess.run([X.RENDER_SH, "--prefix", self.prefix, "--socket", self.fcgi_sock,
                            "--port", str(self.port), "--workers", "1", "--daemon", "off",
                            "--user", WEB_USER, "-o", self.conf, "--check"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, "render.sh failed: %s%s" % (r.stdout, r.stderr)
        return self.conf


# --------------------------------------------------------------------------- Apache

APACHE_MODULES = ["mpm_event", "authz_core", "mime", "alias", "rewrite", "headers", "setenvif",
                  "env", "proxy", "proxy_fcgi", "fcgid", "reqtimeout"]
APACHE_MODULE_DIR = "/usr/lib/apache2/modules"


def apache_bin():
    return shutil.which("apache2") or "/usr/sbin/apache2"


class Apache:
    """apache2 in the foreground with a configuration of its own under WORKDIR/NAME: listens on
    127.0.0.1:PORT, children run as www-data, the virtual host's body is `vhost` (which includes
    or contains the shipped snippet), `server` adds server-level lines."""

    def __init__(self, workdir, name, vhost, server="", docroot=None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "run"), exist_ok=True)
        self.fcgid_dir = os.path.join(self.dir, "fcgid")
        os.makedirs(self.fcgid_dir, exist_ok=True)
        os.chown(self.fcgid_dir, uid_of(WEB_USER), gid_of(WEB_GROUP))
        for d in (self.dir, os.path.join(self.dir, "run")):
            os.chmod(d, 0o755)
        self.docroot = docroot or os.path.join(self.dir, "htdocs")
        os.makedirs(self.docroot, exist_ok=True)
        os.chmod(self.docroot, 0o755)
        self.port = X.free_port()
        self.conf = os.path.join(self.dir, "httpd.conf")
        self.error_log = os.path.join(self.dir, "logs", "error.log")
        self.vhost = vhost
        self.server = server
        self.proc = None

    def conf_text(self):
        loads = "\n".join("LoadModule %s_module %s/mod_%s.so" % (m, APACHE_MODULE_DIR, m)
                          for m in APACHE_MODULES)
        return """# generated by Tests/integration/deploy_helpers.py
ServerRoot "{dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{dir}/run/httpd.pid"
DefaultRuntimeDir "{dir}/run"
ErrorLog "{error_log}"
LogLevel warn fcgid:info proxy_fcgi:info
User {user}
Group {group}
{loads}
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
FcgidIPCDir "{fcgid}/sock"
FcgidProcessTableFile "{fcgid}/shm"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
{server}
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot "{docroot}"
{vhost}
</VirtualHost>
""".format(dir=self.dir, port=self.port, error_log=self.error_log, user=WEB_USER, group=WEB_GROUP,
           loads=loads, fcgid=self.fcgid_dir, server=self.server, docroot=self.docroot,
           vhost=self.vhost)

    def start(self, timeout=30):
        write(self.conf, self.conf_text())
        r = subprocess.run([apache_bin(), "-t", "-f", self.conf], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, "apache2 -t failed:\n%s%s\n%s" % (r.stdout, r.stderr,
                                                                    self.conf_text())
        errf = open(os.path.join(self.dir, "logs", "stderr.log"), "ab")
        self.proc = subprocess.Popen([apache_bin(), "-f", self.conf, "-DFOREGROUND"],
                                     stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                     env=X.clean_env())
        errf.close()
        deadline = time.monotonic() + timeout
        while not can_connect_tcp(self.port):
            if self.proc.poll() is not None:
                raise AssertionError("apache2 exited with %s:\n%s" % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("apache2 not listening within %ss:\n%s" % (timeout, self.log()))
            time.sleep(0.05)
        return self

    def log(self):
        return read(os.path.join(self.dir, "logs", "stderr.log"), tail=3000) + read(
            self.error_log, tail=8000)

    def post(self, body, authorization=X.SECRET, path="/muc_kick", **kw):
        return X.http_request(self.port, body=body, headers=X.auth(authorization), path=path, **kw)

    def stop(self, timeout=30):
        return H.stop_process(self.proc, "apache2", signal.SIGTERM, timeout)


# --------------------------------------------------------------------------- the common round

def check_kick(backend, post, kicker_uid=None):
    """Through `post(body, authorization)`: the right Authorization kicks (200, the occupant is
    gone, one audit record, by `kicker_uid` if given); a wrong one and none get 401 and change
    nothing."""
    room = backend.room()
    r = post({"muc": room, "nickname": BOB[0], "reason": "deploy test"}, X.SECRET)
    X.assert_json(r, 200, body=X.kicked_body(room, BOB[0], BOB[1]))
    assert backend.occupants(room) == {ALICE[0]: [ALICE[1]]}, "bob should be gone"
    recs = backend.state.audit(room)
    assert [x["nick"] for x in recs] == [BOB[0]], recs
    if kicker_uid is not None:
        assert recs[0].get("uid") == kicker_uid, "kick by uid %r, expected %r: %r" % (
            recs[0].get("uid"), kicker_uid, recs[0])

    for value in (WRONG, None):
        r = post({"muc": room, "nickname": ALICE[0]}, value)
        X.assert_error(r, 401, message="Authorization failed")
        assert r.headers.get("WWW-Authenticate"), r
        assert backend.occupants(room) == {ALICE[0]: [ALICE[1]]}, "alice must still be there"
    return room
