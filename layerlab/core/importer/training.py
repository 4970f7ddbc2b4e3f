"""The compile settings stored in a model file -> the project's training section.

Keras writes optimizers, losses and metrics either by name ("adam", "mse") or
as serialized objects ({"class_name": "Adam", "config": {...}}). Both are
mapped back to the names layerlab.core.build understands; anything it does not
know (a custom loss, a learning-rate schedule) is left out with a note, never
deserialized.
"""

from __future__ import annotations

import math
from typing import Any

from layerlab.core.build import LOSSES, METRICS, OPTIMIZERS


def _first_names(table: dict[str, str]) -> dict[str, str]:
    """Keras class name -> the first (shortest-listed) name build.py accepts for it."""
    out: dict[str, str] = {}
    for name, cls in table.items():
        out.setdefault(cls, name)
    return out


_OPTIMIZER_NAMES = {cls.lower(): name for name, cls in OPTIMIZERS.items()}
_LOSS_NAMES = _first_names(LOSSES)
_METRIC_NAMES = _first_names(METRICS)
# Metrics that Keras writes by a name build.py spells differently.
_METRIC_ALIASES = {"acc": "accuracy", "accuracy": "accuracy", "ce": "categorical_crossentropy"}


def training_section(raw: dict | None, output_names: list[str], notes: list[str]) -> dict | None:
    """The training section for a normalized compile config (see reading._normalize_training), or None."""
    if not raw:
        return None
    section: dict[str, Any] = {}
    opt = raw.get("optimizer")
    if opt is not None:
        name, cfg = _object_name(opt)
        mapped = _OPTIMIZER_NAMES.get((name or "").lower())
        if mapped is None:
            notes.append(f"optimizer '{name}' is not one LayerLab builds; the training section uses Keras's default")
        else:
            section["optimizer"] = mapped
            lr = (cfg or {}).get("learning_rate")
            if isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr):
                section["learning_rate"] = float(f"{lr:.7g}")  # undo float32 noise: 0.0010000000474974513 -> 0.001
            elif lr is not None:
                notes.append("the optimizer's learning-rate schedule was left out (LayerLab stores a constant rate)")
            if mapped == "sgd" and isinstance((cfg or {}).get("momentum"), (int, float)) and cfg["momentum"]:
                section["momentum"] = float(f"{cfg['momentum']:.7g}")
            clipping = [k for k in ("clipnorm", "clipvalue", "global_clipnorm") if (cfg or {}).get(k) is not None]
            if clipping:
                notes.append(f"the optimizer's {', '.join(clipping)} setting was left out")
    loss = _per_output(raw.get("loss"), output_names)
    if loss is not None:
        losses = [_loss_name(x, notes) for x in loss]
        if all(x is not None for x in losses):
            section["loss"] = losses[0] if len(losses) == 1 else losses
    weights = _per_output(raw.get("loss_weights"), output_names)
    if weights is not None and all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
        section["loss_weights"] = [float(w) for w in weights] if len(weights) > 1 else float(weights[0])
    metrics = _metrics(raw.get("metrics"), output_names, notes)
    if metrics:
        section["metrics"] = metrics
    if raw.get("weighted_metrics"):
        notes.append("weighted metrics were left out of the training section")
    return section or None


def _object_name(value: Any) -> tuple[str | None, dict | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        cfg = value.get("config")
        return value.get("class_name"), cfg if isinstance(cfg, dict) else None
    return None, None


def _loss_name(value: Any, notes: list[str]) -> str | None:
    name, cfg = _object_name(value)
    if name is None:
        return None
    changed = [f"{k}={cfg[k]!r}" for k in ("from_logits", "label_smoothing") if (cfg or {}).get(k)]
    if changed:
        notes.append(f"loss '{name}' was saved with {', '.join(changed)}; the training section keeps its name only")
    if name.lower() in LOSSES:
        return name.lower()
    if name in _LOSS_NAMES:
        return _LOSS_NAMES[name]
    notes.append(f"loss '{name}' is not a built-in loss LayerLab knows; the training section leaves the loss out")
    return None


def _metric_name(value: Any, notes: list[str]) -> str | None:
    name, cfg = _object_name(value)
    if name is None:
        return None
    if name == "MeanMetricWrapper" and cfg:  # Keras 3 wraps functions given by name: keep the function's name
        fn = cfg.get("fn")
        name = fn if isinstance(fn, str) else cfg.get("name")
        if not isinstance(name, str):
            return None
    key = name.lower()
    if key in _METRIC_ALIASES:
        return _METRIC_ALIASES[key]
    if key in METRICS:
        return key
    if name in _METRIC_NAMES:
        shown = (cfg or {}).get("name")
        return shown if isinstance(shown, str) and shown.lower() in METRICS else _METRIC_NAMES[name]
    notes.append(f"metric '{name}' is not one LayerLab knows; it was left out of the training section")
    return None


def _metrics(value: Any, output_names: list[str], notes: list[str]):
    """A flat list for all outputs, or one list per output, as build.compile_model accepts."""
    if not value:
        return None
    if isinstance(value, dict):
        value = [value.get(n) or [] for n in output_names]
        per_output = True
    else:
        per_output = isinstance(value, list) and len(output_names) > 1 and all(
            isinstance(v, list) or v is None for v in value)
    if per_output:
        lists = [[m for m in (_metric_name(x, notes) for x in (v or [])) if m] for v in value]
        if len(lists) == 1:
            return lists[0] or None
        return lists if any(lists) else None
    items = value if isinstance(value, list) else [value]
    names = [m for m in (_metric_name(x, notes) for x in items) if m]
    return names or None


def _per_output(value: Any, output_names: list[str]) -> list | None:
    """A value given once, as a list, or as {output name: value}, as one list in output order."""
    if value is None:
        return None
    if isinstance(value, dict) and "class_name" not in value:
        items = [value.get(n) for n in output_names]
        return items if all(v is not None for v in items) else None
    if isinstance(value, list):
        return value
    return [value]
