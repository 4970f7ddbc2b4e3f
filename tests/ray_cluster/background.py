"""The Ray cluster suite runs beside the rest of the tests: started when collection ends, its result read last.

It lives in a network and PID namespace of its own (launch.py) and takes about two minutes, mostly waiting
for engines to start on its nodes; run after the other tests it made `make test` that much longer. Its
output goes to a file (a pipe nobody reads would fill and stop it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = "tests/test_ray_cluster.py::test_ray_cluster_suite"


class Launch:
    def __init__(self):
        self.skip: str | None = None
        self.process: subprocess.Popen | None = None
        self.log: Path | None = None

    def start(self) -> None:
        if importlib.util.find_spec("ray") is None:  # found, not imported: the test process stays free of Ray
            self.skip = "Ray is not installed (pip install 'layerlab[ray]')"
            return
        if not sys.platform.startswith("linux") or not shutil.which("unshare") or not shutil.which("ip"):
            self.skip = "needs Linux namespaces: unshare (util-linux) and ip (iproute2)"
            return
        user = [] if os.geteuid() == 0 else ["-r"]  # an unprivileged user namespace maps us to root in it
        probe = subprocess.run(["unshare", *user, "-n", "-p", "-f", "--mount-proc", "true"], capture_output=True,
                               text=True, timeout=60)
        if probe.returncode != 0:  # a container without the right to make namespaces
            self.skip = f"this machine refuses new namespaces: {probe.stderr.strip()}"
            return
        fd, name = tempfile.mkstemp(prefix="layerlab-ray-suite-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(fd, "w") as out:
            self.process = subprocess.Popen(
                ["unshare", *user, "-n", "-p", "-f", "--mount-proc", "--kill-child", "--",
                 sys.executable, str(ROOT / "tests" / "ray_cluster" / "launch.py")],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait(self, timeout: float) -> tuple[int, str]:
        """The suite's exit code and the end of its output."""
        assert self.process is not None and self.log is not None
        code = self.process.wait(timeout)
        text = self.log.read_text(errors="replace")
        self.log.unlink(missing_ok=True)
        return code, text[-8000:]

    def stop(self) -> None:
        """The session ended first (interrupted, or the test deselected on the way): end the namespace."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # unshare --kill-child then ends everything in the namespace
            self.process.wait(30)
        if self.log is not None:
            self.log.unlink(missing_ok=True)


launch = Launch()
