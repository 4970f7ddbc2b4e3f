"""Preprocessing keys shared by every source, applied in one fixed order.

ORDER: scale, standardize, reshape, one_hot, shuffle_seed.

- scale: features / scale (as float32).
- standardize: per feature (each position of a sample), (x - mean) / std with
  the statistics of the training split only; a constant feature is divided by 1.
- reshape: each sample's features to this shape (numpy rules; one -1 allowed).
  With several inputs, give {input node id: shape}.
- one_hot: class labels -> keras.utils.to_categorical (true for every output,
  or a list of true/false, one per output).
- shuffle_seed: the training samples (features and targets together) in a
  seeded random order; the test split keeps its order.
"""

from __future__ import annotations

import math

import numpy as np

from layerlab.core.data.errors import DataError

ORDER = ("scale", "standardize", "reshape", "one_hot", "shuffle_seed")


def as_list(y) -> list:
    return list(y) if isinstance(y, list) else [y]


def like(values: list, original):
    return values if isinstance(original, list) else values[0]


def map_x(x, fn):
    """Apply fn(array, input node id or None) to every feature array."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: fn(v, k) for k, v in x.items()}
    return fn(x, None)


def validate(section: dict) -> None:
    """Check the preprocessing keys' values (what can be checked without the data)."""
    scale = section.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                              or not math.isfinite(scale) or scale <= 0):
        raise DataError(f"dataset \"scale\": must be a positive number (features are divided by it); got {scale!r}")
    _flag(section, "standardize")
    reshape = section.get("reshape")
    if isinstance(reshape, dict):
        for key, shape in reshape.items():
            check_shape(shape, f" ('{key}')")
    elif reshape is not None:
        check_shape(reshape, "")
    one_hot = section.get("one_hot", False)
    if not isinstance(one_hot, bool) and not (isinstance(one_hot, list) and all(isinstance(f, bool) for f in one_hot)):
        raise DataError(f"dataset \"one_hot\": must be true or false, or a list of them (one per output); "
                        f"got {one_hot!r}")
    seed = section.get("shuffle_seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise DataError(f"dataset \"shuffle_seed\": must be a whole number >= 0; got {seed!r}")


def apply(ds, section: dict):
    """Apply the section's preprocessing keys to a freshly loaded Dataset (in place) and return it."""
    validate(section)
    scale = section.get("scale")
    if scale is not None:
        for split in ("x_train", "x_test"):
            setattr(ds, split, map_x(getattr(ds, split), lambda a, _k: _floats(a, "scale") / np.float32(scale)))
        ds.meta["scale"] = scale
    if _flag(section, "standardize"):
        _standardize(ds)
    if section.get("reshape") is not None:
        _reshape(ds, section["reshape"])
    _one_hot(ds, section.get("one_hot", False))
    if section.get("shuffle_seed") is not None:
        _shuffle(ds, section["shuffle_seed"])
    return ds


def _flag(section: dict, key: str) -> bool:
    value = section.get(key, False)
    if not isinstance(value, bool):
        raise DataError(f"dataset \"{key}\": must be true or false; got {value!r}")
    return value


def _floats(a: np.ndarray, key: str) -> np.ndarray:
    if not np.issubdtype(np.asarray(a).dtype, np.number) and np.asarray(a).dtype != bool:
        raise DataError(f"dataset \"{key}\": the features are not numbers (dtype {np.asarray(a).dtype})")
    return np.asarray(a, dtype=np.float32)


def _standardize(ds) -> None:
    stats = {}

    def fit(a, key):
        a = _floats(a, "standardize")
        mean, std = a.mean(axis=0), a.std(axis=0)
        std = np.where(std == 0, np.float32(1), std).astype(np.float32)
        stats[key] = (mean.astype(np.float32), std)
        return (a - stats[key][0]) / stats[key][1]

    ds.x_train = map_x(ds.x_train, fit)
    ds.x_test = map_x(ds.x_test, lambda a, key: (_floats(a, "standardize") - stats[key][0]) / stats[key][1])
    ds.meta["standardize"] = stats


def check_shape(shape, where: str) -> tuple:
    if (not isinstance(shape, (list, tuple)) or not shape
            or not all(isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1) for d in shape)
            or list(shape).count(-1) > 1):
        raise DataError(f"dataset \"reshape\"{where}: give the shape of one sample as a list of positive "
                        f"whole numbers (one may be -1); got {shape!r}")
    return tuple(shape)


def _reshape(ds, spec) -> None:
    multi = isinstance(ds.x_train, dict)
    if multi and not isinstance(spec, dict):
        raise DataError("dataset \"reshape\": the data has several inputs; give {input node id: shape}")
    if not multi and isinstance(spec, dict):
        raise DataError("dataset \"reshape\": the data has one input; give a shape such as [28, 28, 1]")
    if multi:
        for key in spec:
            if key not in ds.x_train:
                raise DataError(f"dataset \"reshape\": no input '{key}' in the data; inputs: "
                                f"{', '.join(ds.x_train)}")
    shapes = {k: check_shape(s, f" ('{k}')") for k, s in spec.items()} if multi else {None: check_shape(spec, "")}

    def reshape(a, key):
        shape = shapes.get(key)
        if shape is None:
            return a
        a = np.asarray(a)
        size = int(np.prod(a.shape[1:], dtype=np.int64))
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
            where = f" ('{key}')" if key else ""
            raise DataError(f"dataset \"reshape\"{where}: {list(shape)} does not fit samples of shape "
                            f"{tuple(a.shape[1:])} ({size} values each)")
        return a.reshape((a.shape[0], *shape))

    ds.x_train = map_x(ds.x_train, reshape)
    ds.x_test = map_x(ds.x_test, reshape)


def num_classes(ds, output: int) -> int:
    """Classes of an output's labels: its class names if known, else the largest label + 1."""
    names = class_names_of(ds, output)
    if names:
        return len(names)
    parts = [as_list(ds.y_train)[output]] + ([as_list(ds.y_test)[output]] if ds.y_test is not None else [])
    return int(max(np.max(p) for p in parts if np.size(p))) + 1


def class_names_of(ds, output: int) -> list[str] | None:
    per_output = ds.meta.get("class_names")
    if per_output is not None and output < len(per_output):
        return per_output[output]
    return ds.class_names if output == 0 else None


def _one_hot(ds, spec) -> None:
    n_out = len(as_list(ds.y_train))
    if isinstance(spec, bool):
        flags = [spec] * n_out
    elif isinstance(spec, list) and all(isinstance(f, bool) for f in spec) and len(spec) == n_out:
        flags = list(spec)
    else:
        raise DataError(f"dataset \"one_hot\": must be true or false, or a list of {n_out} of them "
                        f"(one per output); got {spec!r}")
    ds.meta["one_hot"] = flags
    if not any(flags):
        return
    from layerlab.core.kerasenv import keras

    to_categorical = keras().utils.to_categorical
    y_train, y_test = as_list(ds.y_train), as_list(ds.y_test) if ds.y_test is not None else None
    counts = []
    for i, flag in enumerate(flags):
        if not flag:
            counts.append(None)
            continue
        for split, ys in (("training", y_train), ("test", y_test)):
            if ys is not None:
                _check_labels(ys[i], i, n_out, split)
        k = num_classes(ds, i)
        counts.append(k)
        y_train[i] = to_categorical(np.asarray(y_train[i]).reshape(-1), k).astype(np.float32)
        if y_test is not None:
            y_test[i] = to_categorical(np.asarray(y_test[i]).reshape(-1), k).astype(np.float32)
    ds.meta["num_classes"] = counts
    ds.y_train = like(y_train, ds.y_train)
    if y_test is not None:
        ds.y_test = like(y_test, ds.y_test)


def _check_labels(y, i: int, n_out: int, split: str) -> None:
    y = np.asarray(y)
    where = f" (output {i + 1})" if n_out > 1 else ""
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        raise DataError(f"dataset \"one_hot\"{where}: the {split} targets have shape {y.shape[1:]} per sample; "
                        "one_hot needs one class label per sample")
    if y.size and (not np.issubdtype(y.dtype, np.number) or np.any(y != np.round(y)) or np.min(y) < 0):
        raise DataError(f"dataset \"one_hot\"{where}: the {split} targets are not class labels "
                        "(whole numbers from 0); one_hot only applies to classes")


def _shuffle(ds, seed: int) -> None:
    order = np.random.default_rng(seed).permutation(ds.num_train)
    ds.x_train = map_x(ds.x_train, lambda a, _k: np.asarray(a)[order])
    ds.y_train = like([np.asarray(y)[order] for y in as_list(ds.y_train)], ds.y_train)
