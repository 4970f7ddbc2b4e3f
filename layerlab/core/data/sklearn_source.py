"""The `sklearn` source: the small datasets that ship inside scikit-learn (they work offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from layerlab.core.data.errors import DataError
from layerlab.core.data.section import SKLEARN_NAMES, require

REGRESSION = ("diabetes",)


def dataset_name(section: dict) -> str:
    name = require(section, "name")
    if name not in SKLEARN_NAMES:
        raise DataError(f"dataset \"name\": the sklearn source has no dataset {name!r}; choose one of: "
                        f"{', '.join(SKLEARN_NAMES)}")
    return name


def load_bunch(name: str):
    """scikit-learn's Bunch for `name` (imported here: sklearn is slow to import)."""
    import sklearn.datasets

    return getattr(sklearn.datasets, f"load_{name}")()


def load(section: dict, base_dir: Path):
    """Load an `sklearn` dataset section (before preprocessing): features float32, labels int32."""
    from layerlab.core.data import Dataset

    name = dataset_name(section)
    bunch = load_bunch(name)
    x = np.asarray(bunch.data, dtype=np.float32)
    if name in REGRESSION:
        y, class_names = np.asarray(bunch.target, dtype=np.float32), None
    else:
        y, class_names = np.asarray(bunch.target, dtype=np.int32), [str(n) for n in bunch.target_names]
    return Dataset(x, y, class_names=class_names, feature_names=[str(f) for f in bunch.feature_names],
                   source="sklearn", meta={"sklearn_dataset": name})
