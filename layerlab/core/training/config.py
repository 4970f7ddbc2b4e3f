"""The `training` section of a project, checked once and turned into compile and fit arguments.

Checking is pure Python (no Keras), so an editor can show a bad value while
the user types. Every error names the key: ``training.batch_size must be a
whole number >= 1, not 0``. Unset values take the defaults of `defaults.py`: the loss and metrics picked
from the model's outputs (and the data, when given), 10 epochs, a validation
split of 0.2; the rest are Keras's own.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace

from layerlab.core.build import LOSSES, METRICS, OPTIMIZERS
from layerlab.core.document import GraphDocument
from layerlab.core.training import defaults
from layerlab.core.training.callbacks import CallbackSpec, parse_callbacks
from layerlab.core.training.errors import TrainingConfigError

KEYS = ("optimizer", "learning_rate", "momentum", "loss", "loss_weights", "metrics", "epochs", "batch_size",
        "validation_split", "shuffle", "seed", "callbacks")
_ACCURACY = ("accuracy", "acc")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass(frozen=True)
class TrainingConfig:
    """A checked training section. Build one with :meth:`from_section`."""

    optimizer: str = defaults.DEFAULT_OPTIMIZER
    learning_rate: float | None = None  # None: the optimizer's Keras default
    momentum: float | None = None  # sgd only; ignored by the other optimizers
    loss: str | list | dict = defaults.FALLBACK_LOSS
    loss_weights: float | list | dict | None = None
    metrics: list | dict = field(default_factory=list)
    epochs: int = defaults.DEFAULT_EPOCHS
    batch_size: int = defaults.DEFAULT_BATCH_SIZE
    validation_split: float = defaults.DEFAULT_VALIDATION_SPLIT
    shuffle: bool = True
    seed: int | None = None
    callbacks: tuple[CallbackSpec, ...] = ()

    @classmethod
    def from_section(cls, section: dict | None, where: str = "training", document: GraphDocument | None = None,
                     dataset=None, report=None) -> TrainingConfig:
        """Check a project's training section; raises TrainingConfigError naming the key at fault.

        With `document` (and `dataset`, when loaded), an unset loss or metrics list is picked from the
        model's outputs and the targets (`defaults.with_defaults`); without, the loss falls back to mse.
        """
        if document is not None and (section is None or isinstance(section, dict)):
            section = defaults.with_defaults(section, document, dataset, report)
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise TrainingConfigError(f"{where} must be an object")
        unknown = [k for k in section if k not in KEYS]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), KEYS, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise TrainingConfigError(f'{where}: unknown key "{unknown[0]}"; {hint}the keys are: {", ".join(KEYS)}')
        s = {k: v for k, v in section.items() if v is not None}
        kw: dict = {}
        if "optimizer" in s:
            opt = s["optimizer"]
            if not isinstance(opt, str) or opt.lower() not in OPTIMIZERS:
                raise TrainingConfigError(
                    f"{where}.optimizer: unknown optimizer {opt!r}; choose one of: {', '.join(OPTIMIZERS)}")
            kw["optimizer"] = opt.lower()
        if "learning_rate" in s:
            kw["learning_rate"] = _positive(s["learning_rate"], f"{where}.learning_rate")
        if "momentum" in s:
            m = s["momentum"]
            if not _is_num(m) or not 0 <= m <= 1:
                raise TrainingConfigError(f"{where}.momentum must be a number from 0 to 1, not {m!r}")
            kw["momentum"] = float(m)
        if "loss" in s:
            kw["loss"] = _per_output(s["loss"], f"{where}.loss", _loss_name)
        if "loss_weights" in s:
            kw["loss_weights"] = _per_output(s["loss_weights"], f"{where}.loss_weights", _weight)
        if "metrics" in s:
            kw["metrics"] = _metrics(s["metrics"], f"{where}.metrics")
        for key in ("epochs", "batch_size"):
            if key in s:
                kw[key] = _whole(s[key], f"{where}.{key}")
        if "validation_split" in s:
            v = s["validation_split"]
            if not _is_num(v) or not 0 <= v < defaults.VALIDATION_SPLIT_MAX:
                raise TrainingConfigError(f"{where}.validation_split must be a number from 0 up to (not incl.) 1, "
                                          f"not {v!r}")
            kw["validation_split"] = float(v)
        if "shuffle" in s:
            if not isinstance(s["shuffle"], bool):
                raise TrainingConfigError(f"{where}.shuffle must be true or false, not {s['shuffle']!r}")
            kw["shuffle"] = s["shuffle"]
        if "seed" in s:
            seed = s["seed"]
            if not _is_int(seed) or not 0 <= seed < 2**32:
                raise TrainingConfigError(f"{where}.seed must be a whole number from 0 to 2**32-1, not {seed!r}")
            kw["seed"] = seed
        kw["callbacks"] = parse_callbacks(section.get("callbacks"), f"{where}.callbacks")
        return cls(**kw)

    def with_overrides(self, epochs: int | None = None, batch_size: int | None = None,
                       seed: int | None = None) -> TrainingConfig:
        """The same config with command-line overrides applied (None keeps the section's value)."""
        changes: dict = {}
        if epochs is not None:
            changes["epochs"] = _whole(epochs, "--epochs")
        if batch_size is not None:
            changes["batch_size"] = _whole(batch_size, "--batch-size")
        if seed is not None:
            if not _is_int(seed) or not 0 <= seed < 2**32:
                raise TrainingConfigError(f"--seed must be a whole number from 0 to 2**32-1, not {seed!r}")
            changes["seed"] = seed
        return replace(self, **changes)

    def to_section(self) -> dict:
        """The config as a training section (what a run record stores)."""
        out = {"optimizer": self.optimizer}
        for key in ("learning_rate", "momentum"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update(loss=self.loss, metrics=self.metrics)
        if self.loss_weights is not None:
            out["loss_weights"] = self.loss_weights
        out.update(epochs=self.epochs, batch_size=self.batch_size, validation_split=self.validation_split,
                   shuffle=self.shuffle)
        if self.seed is not None:
            out["seed"] = self.seed
        if self.callbacks:
            out["callbacks"] = [c.to_json() for c in self.callbacks]
        return out

    def compile_section(self, document: GraphDocument) -> dict:
        """What build.compile_model reads, with per-output dicts turned into lists in output order."""
        outputs = document.output_ids()
        out = {"optimizer": self.optimizer, "learning_rate": self.learning_rate, "momentum": self.momentum,
               "loss": _in_output_order(self.loss, outputs, "training.loss"),
               "metrics": _in_output_order(self.metrics, outputs, "training.metrics")}
        if self.loss_weights is not None:
            out["loss_weights"] = _in_output_order(self.loss_weights, outputs, "training.loss_weights")
        for key in ("loss", "loss_weights", "metrics"):
            value = out.get(key)
            per_output = isinstance(value, list) and (key != "metrics" or (value and isinstance(value[0], list)))
            if per_output and len(value) != len(outputs):
                raise TrainingConfigError(
                    f"training.{key} has {len(value)} entries, one per output, but the model has {len(outputs)} "
                    f"output(s): {', '.join(outputs)}")
        if len(outputs) == 1 and out["metrics"] and isinstance(out["metrics"][0], list):
            out["metrics"] = out["metrics"][0]  # compile_model wants a flat list for one output
        return out

    def fit_kwargs(self) -> dict:
        return {"epochs": self.epochs, "batch_size": self.batch_size, "validation_split": self.validation_split,
                "shuffle": self.shuffle}


def _whole(v, where: str) -> int:
    if not _is_int(v) or v < 1:
        raise TrainingConfigError(f"{where} must be a whole number >= 1, not {v!r}")
    return int(v)


def _positive(v, where: str) -> float:
    if not _is_num(v) or v <= 0:
        raise TrainingConfigError(f"{where} must be a number > 0, not {v!r}")
    return float(v)


def _loss_name(v, where: str) -> str:
    if not isinstance(v, str) or v.lower() not in LOSSES:
        raise TrainingConfigError(f"{where}: unknown loss {v!r}; choose one of: {', '.join(sorted(set(LOSSES)))}")
    return v


def _weight(v, where: str) -> float:
    if not _is_num(v) or v < 0:
        raise TrainingConfigError(f"{where} must be a number >= 0, not {v!r}")
    return float(v)


def _metric_list(v, where: str) -> list:
    if not isinstance(v, list):
        raise TrainingConfigError(f'{where} must be a list of metric names, e.g. ["accuracy"]')
    for i, name in enumerate(v):
        if not isinstance(name, str) or (name.lower() not in METRICS and name.lower() not in _ACCURACY):
            raise TrainingConfigError(f"{where}[{i}]: unknown metric {name!r}; choose one of: accuracy, "
                                      f"{', '.join(sorted(set(METRICS)))}")
    return list(v)


def _metrics(v, where: str):
    if isinstance(v, dict):
        return {str(k): _metric_list(m, f"{where}.{k}") for k, m in v.items()}
    if isinstance(v, list) and v and all(isinstance(m, list) for m in v):
        return [_metric_list(m, f"{where}[{i}]") for i, m in enumerate(v)]
    return _metric_list(v, where)


def _per_output(v, where: str, check):
    """One value for every output, a list (one per output, in output order) or a dict by output node id."""
    if isinstance(v, list):
        if not v:
            raise TrainingConfigError(f"{where} must not be an empty list")
        return [check(x, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, dict):
        return {str(k): check(x, f"{where}.{k}") for k, x in v.items()}
    return check(v, where)


def _in_output_order(value, outputs: list[str], where: str):
    if not isinstance(value, dict):
        return value
    unknown = [k for k in value if k not in outputs]
    if unknown:
        raise TrainingConfigError(f"{where}: '{unknown[0]}' is not an output of the model (outputs: "
                                  f"{', '.join(outputs)})")
    missing = [o for o in outputs if o not in value]
    if missing and where != "training.metrics":
        raise TrainingConfigError(f"{where}: no entry for output '{missing[0]}'")
    return [value.get(o, []) for o in outputs]
