"""Apache in front of muc-kick-fcgi, from the shipped files in deploy/apache/, started for real
(apache2 -f CONF -DFOREGROUND as root, children as www-data):

- mod_proxy_fcgi (muc-kick-proxy-fcgi.conf, the socket path rewritten) -> the responder under
  spawn-fcgi (runit run script, as www-data) -> roomd (run script, nobody:www-data);
- mod_fcgid from a document root with the shipped .htaccess (htaccess-fcgid, verbatim), a copy of
  the responder named muc_kick.fcgi and muc-kick.toml next to it: Apache starts the responder;
- mod_fcgid with the vhost snippet (muc-kick-fcgid.conf, its directory rewritten).

In each: the right Authorization kicks (200, occupant gone, audit uid www-data), a wrong one or
none gets 401; and the Authorization header really reaches the application only because of the
snippet's line for it: the same set-up without that line answers 401 to the right value.
"""

import os
import shutil
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import deploy_helpers as D  # noqa: E402
import http_helpers as X  # noqa: E402
import tls_helpers as T  # noqa: E402
from deploy_helpers import deploy_packages  # noqa: E402,F401 (fixture)

pytestmark = pytest.mark.timeout(900)

PROXY_CONF = os.path.join(D.APACHE_DIR, "muc-kick-proxy-fcgi.conf")
HTACCESS = os.path.join(D.APACHE_DIR, "htaccess-fcgid")
FCGID_CONF = os.path.join(D.APACHE_DIR, "muc-kick-fcgid.conf")
SHIPPED_SOCKET = "/run/muc-kick/fcgi.sock"
SHIPPED_DIR = "/srv/muc-kick"


@pytest.fixture(scope="module")
def backend(deploy_packages):
    b = D.Backend().start()
    yield b
    try:
        b.stop()
    finally:
        b.cleanup()


@pytest.fixture(scope="module")
def fcgid_backend(deploy_packages):
    """mod_fcgid starts the responder as Apache's own user (www-data), as on shared hosting: roomd's
    socket and kick level go to that user's group."""
    b = D.Backend(with_responder=False, responder_user=D.WEB_USER).start()
    yield b
    try:
        b.stop()
    finally:
        b.cleanup()


def post_via(apache):
    return lambda body, authorization: apache.post(body, authorization)


@pytest.fixture
def apaches(backend):
    started = []

    def start(name, vhost, server="", docroot=None):
        a = D.Apache(backend.workdir, name, vhost, server=server, docroot=docroot)
        started.append(a)
        return a.start()

    yield start
    for a in started:
        a.stop()


# --------------------------------------------------------------------------- mod_proxy_fcgi

def proxy_vhost(backend, name, drop=None, socket_path=None):
    text = D.render(PROXY_CONF, [(SHIPPED_SOCKET, socket_path or backend.fcgi_sock)],
                    drop_lines_matching=drop)
    path = os.path.join(backend.workdir, name + ".conf")
    D.write(path, text)
    return "    Include \"%s\"" % path


def test_proxy_fcgi_kick(backend, apaches):
    a = apaches("proxy", proxy_vhost(backend, "proxy"))
    D.check_kick(backend, post_via(a), kicker_uid=D.uid_of(D.RESPONDER_USER))


def test_proxy_fcgi_slow_unauthenticated_bodies_do_not_hold_the_workers(backend, apaches):
    """mod_proxy_fcgi streams a body with a Content-Length as it arrives. Unauthenticated clients that
    send theirs a byte a second (after the first 20 KB, past what Apache reads ahead before it contacts the
    back end), four times as many as the responder has threads, must not keep a real kick waiting: the
    responder answers 401 from the parameters and closes without reading the body."""
    a = apaches("slowbody", proxy_vhost(backend, "slowbody"))
    room = backend.room()
    stop = threading.Event()
    slow = []
    # POSTs with a wrong secret, and other methods (which need no secret to be refused) with and without a
    # length: Apache streams every one of them to the responder.
    heads = [b"POST /muc_kick HTTP/1.1\r\nAuthorization: Basic d3Jvbmc6d3Jvbmc=\r\nContent-Length: 60000\r\n",
             b"PUT /muc_kick HTTP/1.1\r\nContent-Length: 60000\r\n",
             b"DELETE /muc_kick HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
             b"POST /muc_kick HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"]
    for i in range(8):
        head = heads[i % len(heads)]
        c = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        first = b"{" + b" " * 20000
        if b"chunked" in head:
            first = b"%x\r\n%s\r\n" % (len(first), first)
        c.sendall(head + b"Host: localhost\r\nContent-Type: application/json\r\n\r\n" + first)
        slow.append((c, b"chunked" in head))

    def trickle():
        while not stop.wait(1.0):
            for c, chunked in slow:
                try:
                    c.sendall(b"1\r\n \r\n" if chunked else b" ")
                except OSError:
                    pass
    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        time.sleep(1.5)  # every slow request has reached the responder and had its chance to hold a worker
        started = time.monotonic()
        r = a.post({"muc": room, "nickname": "bob"})
        elapsed = time.monotonic() - started
        X.assert_json(r, 200)
        assert elapsed < 3.0, "the real kick waited %.1f s behind slow unauthenticated bodies" % elapsed
        assert backend.occupants(room) == {"alice": [D.ALICE[1]]}
    finally:
        stop.set()
        t.join(5)
        for c, _ in slow:
            c.close()


def test_proxy_fcgi_without_cgipassauth_the_header_does_not_arrive(backend, apaches):
    """The snippet's CGIPassAuth line is what hands the header over: without it, 401."""
    a = apaches("proxy-noauth", proxy_vhost(backend, "proxy-noauth", drop=r"^\s*CGIPassAuth On"))
    room = backend.room()
    r = a.post({"muc": room, "nickname": D.BOB[0]}, X.SECRET)
    X.assert_error(r, 401, message="Authorization failed")
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}


def test_proxy_fcgi_setenvif_alternative_for_old_apache(backend, apaches):
    """The snippet's alternative to CGIPassAuth for Apache < 2.4.13 works too."""
    vhost = proxy_vhost(backend, "proxy-setenvif", drop=r"^\s*CGIPassAuth On")
    path = vhost.split('"')[1]
    text = D.read(path)
    line = 'SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1'
    assert line in D.read(PROXY_CONF), "the snippet no longer documents %r" % line
    D.write(path, text.replace("<Location \"/muc_kick\">", "<Location \"/muc_kick\">\n    " + line, 1))
    a = apaches("proxy-setenvif", vhost)
    D.check_kick(backend, post_via(a))


def test_proxy_fcgi_methods_body_limit(backend, apaches):
    a = apaches("proxy-limits", proxy_vhost(backend, "proxy-limits"))
    for method in ("GET", "PUT", "DELETE"):
        r = X.http_request(a.port, method=method, headers=X.auth(), body=None)
        X.assert_error(r, 405, message="Method not allowed")
        assert r.headers.get_all("Allow") == ["POST, OPTIONS"], r
    r = X.http_request(a.port, method="OPTIONS", headers=X.auth(), body=None)
    assert r.status == 204, r
    room = backend.room()
    big = b'{"muc":"%s","nickname":"bob","reason":"%s"}' % (room.encode(), b"x" * 70000)
    # Content-Length over the limit: Apache's 413 (the snippet's RewriteCond), JSON
    r = X.http_request(a.port, body=big, headers=X.auth())
    X.assert_error(r, 413, message="Request body too large")
    # chunked: the responder stops at its limit and answers 413 itself
    r = X.http_request(a.port, body=big, headers=X.auth(), chunked=True)
    X.assert_error(r, 413)
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}


def test_proxy_fcgi_responder_down_is_apache_503_json(backend, apaches):
    missing = os.path.join(backend.workdir, "not-there.sock")
    a = apaches("proxy-down", proxy_vhost(backend, "proxy-down", socket_path=missing))
    r = a.post({"muc": "x@chat.example.org", "nickname": "bob"})
    X.assert_error(r, 503, message="Responder unavailable")
    assert "AH02454" in a.log() or "AH01079" in a.log(), a.log()


# --------------------------------------------------------------------------- mod_fcgid, .htaccess

def fcgid_docroot(backend, name, htaccess_drop=None):
    """WORKDIR/NAME: .htaccess (shipped, verbatim unless a line is dropped), muc_kick.fcgi (a copy
    of the responder) and muc-kick.toml (root:www-data 0640) next to it."""
    root = os.path.join(backend.workdir, name)
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    D.write(os.path.join(root, ".htaccess"), D.render(HTACCESS, drop_lines_matching=htaccess_drop))
    shutil.copy2(X.muc_bin(), os.path.join(root, "muc_kick.fcgi"))
    os.chmod(os.path.join(root, "muc_kick.fcgi"), 0o755)
    D.write(os.path.join(root, "muc-kick.toml"), D.toml_config(X.SECRET, backend.roomd_sock),
            mode=0o640, group=D.WEB_GROUP)
    return root


def htaccess_vhost(root):
    # what a shared host gives a customer's directory (the documented minimum)
    return """    <Directory "%s">
        AllowOverride FileInfo Options
        Require all granted
    </Directory>""" % root


def fcgid_processes(path):
    return D.pids_of_exe(os.path.realpath(path))


def test_fcgid_htaccess_kick(fcgid_backend, apaches):
    backend = fcgid_backend
    root = fcgid_docroot(backend, "htaccess")
    a = apaches("fcgid-htaccess", htaccess_vhost(root), docroot=root)
    D.check_kick(backend, post_via(a), kicker_uid=D.uid_of(D.WEB_USER))

    # Apache started the responder itself: as www-data, its socket on fd 0, its configuration
    # from muc-kick.toml next to the binary (no --config, no MUC_KICK_* in its environment)
    pids = fcgid_processes(os.path.join(root, "muc_kick.fcgi"))
    assert pids, "no muc_kick.fcgi process:\n" + a.log()
    for pid in pids:
        st = D.proc_status(pid)
        assert st["Uid"][0] == str(D.uid_of(D.WEB_USER)), st
        assert (D.fd_target(pid, 0) or "").startswith("socket:"), D.fd_target(pid, 0)
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().split(b"\0")
        assert not [e for e in env if e.startswith(b"MUC_KICK_")], env
    assert "mod_fcgid: server" in a.log() and "inherited socket (fd 0)" in a.log(), a.log()

    # the configuration next to the binary is not served, nor an editor's or an admin's copy of it,
    # nor any dot-file
    for copy in ("muc-kick.toml~", "muc-kick.toml.bak", "muc-kick.toml.orig", ".muc-kick.toml.swp",
                 ".env"):
        D.write(os.path.join(root, copy), D.toml_config(X.SECRET, backend.roomd_sock), mode=0o644)
    for name in ("muc-kick.toml", "muc-kick.toml~", "muc-kick.toml.bak", "muc-kick.toml.orig",
                 ".muc-kick.toml.swp", ".env"):
        r = X.http_request(a.port, method="GET", path="/" + name, body=None)
        assert r.status == 403, (name, r)
        assert X.SECRET_TOKEN.encode() not in r.body, name

    # big bodies: Apache's 413 (Content-Length), the responder's own (chunked)
    room = backend.room()
    big = b'{"muc":"%s","nickname":"bob","reason":"%s"}' % (room.encode(), b"x" * 70000)
    X.assert_error(X.http_request(a.port, body=big, headers=X.auth()), 413,
                   message="Request body too large")
    X.assert_error(X.http_request(a.port, body=big, headers=X.auth(), chunked=True), 413)
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}

    # Apache stops the processes it started (SIGTERM) when it stops
    a.stop()
    assert X.wait_for(lambda: not fcgid_processes(os.path.join(root, "muc_kick.fcgi")), timeout=15), \
        "muc_kick.fcgi still running after Apache stopped"


def test_fcgid_htaccess_without_the_rewrite_env_the_header_does_not_arrive(fcgid_backend, apaches):
    backend = fcgid_backend
    """The .htaccess's E=HTTP_AUTHORIZATION flag is what hands the header over: without it, 401.
    (The rule stays, without the flag.)"""
    root = fcgid_docroot(backend, "htaccess-noauth")
    path = os.path.join(root, ".htaccess")
    text = D.read(path)
    old = '"muc_kick.fcgi" [L,E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]'
    assert old in text
    D.write(path, text.replace(old, '"muc_kick.fcgi" [L]'))
    a = apaches("fcgid-htaccess-noauth", htaccess_vhost(root), docroot=root)
    room = backend.room()
    r = a.post({"muc": room, "nickname": D.BOB[0]}, X.SECRET)
    X.assert_error(r, 401, message="Authorization failed")
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}


def test_fcgid_htaccess_in_a_subdirectory(fcgid_backend, apaches):
    backend = fcgid_backend
    """The .htaccess works from any directory: /api/muc_kick."""
    top = os.path.join(backend.workdir, "sub-docroot")
    os.makedirs(top, exist_ok=True)
    os.chmod(top, 0o755)
    api = fcgid_docroot(backend, "sub-docroot/api")
    assert api == os.path.join(top, "api")
    a = apaches("fcgid-sub", htaccess_vhost(api), docroot=top)
    D.check_kick(backend, lambda body, value: a.post(body, value, path="/api/muc_kick"))


def test_fcgid_htaccess_with_a_wrapper_script(fcgid_backend, apaches):
    backend = fcgid_backend
    """deploy/apache/README.md: muc_kick.fcgi may be a shell script that execs the binary kept
    outside the web directory, with its configuration elsewhere too."""
    root = fcgid_docroot(backend, "wrapper")
    private = os.path.join(backend.workdir, "wrapper-home")
    os.makedirs(private)
    os.chmod(private, 0o755)
    binary = os.path.join(private, "muc-kick-fcgi")
    shutil.copy2(X.muc_bin(), binary)
    conf = os.path.join(private, "muc-kick.toml")
    os.rename(os.path.join(root, "muc-kick.toml"), conf)
    D.write(os.path.join(root, "muc_kick.fcgi"),
            "#!/bin/sh\nexec %s --config %s --threads 1\n" % (binary, conf), mode=0o755)
    a = apaches("fcgid-wrapper", htaccess_vhost(root), docroot=root)
    D.check_kick(backend, post_via(a), kicker_uid=D.uid_of(D.WEB_USER))
    assert "inherited socket (fd 0) with 1 threads" in a.log(), a.log()


@pytest.mark.parametrize("credential", ["token", "certificate"])
def test_fcgid_htaccess_kick_over_tls_from_another_network_namespace(fcgid_backend, apaches, daemon_factory, pki,
                                                                    netns, credential):
    """Shared hosting as docs/deploy.md sets it up when roomd is on the chat host: in the customer's
    directory the binary, the shipped .htaccess and muc-kick.toml naming roomd by tls://, the CA and the
    token (or a client certificate) in their home outside the document root; roomd in a network namespace
    of its own, reached over the veth pair. The kick is audited as that caller; once the caller is revoked
    (its line deleted, roomd reloaded), kicks answer 503 and kick nobody."""
    t = T.TLSRoomd(daemon_factory, pki, netns=netns)
    root = fcgid_docroot(fcgid_backend, "htaccess-tls-" + credential)
    home = os.path.join(fcgid_backend.workdir, "tls-home-" + credential)
    os.makedirs(home)
    os.chown(home, 0, D.gid_of(D.WEB_GROUP))
    os.chmod(home, 0o750)
    ca = os.path.join(home, "ca.pem")
    D.write(ca, D.read(pki.ca_pem), mode=0o644)
    config = 'http_muc_kick_authorization_header = "%s"\nroomd_address = "%s"\nroomd_server_name = ' \
        '"chat.example.org"\nroomd_ca = "%s"\n' % (X.SECRET, t.address, ca)
    if credential == "token":
        token = os.path.join(home, "roomd.token")
        D.write(token, D.read(pki.token_file), mode=0o640, group=D.WEB_GROUP)
        config += 'roomd_token_file = "%s"\n' % token
        caller, revoked = "token:shop1", pki.callers(token=False)
    else:
        cert, key = os.path.join(home, "web1.pem"), os.path.join(home, "web1.key")
        D.write(cert, D.read(pki.web1[0]), mode=0o644)
        D.write(key, D.read(pki.web1[1]), mode=0o640, group=D.WEB_GROUP)
        config += 'roomd_certificate = "%s"\nroomd_key = "%s"\n' % (cert, key)
        caller, revoked = "certificate:web:web1.example.org", pki.callers(ca=False)
    D.write(os.path.join(root, "muc-kick.toml"), config, mode=0o640, group=D.WEB_GROUP)
    a = apaches("fcgid-htaccess-tls", htaccess_vhost(root), docroot=root)
    state = X.RoomState(t.d)
    room = state.make_room("fcgidtls@chat.example.org", [D.ALICE, D.BOB])
    r = a.post({"muc": room, "nickname": D.BOB[0]}, X.SECRET)
    X.assert_json(r, 200, body=X.kicked_body(room, D.BOB[0], D.BOB[1]))
    assert set(state.occupants(room)) == {D.ALICE[0]}
    rec = state.audit(room)[-1]
    assert rec.get("caller") == caller and rec.get("uid") == -1, rec
    r = a.post({"muc": room, "nickname": D.ALICE[0]}, D.WRONG)
    X.assert_error(r, 401, message="Authorization failed")
    assert set(state.occupants(room)) == {D.ALICE[0]}

    t.write_callers(revoked)
    t.reload("reloaded the TLS certificate and callers")
    r = a.post({"muc": room, "nickname": D.ALICE[0]}, X.SECRET)
    X.assert_error(r, 503, message="Room service unavailable")
    assert set(state.occupants(room)) == {D.ALICE[0]}
    assert T.TOKEN not in a.log()


# --------------------------------------------------------------------------- mod_fcgid, vhost

def fcgid_vhost(backend, name, drop=None):
    srv = os.path.join(backend.workdir, name + "-srv")
    os.makedirs(srv, exist_ok=True)
    os.chmod(srv, 0o755)
    shutil.copy2(X.muc_bin(), os.path.join(srv, "muc_kick.fcgi"))
    os.chmod(os.path.join(srv, "muc_kick.fcgi"), 0o755)
    D.write(os.path.join(srv, "muc-kick.toml"), D.toml_config(X.SECRET, backend.roomd_sock),
            mode=0o640, group=D.WEB_GROUP)
    text = D.render(FCGID_CONF, [(SHIPPED_DIR, srv)], drop_lines_matching=drop)
    path = os.path.join(backend.workdir, name + ".conf")
    D.write(path, text)
    return srv, "    Include \"%s\"" % path


def test_fcgid_vhost_kick(fcgid_backend, apaches):
    backend = fcgid_backend
    srv, vhost = fcgid_vhost(backend, "fcgid-vhost")
    a = apaches("fcgid-vhost", vhost)
    D.check_kick(backend, post_via(a), kicker_uid=D.uid_of(D.WEB_USER))
    # FcgidInitialEnv MUC_KICK_THREADS 1 reached the processes
    assert "with 1 threads" in a.log(), a.log()
    room = backend.room()
    big = b'{"muc":"%s","nickname":"bob","reason":"%s"}' % (room.encode(), b"x" * 70000)
    X.assert_error(X.http_request(a.port, body=big, headers=X.auth()), 413,
                   message="Request body too large")
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}


def test_fcgid_vhost_without_fcgidpassheader_the_header_does_not_arrive(fcgid_backend, apaches):
    backend = fcgid_backend
    srv, vhost = fcgid_vhost(backend, "fcgid-vhost-noauth", drop=r"^FcgidPassHeader Authorization")
    a = apaches("fcgid-vhost-noauth", vhost)
    room = backend.room()
    r = a.post({"muc": room, "nickname": D.BOB[0]}, X.SECRET)
    X.assert_error(r, 401, message="Authorization failed")
    assert set(backend.occupants(room)) == {D.ALICE[0], D.BOB[0]}
