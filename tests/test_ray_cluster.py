"""The Ray cluster tests (tests/ray_cluster), run in a network and PID namespace of their own.

Ray binds the machine's outside interface even when told 127.0.0.1; inside a new network namespace
only the loopback exists, so the cluster is private to the tests, and the PID namespace ends every Ray
process with the tests. Needs Ray (the test extra installs it) and `unshare` (util-linux), root or
unprivileged user namespaces. The suite starts when collection ends and runs beside the other tests
(tests/conftest.py, ray_cluster/background.py); this test, run last, reads its result.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ray_cluster.background import launch  # noqa: E402


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ray_cluster_suite():
    if launch.process is None:
        if launch.skip is None:
            launch.start()  # collected in an unusual way (no collection hook ran): run it now
        if launch.skip is not None:
            pytest.skip(launch.skip)
    code, output = launch.wait(timeout=850)
    assert code == 0, f"the Ray cluster tests failed:\n{output}"
