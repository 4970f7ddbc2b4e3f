"""File > Import Model and dropping a model file: the editor's side of importing saved Keras models.

Models are built with Keras in the tests and saved by Keras itself (.keras and .h5); the command-line
importer and plain Keras are the oracles.
"""

import signal
import tempfile
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.arrange import layout_positions
from layerlab.core.kerasenv import keras
from layerlab.core.weights import weights_path_for
from layerlab.gui import recovery
from layerlab.gui.dialogs import CANCEL, DISCARD, Dialogs
from layerlab.gui.main_window import MainWindow

FORMATS = [".keras", ".h5"]
TIMEOUT_MS = 120_000


class Person:
    """Answers the window's questions and keeps what it was told."""

    def __init__(self):
        self.asked, self.replies, self.errors, self.notes = [], [], [], []

    def dialogs(self) -> Dialogs:
        def ask(_parent, _title, text, _choices, _informative=""):
            self.asked.append(text)
            return self.replies.pop(0) if self.replies else CANCEL

        return Dialogs(ask=ask, open_file=lambda *a: None, save_file=lambda *a: None,
                       error=lambda _p, _title, text: self.errors.append(text), info=lambda *a: None,
                       notify=lambda _p, _title, text, details="": self.notes.append(f"{text}\n{details}"))


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    person = Person()
    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                   dialogs=person.dialogs(), recovery_folder=tmp_path / "recovery", warm_up_delay_ms=0)
    w.person = person
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w._import = None
    w._restored = False
    w.undo_stack.setClean()
    w.close()
    w.check_service.shutdown()


def save(model, folder, suffix):
    path = folder / f"{model.name}{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .h5 is "legacy"
        model.save(path)
    return path


def shared_model():
    """Two inputs through one shared Dense (one layer, called twice), merged, with a head; compiled."""
    k = keras()
    a, b = k.Input((6,), name="left"), k.Input((6,), name="right")
    shared = k.layers.Dense(4, activation="relu", name="shared")
    merged = k.layers.Concatenate(name="merged")([shared(a), shared(b)])
    out = k.layers.Dense(2, name="head")(k.layers.Dropout(0.1, name="drop")(merged))
    model = k.Model([a, b], out, name="twin")
    model.compile(optimizer="adam", loss="mse")
    return model


def import_in(window, qtbot, path):
    """Import through the window as File > Import does, and wait for the project to open."""
    with qtbot.waitSignal(window.projectLoaded, timeout=TIMEOUT_MS):
        task = window.import_model_file(path)
        assert task is not None
        assert window.importer.busy and not window.menu_actions["import_model"].isEnabled()  # off the GUI thread
    return window.document


def graph(document):
    return ([(n.id, n.type, n.params, n.shares) for n in document.nodes()], sorted(document.edges()))


@pytest.mark.parametrize("suffix", FORMATS)
def test_importing_gives_the_graph_the_command_line_gives(window, qtbot, tmp_path, suffix):
    path = save(shared_model(), tmp_path, suffix)
    doc = import_in(window, qtbot, path)
    assert not list(tmp_path.glob("*.weights.h5"))  # the weights wait in memory for the first save
    assert cli.main(["import", str(path), "-o", str(tmp_path / "cli.layerlab")]) == 0
    expected = project_io.load(tmp_path / "cli.layerlab")
    assert graph(doc) == graph(expected.document)
    assert window.project.training == expected.training and window.project.path is None
    assert window.isWindowModified() and window.windowTitle().startswith("twin")  # a new, unsaved project
    scene = window.canvas.canvas_scene
    rects = [item.mapRectToScene(item.card_rect()) for item in scene.nodes.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])  # laid out for the cards
    # as Auto Layout would lay it out before its shapes are known (the wires' labels guessed from the Inputs)
    assert layout_positions(doc, scene.node_sizes()) == {n: doc.position(n) for n in doc.node_ids()}
    sharer = next(n for n in doc.node_ids() if doc.shares(n) == "shared")
    assert sharer in scene.share_links and scene.shared_with("shared") == [sharer]  # shown as linked


def test_a_model_with_a_lambda_layer_is_refused_with_a_message_naming_it(window, qtbot, tmp_path):
    k = keras()
    x = k.Input((3,), name="x")
    y = k.layers.Lambda(lambda t: t * 2.0, name="double_it")(k.layers.Dense(3, name="dense")(x))
    path = save(k.Model(x, y, name="with_code"), tmp_path, ".keras")
    window.add_layer_at_center("Dense")  # something of the person's own, not saved
    before = graph(window.document)
    window.person.replies = [DISCARD]
    with qtbot.waitSignal(window.importer.failed, timeout=TIMEOUT_MS):
        window.import_model_file(path)
    assert len(window.person.errors) == 1
    message = window.person.errors[0]
    assert "'double_it' (Lambda)" in message and "never runs code" in message
    assert graph(window.document) == before  # nothing was replaced
    assert window.menu_actions["import_model"].isEnabled()


def test_unsaved_changes_are_asked_about_first_and_cancel_keeps_them(window, qtbot, tmp_path):
    path = save(shared_model(), tmp_path, ".keras")
    window.add_layer_at_center("Dense")
    before = graph(window.document)
    window.person.replies = [CANCEL]
    assert window.import_model_file(path) is None
    assert window.person.asked and "importing a model" in window.person.asked[0]
    assert graph(window.document) == before and not window.importer.busy


def test_saving_writes_the_weights_and_the_export_predicts_like_the_original(window, qtbot, tmp_path):
    k = keras()
    original = shared_model()
    path = save(original, tmp_path, ".h5")
    import_in(window, qtbot, path)
    project = tmp_path / "imported.layerlab"
    weights = weights_path_for(project)
    assert not weights.exists()  # kept in memory until the first save
    assert window.save_as(project)
    assert weights.is_file() and not window.isWindowModified() and window._import is None
    exported = tmp_path / "exported.keras"
    task = window.export_model(exported)
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        pass
    task.wait(10)
    assert not window.person.errors, window.person.errors
    reloaded = k.models.load_model(exported)
    rng = np.random.default_rng(0)
    batch = [rng.normal(size=(5, 6)).astype("float32") for _ in range(2)]
    assert reloaded.count_params() == original.count_params()
    np.testing.assert_allclose(reloaded.predict(batch, verbose=0), original.predict(batch, verbose=0), atol=1e-5)


def test_dropping_a_model_file_on_the_window_imports_it_and_tells_the_notes(window, qtbot, tmp_path):
    k = keras()
    x = k.Input((4,), name="x")
    first = k.layers.Dense(3, name="first")(x)
    model = k.Model(x, [first, k.layers.Dense(2, name="second")(first)], name="tapped")  # an output that feeds on
    path = save(model, tmp_path, ".keras")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()  # the window takes a model file ...
    drop = QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.projectLoaded, timeout=TIMEOUT_MS):  # ... and imports it
        QApplication.sendEvent(window, drop)
    assert {"first", "second"} <= set(window.document.node_ids())
    assert len(window.person.notes) == 1 and "Identity" in window.person.notes[0]  # the importer's note, shown


def test_an_unsaved_import_exports_to_h5_with_the_imported_weights_without_a_save(window, qtbot, tmp_path,
                                                                                   monkeypatch):
    """Export › .h5 of an imported .keras asked to save a .layerlab first (Save/Cancel only)."""
    k = keras()
    original = shared_model()
    rng = np.random.default_rng(1)
    original.set_weights([rng.normal(size=w.shape).astype("float32") for w in original.get_weights()])
    path = save(original, tmp_path, ".keras")
    import_in(window, qtbot, path)
    exported = tmp_path / "exported.h5"
    window.dialogs.save_file = lambda *a: str(exported)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the weights go for the export
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        window.export_model_dialog(".h5")
    assert window.person.asked == [] and not window.person.errors, (window.person.asked, window.person.errors)
    assert window.project.path is None and window._import is not None  # nothing saved: still an unsaved import
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reloaded = k.models.load_model(exported)
    for layer in original.layers:
        for ours, theirs in zip(reloaded.get_layer(layer.name).get_weights(), layer.get_weights(), strict=True):
            np.testing.assert_array_equal(ours, theirs)
    batch = [rng.normal(size=(5, 6)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(reloaded.predict(batch, verbose=0), original.predict(batch, verbose=0), atol=1e-5)
    qtbot.waitUntil(lambda: not list(scratch.iterdir()), timeout=5000)  # and they are removed after it


def test_zoom_to_fit_on_an_imported_mobilenet_in_a_short_canvas_visibly_shows_more_and_says_why(window, qtbot,
                                                                                                tmp_path):
    """Zoom to Fit on an imported MobileNetV2 in a short canvas fell back to the opening view: nothing changed."""
    from layerlab.gui.canvas import style

    model = keras().applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None)
    path = save(model, tmp_path, ".keras")
    window.resize(1100, 620)
    import_in(window, qtbot, path)
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.scale_factor() == pytest.approx(style.READABLE_SCALE))  # the opening view
    assert canvas.fit_scale() < style.GLANCE_SCALE  # the whole fits only below a readable zoom
    before = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    window.menu_actions["zoom_fit"].trigger()
    after = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert canvas.scale_factor() == pytest.approx(style.GLANCE_SCALE)  # the lowest readable zoom: more in view
    assert after.width() * after.height() > 3 * before.width() * before.height()
    [start] = [n for n in window.document.node_ids() if window.document.node_type(n) == "Input"]
    assert after.contains(canvas.canvas_scene.nodes[start].sceneBoundingRect())  # from the model's start
    told = window.statusBar().currentMessage()
    assert told.startswith("The whole model fits only below a readable zoom: showing its start at 32%") and \
        "overview map" in told, told


def test_opening_a_model_file_from_the_command_line_imports_it(qtbot, tmp_path, monkeypatch):
    from layerlab.gui import app as app_module

    model = keras().Sequential([keras().Input((4,)), keras().layers.Dense(3, name="d")])
    path = tmp_path / "m.keras"
    model.save(path)
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    windows = []
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)  # return once the window is shown
    real_init = MainWindow.__init__

    def keep(self, *args, **kwargs):  # the real window, with this test's settings and answers
        kwargs.update(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                      dialogs=Person().dialogs(), recovery_folder=tmp_path / "recovery")
        real_init(self, *args, **kwargs)
        windows.append(self)

    monkeypatch.setattr(MainWindow, "__init__", keep)
    before = signal.getsignal(signal.SIGINT)
    assert app_module.run_editor(str(path)) == 0
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl+C closed the window only while it ran
    window = windows[0]
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "d" in window.document.node_ids(), timeout=TIMEOUT_MS)
    assert window.document.node("d").params["units"] == 3
    window._import = None
    window.undo_stack.setClean()
    window.close()
    window.check_service.shutdown()
