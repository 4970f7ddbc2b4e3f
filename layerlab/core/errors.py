"""Error and problem types shared by the core."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class LayerLabError(Exception):
    """An error with a message meant for the user (no traceback needed)."""


class ProjectFileError(LayerLabError):
    """A project file that cannot be read at all (bad JSON, wrong format, newer version)."""


class ProblemKind(str, Enum):
    """What a problem is about, so that views route it by kind, never by its wording."""

    PARAMETER = "parameter"  # a parameter value the layer type refuses
    NAME = "name"  # the layer's name (taken, or not one Keras allows)
    TYPE = "type"  # the node's type is unknown, or the layer it shares cannot be shared
    MEMORY = "memory"  # the weights do not fit in memory
    WIRING = "wiring"  # its ports and wires: missing, extra, duplicated
    CYCLE = "cycle"  # it is part of a cycle
    LAYER = "layer"  # Keras refused the layer on the inputs its wires bring
    GRAPH = "graph"  # the model as a whole (no Input)
    DATA = "data"  # the data against the model
    PATH = "path-outside-project"  # a path the project names leaves its folder (layerlab.core.confine)
    GENERAL = "general"  # anything else (a failed check, a file's note)


# The kinds a node's incoming wires may cause: the canvas paints those wires red.
ABOUT_WIRES = frozenset({ProblemKind.WIRING, ProblemKind.CYCLE, ProblemKind.LAYER})


@dataclass(frozen=True)
class Problem:
    """One finding of a check: an error or a warning, about a node or the whole graph."""

    message: str
    node: str | None = None
    level: str = "error"  # "error" | "warning"
    kind: ProblemKind = ProblemKind.GENERAL

    def to_json(self) -> dict:
        return {"node": self.node, "message": self.message}  # the `check --json` contract: exactly these keys

    def __str__(self) -> str:
        where = f"node '{self.node}': " if self.node else ""
        return f"{self.level}: {where}{self.message}"
