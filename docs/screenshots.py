"""Regenerate every screenshot the docs use (`make screenshots`), so that none goes stale.

Drives the real editor in this process: the window is made as `layerlab open`
makes it (layerlab.gui.app.make_window), with a throw-away settings file so
that nothing of the user's (recent files, theme, window layout) shows. Each
screenshot is one small function; each waits for the state it shows (shapes
checked, data previewed, epochs trained) by polling with a timeout, never by
sleeping a fixed time. Training runs are short: sklearn's digits, seconds each.

Usage: python docs/screenshots.py [OUT_DIR]   (default: docs/images next to this file)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"
SIZE = (1400, 900)  # the window, as `layerlab open --screenshot` renders it without a screen
TIMEOUT_S = 120.0  # any one wait (the first imports TensorFlow on a busy machine)

# Every image the docs use, in the order they are made; tests/test_docs_links.py checks the docs.
OUTPUTS = (
    "overview.png",
    "welcome.png",
    "editor.png",
    "wiring.png",
    "import.png",
    "groups-collapsed.png",
    "groups-expanded.png",
    "data.png",
    "training-live.png",
    "training-results.png",
    "confusion-matrix.png",
    "runs.png",
    "weights.png",
    "sweep.png",
)


def overview(out_dir: Path, scratch: Path) -> str:
    """The README's first picture, made by the command a user has: `layerlab open P --screenshot OUT`."""
    import subprocess

    out = out_dir / "overview.png"
    env = dict(os.environ, XDG_CONFIG_HOME=str(scratch / "config"), LAYERLAB_RECOVERY_DIR=str(scratch / "rec"))
    done = subprocess.run([sys.executable, "-m", "layerlab.cli", "open", str(EXAMPLES / "wide_deep.layerlab"),
                           "--screenshot", str(out), "--size", f"{SIZE[0]}x{SIZE[1]}"],
                          capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise ScreenshotFailed(f"layerlab open --screenshot failed: {done.stderr.strip()[-500:]}")
    print(f"  {out.name}", flush=True)
    return out.name


class ScreenshotFailed(RuntimeError):
    """A state the screenshot needs never came, or the editor reported an error."""


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT_S) -> None:
    """Run the event loop until `condition()` is true; ScreenshotFailed after `timeout` seconds.

    The condition is polled from a timer inside a QEventLoop: the loop's exec() lets go of Python's lock
    while it waits, so the training thread runs at full speed (QTest.qWait would hold it back).
    """
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timed_out = []

    def poll() -> None:
        if condition():
            loop.quit()
        elif time.monotonic() > deadline:
            timed_out.append(True)
            loop.quit()

    timer.timeout.connect(poll)
    timer.start(20)
    loop.exec()
    timer.stop()
    if timed_out:
        raise ScreenshotFailed(f"timed out after {timeout:g} s waiting for {what}")


def script_dialogs():
    """Answers for the window's questions: none is expected, and an error stops the script."""
    from layerlab.gui.files import Dialogs

    def fail(_parent, title, text, *_rest):
        raise ScreenshotFailed(f"the editor said '{title}': {text}")

    return Dialogs(ask=fail, open_file=fail, save_file=fail, error=fail, info=lambda *a: None,
                   notify=lambda *a: None)


class Shooter:
    """One editor window and the folder the screenshots go to."""

    def __init__(self, out_dir: Path, scratch: Path):
        from PySide6.QtCore import QSettings

        from layerlab.gui.app import make_app, make_window

        self.out_dir = out_dir
        self.scratch = scratch
        self.app = make_app()
        settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
        self.window = make_window(screenshot=True, settings=settings, dialogs=script_dialogs())
        self.window.resize(*SIZE)
        self.window.show()
        self.made: list[str] = []
        self.started = time.monotonic()

    # -- helpers --------------------------------------------------------------------------------------
    def save(self, name: str, widget=None) -> None:
        """Write the window (or one widget of it) as it is drawn now."""
        from layerlab.gui.app import settle, write_png

        settle(self.app)
        write_png(widget or self.window, self.out_dir / name)
        self.made.append(name)
        print(f"  {name} ({time.monotonic() - self.started:.1f} s)", flush=True)

    def dock_width(self, dock, width: int) -> None:
        from PySide6.QtCore import Qt

        self.window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    def wait_checked(self) -> None:
        """Until the shapes of the graph as it is now are checked and shown."""
        service, doc = self.window.check_service, self.window.document
        wait_until(lambda: service.report is not None and not service.pending
                   and service.report_revision == doc.revision, "the shape check")

    def open(self, name: str, example: bool = False) -> None:
        """Open a bundled example: as a project (its title shows), or as File > Examples does (untitled copy)."""
        path = EXAMPLES / name
        opened = self.window.open_example(path)
        if not opened:
            raise ScreenshotFailed(f"{path} did not open")
        self.wait_checked()
        self.window.canvas.initial_view()

    def show_runs(self, tab: str) -> None:
        """The Runs tab in the bottom dock, on its Curves or Results page."""
        view = self.window.training.view
        self.window.training.show_runs_tab()
        view.tabs.setCurrentIndex(0 if tab == "Curves" else 1)

    def train(self, epochs: int, learning_rate: float | None = None) -> None:
        """Set the run's epochs (and learning rate) as the Training panel does, then press Train."""
        training = self.window.training
        section = dict(training.store.get("training") or {})
        section["epochs"] = epochs
        if learning_rate is not None:
            section["learning_rate"] = learning_rate
        training.store.edit("training", section)
        wait_until(lambda: training.data_service.dataset is not None, "the digits to load")
        if not training.train():
            raise ScreenshotFailed("Train did not start")

    def wait_trained(self) -> None:
        outcome = []
        self.window.training.outcomeReady.connect(outcome.append)
        wait_until(lambda: outcome, "the run to end")
        self.window.training.outcomeReady.disconnect(outcome.append)
        wait_until(lambda: self.window.training.evaluation is not None, "the evaluation")

    def discard(self) -> None:
        """Forget what was done in the window (nothing here is worth a question about saving)."""
        from layerlab.core.project import Project

        training = self.window.training
        if training.busy:
            training.stop()
            wait_until(lambda: not training.busy, "the run to stop")
        training.unsaved_records, training.weights_unsaved = [], False
        self.window.adopt(Project())

    def close(self) -> None:
        self.discard()
        self.window.close()


# -- one function per screenshot ---------------------------------------------------------------------
def welcome(s: Shooter) -> None:
    """A bare start: new, open, and the bundled examples."""
    wait_until(lambda: s.window.check_service.keras_loaded, "Keras to load")  # the status bar says "ready"
    s.save("welcome.png")


def editor(s: Shooter) -> None:
    """The Wide & Deep example (two inputs, two outputs), one layer selected: the inspector shows it."""
    s.open("wide_deep.layerlab")
    s.window.canvas.select_nodes(["concat"])
    s.window.inspector_dock.raise_()
    s.save("editor.png")


def wiring(s: Shooter) -> None:
    """A wire dragged from an output, through the view's own mouse handlers, held over a port that cannot take it.

    The Input's (None, 80) tokens cannot feed the SimpleRNN, which needs a sequence of vectors: its port
    dims and the note says why (Keras's own words); the Dense layer's port lights up as a good target.
    """
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from layerlab.gui.canvas.port_item import UNKNOWN

    s.open("imdb_rnn.layerlab")
    canvas = s.window.canvas
    canvas.select_nodes([])
    s.app.processEvents()
    scene = canvas.canvas_scene
    source, target = scene.nodes["tokens"].outputs[0], scene.nodes["rnn"].inputs[0]
    viewport = canvas.viewport()
    start, end = canvas.mapFromScene(source.scenePos()), canvas.mapFromScene(target.scenePos())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 9):
        point = start + (end - start) * (i / 8)
        QTest.mouseMove(viewport, QPoint(round(point.x()), round(point.y())))
    wire = canvas.wiring
    wait_until(lambda: wire.active and wire.hover is target and all(
        wire.verdict_for(p)[0] != UNKNOWN for p in wire.candidates.values()), "Keras's verdict on every port")
    QTest.mouseMove(viewport, end)  # the note follows the cursor: draw it with every verdict in
    s.save("wiring.png")
    empty = canvas.mapFromScene(scene.nodes_rect().bottomRight()) + QPoint(60, 60)
    QTest.mouseMove(viewport, empty)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty)
    if wire.active or s.window.undo_stack.count() or s.window.is_modified():
        raise ScreenshotFailed("the wire dropped on empty canvas changed the graph")


def resnet_file(folder: Path) -> Path:
    """ResNet50 (keras.applications, no pretrained weights) on 64x64 RGB, saved as a .keras file."""
    from layerlab.core.kerasenv import keras

    path = folder / "resnet50.keras"
    keras().applications.ResNet50(weights=None, input_shape=(64, 64, 3)).save(path)
    return path


def import_resnet(s: Shooter, model_file: Path) -> None:
    """File > Import Model's path: the file is read on a worker thread, laid out, and checked."""
    window = s.window
    loaded = []
    window.projectLoaded.connect(lambda: loaded.append(True))
    if window.import_model_file(model_file, ask=False) is None:
        raise ScreenshotFailed("the import did not start")
    wait_until(lambda: loaded, "ResNet50 to be imported")
    s.wait_checked()
    window.canvas.initial_view()
    s.save("import.png")
    groups(s)
    s.discard()  # the imported model is not saved: the next example opens without a question


def groups(s: Shooter) -> None:
    """The imported ResNet50's blocks: one collapsed block selected (its inspector), then found and expanded."""
    canvas = s.window.canvas
    card = canvas.canvas_scene.group_layer.cards[next(g.id for g in s.window.document.groups()
                                                      if g.label == "conv2_block2")]
    canvas.canvas_scene.clearSelection()
    card.setSelected(True)
    s.app.processEvents()
    s.save("groups-collapsed.png")
    canvas.search.open()
    canvas.search.edit.setText("conv2_block1_add")
    canvas.search.next()  # Enter: the block is expanded (one undo step) and the layer selected
    canvas.canvas_scene.flush()
    s.wait_checked()
    frame = canvas.canvas_scene.group_layer.frames[s.window.document.group_of("conv2_block1_add")]
    rect = frame.frame_rect()
    if canvas.canvas_scene.flow == "down":  # the block runs down the page: readable, down to the layer found
        canvas.set_scale(0.6)
        half_w = canvas.viewport().width() / 2 / canvas.scale_factor()
        half_h = canvas.viewport().height() / 2 / canvas.scale_factor()
        found = canvas.canvas_scene.nodes["conv2_block1_add"].sceneBoundingRect()
        canvas.centerOn(rect.left() + half_w - 60 / canvas.scale_factor(),
                        max(rect.top() + half_h - 20 / canvas.scale_factor(), found.bottom() + 60 - half_h))
    else:  # the whole block, if it can be read, from its left edge
        room = canvas.viewport().width() - 40
        canvas.set_scale(max(0.28, min(0.6, room / rect.width())))
        half = canvas.viewport().width() / 2 / canvas.scale_factor()
        canvas.centerOn(rect.left() + half - 20 / canvas.scale_factor(), rect.center().y())
    s.app.processEvents()
    s.save("groups-expanded.png")
    canvas.search.close_bar()


def data(s: Shooter) -> None:
    """The digits example (File > Examples), its Data tab showing the images, labels, shapes and class counts."""
    s.open("digits_mlp.layerlab", example=True)
    s.window.data_dock.raise_()
    s.dock_width(s.window.data_dock, 440)  # wide enough for a few columns of digits
    s.app.processEvents()
    s.window.canvas.initial_view()  # the narrower canvas shows the whole model again
    wait_until(lambda: s.window.training.data_service.preview is not None, "the digits preview")
    s.save("data.png")
    s.dock_width(s.window.data_dock, 330)  # back as it was
    s.app.processEvents()
    s.window.canvas.initial_view()


def training_live(s: Shooter) -> None:
    """A 30-epoch run caught in the middle (curves drawn, the bar with its ETA), then stopped."""
    training = s.window.training
    s.window.training_dock.raise_()
    s.train(epochs=30)
    s.show_runs("Curves")
    wait_until(lambda: training.training and training.history.lineages
               and training.history.lineages[-1].last_epoch >= 8, "eight epochs")
    training.view.plots.flush()
    s.app.processEvents()
    s.save("training-live.png")
    training.stop()
    s.wait_trained()


def training_results(s: Shooter) -> None:
    """After the run: metrics on the held-out samples, the confusion matrix and sample predictions."""
    s.show_runs("Results")
    s.save("training-results.png")


def confusion_matrix(s: Shooter) -> None:
    """The confusion matrix heat map on its own."""
    results = s.window.training.view.results
    s.save("confusion-matrix.png", results.confusion_box)


def runs(s: Shooter) -> None:
    """A second run with a ten times larger learning rate, overlaid on the first in every plot."""
    s.train(epochs=12, learning_rate=0.01)
    s.wait_trained()
    s.show_runs("Curves")
    s.window.training.view.plots.flush()
    s.save("runs.png")


def weights(s: Shooter) -> None:
    """The first Dense layer selected after training: the inspector shows its weights and their histogram."""
    from PySide6.QtCore import Qt

    window = s.window
    window.inspector_dock.raise_()
    window.bottom_tabs.setCurrentWidget(window.summary)
    window.resizeDocks([window.bottom_dock], [200], Qt.Orientation.Vertical)  # room for the inspector
    window.canvas.select_nodes(["hidden1"])
    s.app.processEvents()
    window.canvas.initial_view()
    weights_view = window.training.weights_view
    wait_until(weights_view.isVisible, "the weights in the inspector")
    s.app.processEvents()
    window.inspector.scroll.ensureWidgetVisible(weights_view, 0, 0)
    s.save("weights.png")


def sweep(s: Shooter) -> None:
    """The Sweep dialog after six trials of the digits MLP: the parallel-coordinates plot and the table."""
    training = s.window.training
    section = dict(training.store.get("training") or {})
    section["epochs"] = 6
    training.store.edit("training", section)
    dialog = s.window.show_sweep_dialog("training.learning_rate")
    dialog.space.item(0, 2).setText("0.0003, 0.03")
    dialog.add_key("nodes.hidden1.units")
    dialog.space.item(1, 2).setText("16, 64, 256")
    dialog.trial_count.setValue(6)
    dialog.parallel.setValue(2)
    dialog.seed.setValue(1)
    dialog.resize(1100, 640)
    ended = []
    dialog.sweep.finished.connect(lambda *a: ended.append(a))
    dialog.start()
    wait_until(lambda: ended, "the sweep", timeout=900)
    dialog.table.sortItems(4)
    s.save("sweep.png", dialog)
    dialog.close()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LAYERLAB_THEME"] = "light"  # the docs show one theme, whatever the desktop's
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="layerlab-shots-") as tmp:
        scratch = Path(tmp)
        made_apart = [overview(out_dir, scratch)]
        model_file = resnet_file(scratch)  # TensorFlow first: the editor's checker then finds Keras loaded
        shooter = Shooter(out_dir, scratch)
        try:
            welcome(shooter)
            editor(shooter)
            wiring(shooter)
            import_resnet(shooter, model_file)
            data(shooter)
            training_live(shooter)
            training_results(shooter)
            confusion_matrix(shooter)
            runs(shooter)
            weights(shooter)
            sweep(shooter)
        finally:
            shooter.close()
    missing = [n for n in OUTPUTS if n not in shooter.made + made_apart]
    if missing:
        raise ScreenshotFailed(f"not made: {', '.join(missing)}")
    print(f"{len(shooter.made) + len(made_apart)} screenshots in {out_dir} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
