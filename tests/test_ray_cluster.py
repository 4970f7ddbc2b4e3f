"""The Ray cluster tests (tests/ray_cluster), run in a network and PID namespace of their own.

Ray binds the machine's outside interface even when told 127.0.0.1; inside a new network namespace
only the loopback exists, so the cluster is private to the tests, and the PID namespace ends every Ray
process with the tests. Needs Ray (the test extra installs it) and `unshare` (util-linux), root or
unprivileged user namespaces.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ray_cluster_suite():
    pytest.importorskip("ray")
    if not sys.platform.startswith("linux") or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("needs Linux namespaces: unshare (util-linux) and ip (iproute2)")
    user = [] if os.geteuid() == 0 else ["-r"]  # an unprivileged user namespace maps us to root in it
    probe = subprocess.run(["unshare", *user, "-n", "-p", "-f", "--mount-proc", "true"], capture_output=True,
                           text=True, timeout=60)
    if probe.returncode != 0:  # a container without the right to make namespaces
        pytest.skip(f"this machine refuses new namespaces: {probe.stderr.strip()}")
    done = subprocess.run(["unshare", *user, "-n", "-p", "-f", "--mount-proc", "--kill-child", "--",
                           sys.executable, str(ROOT / "tests" / "ray_cluster" / "launch.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=850)
    assert done.returncode == 0, f"the Ray cluster tests failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
