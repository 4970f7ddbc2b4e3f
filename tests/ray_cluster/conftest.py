"""A real Ray cluster on 127.0.0.1 for these tests: a head and a second node, one CPU each, token auth on.

Collected only inside the namespace launch.py makes (LAYERLAB_RAY_CLUSTER set); elsewhere the folder is
skipped. The nodes carry the custom resources "head" and "second", so tests can see where work ran.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

RAY = str(Path(sys.executable).with_name("ray"))
OBJECT_STORE = str(80 * 1024 * 1024)
ADDRESS = "127.0.0.1:6379"


def pytest_ignore_collect(collection_path, config):
    return not os.environ.get("LAYERLAB_RAY_CLUSTER")


def _start(args, env, log: Path):
    # Output to a file, not a pipe: the daemons `ray start` leaves behind would hold a pipe open for good.
    with open(log, "w") as out:
        code = subprocess.call([RAY, "start", "--node-ip-address=127.0.0.1", "--disable-usage-stats",
                                f"--object-store-memory={OBJECT_STORE}", "--num-cpus=1", *args],
                               env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=120)
    if code != 0:
        pytest.fail(f"ray start {' '.join(args)} failed:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def cluster():
    """The cluster's address; the token is in this process's environment, as a user's shell would have it."""
    token = secrets.token_hex(16)
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token, RAY_USAGE_STATS_ENABLED="0")
    env = dict(os.environ)
    temp = tempfile.mkdtemp(prefix="llray")
    _start(["--head", "--port=6379", "--include-dashboard=false", f"--temp-dir={temp}",
            '--resources={"head": 1}'], env, Path(temp) / "head.log")
    _start([f"--address={ADDRESS}", '--resources={"second": 1}'], env, Path(temp) / "second.log")
    yield ADDRESS
    from layerlab.core.cluster.connect import disconnect

    disconnect()
    # The processes end with the namespace (launch.py is its process 1); the session files go now.
    shutil.rmtree(temp, ignore_errors=True)
