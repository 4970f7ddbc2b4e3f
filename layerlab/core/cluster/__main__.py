"""`python -m layerlab.core.cluster ADDRESS`: what a Ray cluster has, as one JSON line (the editor's check).

Prints {"address", "nodes", "cpus", "gpus", "text"} or {"error"}; exit 0 or 1. A process of its own, so
that the editor never becomes a Ray driver itself.
"""

import json
import os
import sys

from layerlab.core.cluster.connect import ClusterError, cluster_info


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(json.dumps({"error": "usage: python -m layerlab.core.cluster ADDRESS"}))
        return 2
    try:
        info = cluster_info(argv[0])
    except ClusterError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    print(json.dumps({"address": info.address, "nodes": info.nodes, "cpus": info.cpus, "gpus": info.gpus,
                      "text": info.describe()}), flush=True)
    return 0


ADDRESS_ENV = "LAYERLAB_RAY_ADDRESS"


def from_env() -> int:
    """The same check, the address in the environment (`python -m layerlab.core.engine ray-info`)."""
    return main([os.environ.get(ADDRESS_ENV, "")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
