"""Why a model file was not imported: unreadable (exit 2) or refused (exit 1)."""

from __future__ import annotations

from dataclasses import dataclass

from layerlab.core.errors import LayerLabError


class ModelFileError(LayerLabError):
    """The file cannot be read as a saved Keras model: missing, truncated, corrupt, or not a model."""

    exit_code = 2


@dataclass(frozen=True)
class Refusal:
    """One thing in a model file that LayerLab will not run or cannot represent."""

    layer: str  # the Keras layer name (dotted through nested models), or "" for the model itself
    kind: str  # the Keras class name, or what the thing is
    reason: str

    def __str__(self) -> str:
        where = f"'{self.layer}' ({self.kind})" if self.layer else self.kind
        return f"{where}: {self.reason}"


class ModelRefusedError(LayerLabError):
    """The file is a readable model, but holds code, custom objects or content LayerLab does not support."""

    exit_code = 1

    def __init__(self, path: str, refusals: list[Refusal], unsafe: bool):
        self.path = path
        self.refusals = list(refusals)
        self.unsafe = unsafe  # True when something would need code execution (Lambda, custom objects)
        shown = "; ".join(str(r) for r in self.refusals[:12])
        more = f"; and {len(self.refusals) - 12} more" if len(self.refusals) > 12 else ""
        why = ("LayerLab never runs code from a model file, and imports only built-in Keras layers from its catalog"
               if unsafe else "LayerLab cannot represent these in its graph")
        super().__init__(f"{path}: not imported: {shown}{more}. {why}.")
