"""A sweep's search space: which project keys vary, and how (SPACE.json), and the trials drawn from it.

SPACE.json maps keys to distributions::

    {"training.learning_rate": {"loguniform": [1e-4, 1e-2]},
     "training.batch_size": {"choice": [16, 32, 64]},
     "nodes.hidden1.units": {"randint": [8, 65]}}

A key is ``training.KEY`` (any key of the training section) or
``nodes.ID.PARAM`` (a parameter of the node ID, as the inspector shows it).
Distributions: ``uniform`` [a, b] and ``loguniform`` [a, b] (floats, 0 < a
for loguniform), ``randint`` [a, b] (whole numbers a <= n < b, as Ray Tune's),
``choice`` [v, ...] (any JSON values). Trials are drawn here, with a seed, the
same way whether they run on this computer or on a Ray cluster.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from layerlab.core.errors import LayerLabError

KINDS = ("uniform", "loguniform", "randint", "choice")


class SpaceError(LayerLabError):
    """A search space that cannot be used; the message names the key at fault."""


@dataclass(frozen=True)
class Dimension:
    key: str  # "training.learning_rate" or "nodes.ID.param"
    kind: str
    args: tuple

    def sample(self, rng: np.random.Generator) -> Any:
        if self.kind == "uniform":
            return float(rng.uniform(self.args[0], self.args[1]))
        if self.kind == "loguniform":
            return float(math.exp(rng.uniform(math.log(self.args[0]), math.log(self.args[1]))))
        if self.kind == "randint":
            return int(rng.integers(self.args[0], self.args[1]))
        return self.args[int(rng.integers(len(self.args)))]


def load_space(path: str | Path) -> list[Dimension]:
    """Read and check SPACE.json (the keys' forms and distributions; the keys' targets with :func:`check_keys`)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpaceError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpaceError(f"{path}: not valid JSON ({exc})") from None
    return parse_space(data, str(path))


def parse_space(data: Any, where: str = "space") -> list[Dimension]:
    if not isinstance(data, dict) or not data:
        raise SpaceError(f"{where}: a search space is a JSON object of key: distribution, with at least one key")
    return [_dimension(key, value, where) for key, value in data.items()]


def _dimension(key: str, value: Any, where: str) -> Dimension:
    parts = key.split(".")
    if not ((parts[0] == "training" and len(parts) == 2 and parts[1])
            or (parts[0] == "nodes" and len(parts) == 3 and all(parts[1:]))):
        raise SpaceError(f"{where}: key {key!r} must be training.KEY or nodes.ID.PARAM")
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in KINDS:
        raise SpaceError(f"{where}: {key}: give one distribution, as {{\"KIND\": [...]}} with KIND one of "
                         f"{', '.join(KINDS)}")
    kind, args = next(iter(value.items()))
    if not isinstance(args, list) or not args:
        raise SpaceError(f"{where}: {key}: {kind} takes a non-empty list")
    if kind == "choice":
        return Dimension(key, kind, tuple(args))
    if len(args) != 2 or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        raise SpaceError(f"{where}: {key}: {kind} takes two numbers [low, high]")
    low, high = args
    if not low < high:
        raise SpaceError(f"{where}: {key}: {kind} needs low < high, got [{low}, {high}]")
    if kind == "loguniform" and low <= 0:
        raise SpaceError(f"{where}: {key}: loguniform needs low > 0, got {low}")
    if kind == "randint" and not (float(low).is_integer() and float(high).is_integer()):
        raise SpaceError(f"{where}: {key}: randint takes whole numbers, got [{low}, {high}]")
    if kind == "randint":
        low, high = int(low), int(high)
    return Dimension(key, kind, (low, high))


def check_keys(space: list[Dimension], project) -> None:
    """Every key names something in `project`: a training key, or a parameter of one of its nodes' types."""
    from layerlab.core import catalog
    from layerlab.core.training.config import KEYS

    doc = project.document
    ids = {n.id for n in doc.nodes()}
    for dim in space:
        parts = dim.key.split(".")
        if parts[0] == "training":
            if parts[1] not in KEYS:
                raise SpaceError(f"{dim.key}: not a training key; known: {', '.join(KEYS)}")
            continue
        node, param = parts[1], parts[2]
        if node not in ids:
            raise SpaceError(f"{dim.key}: the project has no node {node!r}")
        spec = catalog.get(doc.node_type(node))
        if spec is not None and spec.param(param) is None:
            names = ", ".join(p.name for p in spec.params)
            raise SpaceError(f"{dim.key}: a {doc.node_type(node)} node has no parameter {param!r}; "
                             f"its parameters: {names}")


def draw(space: list[Dimension], trials: int, seed: int | None = None) -> list[dict]:
    """`trials` parameter sets, {key: value}, drawn with `seed` (the same seed, the same trials)."""
    rng = np.random.default_rng(seed)
    return [{dim.key: dim.sample(rng) for dim in space} for _ in range(trials)]
