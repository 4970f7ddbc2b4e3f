"""Error and problem types shared by the core."""

from __future__ import annotations

from dataclasses import dataclass


class LayerLabError(Exception):
    """An error with a message meant for the user (no traceback needed)."""


class ProjectFileError(LayerLabError):
    """A project file that cannot be read at all (bad JSON, wrong format, newer version)."""


@dataclass(frozen=True)
class Problem:
    """One finding of a check: an error or a warning, about a node or the whole graph."""

    message: str
    node: str | None = None
    level: str = "error"  # "error" | "warning"
    kind: str = ""  # what sort of problem, for code that acts on it (never route by the message)

    def to_json(self) -> dict:
        out = {"node": self.node, "message": self.message}
        if self.kind:
            out["kind"] = self.kind
        return out

    def __str__(self) -> str:
        where = f"node '{self.node}': " if self.node else ""
        return f"{self.level}: {where}{self.message}"
