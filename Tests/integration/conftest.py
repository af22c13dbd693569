"""Fixtures for the roomd / roomctl integration tests.

Binaries come from $MUCKICK_BIN_DIR, else from `swift build --show-bin-path` (computed once).
Each test gets its own roomd on a fresh temp dir; at teardown every daemon still running is
stopped with SIGTERM and must exit 0 and remove its socket.
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mk_helpers as H  # noqa: E402

# Files whose tests change this machine (the shipped service users, packages, apache2's and systemd's
# configuration, the portable build's directory) run one after another in a single worker; see below.
MACHINE_WIDE = {"test_deploy_apache.py", "test_deploy_portable.py", "test_deploy_spawn_fcgi.py",
                "test_deploy_systemd.py", "test_http_modes.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Groups the tests for pytest-xdist's `--dist loadgroup` (deploy/test-all.sh runs one worker a CPU):
    a file's tests stay together, so its module- and session-scoped servers start once a worker and tests
    that read a file's state in order keep it; the machine-wide files form one group.

    First of the hook's implementations: xdist's own (registered after this conftest, so called before it
    by default) turns each test's group mark into the suffix its scheduler reads, and a mark added after
    it is ignored: the files' tests were then spread over both workers, and two workers once ran the
    portable build at the same time in the same scratch directory."""
    for item in items:
        name = os.path.basename(str(item.path))
        item.add_marker(pytest.mark.xdist_group("machine" if name in MACHINE_WIDE else name))


@pytest.fixture(scope="session")
def bins():
    return {"roomd": H.roomd_bin(), "roomctl": H.roomctl_bin()}


@pytest.fixture
def daemon_factory(bins):
    made = []

    def make(start=True, **kw):
        d = H.Daemon(**kw)
        made.append(d)
        if start:
            d.start()
        return d

    yield make

    problems = []
    for d in made:
        try:
            if d.running:
                d.stop_clean()
            else:
                d.close_handles()
        except AssertionError as e:
            problems.append(str(e))
    for d in made:
        shutil.rmtree(d.workdir, ignore_errors=True)
    if problems:
        pytest.fail("at teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def roomd(daemon_factory):
    """A running roomd serving chat.example.org and other.example.org."""
    return daemon_factory()


@pytest.fixture
def rooms(roomd):
    """A PyPI-varlink connection to org.muckick.Rooms on `roomd` (as root: admin)."""
    return roomd.rooms()


@pytest.fixture(scope="module")
def pki():
    """A CA, roomd's certificates and client certificates good and bad (tls_helpers.PKI)."""
    import tls_helpers
    return tls_helpers.PKI(H.make_workdir())


@pytest.fixture(scope="module")
def netns():
    """A network namespace for roomd, joined to this one by a veth pair (tls_helpers.NetworkNamespace)."""
    import tls_helpers
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    n = tls_helpers.NetworkNamespace().create()
    yield n
    n.delete()
