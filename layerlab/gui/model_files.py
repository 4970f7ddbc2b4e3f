"""The window's model files: import a saved Keras model, export the model (.keras, .h5, .py) or a diagram.

Part of MainWindow (mixed into it). Imports and model exports run in the
check engine (files.ModelImporter, files.ModelExporter); an imported model's
weights are kept in memory until the project is first saved, and an export
before that writes them (through a temporary folder: the engine reads weights
from beside a project).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from layerlab.core.errors import LayerLabError
from layerlab.gui import files
from layerlab.gui.files import ExportAdapter


class ModelFiles:
    """MainWindow's import and export commands (a mixin: `self` is the window)."""

    def import_model_dialog(self) -> None:
        path = self._choose_file("importing a model", "Import Keras Model", files.MODEL_FILTER)
        if path:
            self.import_model_file(path, ask=False)

    def import_model_file(self, path: str | Path, ask: bool = True) -> files.BackgroundTask | None:
        """Import a saved Keras model (.keras, .h5) as a new untitled project, reading it on a worker thread.

        Returns the running task, or None if nothing was started (an import is running, or the question
        about unsaved changes was cancelled). The project opens when the file has been read.
        """
        if self.importer.busy:
            self.statusBar().showMessage("Another model is still being imported.", 5000)
            return None
        if ask and not self.maybe_save("importing a model"):
            return None
        self.statusBar().showMessage(f"Importing {Path(path).name}…")
        return self.importer.start(Path(path))

    def _on_model_imported(self, result) -> None:
        self.adopt(result.project)
        self._import = result  # unsaved until the first save writes the project and its weights
        self._on_modified()
        self._show_canvas()
        source = result.source or Path("model")
        self.settings.setValue("lastDir", str(source.parent))
        doc = result.project.document
        weights = f"weights of {len(result.weights)} layers are kept until you save" if result.weights \
            else "no weights"
        self.statusBar().showMessage(f"Imported {source.name}: {len(doc)} layers, {weights}.", 10_000)
        if result.notes:
            count = len(result.notes)
            self.dialogs.notify(self, "Model imported", f"{source.name} was imported, with {count} "
                                f"note{'s' if count != 1 else ''}:", "\n".join(f"• {n}" for n in result.notes))

    def _on_import_failed(self, message: str) -> None:
        self.statusBar().showMessage("The model was not imported.", 5000)
        self.dialogs.error(self, "Cannot import the model", message)

    def export_model_dialog(self, suffix: str) -> None:
        base = self.project.path.with_suffix(suffix) if self.project.path else self.start_folder() / f"model{suffix}"
        path = self.dialogs.save_file(self, "Export Model", str(base), ExportAdapter.FORMATS[suffix])
        if path:
            path = Path(path)
            self.export_model(path if path.suffix == suffix else path.with_name(path.name + suffix))

    def export_model(self, path: Path) -> files.BackgroundTask | None:
        """Export a snapshot of the project on a background thread; the outcome is reported when done.

        A model imported and not saved yet is exported with the imported weights (held in memory): they
        are written to a temporary folder beside a copy of the project, removed when the export ends.
        """
        if self._import is None or not self._import.weights or self.project.path is not None:
            return self.exporter.export(self.project, path)
        from layerlab.core import project as project_io

        folder = Path(tempfile.mkdtemp(prefix="layerlab-export-"))
        try:
            snapshot = project_io.from_json(self.project.to_json(), folder / "imported.layerlab")
            snapshot.load_problems = list(self.project.load_problems)
            files.write_imported_weights(self._import, snapshot.path)
        except (OSError, LayerLabError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            self.dialogs.error(self, "Export failed", f"Cannot write the imported weights for the export: {exc}")
            return None
        task = self.exporter.export(snapshot, path)
        if task is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for signal in (task.done, task.failed):
                signal.connect(lambda *_: shutil.rmtree(folder, ignore_errors=True))
        return task

    def _on_export_busy(self, busy: bool) -> None:
        for suffix in (".keras", ".h5", ".py"):
            self.menu_actions[f"export{suffix}"].setEnabled(self.exporter.available and not busy)

    def export_diagram_dialog(self, suffix: str) -> None:
        stem = self.project.path.stem if self.project.path else "model"
        base = self.start_folder() / f"{stem}{suffix}"
        kind = "PNG image (*.png)" if suffix == ".png" else "SVG drawing (*.svg)"
        path = self.dialogs.save_file(self, "Export Diagram", str(base), kind)
        if path:
            path = Path(path)
            self.export_diagram(path if path.suffix.lower() == suffix else path.with_name(path.name + suffix))

    def export_diagram(self, path: Path) -> bool:
        """Draw the model (every layer and connection, in full detail) into a .png or .svg file."""
        try:
            files.write_canvas_diagram(self.canvas.canvas_scene, path, self.display_name())
        except LayerLabError as exc:
            self.dialogs.error(self, "Cannot export the diagram", str(exc))
            return False
        self.statusBar().showMessage(f"Diagram written to {path}", 5000)
        return True

