"""The editor window: palette to canvas, inspector to shapes, files, questions, recovery, screenshots."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from layerlab.core import project as project_io
from layerlab.core.document import GraphDocument
from layerlab.core.project import Project
from layerlab.gui import recovery
from layerlab.gui.dialogs import CANCEL, DISCARD, SAVE, Dialogs
from layerlab.gui.main_window import MainWindow
from layerlab.gui.panels.palette import layer_mime

CHECK_TIMEOUT_MS = 120_000  # the first check imports TensorFlow on a busy machine
ROOT = Path(__file__).resolve().parents[2]


def wide_deep() -> Project:
    d = GraphDocument()
    d.add_node("Input", {"shape": [5]}, (0, 0), node_id="wide")
    d.add_node("Input", {"shape": [6]}, (0, 240), node_id="deep")
    d.add_node("Dense", {"units": 30, "activation": "relu"}, (320, 240), node_id="hidden1")
    d.add_node("Dense", {"units": 30, "activation": "relu"}, (640, 240), node_id="hidden2")
    d.add_node("Concatenate", {}, (960, 40), node_id="concat")
    d.add_node("Dense", {"units": 1}, (1280, 40), node_id="main_output")
    d.add_node("Dense", {"units": 1}, (1280, 340), node_id="aux_output")
    for s, t, port in [("deep", "hidden1", 0), ("hidden1", "hidden2", 0), ("wide", "concat", 0),
                       ("hidden2", "concat", 1), ("concat", "main_output", 0), ("hidden2", "aux_output", 0)]:
        d.add_edge(s, t, port)
    return Project(document=d, name="Wide & Deep")


class Answers:
    """Plays the person in front of the dialogs: records each question, answers from a list."""

    def __init__(self):
        self.asked: list[str] = []
        self.replies: list[str] = []
        self.errors: list[str] = []
        self.save_to: str | None = None
        self.open_from: str | None = None

    def dialogs(self) -> Dialogs:
        def ask(_parent, title, text, choices, informative=""):
            self.asked.append(text)
            return self.replies.pop(0) if self.replies else CANCEL

        return Dialogs(ask=ask, open_file=lambda *a: self.open_from, save_file=lambda *a: self.save_to,
                       error=lambda _p, title, text: self.errors.append(text), info=lambda *a: None)


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    made = []

    def make(answers: Answers | None = None, interval_ms: int = 60_000) -> MainWindow:
        answers = answers or Answers()
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, dialogs=answers.dialogs(), recovery_folder=tmp_path / "recovery",
                            recovery_interval_ms=interval_ms, warm_up_delay_ms=0)
        window.answers = answers
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window._restored = False
        window.undo_stack.setClean()
        window.close()
        window.check_service.shutdown()


def wait_checked(qtbot, window: MainWindow):
    """Wait for the report of the document's current revision."""
    svc, doc = window.check_service, window.document
    if svc.report_revision != doc.revision or svc.pending:
        with qtbot.waitSignal(svc.reportReady, timeout=CHECK_TIMEOUT_MS,
                              check_params_cb=lambda _r: svc.report_revision == doc.revision):
            pass
    return svc.report


def graph(window_or_doc):
    doc = getattr(window_or_doc, "document", window_or_doc)
    return doc.nodes(), doc.edges()


def drop_layer(window: MainWindow, type_name: str, at: QPoint) -> None:
    """Deliver a palette drag to the canvas the way Qt does: enter, move, drop on the viewport."""
    viewport = window.canvas.viewport()
    mime = layer_mime(type_name)
    actions = Qt.DropAction.CopyAction
    pos = QPointF(at).toPoint()
    for event in (QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()
    drop = QDropEvent(QPointF(at), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()


# -- building ----------------------------------------------------------------------------
def test_dragging_from_the_palette_creates_a_node(make_window):
    window = make_window()
    assert window.stack.currentWidget() is window.welcome  # an empty start shows the welcome view
    window._show_canvas()
    drop_layer(window, "Dense", QPoint(300, 200))
    (node,) = window.document.nodes()
    assert node.type == "Dense" and node.params["units"] == 32
    item_center = window.canvas.mapFromScene(window.canvas.canvas_scene.nodes[node.id].sceneBoundingRect().center())
    assert abs(item_center.x() - 300) < 120 and abs(item_center.y() - 200) < 80  # under the cursor
    assert window.canvas.selected_ids() == [node.id]
    assert window.inspector.title.text() == "Dense"  # the inspector follows the selection
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert len(window.document) == 0


def test_a_blank_canvas_is_not_an_error_but_a_lone_layer_is(make_window, qtbot):
    window = make_window()
    wait_checked(qtbot, window)
    assert window.check_label.text() == "Empty model" and window.bottom_tabs.tabText(1) == "Problems"
    window._show_canvas()
    drop_layer(window, "Dense", QPoint(300, 200))
    wait_checked(qtbot, window)
    # no Input, and the Dense is not wired
    assert window.check_label.text() == "2 errors" and window.bottom_tabs.tabText(1) == "Problems (2)"
    window.undo_stack.undo()
    wait_checked(qtbot, window)
    assert window.check_label.text() == "Empty model" and window.bottom_tabs.tabText(1) == "Problems"


def test_double_click_in_the_palette_adds_at_the_view_centre(make_window, qtbot):
    window = make_window()
    palette = window.palette_panel
    item = palette.item_for("Input")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [n.type for n in window.document.nodes()] == ["Input"]
    assert window.stack.currentWidget() is window.canvas
    node_rect = window.canvas.canvas_scene.nodes[window.document.node_ids()[0]].sceneBoundingRect()
    centre = window.canvas.mapToScene(window.canvas.viewport().rect().center())
    assert node_rect.contains(centre)


def test_editing_in_the_inspector_updates_shapes_downstream(make_window, qtbot):
    from layerlab.core.build import build_model

    window = make_window()
    window.adopt(wide_deep())
    wait_checked(qtbot, window)
    rows = {r[0]: r for r in window.summary.row_texts()}
    assert rows["concat"][2] == "(None, 35)"
    window.canvas.select_nodes(["hidden2"])
    assert window.inspector.node_ids == ["hidden2"]
    spin = window.inspector.form.editors["units"].spin
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "12")
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    report = wait_checked(qtbot, window)
    model = build_model(window.document)  # Keras is the oracle
    shapes = {layer.name: str(tuple(layer.output.shape)) for layer in model.layers}
    assert shapes["concat"] == "(None, 17)"
    rows = {r[0]: r for r in window.summary.row_texts()}
    for name in ("hidden2", "concat", "main_output", "aux_output"):
        assert rows[name][2] == shapes[name]
    assert report.total_params == model.count_params()
    assert window.summary.totals.text().startswith(f"Total params: {model.count_params():,} ")
    assert window.inspector.shape_label.text() == "(None, 12)"
    assert window.undo_stack.count() == 1


def test_the_problems_list_selects_and_centres_the_node(make_window, qtbot):
    window = make_window()
    project = wide_deep()
    project.document.add_node("Dense", {"units": 4}, (3000, 1600), node_id="stray")  # unwired: an error
    window.adopt(project)
    wait_checked(qtbot, window)
    window.canvas.zoom_to_fit()
    window.canvas.zoom_by(2.0)
    panel = window.problems
    rows = [panel.list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(panel.list.topLevelItemCount())]
    assert "stray" in rows
    assert window.bottom_tabs.tabText(1).startswith("Problems (")
    panel.activate(rows.index("stray"))
    assert window.canvas.selected_ids() == ["stray"]
    centre = window.canvas.viewport().rect().center()
    node_centre = window.canvas.mapFromScene(window.canvas.canvas_scene.nodes["stray"].sceneBoundingRect().center())
    assert abs(centre.x() - node_centre.x()) <= 2 and abs(centre.y() - node_centre.y()) <= 2  # pixels
    assert "not connected" in window.inspector.problems.text()


def test_edit_menu_has_the_standard_shortcuts(make_window):
    window = make_window()
    acts = window.menu_actions
    assert acts["undo"].shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert acts["copy"].shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    assert acts["select_all"].shortcut() == QKeySequence(QKeySequence.StandardKey.SelectAll)
    window.adopt(wide_deep())
    acts["select_all"].trigger()
    assert len(window.canvas.selected_ids()) == 7
    acts["delete"].trigger()
    assert len(window.document) == 0
    acts["undo"].trigger()
    assert len(window.document) == 7 and len(window.document.edges()) == 6
    window.canvas.select_nodes(["hidden1"])
    acts["duplicate"].trigger()
    assert len(window.document) == 8


# -- files --------------------------------------------------------------------------------
def test_save_close_and_open_gives_the_same_graph(make_window, tmp_path):
    first = make_window()
    first.adopt(wide_deep())
    first.canvas.select_nodes(["hidden1"])
    first.inspector.form.editors["units"].offer(16)  # an edit, as the spin box makes it
    assert first.isWindowModified() and "[*]" in first.windowTitle()
    path = tmp_path / "model.layerlab"
    assert first.save_as(path)
    assert not first.isWindowModified()
    assert first.windowTitle() == "model.layerlab[*] — LayerLab"
    saved = graph(first)
    first.close()
    assert not first.isVisible()

    second = make_window()
    second.answers.open_from = str(path)
    second.open_dialog()
    assert graph(second) == saved
    assert second.undo_stack.count() == 0 and not second.isWindowModified()  # loading pushes nothing
    assert second.project.name == "Wide & Deep"
    assert second.recent.paths()[0] == path.resolve()
    assert path.read_text() == project_io.load(path).dumps()


def test_unsaved_changes_are_asked_about(make_window, tmp_path):
    window = make_window()
    window.adopt(wide_deep())
    window.canvas.select_nodes(["hidden1"])
    window.canvas.delete_selected()
    assert window.isWindowModified()
    answers = window.answers

    answers.replies = [CANCEL]
    window.close()
    assert window.isVisible() and len(answers.asked) == 1  # cancel keeps the window and the work
    answers.replies = [CANCEL]
    window.new_project()
    assert len(window.document) == 6

    answers.replies = [SAVE]
    answers.save_to = str(tmp_path / "kept.layerlab")
    window.new_project()  # untitled: Save asks where, then the new model starts
    assert len(window.document) == 0 and not window.isWindowModified()
    assert len(project_io.load(tmp_path / "kept.layerlab").document) == 6

    drop_layer(window, "Dense", QPoint(200, 200))
    answers.replies = [DISCARD]
    window.close()
    assert not window.isVisible()
    assert len(answers.asked) == 4


def test_revert_and_examples(make_window, tmp_path):
    from layerlab.gui import files

    window = make_window()
    examples = files.example_paths()
    assert examples, "resources/examples holds the bundled examples"
    menu_items = [a.text() for a in window.examples_menu.actions()]
    assert len(menu_items) == len(examples)
    window.statusBar().showMessage("Imported resnet50.keras")  # an earlier message must not stay up
    assert window.open_example(examples[0])
    assert window.project.path is None  # a copy: saving never writes into the examples
    assert "copy of the example" in window.statusBar().currentMessage()
    assert not window.isWindowModified() and len(window.document) > 0

    path = tmp_path / "r.layerlab"
    project_io.save(wide_deep(), path)
    assert window.open_path(path)
    window.canvas.select_all()
    window.canvas.delete_selected()
    window.answers.replies = [DISCARD]
    window.revert()
    assert graph(window) == graph(project_io.load(path).document)
    assert not window.isWindowModified()


def test_dropping_a_project_file_on_the_window_opens_it(make_window, qtbot, tmp_path):
    path = tmp_path / "dropped.layerlab"
    project_io.save(wide_deep(), path)
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = QPoint(400, 300)
    enter = QDragEnterEvent(QPointF(at).toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.project.path == path, timeout=5000)
    assert len(window.document) == 7


def test_a_broken_file_is_reported_not_raised(make_window, tmp_path):
    bad = tmp_path / "bad.layerlab"
    bad.write_text('{"format": "layerlab", "version": 99}')
    window = make_window()
    assert not window.open_path(bad)
    assert "version 99 is newer" in window.answers.errors[0]
    assert window.project.path is None


def test_diagram_and_model_export(make_window, qtbot, tmp_path):
    import keras

    from layerlab.gui import theme

    window = make_window()
    window.adopt(wide_deep())
    wait_checked(qtbot, window)
    png, svg = tmp_path / "d.png", tmp_path / "d.svg"
    assert window.export_diagram(png) and window.export_diagram(svg), window.answers.errors
    image = QImage(str(png))
    nodes = window.canvas.canvas_scene.nodes_rect()
    assert nodes.width() * 2 < image.width() < (nodes.width() + 400) * 2  # the model, not the whole scene
    assert image.pixelColor(4, 4) == theme.current().canvas  # the canvas colour, not a screenshot
    assert "<svg" in svg.read_text()[:400]

    target = tmp_path / "model.h5"
    task = window.export_model(target)
    with qtbot.waitSignal(task.done, timeout=CHECK_TIMEOUT_MS):
        pass
    model = keras.models.load_model(target, compile=False)
    assert model.count_params() == window.check_service.report.total_params
    assert [t.shape[-1] for t in model.outputs] == [1, 1]


# -- recovery -----------------------------------------------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_recovery_after_a_simulated_crash(make_window, qtbot, tmp_path):
    crashed = make_window(interval_ms=20)
    crashed.adopt(wide_deep())
    crashed.canvas.select_nodes(["aux_output"])
    crashed.canvas.delete_selected()
    with qtbot.waitSignal(crashed.recovery.written, timeout=5000):  # the timer writes while unsaved
        pass
    kept = graph(crashed)
    # the process "dies": its recovery file stays behind under a pid that no longer runs
    orphan = tmp_path / "recovery" / f"recovery-{dead_pid()}.json"
    crashed.recovery.file.rename(orphan)
    crashed.recovery.stop()
    crashed.interactive = False  # as if gone: it writes nothing more

    restarted = make_window()
    restarted.answers.replies = ["restore"]
    assert restarted.offer_recovery()
    assert "closed without saving" in restarted.answers.asked[0]
    assert graph(restarted) == kept
    assert restarted.isWindowModified()  # restored work is unsaved work
    assert not orphan.exists() and restarted.recovery.file.exists()
    restarted.save_as(tmp_path / "saved.layerlab")
    assert not restarted.recovery.file.exists()  # a clean save removes it


def test_recovery_file_only_while_unsaved(make_window, qtbot, tmp_path):
    window = make_window(interval_ms=20)
    window.adopt(wide_deep())
    assert not window.recovery.write_now()  # nothing unsaved: nothing written
    window.canvas.select_nodes(["concat"])
    window.canvas.delete_selected()
    with qtbot.waitSignal(window.recovery.written, timeout=5000):
        pass
    rec = recovery.read_recovery(window.recovery.file)
    assert graph(rec.project.document) == graph(window)
    window.undo_stack.undo()  # back to the saved state: the copy goes
    assert not window.recovery.file.exists()
    window.undo_stack.redo()
    window.answers.replies = [DISCARD]
    assert window.maybe_save()
    assert not window.recovery.file.exists()


# -- startup and the command line -------------------------------------------------------------------
def test_the_window_shows_before_tensorflow_is_imported(tmp_path):
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QSettings
        from layerlab.gui.app import make_app
        from layerlab.gui.main_window import MainWindow
        app = make_app()
        shown = []
        w = MainWindow(settings=QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat),
                       interactive=False, warm_up_delay_ms=60000)
        w.firstShown.connect(lambda: shown.append("tensorflow" in sys.modules or "keras" in sys.modules))
        w.show()
        app.processEvents()
        print("heavy-at-show", shown, flush=True)
        from layerlab.gui import check_engine
        check_engine.shared().kill()  # still loading TensorFlow: a clean shutdown would wait for it
        os._exit(0)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "heavy-at-show [False]" in out.stdout


def test_open_with_screenshot_writes_a_png_of_the_window(tmp_path):
    project = tmp_path / "wd.layerlab"
    project_io.save(wide_deep(), project)
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERLAB_RECOVERY_DIR=str(tmp_path / "rec"))
    out = subprocess.run([sys.executable, "-m", "layerlab.cli", "open", str(project), "--screenshot", str(shot),
                          "--size", "1000x700"], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1000, 700)
    assert not (tmp_path / "rec").exists() or not list((tmp_path / "rec").iterdir())  # no recovery from shots

    bad = subprocess.run([sys.executable, "-m", "layerlab.cli", "open", str(tmp_path / "missing.layerlab"),
                          "--screenshot", str(shot)], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert bad.returncode == 2 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_bare_layerlab_opens_an_empty_editor(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERLAB_BENCH_FIRST_PAINT="1",
               LAYERLAB_RECOVERY_DIR=str(tmp_path / "rec"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    out = subprocess.run([sys.executable, "-m", "layerlab.cli"], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("first-paint ")



def test_switching_to_the_dark_theme_repaints_the_window(make_window):
    from PySide6.QtGui import QPalette

    from layerlab.gui import theme

    window = make_window()
    light_icon = window.menu_actions["save"].icon().pixmap(20, 20).toImage()
    try:
        window._set_theme("dark")
        assert theme.current().dark
        assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 128
        dark_icon = window.menu_actions["save"].icon().pixmap(20, 20).toImage()
        assert dark_icon != light_icon  # drawn again in the dark palette's text colour
        assert window.settings.value("theme") == "dark"
    finally:
        window._set_theme("system")
    assert not theme.current().dark


def test_a_file_without_positions_is_laid_out_on_loading(make_window):
    project = wide_deep()
    doc = project.document
    project.document = GraphDocument()
    project.document.load([n.__class__(n.id, n.type, n.params, None, n.shares) for n in doc.nodes()], doc.edges())
    window = make_window()
    window.adopt(project)
    assert all(window.document.position(n) is not None for n in window.document.node_ids())
    assert window.undo_stack.count() == 0 and not window.isWindowModified()  # part of loading, not an edit
    rects = [item.sceneBoundingRect() for item in window.canvas.canvas_scene.nodes.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    xs = {n: window.document.position(n)[0] for n in window.document.node_ids()}
    assert xs["deep"] < xs["hidden1"] < xs["hidden2"] < xs["concat"] < xs["main_output"]  # left to right


# -- issue 4's "done when": Wide & Deep by mouse, every shape seen, undo, save, reopen, .h5 ----------
def mouse_drag(window: MainWindow, start: QPointF, end: QPointF, steps: int = 6) -> None:
    """Press on the scene point `start`, move in steps to `end` and release: real mouse events on the canvas."""
    vp, view = window.canvas.viewport(), window.canvas
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        QTest.mouseMove(vp, QPoint(round(p.x()), round(p.y())))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_a_new_user_builds_wide_and_deep_by_mouse_and_exports_an_h5_keras_loads(make_window, qtbot, tmp_path):
    import keras

    from layerlab.core.build import build_model
    from layerlab.core.document import Edge

    window = make_window()
    QTest.mouseClick(window.welcome.new_button, Qt.MouseButton.LeftButton)  # the welcome view's "New model"
    assert window.stack.currentWidget() is window.canvas
    scene = window.canvas.canvas_scene

    def add(type_name: str, at: tuple[int, int], **typed) -> str:
        """Drop a layer from the palette, then type its parameters into the inspector's widgets."""
        before = set(window.document.node_ids())
        drop_layer(window, type_name, QPoint(*at))
        (node_id,) = set(window.document.node_ids()) - before
        assert window.inspector.node_ids == [node_id]  # the new node is selected and inspected
        for name, text in typed.items():
            editor = window.inspector.form.editors[name]
            if hasattr(editor, "spin") or hasattr(editor, "edit"):  # a number, a text or a shape: typed
                line = editor.spin.lineEdit() if hasattr(editor, "spin") else editor.edit
                line.setFocus()
                line.selectAll()
                QTest.keyClicks(line, text)
                QTest.keyClick(line, Qt.Key.Key_Return)
            else:  # a choice: picked in the combo box
                editor.combo.setCurrentIndex(editor.combo.findText(text))
            assert str(window.document.params(node_id)[name]).strip("[]") == text, name
        return node_id

    def wire(source: str, target: str, port: int = 0) -> str:
        mouse_drag(window, scene.nodes[source].outputs[0].scenePos(), scene.nodes[target].inputs[port].scenePos())
        assert Edge(source, target, port) in window.document.edges()
        wait_checked(qtbot, window)
        label = scene.edges[Edge(source, target, port)].label
        assert not scene.edges[Edge(source, target, port)].invalid, label
        return label

    window.canvas.set_scale(0.6)  # zoomed out, as with the wheel, so that five columns fit
    assert window.canvas.viewport().width() > 680
    wide = add("Input", (70, 80), shape="5")
    deep = add("Input", (70, 260), shape="6")
    hidden1 = add("Dense", (210, 260), units="30", activation="relu")
    hidden2 = add("Dense", (350, 260), units="30", activation="relu")
    concat = add("Concatenate", (490, 80))
    main = add("Dense", (630, 80), units="1")
    aux = add("Dense", (630, 330), units="1")
    # every wire shows the shape it carries as it is made
    assert wire(deep, hidden1) == "(None, 6)"
    assert wire(hidden1, hidden2) == "(None, 30)"
    assert wire(wide, concat, 0) == "(None, 5)"
    assert wire(hidden2, concat, 1) == "(None, 30)"
    assert wire(concat, main) == "(None, 35)"
    assert wire(hidden2, aux) == "(None, 30)"
    report = wait_checked(qtbot, window)
    assert not report.errors

    # Keras is the oracle: the same model as the bundled example, layer by layer
    expected = build_model(project_io.load(ROOT / "resources" / "examples" / "wide_deep.layerlab").document)
    built = build_model(window.document)
    assert built.count_params() == expected.count_params() == report.total_params
    assert sorted((type(x).__name__, tuple(x.output.shape)) for x in built.layers) == \
        sorted((type(x).__name__, tuple(x.output.shape)) for x in expected.layers)
    rows = {r[0]: r for r in window.summary.row_texts()}
    for layer in built.layers:
        assert rows[layer.name][2] == str(tuple(layer.output.shape))

    # any step can be undone, and redone to the same graph
    built_graph, steps = graph(window), window.undo_stack.count()
    assert steps == 7 + 8 + 6  # seven drops, eight parameter edits, six wires: one command each
    for _ in range(steps):
        window.undo_stack.undo()
    assert len(window.document) == 0
    for _ in range(steps):
        window.undo_stack.redo()
    assert graph(window) == built_graph

    # save, reopen, export as .h5 that plain Keras loads
    path = tmp_path / "wide_deep.layerlab"
    assert window.save_as(path)
    window.close()
    again = make_window()
    again.answers.open_from = str(path)
    again.open_dialog()
    assert graph(again) == built_graph
    target = tmp_path / "wide_deep.h5"
    task = again.export_model(target)
    with qtbot.waitSignal(task.done, timeout=CHECK_TIMEOUT_MS):
        pass
    loaded = keras.models.load_model(target)
    assert loaded.count_params() == expected.count_params()
    assert [tuple(t.shape) for t in loaded.outputs] == [(None, 1), (None, 1)]
