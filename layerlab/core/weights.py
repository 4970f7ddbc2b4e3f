"""Weights kept beside a project: one HDF5 file, arrays grouped by Keras layer name.

Keyed by layer name (not by position), so that after an edit every layer that
kept its name and its weight shapes gets its weights back, and a changed layer
starts fresh. Read with h5py only: nothing in the file is ever executed.

Layout: ``/layers/<layer name>/<i>`` holds the layer's i-th weight array (the
order of ``layer.get_weights()``); the root attribute ``format`` is
``"layerlab-weights"`` and ``version`` is 1.
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


@dataclass
class WeightsLoadReport:
    loaded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # layer name -> why


def weights_path_for(project_path: str | Path) -> Path:
    """Where a project's weights live: `name.layerlab` -> `name.weights.h5` beside it."""
    p = Path(project_path)
    stem = p.name[: -len(".layerlab")] if p.name.endswith(".layerlab") else p.stem
    return p.with_name(stem + ".weights.h5")


def write_arrays(path: str | Path, arrays: dict[str, list[np.ndarray]]) -> None:
    """Write {layer name: [arrays]} atomically."""
    import h5py

    from layerlab.core.project import atomic_write_bytes

    path = Path(path)
    tmp = path.with_name(path.name + ".writing")
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
        atomic_write_bytes(path, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)


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


def model_arrays(model) -> dict[str, list[np.ndarray]]:
    """{layer name: weights} for every layer of a Keras model that has weights."""
    return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}


def save_model_weights(model, path: str | Path) -> None:
    write_arrays(path, model_arrays(model))


def apply_arrays(model, arrays: dict[str, list[np.ndarray]]) -> WeightsLoadReport:
    """Put stored weights into the model's layers with the same name and weight shapes."""
    report = WeightsLoadReport()
    for layer in model.layers:
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
    return apply_arrays(model, read_arrays(path))
