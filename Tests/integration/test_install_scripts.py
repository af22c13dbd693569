"""deploy/check-build-deps.sh against package states made up with stand-ins for dpkg-query and apt-cache.

The real states (a fresh image with an older point release, then an upgrade) are exercised by CI itself;
these pin what the check says and how it exits for each state, whatever this machine has installed.
"""

import os
import subprocess
import textwrap

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def fake_tools(tmp_path, installed, candidate):
    """dpkg-query and apt-cache that report the given versions (None: not installed / no candidate)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    table = "\n".join("%s %s %s" % (p, installed.get(p) or "-", candidate.get(p) or "-")
                      for p in set(installed) | set(candidate))
    (tmp_path / "versions").write_text(table + "\n")
    (bin_dir / "dpkg-query").write_text(textwrap.dedent("""\
        #!/bin/sh
        # dpkg-query -W -f=FORMAT PACKAGE
        v=$(awk -v p="$3" '$1 == p && $2 != "-" { print $2 }' %s)
        [ -n "$v" ] || exit 1
        printf 'ii  %%s' "$v"
        """ % (tmp_path / "versions")))
    (bin_dir / "apt-cache").write_text(textwrap.dedent("""\
        #!/bin/sh
        # apt-cache policy PACKAGE
        v=$(awk -v p="$2" '$1 == p { print $3 }' %s)
        [ "$v" = - ] && v="(none)"
        printf '%%s:\\n  Installed: x\\n  Candidate: %%s\\n' "$2" "$v"
        """ % (tmp_path / "versions")))
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return str(bin_dir)


def run_check(tmp_path, installed, candidate, *args):
    env = dict(os.environ, PATH=fake_tools(tmp_path, installed, candidate) + ":" + os.environ["PATH"])
    return subprocess.run([os.path.join(REPO, "deploy", "check-build-deps.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=30)


CURRENT = {"libexpat1-dev": "2.5.0-1+deb12u5", "libfcgi-dev": "2.4.2-2+deb12u1", "libicu-dev": "72.1-3+deb12u1",
           "libsqlite3-dev": "3.40.1-2+deb12u2", "libssl-dev": "3.0.22-1~deb12u2", "pkg-config": "1.8.1-1"}


def row(out, package):
    return next(line for line in out.splitlines() if line.startswith(package + " "))


def test_all_current_passes(tmp_path):
    r = run_check(tmp_path, CURRENT, CURRENT)
    assert r.returncode == 0, r.stdout + r.stderr
    for package in CURRENT:
        assert row(r.stdout, package).endswith(" ok")


def test_image_expat_older_than_candidate_is_named(tmp_path):
    # The image's expat, before the install step's upgrade: it builds, and the check says what is stale.
    installed = dict(CURRENT, **{"libexpat1-dev": "2.5.0-1+deb12u1"})
    r = run_check(tmp_path, installed, CURRENT)
    assert r.returncode == 0, r.stdout + r.stderr
    line = row(r.stdout, "libexpat1-dev")
    assert "2.5.0-1+deb12u1" in line and "2.5.0-1+deb12u5" in line
    assert "older than candidate: apt-get install libexpat1-dev" in line
    (tmp_path / "strict").mkdir()
    assert run_check(tmp_path / "strict", installed, CURRENT, "--strict").returncode == 1


def test_below_minimum_fails_with_the_fix(tmp_path):
    # libfcgi before the CVE-2025-23016 fix.
    installed = dict(CURRENT, **{"libfcgi-dev": "2.4.2-2"})
    r = run_check(tmp_path, installed, CURRENT)
    assert r.returncode == 1
    assert "TOO OLD: needs >= 2.4.2-2+deb12u1; apt-get install libfcgi-dev" in row(r.stdout, "libfcgi-dev")
    assert "deploy/install-deps.sh installs them" in r.stderr


def test_missing_package_fails(tmp_path):
    installed = {k: v for k, v in CURRENT.items() if k != "libsqlite3-dev"}
    r = run_check(tmp_path, installed, CURRENT)
    assert r.returncode == 1
    assert "MISSING: apt-get install libsqlite3-dev" in row(r.stdout, "libsqlite3-dev")


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a directory owned by another user")
def test_run_local_refuses_a_directory_it_does_not_own(tmp_path):
    """A directory another user made (or a symlink) at run-local's path could redirect what the script,
    run as root, writes and kills: it is refused before anything is built or started."""
    import pwd
    planted = tmp_path / "planted"
    planted.mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(planted, nobody.pw_uid, nobody.pw_gid)
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    for path in (planted, link):
        r = subprocess.run([os.path.join(REPO, "deploy", "run-local.sh")], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, MUC_KICK_LOCAL_DIR=str(path), MUC_KICK_SKIP_INSTALL="1"))
        assert r.returncode == 73, r
        assert "remove it or set MUC_KICK_LOCAL_DIR" in r.stderr, r.stderr
        assert "building" not in r.stdout
