"""The test run's own grouping (conftest.py): under `--dist loadgroup` every test carries its file's group,
or `machine`, in the node id xdist schedules by. Without it a file's tests spread over the workers, and
module fixtures such as the portable build start on two of them at once."""
import os

import pytest

import conftest


def test_this_file_is_one_group(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only under pytest-xdist's --dist loadgroup")
    assert request.node.nodeid.endswith("@test_xdist_groups.py"), request.node.nodeid


def test_the_machine_wide_files_exist():
    here = os.path.dirname(os.path.abspath(__file__))
    for name in conftest.MACHINE_WIDE:
        assert os.path.exists(os.path.join(here, name)), name
