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
