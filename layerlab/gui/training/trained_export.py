"""Exporting the trained model: File > Export > .keras / .h5 saves the model as trained in this window.

Wraps the window's export adapter (files.ExportAdapter): when a model has
been trained (or its saved weights loaded) here, a .keras or .h5 export asks
the worker process that holds it to write it (`export`, through
`layerlab.core.export.save_model`), weights and optimizer state included, and
says which run's weights it wrote. Otherwise, and for .py scripts, the
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
    def __init__(self, inner, trained_session: Callable[[], object], busy: Callable[[], bool],
                 source: Callable[[], str | None] = lambda: None):
        self.inner = inner
        self.trained_session = trained_session  # the WorkerSession holding the model, or None
        self.busy = busy
        self.source = source  # which run's weights, in words

    @property
    def missing(self) -> str:
        return self.inner.missing

    @property
    def available(self) -> bool:
        return self.inner.available

    def export(self, project, path: Path):
        """Runs on the export thread; the worker does the writing (the editor holds no model)."""
        from layerlab.core.export import ExportResult, export_format

        suffix = export_format(path)
        if suffix == ".py":
            return self.inner.export(project, path)
        if self.busy():
            raise TrainingBusyError("A run is in progress: stop it, or wait for it to end, before exporting the "
                                    "trained model.")
        session = self.trained_session()
        if session is None:
            return self.inner.export(project, path)
        source = self.source()
        remote = getattr(session, "remote", False)  # a worker on a Ray cluster sends the file back
        result = session.call("export", {"path": str(path), "send": remote})
        if remote:
            from layerlab.core.project import atomic_write_bytes

            atomic_write_bytes(path, result["file"].tobytes())
            result["path"] = str(path)
        notes = [f"The weights of {source}."] if source else []
        return ExportResult(Path(result["path"]), suffix, int(result["params"]), notes)
