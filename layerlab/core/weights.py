"""Weights kept beside a project: one HDF5 file, arrays grouped by Keras layer name.

Keyed by layer name (not by position), so that after an edit every layer that
kept its name and its weight shapes gets its weights back, and a changed layer
starts fresh. Read with h5py only: nothing in the file is ever executed.

Layout: ``/layers/<layer name>/<i>`` holds the layer's i-th weight array (the
order of ``layer.get_weights()``); the root attribute ``format`` is
``"layerlab-weights"`` and ``version`` is 1.

After training, ``/optimizer`` may hold the optimizer's state, so that a run
continued after reopening goes on where it stopped (Adam's moments, the step
count): attribute ``class`` (e.g. ``"Adam"``), and datasets ``<i>`` with an
attribute ``key``, the variable's Keras path without the optimizer's name
(``iteration``, ``dense_1_kernel_momentum``). Keras names those variables
after the layers' variables, so they are keyed by layer name too. The
learning rate is not kept: the project's setting decides it. Readers that do
not know the group ignore it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from layerlab.core.errors import LayerLabError

FORMAT = "layerlab-weights"
VERSION = 1


class WeightsFileError(LayerLabError):
    """A weights file that cannot be read."""


NOT_KEPT = frozenset({"learning_rate"})  # optimizer variables the project's settings decide, not the file


@dataclass
class WeightsLoadReport:
    loaded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # layer name -> why
    optimizer: str = ""  # what became of the saved optimizer state ("" when there was none)


@dataclass
class OptimizerState:
    """An optimizer's variables: its Keras class name and {variable key: value}."""

    optimizer: str
    arrays: dict[str, np.ndarray]


def weights_path_for(project_path: str | Path) -> Path:
    """Where a project's weights live: `name.layerlab` -> `name.weights.h5` beside it."""
    p = Path(project_path)
    stem = p.name[: -len(".layerlab")] if p.name.endswith(".layerlab") else p.stem
    return p.with_name(stem + ".weights.h5")


def write_arrays(path: str | Path, arrays: dict[str, list[np.ndarray]],
                 optimizer: OptimizerState | None = None) -> None:
    """Write {layer name: [arrays]} (and the optimizer's state, if given) atomically.

    The file is written under a unique temp name in the same folder (``.NAME.<random>.tmp``, so
    two writers never share one), flushed to disk, then renamed over `path`: a reader sees the old
    file or the new one, never a torn one.
    """
    import h5py

    from layerlab.core.project import commit_temp, make_temp

    path = Path(path)
    tmp = make_temp(path)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["version"] = VERSION
            layers = f.create_group("layers")
            for name, values in arrays.items():
                g = layers.create_group(name.replace("/", "\u2215"))
                g.attrs["name"] = name
                for i, value in enumerate(values):
                    g.create_dataset(str(i), data=np.asarray(value))
            if optimizer is not None:
                g = f.create_group("optimizer")
                g.attrs["class"] = optimizer.optimizer
                for i, (key, value) in enumerate(optimizer.arrays.items()):
                    g.create_dataset(str(i), data=np.asarray(value)).attrs["key"] = key
        commit_temp(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_arrays(path: str | Path) -> dict[str, list[np.ndarray]]:
    """Read {layer name: [arrays]}; raises WeightsFileError for a missing or corrupt file."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise WeightsFileError(f"{path}: no such weights file")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise WeightsFileError(f"{path}: not a LayerLab weights file")
            if int(f.attrs.get("version", 0)) > VERSION:
                raise WeightsFileError(f"{path}: weights format version {f.attrs.get('version')} is too new")
            out = {}
            for g in f["layers"].values():
                name = str(g.attrs.get("name", g.name.rsplit("/", 1)[-1]))
                out[name] = [np.array(g[str(i)]) for i in range(len(g))]
            return out
    except WeightsFileError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise WeightsFileError(f"{path}: cannot be read ({exc})") from None


def read_optimizer_state(path: str | Path) -> OptimizerState | None:
    """The optimizer state saved in a weights file, or None when it holds none (or cannot be read)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            g = f.get("optimizer")
            if g is None or f.attrs.get("format") != FORMAT:
                return None
            arrays = {str(d.attrs["key"]): np.array(d) for d in (g[str(i)] for i in range(len(g)))}
            return OptimizerState(str(g.attrs["class"]), arrays)
    except (OSError, KeyError, ValueError):
        return None


def optimizer_state(model) -> OptimizerState | None:
    """The state of a trained model's optimizer, or None when it has none yet."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not opt.built:
        return None
    arrays = {_key(v.path): np.asarray(v.numpy()) for v in opt.variables}
    return OptimizerState(type(opt).__name__, {k: a for k, a in arrays.items() if k not in NOT_KEPT})


def apply_optimizer_state(model, state: OptimizerState, fresh_layers=()) -> str:
    """Put a saved optimizer state into a compiled model's optimizer; says what was done.

    Variables are matched by key and shape; those of `fresh_layers` (layers whose weights were
    not restored: changed or new) start afresh, as their weights do. A different optimizer class
    gets nothing.
    """
    opt = model.optimizer
    if type(opt).__name__ != state.optimizer:
        return f"not restored: it was saved for {state.optimizer}, the project now uses {type(opt).__name__}"
    if not opt.built:
        opt.build(model.trainable_variables)
    # Keras names a slot after its variable: "<layer>/<weight>" -> "<layer>_<weight>_<slot>"
    afresh = tuple(v.path.replace("/", "_") + "_" for name in fresh_layers
                   for v in model.get_layer(name).trainable_variables)
    restored, fresh = 0, 0
    for variable in opt.variables:
        key = _key(variable.path)
        if key in NOT_KEPT:
            continue
        value = state.arrays.get(key)
        if value is None or key.startswith(afresh) or tuple(value.shape) != tuple(variable.shape):
            fresh += 1
            continue
        variable.assign(value)
        restored += 1
    if not restored:
        return "not restored: none of its variables fit the model"
    text = f"restored ({restored} variable{'s' if restored != 1 else ''}"
    return text + (f"; {fresh} start{'s' if fresh == 1 else ''} afresh)" if fresh else ")")


def _key(path: str) -> str:
    """An optimizer variable's path without the optimizer's name: "adam/d_kernel_momentum" -> "d_kernel_momentum"."""
    return path.split("/", 1)[-1]


def leaf_layers(model) -> list:
    """The layers of a model, nested models walked into (each once: a nested model may be called twice)."""
    from layerlab.core.kerasenv import keras

    model_cls = keras().Model
    out, seen = [], set()

    def walk(m):
        for layer in m.layers:
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if isinstance(layer, model_cls):
                walk(layer)
            else:
                out.append(layer)
    walk(model)
    return out


def model_arrays(model) -> dict[str, list[np.ndarray]]:
    """{layer name: weights} for every layer of a Keras model that has weights (nested models' layers too)."""
    return {layer.name: layer.get_weights() for layer in leaf_layers(model) if layer.weights}


def apply_arrays(model, arrays: dict[str, list[np.ndarray]]) -> WeightsLoadReport:
    """Put stored weights into the model's layers with the same name and weight shapes."""
    report = WeightsLoadReport()
    for layer in leaf_layers(model):
        if not layer.weights:
            continue
        stored = arrays.get(layer.name)
        if stored is None:
            report.skipped[layer.name] = "no stored weights"
            continue
        expected = [tuple(w.shape) for w in layer.weights]
        got = [tuple(a.shape) for a in stored]
        if expected != got:
            report.skipped[layer.name] = f"stored shapes {got} do not fit {expected}"
            continue
        layer.set_weights(stored)
        report.loaded.append(layer.name)
    return report


def load_model_weights(model, path: str | Path) -> WeightsLoadReport:
    """Put the stored weights into the model; and the optimizer's state too, when the model is compiled."""
    report = apply_arrays(model, read_arrays(path))
    state = read_optimizer_state(path) if getattr(model, "optimizer", None) is not None else None
    if state is not None:
        report.optimizer = apply_optimizer_state(model, state, report.skipped)
    return report
