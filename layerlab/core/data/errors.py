"""Errors of the data side: each names the file, column, row or key at fault."""

from __future__ import annotations

from layerlab.core.errors import LayerLabError


class DataError(LayerLabError):
    """The dataset section or the data it points to is invalid (CLI exit code 1)."""

    exit_code = 1


class DataFileError(DataError):
    """A data file that cannot be opened or read at all (CLI exit code 2)."""

    exit_code = 2
