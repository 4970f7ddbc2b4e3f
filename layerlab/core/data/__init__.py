"""Datasets for training: loading each source, preprocessing, preview, and checks against the graph.

The contract between data and training is :class:`Dataset`; `load_dataset`
turns a project's `dataset` section into one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Dataset:
    """Arrays ready for `model.fit`.

    `x_*` is one array for a single-input model, or a dict {input node id: array}
    for several inputs. `y_*` is one array, or a list with one per model output
    (in output order). Test arrays are None when the source has no test set.
    """

    x_train: Any
    y_train: Any
    x_test: Any = None
    y_test: Any = None
    class_names: list[str] | None = None  # label index -> name, when the target was categorical
    feature_names: list[str] | None = None  # columns, for previews
    source: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def has_test(self) -> bool:
        return self.x_test is not None and self.y_test is not None

    @property
    def num_train(self) -> int:
        x = self.x_train
        first = next(iter(x.values())) if isinstance(x, dict) else x
        return int(np.shape(first)[0])


_LOADERS = {
    "csv": "csv_source",
    "npz": "npz_source",
    "keras": "keras_source",
    "sklearn": "sklearn_source",
    "images": "image_source",
    "text_csv": "text_source",
}


def load_dataset(section: dict, base_dir: Path) -> Dataset:
    """Load a project's `dataset` section: the source's arrays, then the preprocessing keys in order.

    Args:
        section: the `dataset` object of a project file.
        base_dir: the folder of the project file; relative paths start there.

    Returns:
        The Dataset, ready for `model.fit`.

    Raises:
        DataError: the section or the data is invalid (the message names the key, file, row or column).
        DataFileError: a file cannot be opened or read.
    """
    from layerlab.core.data import preprocess
    from layerlab.core.data.finite import check_finite
    from layerlab.core.data.section import check_keys

    source = check_keys(section)
    module = importlib.import_module(f"layerlab.core.data.{_LOADERS[source]}")
    dataset = preprocess.apply(module.load(section, Path(base_dir)), section)
    check_finite(dataset, section)
    return dataset


def __getattr__(name: str):
    # The rest of the data API, imported on first use so that `import layerlab.core.data` stays light.
    lazy = {
        "DataError": "errors", "DataFileError": "errors",
        "preview": "previews", "Preview": "previews",
        "check_data": "checks", "apply_fix": "checks", "DataProblem": "checks", "SetParam": "checks",
        "loader_source": "script", "encode_texts": "text_source",
    }
    if name in lazy:
        return getattr(importlib.import_module(f"layerlab.core.data.{lazy[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
