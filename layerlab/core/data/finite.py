"""NaN and infinity in loaded arrays are data errors, as they are in CSV files: named by array, index and key.

Checked once after preprocessing (layerlab.core.data.load_dataset), so that every source (npz
arrays, image folders, Keras datasets, CSV) and every preprocessing step is covered. One NaN in
the data makes every weight NaN after the first batch that holds it.
"""

from __future__ import annotations

import numpy as np

from layerlab.core.data.errors import DataError

# The dataset key each array comes from, per source (for the message: which key to look at).
_KEYS = {
    "npz": {"x_train": "x", "y_train": "y", "x_test": "x_test", "y_test": "y_test"},
    "csv": {"x_train": "path", "y_train": "path", "x_test": "test_path", "y_test": "test_path"},
    "images": {"x_train": "path", "y_train": "path"},
    "keras": {"x_train": "name", "y_train": "name", "x_test": "name", "y_test": "name"},
}


def check_finite(dataset, section: dict) -> None:
    """Raise DataError naming the first NaN or infinite value of the dataset's arrays."""
    source = str(section.get("source", ""))
    keys = _KEYS.get(source, {})
    for role in ("x_train", "y_train", "x_test", "y_test"):
        value = getattr(dataset, role)
        for part, array in _parts(value):
            bad = _first_non_finite(array)
            if bad is None:
                continue
            index, what = bad
            key = keys.get(role, "source")
            name = f"{role}{part}"
            raise DataError(
                f"dataset ({source}) \"{key}\": {name} has {what} at index {list(index)} (sample {index[0] + 1})"
                + (" after preprocessing" if any(k in section for k in ("scale", "standardize")) else "")
                + "; remove or fill that value before training")


def _parts(value):
    if value is None:
        return []
    if isinstance(value, dict):
        return [(f"['{k}']", v) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(value)]
    return [("", value)]


def _first_non_finite(array) -> tuple[tuple[int, ...], str] | None:
    a = np.asarray(array)
    if not np.issubdtype(a.dtype, np.floating) and not np.issubdtype(a.dtype, np.complexfloating):
        return None
    finite = np.isfinite(a)
    if finite.all():
        return None
    flat = int(np.argmin(finite.reshape(-1)))
    index = tuple(int(i) for i in np.unravel_index(flat, a.shape))
    v = a.reshape(-1)[flat]
    return index, "a NaN" if np.isnan(v) else "an infinite value"
