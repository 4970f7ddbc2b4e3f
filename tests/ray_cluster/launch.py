"""Run the Ray cluster tests inside a network and PID namespace of their own (started by tests/test_ray_cluster.py).

`unshare -n -p -f --mount-proc --kill-child -- python tests/ray_cluster/launch.py [pytest args]`: this
script is process 1 of the namespace. It brings up the loopback interface (the only one there, so Ray
binds 127.0.0.1 and nothing outside can reach the cluster), runs pytest on tests/ray_cluster (whose
conftest starts a head and a second node), and exits; the kernel then ends every process left in the
namespace, so no Ray process outlives the tests.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    env = {**os.environ, "LAYERLAB_RAY_CLUSTER": "1", "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    code = subprocess.call([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                            str(ROOT / "tests" / "ray_cluster"), *sys.argv[1:]], cwd=ROOT, env=env)
    sys.exit(code)
