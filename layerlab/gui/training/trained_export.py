"""Exporting the trained model: File > Export > .keras / .h5 saves the model as trained in this window.

Wraps the window's export adapter (files.ExportAdapter): when a model has
been trained (or its saved weights loaded) here, a .keras or .h5 export
writes that model, weights and optimizer state included, through
`layerlab.core.export.save_model`. Otherwise, and for .py scripts, the
project is exported as before (with the weights saved beside it, if any).
A model still being trained is not exported: its weights change under the
writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from layerlab.core.errors import LayerLabError


class TrainingBusyError(LayerLabError):
    exit_code = 2


class TrainedModelAdapter:
    def __init__(self, inner, trained_model: Callable[[], object], busy: Callable[[], bool]):
        self.inner = inner
        self.trained_model = trained_model
        self.busy = busy

    @property
    def missing(self) -> str:
        return self.inner.missing

    @property
    def available(self) -> bool:
        return self.inner.available

    def export(self, project, path: Path):
        """Runs on the export thread."""
        from layerlab.core.export import ExportResult, export_format, save_model

        suffix = export_format(path)
        if suffix == ".py":
            return self.inner.export(project, path)
        if self.busy():
            raise TrainingBusyError("A run is in progress: stop it, or wait for it to end, before exporting the "
                                    "trained model.")
        model = self.trained_model()
        if model is None:
            return self.inner.export(project, path)
        save_model(model, path)
        return ExportResult(Path(path), suffix, int(model.count_params()), [])
