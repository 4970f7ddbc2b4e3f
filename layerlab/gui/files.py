"""File actions of the editor: dialogs (injectable for tests), recent files, exports and diagrams.

The window calls these; none of them keeps state about the graph. Model
exports and imports run in the check engine (the editor never imports
Keras); a background thread waits for the engine's answer, so the window
stays responsive while a model is built or read.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QObject, QRectF, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene, QWidget

from layerlab.core.errors import LayerLabError
from layerlab.gui.dialogs import Dialogs
from layerlab.resources import resource_path

PROJECT_FILTER = "LayerLab projects (*.layerlab)"
EXAMPLES_DIR = resource_path("examples")

class DiagramError(LayerLabError):
    """The diagram could not be written."""

    exit_code = 2


# -- recent files -----------------------------------------------------------------
class RecentFiles:
    """The most recently opened or saved projects, kept in QSettings."""

    KEY = "recentFiles"

    def __init__(self, settings: QSettings, limit: int = 10):
        self.settings = settings
        self.limit = limit

    def paths(self) -> list[Path]:
        """Recent projects that still exist, newest first."""
        raw = self.settings.value(self.KEY, [])
        if isinstance(raw, str):  # QSettings gives a lone string for a one-item list
            raw = [raw]
        return [Path(p) for p in (raw or []) if isinstance(p, str) and Path(p).is_file()]

    def add(self, path: Path) -> None:
        path = Path(path).resolve()
        paths = [path] + [p for p in self.paths() if p.resolve() != path]
        self._store(paths[: self.limit])

    def remove(self, path: Path) -> None:
        path = Path(path).resolve()
        self._store([p for p in self.paths() if p.resolve() != path])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[Path]) -> None:
        self.settings.setValue(self.KEY, [str(p) for p in paths])
        self.settings.sync()


def carry_weights(old: Path | None, new: Path) -> None:
    """Save As takes the trained weights along, so that they are not left behind under the old name."""
    if old is None or Path(old).resolve() == Path(new).resolve():
        return
    from layerlab.core.weights import weights_path_for

    source, target = weights_path_for(old), weights_path_for(new)
    if source.is_file() and not target.exists():
        try:
            shutil.copy2(source, target)
        except OSError:
            pass  # the project itself is saved; the weights stay where they were


# -- examples ----------------------------------------------------------------------
def example_paths(folder: Path = EXAMPLES_DIR) -> list[Path]:
    """The bundled example projects, by name."""
    return sorted(folder.glob("*.layerlab"), key=lambda p: p.stem.lower()) if folder.is_dir() else []


def is_example(path: str | Path, folder: Path = EXAMPLES_DIR) -> bool:
    """Whether `path` is one of the bundled examples (opened as copies: Save never writes into them)."""
    try:
        return Path(path).resolve().parent == folder.resolve() and Path(path).suffix == ".layerlab"
    except OSError:
        return False


def example_title(path: Path) -> str:
    """'wide_and_deep' -> 'Wide and deep'; the project's own name is used when it has one."""
    try:
        from layerlab.core import project as project_io

        name = project_io.load(path).name
    except LayerLabError:
        name = None
    if name:
        return name
    text = path.stem.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


# -- model export --------------------------------------------------------------------
@dataclass
class ExportDone:
    """What an export wrote (the engine's answer)."""

    path: Path
    format: str
    total_params: int
    notes: list[str] = field(default_factory=list)


def project_args(project) -> dict:
    """A project as the check engine takes it: its JSON, where it lives (for its saved weights), its load problems."""
    from layerlab.core.engine.check_messages import problem_to_json

    return {"project": project.to_json(), "project_path": str(project.path) if project.path else None,
            "load_problems": [problem_to_json(p) for p in project.load_problems]}


class ExportAdapter:
    """Exports a project through the check engine (with the weights saved beside the project, if any)."""

    FORMATS = {".keras": "Keras model (*.keras)", ".h5": "Legacy Keras HDF5 (*.h5)", ".py": "Python script (*.py)"}
    missing = ""
    available = True

    def __init__(self, engine=None) -> None:
        from layerlab.gui import check_engine

        self.engine = engine if engine is not None else check_engine.shared()

    def export(self, project, path: Path) -> ExportDone:
        """Export `project` to `path`; blocks until the engine has written it (call it off the GUI thread)."""
        result = self.engine.call_blocking("export", {**project_args(project), "target": str(path)})
        return ExportDone(Path(result["path"]), result["format"], int(result["total_params"]),
                          list(result.get("notes") or []))


def notes_text(notes: list[str]) -> str:
    """The engine's notes (clauses, as the command line prints them after "note:") as sentences for a dialog."""
    sentences = [n[:1].upper() + n[1:] + ("" if n.endswith((".", "!", "?")) else ".") for n in notes if n]
    return "\n\n".join(sentences)


class ModelExporter(QObject):
    """Exports one model at a time on a background thread and reports how it went."""

    busyChanged = Signal(bool)  # noqa: N815 - Qt naming
    message = Signal(str)  # status text

    def __init__(self, parent: QWidget, dialogs: Dialogs, adapter: ExportAdapter | None = None, engine=None):
        super().__init__(parent)
        self._parent = parent
        self.dialogs = dialogs
        self.adapter = adapter or ExportAdapter(engine)
        self.task: BackgroundTask | None = None

    @property
    def available(self) -> bool:
        return self.adapter.available

    @property
    def missing(self) -> str:
        return self.adapter.missing

    def export(self, project, path: Path) -> BackgroundTask | None:
        """Start exporting a snapshot of `project` (later edits do not leak into the file)."""
        from layerlab.core import project as project_io

        if not self.available:
            self.dialogs.error(self._parent, "Export", self.missing)
            return None
        if self.task is not None:
            self.dialogs.error(self._parent, "Export", "Another export is still running.")
            return None
        snapshot = project_io.from_json(project.to_json(), project.path)
        snapshot.load_problems = list(project.load_problems)
        task = self.task = BackgroundTask(lambda: self.adapter.export(snapshot, Path(path)), self)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_failed)
        self.busyChanged.emit(True)
        self.message.emit(f"Exporting {Path(path).name}…")
        task.start()
        return task

    def wait(self, timeout: float) -> None:
        if self.task is not None:
            self.task.wait(timeout)

    def _finish(self) -> None:
        self.task = None
        self.busyChanged.emit(False)

    def _on_done(self, result) -> None:
        self._finish()
        count = getattr(result, "total_params", None)
        self.message.emit(f"Exported {getattr(result, 'path', '')}" + (f" ({count:,} params)" if count else ""))
        notes = getattr(result, "notes", None)
        if notes:
            self.dialogs.info(self._parent, "Export finished", notes_text(notes))

    def _on_failed(self, text: str) -> None:
        self._finish()
        self.message.emit("Export failed")
        self.dialogs.error(self._parent, "Export failed", text)


class BackgroundTask(QObject):
    """Runs `fn()` on a Python thread; `done(result)` or `failed(message)` arrive on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], object], parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
        self._thread = threading.Thread(target=self._run, name="layerlab-task", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            result = self._fn()
        except LayerLabError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # an unexpected failure is shown, never lost in a thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)


# -- model import ---------------------------------------------------------------------------
MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def is_model_file(path: str | Path) -> bool:
    """A saved Keras model, by its name (the importer itself decides what the content is)."""
    return Path(path).suffix.lower() in MODEL_SUFFIXES


@dataclass
class ImportedModel:
    """An imported model in the editor: the project (laid out), its weights, and what to tell the user."""

    project: object
    weights: dict[str, list]
    notes: list[str] = field(default_factory=list)
    source: Path | None = None
    format: str = ""


def import_for_editor(path: str | Path, engine) -> ImportedModel:
    """Read a model file (in the check engine) into a project laid out for the canvas's cards.

    Blocks until the engine answers: call it off the GUI thread. Raises the engine's error
    (EngineError with the importer's message: what the file holds and why it is refused).
    """
    from layerlab.core import project as project_io
    from layerlab.core.arrange import layout_positions
    from layerlab.core.engine.weight_pack import take_weights

    result = engine.call_blocking("import", {"path": str(Path(path).resolve())})
    project = project_io.from_json(result["project"])
    weights = take_weights(engine.arrays, result["weights"])
    document = project.document
    for node_id, pos in layout_positions(document).items():
        document.move_node(node_id, pos)
    project.path = None
    source = result.get("source")
    return ImportedModel(project, weights, list(result.get("notes") or []), Path(source) if source else None,
                         result.get("format") or "")


def write_imported_weights(result, project_path: Path) -> Path | None:
    """Write an import's weights beside the project (its first save); returns the weights file, if any."""
    from layerlab.core.weights import weights_path_for, write_arrays

    if not result.weights:
        return None
    target = weights_path_for(project_path)
    write_arrays(target, result.weights)
    return target


class ModelImporter(QObject):
    """Imports one model file at a time in the check engine (a NASNet-sized file takes a few hundred ms).

    Signals:
        imported(ImportedModel): the project is ready (laid out; weights in memory).
        failed(str): why not (the importer's message: what the file holds and why it is refused).
        busyChanged(bool)
    """

    imported = Signal(object)
    failed = Signal(str)
    busyChanged = Signal(bool)  # noqa: N815 - Qt naming

    def __init__(self, parent: QObject | None = None, engine=None):
        super().__init__(parent)
        from layerlab.gui import check_engine

        self.engine = engine if engine is not None else check_engine.shared()
        self.task: BackgroundTask | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, path: str | Path) -> BackgroundTask | None:
        """Start importing `path`; None if an import is already running."""
        if self.task is not None:
            return None
        task = self.task = BackgroundTask(lambda: import_for_editor(path, self.engine), self)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_failed)
        self.busyChanged.emit(True)
        task.start()
        return task

    def wait(self, timeout: float) -> None:
        if self.task is not None:
            self.task.wait(timeout)

    def _on_done(self, result) -> None:
        self.task = None
        self.busyChanged.emit(False)
        self.imported.emit(result)

    def _on_failed(self, message: str) -> None:
        self.task = None
        self.busyChanged.emit(False)
        self.failed.emit(message)


# -- diagrams ----------------------------------------------------------------------------
DIAGRAM_MARGIN = 32.0


def _scene_rect(scene: QGraphicsScene, content: QRectF | None = None) -> QRectF:
    rect = QRectF(content) if content is not None else scene.itemsBoundingRect()
    if rect.isEmpty():
        rect = QRectF(0, 0, 200, 120)
    return rect.marginsAdded(QMarginsF(DIAGRAM_MARGIN, DIAGRAM_MARGIN, DIAGRAM_MARGIN, DIAGRAM_MARGIN))


def _paint_scene(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF, background: QColor) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(target, background)
    selected = scene.selectedItems()
    for item in selected:  # a diagram shows the model, not what happened to be selected
        item.setSelected(False)
    try:
        scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
    finally:
        for item in selected:
            item.setSelected(True)


def write_canvas_diagram(scene, path: Path, title: str = "") -> QSize:
    """Draw a canvas scene's layers and connections, in full detail whatever the zoom, as .png or .svg."""
    from layerlab.gui import theme

    content = QRectF()
    for item in [*scene.nodes.values(), *scene.edges.values()]:
        content = content.united(item.sceneBoundingRect())
    overview = scene.overview_mode
    scene.set_overview(False)  # a diagram is read up close
    try:
        if Path(path).suffix.lower() == ".svg":
            return write_diagram_svg(scene, Path(path), theme.current().canvas, title, content)
        return write_diagram_png(scene, Path(path), theme.current().canvas, content=content)
    finally:
        scene.set_overview(overview)


def write_diagram_png(scene: QGraphicsScene, path: Path, background: QColor, scale: float = 2.0,
                      content: QRectF | None = None) -> QSize:
    """Render the scene (`content`, default all items) to a PNG at `scale` pixels per unit; returns its size."""
    source = _scene_rect(scene, content)
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(background)
    painter = QPainter(image)
    _paint_scene(scene, painter, QRectF(0, 0, size.width(), size.height()), source, background)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise DiagramError(f"{path}: cannot be written")
    return size


def write_diagram_svg(scene: QGraphicsScene, path: Path, background: QColor, title: str = "",
                      content: QRectF | None = None) -> QSize:
    """Render the scene (`content`, default all items) as an SVG drawing (vector: text stays text)."""
    from PySide6.QtSvg import QSvgGenerator

    source = _scene_rect(scene, content)
    size = QSize(round(source.width()), round(source.height()))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title or "LayerLab model")
    generator.setDescription("Drawn by LayerLab")
    painter = QPainter()
    if not painter.begin(generator):
        raise DiagramError(f"{path}: cannot be written")
    _paint_scene(scene, painter, QRectF(0, 0, size.width(), size.height()), source, background)
    painter.end()
    if not path.is_file():
        raise DiagramError(f"{path}: cannot be written")
    return size
