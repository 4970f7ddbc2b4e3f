"""The window's model files: import a saved Keras model, export the model (.keras, .h5, .py) or a diagram.

Part of MainWindow (mixed into it). Imports and model exports run in the
check engine (files.ModelImporter, files.ModelExporter); an imported model's
weights are kept until the project is first saved.
"""

from __future__ import annotations

from pathlib import Path

from layerlab.core.errors import LayerLabError
from layerlab.gui import files
from layerlab.gui.dialogs import CANCEL, SAVE
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

    def _imported_weights_saved(self) -> bool:
        """Exports read the weights saved beside the project: an imported model is saved first."""
        if self._import is None or not self._import.weights:
            return True
        answer = self.dialogs.ask(self, "Save the imported model first?", "Save the project before exporting "
                                  "it?", (SAVE, CANCEL), "The imported weights are written beside the project "
                                  "when it is saved; an export made before that would have fresh weights.")
        return answer == SAVE and self.save()

    def export_model_dialog(self, suffix: str) -> None:
        if not self._imported_weights_saved():
            return
        base = self.project.path.with_suffix(suffix) if self.project.path else self.start_folder() / f"model{suffix}"
        path = self.dialogs.save_file(self, "Export Model", str(base), ExportAdapter.FORMATS[suffix])
        if path:
            path = Path(path)
            self.export_model(path if path.suffix == suffix else path.with_name(path.name + suffix))

    def export_model(self, path: Path) -> files.BackgroundTask | None:
        """Export a snapshot of the project on a background thread; the outcome is reported when done."""
        return self.exporter.export(self.project, path)

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

