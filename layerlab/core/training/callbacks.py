"""The `callbacks` list of a training section: checked in pure Python, built into Keras callbacks.

Each entry is ``{"type": "EarlyStopping", "params": {...}}``. The parameters
each type accepts are listed here (a subset of the Keras constructor's, checked
against Keras by the tests) so that a typo is an error naming the entry and the
key, rather than a Keras traceback halfway through a run. Path parameters are
relative to the project folder and must stay inside it (layerlab.core.confine).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from layerlab.core.confine import CALLBACK_PATH_PARAMS, resolve
from layerlab.core.kerasenv import keras
from layerlab.core.training.errors import MissingPackageError, TrainingConfigError

Check = Callable[[object], "str | None"]  # returns what is wrong, or None


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _str(v):
    return None if isinstance(v, str) and v else "must be a non-empty string"


def _bool(v):
    return None if isinstance(v, bool) else "must be true or false"


def _count(v):
    return None if _is_int(v) and v >= 0 else "must be a whole number >= 0"


def _num(v):
    return None if _is_num(v) else "must be a number"


def _num_or_null(v):
    return None if v is None or _is_num(v) else "must be a number or null"


def _factor(v):
    return None if _is_num(v) and 0 < v < 1 else "must be a number between 0 and 1 (exclusive)"


def _mode(v):
    return None if v in ("auto", "min", "max") else 'must be "auto", "min" or "max"'


def _save_freq(v):
    return None if v == "epoch" or (_is_int(v) and v > 0) else 'must be "epoch" or a number of batches > 0'


def _update_freq(v):
    return None if v in ("epoch", "batch") or (_is_int(v) and v > 0) else \
        'must be "epoch", "batch" or a number of batches > 0'


PATH_PARAMS = CALLBACK_PATH_PARAMS

CALLBACK_PARAMS: dict[str, dict[str, Check]] = {
    "EarlyStopping": {
        "monitor": _str, "min_delta": _num, "patience": _count, "verbose": _count, "mode": _mode,
        "baseline": _num_or_null, "restore_best_weights": _bool, "start_from_epoch": _count,
    },
    "ModelCheckpoint": {
        "filepath": _str, "monitor": _str, "verbose": _count, "save_best_only": _bool, "save_weights_only": _bool,
        "mode": _mode, "save_freq": _save_freq, "initial_value_threshold": _num_or_null,
    },
    "ReduceLROnPlateau": {
        "monitor": _str, "factor": _factor, "patience": _count, "verbose": _count, "mode": _mode,
        "min_delta": _num, "cooldown": _count, "min_lr": _num,
    },
    "TerminateOnNaN": {"raise_error": _bool},
    "TensorBoard": {
        "log_dir": _str, "histogram_freq": _count, "write_graph": _bool, "write_images": _bool,
        "write_steps_per_second": _bool, "update_freq": _update_freq, "profile_batch": _count,
        "embeddings_freq": _count,
    },
    "CSVLogger": {"filename": _str, "separator": _str, "append": _bool},
}
REQUIRED_PARAMS = {"ModelCheckpoint": ("filepath",), "CSVLogger": ("filename",)}
_BY_FOLDED = {name.lower(): name for name in CALLBACK_PARAMS}


@dataclass(frozen=True)
class CallbackSpec:
    """One checked entry of the callbacks list; `type` is the Keras class name."""

    type: str
    params: dict = field(default_factory=dict)
    trusted: bool = False  # its paths come from the user (a command-line option), so they are not confined

    def to_json(self) -> dict:
        return {"type": self.type, "params": dict(self.params)}


def parse_callbacks(value, where: str = "training.callbacks") -> tuple[CallbackSpec, ...]:
    """Check a callbacks list; raises TrainingConfigError naming the entry and key at fault."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TrainingConfigError(f'{where} must be a list of {{"type", "params"}} objects')
    specs = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise TrainingConfigError(f'{at} must be an object {{"type": ..., "params": {{...}}}}')
        unknown = sorted(set(item) - {"type", "params"})
        if unknown:
            raise TrainingConfigError(f'{at}: unknown key "{unknown[0]}" (an entry has "type" and "params")')
        raw_type = item.get("type")
        type_name = _BY_FOLDED.get(str(raw_type).replace("_", "").lower()) if isinstance(raw_type, str) else None
        if type_name is None:
            raise TrainingConfigError(
                f'{at}: unknown callback type {raw_type!r}; choose one of: {", ".join(CALLBACK_PARAMS)}')
        at = f"{at} ({type_name})"
        params = item.get("params") or {}
        if not isinstance(params, dict):
            raise TrainingConfigError(f'{at}: "params" must be an object')
        allowed = CALLBACK_PARAMS[type_name]
        for key, val in params.items():
            check = allowed.get(key)
            if check is None:
                choices = ", ".join(allowed) or "none"
                raise TrainingConfigError(f'{at}: unknown parameter "{key}"; it takes: {choices}')
            problem = check(val)
            if problem:
                raise TrainingConfigError(f'{at}: "{key}" {problem}, not {val!r}')
        for key in REQUIRED_PARAMS.get(type_name, ()):
            if key not in params:
                raise TrainingConfigError(f'{at}: "{key}" is required (a path relative to the project)')
        specs.append(CallbackSpec(type_name, dict(params)))
    return tuple(specs)


def make_callbacks(specs, base_dir: str | Path, continuing: bool = False) -> list:
    """Keras callback objects for checked specs; paths resolved against `base_dir`.

    When `continuing` a run, a CSVLogger appends, so its file keeps every epoch.
    """
    k = keras()
    out = []
    for i, spec in enumerate(specs):
        if spec.type == "TensorBoard" and importlib.util.find_spec("tensorboard") is None:
            # TensorFlow's summary writer lives in that package; without it Keras fails at the first epoch.
            raise MissingPackageError('TensorBoard logs need the "tensorboard" package, which is not installed '
                                      "(pip install tensorboard)")
        params = dict(spec.params)
        path_key = PATH_PARAMS.get(spec.type)
        if path_key is not None:
            default = "logs" if spec.type == "TensorBoard" else None
            raw = params.get(path_key, default)
            if spec.trusted:  # given by the user on the command line, not by the project file
                path = Path(raw).expanduser()
                path = path if path.is_absolute() else Path(base_dir) / path
            else:
                path = resolve(raw, base_dir, f"training.callbacks[{i}] ({spec.type})", path_key, write=True)
            params[path_key] = str(path)
            if spec.type != "TensorBoard":
                Path(params[path_key]).parent.mkdir(parents=True, exist_ok=True)
        if spec.type == "CSVLogger" and continuing:
            params["append"] = True
        try:
            out.append(getattr(k.callbacks, spec.type)(**params))
        except Exception as exc:  # Keras checks more (e.g. a checkpoint's file suffix)
            from layerlab.core.keras_errors import friendly_error

            raise TrainingConfigError(f"training.callbacks[{i}] ({spec.type}): {friendly_error(exc)}") from None
    return out
