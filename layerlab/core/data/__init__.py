"""Datasets for training: loading each source, preprocessing, preview, and checks against the graph.

The contract between data and training is :class:`Dataset`; `load_dataset`
turns a project's `dataset` section into one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
