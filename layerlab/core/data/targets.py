"""Target columns of text files: numbers stay numbers, anything else becomes class labels."""

from __future__ import annotations

from collections import Counter

import numpy as np

from layerlab.core.data.csv_table import Table, is_numeric
from layerlab.core.data.errors import DataError


def encode_target(train: Table, train_col: int, test: Table | None = None, test_col: int | None = None):
    """Return (y_train, y_test, class_names) for one target column.

    A column of numbers gives int32 labels when every value is whole, else
    float32 values, and no class names. A column with text gives int32 class
    labels; the class names are the distinct cells (train and test together),
    sorted, so that the same file always gives the same mapping. A column that
    is mostly numbers with a few other cells is reported as an error instead:
    it is far more likely a typo than a set of classes.
    """
    parts = [(train, train_col)] + ([(test, test_col)] if test is not None else [])
    counts = Counter(cell for t, c in parts for cell in t.cells[c])  # few distinct cells: work on those
    if any(not cell.strip() for cell in counts):
        _reject_empty(parts)
    if all(is_numeric(t.cells[c]) for t, c in parts):
        values = [np.array(t.cells[c], dtype=np.float64) for t, c in parts]
        whole = all(np.all(v == np.round(v)) for v in values) and all(np.all(np.abs(v) < 2**31) for v in values)
        dtype = np.int32 if whole else np.float32
        ys = [v.astype(dtype) for v in values]
        return ys[0], (ys[1] if len(ys) > 1 else None), None
    _reject_mostly_numeric(parts, counts)
    names = sorted({cell.strip() for cell in counts})
    index = {name: i for i, name in enumerate(names)}
    code = {cell: index[cell.strip()] for cell in counts}
    ys = [np.fromiter(map(code.__getitem__, t.cells[c]), dtype=np.int32, count=len(t.cells[c])) for t, c in parts]
    return ys[0], (ys[1] if len(ys) > 1 else None), names


def _reject_empty(parts) -> None:
    for table, col in parts:
        for i, cell in enumerate(table.cells[col]):
            if not cell.strip():
                raise DataError(f"{table.label}, row {table.rows[i]}, {table.column_label(col)}: "
                                "the target cell is empty")


def _reject_mostly_numeric(parts, counts: Counter) -> None:
    numeric = sum(n for cell, n in counts.items() if _is_number(cell))
    if numeric * 2 > sum(counts.values()):
        for t, c in parts:
            for i, cell in enumerate(t.cells[c]):
                if not _is_number(cell):
                    raise DataError(f"{t.label}, row {t.rows[i]}, {t.column_label(c)}: {cell!r} is not a number, "
                                    "while most of the column's cells are numbers")


def _is_number(cell: str) -> bool:
    try:
        return bool(np.isfinite(float(cell)))
    except ValueError:
        return False


# Column names that say "this is what to predict" (compared without case or surrounding spaces).
TARGET_NAMES = ("target", "label", "labels", "class", "classes", "y", "diagnosis", "outcome")


def guess_target(columns: list[str]) -> tuple[str, str] | None:
    """The column a CSV most likely predicts, and why: (name, reason); None when there are no columns.

    The first column named like a target (TARGET_NAMES) wins, else the last
    column (the usual place of the labels in a table of samples).
    """
    if not columns:
        return None
    for name in columns:
        if name.strip().lower() in TARGET_NAMES:
            return name, "named like a target"
    return columns[-1], "the last column"
