"""Errors of the training engine, with the CLI exit code each one means."""

from __future__ import annotations

from layerlab.core.errors import LayerLabError


class TrainingConfigError(LayerLabError):
    """The project's training section has an unknown key or a bad value."""

    exit_code = 1


class TrainingDataError(LayerLabError):
    """The dataset does not fit the model (inputs or outputs missing or extra)."""

    exit_code = 1


class DistributeError(LayerLabError):
    """A distribution strategy that cannot be set up (e.g. TF_CONFIG missing or malformed)."""

    exit_code = 2


class TrainedStateError(LayerLabError):
    """Trained state (weights, runs) that cannot be saved or restored."""

    exit_code = 1


class StateWriteError(TrainedStateError):
    """The weights or the project file cannot be written (a read-only folder, a full disk)."""

    exit_code = 2


class MissingPackageError(LayerLabError):
    """A feature asked for needs a Python package that is not installed."""

    exit_code = 2
