"""Reading CSV files into columns of text, with spreadsheet row numbers for error messages.

Row numbers are 1-based and count the header and blank lines, as a
spreadsheet shows them. Columns are named by the header, or by their 0-based
index ("0", "1", ...) when the file has none.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import gc
import itertools
import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layerlab.core.data.errors import DataError, DataFileError


@dataclass
class Table:
    """The columns a source asked for: numeric ones parsed, text ones kept as the file's text."""

    label: str  # the file as the user named it, for messages
    columns: list[str]  # every column's name
    numbers: dict[int, np.ndarray]  # column index -> float64 values
    cells: dict[int, list[str]]  # column index -> cells as text
    rows: list[int]  # the spreadsheet row number of each data row
    header: bool

    def column_label(self, index: int) -> str:
        return f"column '{self.columns[index]}'" if self.header else f"column {index}"


def check_delimiter(delimiter: object) -> str:
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise DataError(f"dataset: \"delimiter\" must be one character (such as \",\" or \";\"); got {delimiter!r}")
    return delimiter


def iter_records(path: Path, label: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells) for every non-blank record of the file."""
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataFileError(f"{label}: cannot be read ({exc.strerror})") from None
    row = 0
    with fh:
        try:
            for row, record in enumerate(csv.reader(fh, delimiter=delimiter), 1):
                if record and (len(record) > 1 or record[0].strip()):  # skip blank lines
                    yield row, record
        except UnicodeDecodeError:
            raise DataFileError(f"{label}: not UTF-8 text (after row {row})") from None
        except csv.Error as exc:
            raise DataFileError(f"{label}, row {row + 1}: not readable as CSV ({exc})") from None


def read_header(path: Path, label: str, delimiter: str, header: bool) -> list[str]:
    """The column names (or index names), from the first record alone."""
    for _, record in iter_records(path, label, delimiter):
        return [c.strip() for c in record] if header else [str(i) for i in range(len(record))]
    raise DataError(f"{label}: the file is empty")


_CHUNK = 10_000  # rows converted at a time: only the wanted columns are ever kept, as numbers or text


def read_table(path: Path, label: str, delimiter: str = ",", header: bool = True, numeric=(), text=()) -> Table:
    """Read the whole file; every row must have as many cells as the first.

    Args:
        path: the file.
        label: the file as the user named it, for messages.
        delimiter: the cell separator.
        header: whether the first row names the columns.
        numeric: indices of the columns to parse as numbers; the first cell that
            is not a finite number (top to bottom) is an error naming its row and column.
        text: indices of the columns to keep as text.
    """
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataFileError(f"{label}: cannot be read ({exc.strerror})") from None
    with fh, _gc_paused():
        reader = csv.reader(fh, delimiter=delimiter)
        done = 0  # records read so far (spreadsheet rows, blank ones included)
        first: list[str] = []
        while not first:
            chunk = _next_chunk(reader, 1, label, done)
            if not chunk:
                raise DataError(f"{label}: the file is empty")
            done += 1
            first = chunk[0] if _filled(chunk[0]) else []
        width = len(first)
        columns = [c.strip() for c in first] if header else [str(i) for i in range(width)]
        table = Table(label, columns, {}, {i: [] for i in text}, [], header)
        parts: dict[int, list[np.ndarray]] = {i: [] for i in numeric}
        if not header:
            table.rows.append(done)
            _convert(table, [first], parts, 0)
        what = "the header has" if header else "the first row has"
        while True:
            chunk = _next_chunk(reader, _CHUNK, label, done)
            if not chunk:
                break
            rows: list[int] | range = range(done + 1, done + 1 + len(chunk))
            done += len(chunk)
            if set(map(len, chunk)) != {width}:  # blank lines, or a row of the wrong width
                kept = [(n, r) for n, r in zip(rows, chunk) if _filled(r)]
                for n, r in kept:
                    if len(r) != width:
                        raise DataError(f"{label}, row {n}: has {len(r)} cells, but {what} {width}")
                rows, chunk = [n for n, _ in kept], [r for _, r in kept]
            offset = len(table.rows)
            table.rows.extend(rows)
            _convert(table, chunk, parts, offset)
    if not table.rows:
        raise DataError(f"{label}: has a header but no data rows")
    table.numbers = {i: np.concatenate(p) if p else np.zeros(0) for i, p in parts.items()}
    return table


@contextlib.contextmanager
def _gc_paused():
    """Millions of short-lived lists of cells make no reference cycles: the cycle collector only slows the read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _filled(record: list[str]) -> bool:
    return bool(record) and (len(record) > 1 or bool(record[0].strip()))


def _next_chunk(reader, size: int, label: str, done: int) -> list[list[str]]:
    try:
        return list(itertools.islice(reader, size))
    except UnicodeDecodeError:
        raise DataFileError(f"{label}: not UTF-8 text (after row {done})") from None
    except csv.Error as exc:
        raise DataFileError(f"{label}, near row {done + 1}: not readable as CSV ({exc})") from None


def _convert(table: Table, chunk: list[list[str]], parts: dict, offset: int) -> None:
    for i, cells in table.cells.items():
        cells.extend(r[i] for r in chunk)
    if not parts or not chunk:
        return
    wanted = list(parts)
    pick = operator.itemgetter(*wanted)
    try:  # the fast path: every wanted cell of the chunk converted in one numpy call
        block = np.array([pick(r) for r in chunk], dtype=np.float64).reshape(len(chunk), len(wanted))
    except ValueError:
        block = None
    if block is not None and np.isfinite(block).all():
        for j, i in enumerate(wanted):
            parts[i].append(block[:, j])
        return
    bad: list[tuple[int, int, str]] = []  # (position in chunk, column, cell) of each column's first bad cell
    for i, out in parts.items():
        cells = [r[i] for r in chunk]
        try:
            values = np.array(cells, dtype=np.float64)
        except ValueError:
            values = None
        if values is not None and np.isfinite(values).all():
            out.append(values)
            continue
        for k, cell in enumerate(cells):
            if not _is_finite_number(cell):
                bad.append((k, i, cell))
                break
    if bad:
        k, i, cell = min(bad)
        shown = repr(cell) if cell.strip() else "an empty cell"
        raise DataError(f"{table.label}, row {table.rows[offset + k]}, {table.column_label(i)}: "
                        f"{shown} is not a finite number")


def _is_finite_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def resolve_column(table_columns: list[str], ref: object, label: str, key: str, header: bool = True) -> int:
    """The index of the column named (or numbered, 0-based; negative from the end) by `ref`."""
    n = len(table_columns)
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        raise DataError(f"dataset \"{key}\": a column is named by its header text or its 0-based index; got {ref!r}")
    if isinstance(ref, str):
        if header and ref in table_columns:
            return table_columns.index(ref)
        if not header and ref.lstrip("-").isdigit():
            ref = int(ref)
        else:
            close = difflib.get_close_matches(ref, table_columns, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            shown = ", ".join(f"'{c}'" for c in table_columns[:30]) + (", ..." if n > 30 else "")
            raise DataError(f"dataset \"{key}\": {label} has no column '{ref}'{hint}; its columns are {shown}")
    if not -n <= ref < n:
        raise DataError(f"dataset \"{key}\": {label} has no column {ref}; it has {n} columns (0 to {n - 1})")
    return ref % n


def is_numeric(cells: list[str]) -> bool:
    """True when every cell is a finite number (then a target column holds numbers, not class names)."""
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        return False
    return bool(np.isfinite(values).all())
