"""The `csv` source: feature columns and target column(s) of a CSV file, with an optional test file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layerlab.core.data.csv_table import Table, check_delimiter, read_header, read_table, resolve_column
from layerlab.core.data.errors import DataError
from layerlab.core.data.section import get_bool, require, resolve_path
from layerlab.core.data.targets import encode_target


@dataclass(frozen=True)
class Columns:
    """Which columns feed which input and which output, as names or indices in the file."""

    targets: list  # one reference per model output
    features: list | dict | None  # None: every other column; a dict: {input node id: [columns]}
    single_target: bool


def parse_columns(section: dict) -> Columns:
    target = require(section, "target")
    single = not isinstance(target, list)
    targets = [target] if single else list(target)
    if not targets:
        raise DataError("dataset \"target\": name at least one column")
    features = section.get("features")
    if features is not None:
        if isinstance(features, dict):
            if not features:
                raise DataError("dataset \"features\": name at least one input")
            for node_id, cols in features.items():
                if not isinstance(cols, list) or not cols:
                    raise DataError(f"dataset \"features\": input '{node_id}' needs a non-empty list of columns")
        elif not isinstance(features, list) or not features:
            raise DataError("dataset \"features\": give a list of columns, or {input node id: [columns]}")
    return Columns(targets, features, single)


def resolve(columns: Columns, table_columns: list[str], label: str, header: bool):
    """Column indices: (target indices, feature indices or {input: indices})."""
    targets = [resolve_column(table_columns, t, label, "target", header) for t in columns.targets]
    if columns.features is None:
        features: list | dict = [i for i in range(len(table_columns)) if i not in targets]
        if not features:
            raise DataError(f"dataset: {label} has no column left for features besides the target")
    elif isinstance(columns.features, dict):
        features = {node: [resolve_column(table_columns, c, label, "features", header) for c in cols]
                    for node, cols in columns.features.items()}
    else:
        features = [resolve_column(table_columns, c, label, "features", header) for c in columns.features]
    groups = features.values() if isinstance(features, dict) else [features]
    for group in groups:
        for i in group:
            if i in targets:
                name = table_columns[i]
                raise DataError(f"dataset: column '{name}' of {label} is both a feature and a target")
    return targets, features


def _features(table: Table, indices: list[int]) -> np.ndarray:
    return np.column_stack([table.numbers[i] for i in indices]).astype(np.float32)


def _flat(f_idx) -> list[int]:
    groups = f_idx.values() if isinstance(f_idx, dict) else [f_idx]
    return sorted({i for group in groups for i in group})


def _named(columns: Columns, names: list[str], t_idx: list[int], f_idx) -> Columns:
    """The same columns, referred to by the training file's names (to find them in the test file)."""
    features = ({n: [names[i] for i in idx] for n, idx in f_idx.items()} if isinstance(f_idx, dict)
                else [names[i] for i in f_idx])
    return Columns([names[i] for i in t_idx], features, columns.single_target)


def load(section: dict, base_dir: Path):
    """Load a `csv` dataset section (before preprocessing)."""
    from layerlab.core.data import Dataset

    delimiter = check_delimiter(section.get("delimiter", ","))
    header = get_bool(section, "header", True)
    columns = parse_columns(section)
    path = resolve_path(section, "path", base_dir)
    label = section["path"]
    names = read_header(path, label, delimiter, header)
    t_idx, f_idx = resolve(columns, names, label, header)
    train = read_table(path, label, delimiter, header, numeric=_flat(f_idx), text=sorted(set(t_idx)))
    test = None
    if section.get("test_path") is not None:
        test_path = resolve_path(section, "test_path", base_dir)
        test_label = section["test_path"]
        test_names = read_header(test_path, test_label, delimiter, header)
        if len(test_names) != len(names) and not header:
            raise DataError(f"dataset: {test_label} has {len(test_names)} columns, {label} has {len(names)}")
        tt_idx, tf_idx = resolve(_named(columns, names, t_idx, f_idx), test_names, test_label, header)
        test = read_table(test_path, test_label, delimiter, header, numeric=_flat(tf_idx), text=sorted(set(tt_idx)))
    if isinstance(f_idx, dict):
        x_train = {n: _features(train, idx) for n, idx in f_idx.items()}
        x_test = {n: _features(test, idx) for n, idx in tf_idx.items()} if test else None
        feature_names = [names[i] for idx in f_idx.values() for i in idx]
    else:
        x_train = _features(train, f_idx)
        x_test = _features(test, tf_idx) if test else None
        feature_names = [names[i] for i in f_idx]
    ys_train, ys_test, class_names = [], [], []
    for k, col in enumerate(t_idx):
        y_tr, y_te, cls = encode_target(train, col, test, tt_idx[k] if test else None)
        ys_train.append(y_tr)
        ys_test.append(y_te)
        class_names.append(cls)
    single = columns.single_target
    return Dataset(
        x_train=x_train, y_train=ys_train[0] if single else ys_train,
        x_test=x_test, y_test=(ys_test[0] if single else ys_test) if test else None,
        class_names=class_names[0], feature_names=feature_names, source="csv",
        meta={"class_names": class_names, "target_columns": [names[i] for i in t_idx]})
