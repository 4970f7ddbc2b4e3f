"""The `npz` source: arrays saved with numpy.savez, laid out like Keras's own dataset files.

Files are opened with allow_pickle=False, always: an untrusted file must
never be able to run code, and arrays of Python objects need pickle.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from layerlab.core.data.errors import DataError, DataFileError
from layerlab.core.data.section import resolve_path

DEFAULT_KEYS = {"x": "x_train", "y": "y_train", "x_test": "x_test", "y_test": "y_test"}


def open_npz(path: Path, label: str):
    """An open NpzFile (use it as a context manager)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataFileError(f"{label}: not a readable .npz file ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataFileError(f"{label}: holds a single array (.npy), not named arrays (.npz); "
                            "save them with numpy.savez(path, x_train=..., y_train=...)")
    return archive


def key_spec(section: dict, key: str):
    """The array name(s) a key refers to: a string, a list (outputs) or a dict (inputs)."""
    value = section.get(key, DEFAULT_KEYS[key])
    if isinstance(value, str) and value:
        return value
    if key.startswith("x") and isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return value
    if key.startswith("y") and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    what = "{input node id: array name}" if key.startswith("x") else "a list of array names (one per output)"
    raise DataError(f"dataset \"{key}\": give an array name in the .npz file, or {what}; got {value!r}")


def read_array(archive, name: str, label: str, key: str) -> np.ndarray:
    if name not in archive.files:
        shown = ", ".join(archive.files) or "none"
        raise DataError(f"dataset \"{key}\": {label} has no array '{name}'; its arrays are: {shown}")
    try:
        return archive[name]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(f"{label}: array '{name}' holds Python objects, which LayerLab does not load "
                            "(unpickling can run code); save numeric arrays instead") from None
        raise DataFileError(f"{label}: array '{name}' cannot be read ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataFileError(f"{label}: array '{name}' cannot be read ({exc})") from None


def _read(archive, spec, label: str, key: str):
    if isinstance(spec, dict):
        return {node: read_array(archive, name, label, key) for node, name in spec.items()}
    if isinstance(spec, list):
        return [read_array(archive, name, label, key) for name in spec]
    return read_array(archive, spec, label, key)


def _count(value) -> list[tuple[str, int]]:
    if isinstance(value, dict):
        return [(f"'{n}'", len(a)) for n, a in value.items()]
    if isinstance(value, list):
        return [(f"output {i + 1}", len(a)) for i, a in enumerate(value)]
    return [("", len(value) if np.ndim(value) else 0)]


def check_lengths(x, y, label: str, what: str) -> None:
    """Every array of a split must have the same number of samples."""
    counts = _count(x) + _count(y)
    if len({n for _, n in counts}) > 1:
        shown = ", ".join(f"{name or 'array'}: {n}" for name, n in counts)
        raise DataError(f"{label}: the {what} arrays have different numbers of samples ({shown})")


def check_samples_match(train, test, label: str, key: str) -> None:
    """A test sample must have the shape of a training sample."""
    if isinstance(train, dict):
        pairs = [(f" '{k}'", train[k], test.get(k)) for k in train] if isinstance(test, dict) else []
    elif isinstance(train, list):
        pairs = [(f" {i + 1}", a, b) for i, (a, b) in enumerate(zip(train, test))] if isinstance(test, list) else []
    else:
        pairs = [("", train, test)]
    if isinstance(train, (dict, list)) and (type(test) is not type(train) or len(test) != len(train)):
        raise DataError(f"dataset \"{key}_test\": give the same number of test arrays as training arrays")
    for name, a, b in pairs:
        if b is None or np.shape(a)[1:] != np.shape(b)[1:]:
            shown = np.shape(b)[1:] if b is not None else "nothing"
            raise DataError(f"{label}: the training {key}{name} has samples of shape {np.shape(a)[1:]}, "
                            f"the test {key}{name} has {shown}")


def load(section: dict, base_dir: Path):
    """Load an `npz` dataset section (before preprocessing)."""
    from layerlab.core.data import Dataset

    path = resolve_path(section, "path", base_dir)
    label = section["path"]
    specs = {k: key_spec(section, k) for k in DEFAULT_KEYS}
    with open_npz(path, label) as archive:
        x_train = _read(archive, specs["x"], label, "x")
        y_train = _read(archive, specs["y"], label, "y")
        check_lengths(x_train, y_train, label, "training")
        test_named = "x_test" in section or "y_test" in section
        have = [isinstance(s, str) and s in archive.files or not isinstance(s, str)
                for s in (specs["x_test"], specs["y_test"])]
        x_test = y_test = None
        if test_named or all(have):
            x_test = _read(archive, specs["x_test"], label, "x_test")
            y_test = _read(archive, specs["y_test"], label, "y_test")
            check_lengths(x_test, y_test, label, "test")
            check_samples_match(x_train, x_test, label, "x")
            check_samples_match(y_train, y_test, label, "y")
        elif any(have):
            missing = "y_test" if have[0] else "x_test"
            raise DataError(f"dataset \"{missing}\": {label} has a test array for one of x and y only: "
                            f"no array '{specs[missing]}'")
    return Dataset(x_train, y_train, x_test, y_test, source="npz")
