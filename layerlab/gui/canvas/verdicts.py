"""Verdicts on candidate wires, as the canvas shows them (computed by the check engine: layerlab.core.verdicts)."""

from layerlab.core.verdicts import Verdict, describe_shape

__all__ = ["Verdict", "describe_shape"]
