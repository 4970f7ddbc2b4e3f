"""Shape checks in the check engine: no Keras in the editor, stale results dropped, bursts coalesced, verdicts=Keras."""

import json
import subprocess
import sys
import textwrap

import pytest

from layerlab.core.document import Edge, GraphDocument
from layerlab.core.errors import Problem
from layerlab.core.kerasenv import keras
from layerlab.core.shapes import ShapeChecker
from layerlab.core.verdicts import EdgeProber
from layerlab.gui.checking import CheckService
from layerlab.gui.commands import SetParamsCommand

# Two editors in one fresh interpreter (this pytest process has imported TensorFlow): first a bare canvas
# whose first paint comes before Keras, then a window set up unseen. One process, so its check engine loads
# TensorFlow once; the spy watches both, and the window's part starts with the canvas's engine already warm
# (what it proves, no check and no TensorFlow in the editor before it is shown, does not depend on the engine).
FRESH_EDITOR = textwrap.dedent(
    """
    import json, sys, threading
    from importlib.abc import MetaPathFinder
    imports = []

    class Spy(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in ("tensorflow", "keras"):
                imports.append([name, threading.current_thread() is threading.main_thread()])
            return None

    sys.meta_path.insert(0, Spy())
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QApplication
    sys.path.insert(0, "tests/gui")
    from conftest import wide_deep_document
    from layerlab.gui.canvas.view import CanvasView
    from layerlab.gui.checking import CheckService

    app = QApplication([])
    doc = wide_deep_document()
    service = CheckService(doc)
    view = CanvasView(doc, QUndoStack(), service)
    first = {}

    class Watch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj is view.viewport() and not first:
                first["heavy"] = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
                first["shape"] = view.canvas_scene.nodes["hidden1"].output_shape_text(0)
                first["pending"] = service.pending and not service.keras_loaded
            return False

    watch = Watch()
    view.viewport().installEventFilter(watch)
    loop = QEventLoop()  # not app.exec(): its end (aboutToQuit) would shut the shared engine down
    service.reportReady.connect(lambda r: loop.quit())
    QTimer.singleShot(200_000, loop.quit)
    view.resize(900, 600)
    view.show()
    loop.exec()
    canvas = {"imports": list(imports), "first": first,
              "shape": view.canvas_scene.nodes["hidden1"].output_shape_text(0),
              "keras_loaded": service.keras_loaded}
    service.shutdown()
    view.close()

    from layerlab.core import project as project_io
    from layerlab.gui.app import make_app
    from layerlab.gui.main_window import MainWindow

    make_app()
    w = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat), interactive=False,
                   warm_up_delay_ms=50)
    w.adopt(project_io.load("resources/examples/wide_deep.layerlab"))
    w.canvas.viewport().repaint()  # painting something that is not on screen does not count either
    loop = QEventLoop()
    QTimer.singleShot(600, loop.quit)  # twelve warm-up delays, with the event loop running
    loop.exec()
    service = w.check_service
    before = {"heavy": sorted(m for m in ("tensorflow", "keras") if m in sys.modules),
              "started": service.started, "checks": service.checks_started}
    shown = []
    w.firstShown.connect(lambda: shown.append("tensorflow" in sys.modules or "keras" in sys.modules))
    service.reportReady.connect(lambda report: loop.quit())
    QTimer.singleShot(200_000, loop.quit)
    w.show()
    loop.exec()
    report = service.report
    window = {"before": before, "shown": shown, "valid": report is not None and report.valid,
              "params": report.total_params if report else None, "imports": imports}
    print(json.dumps({"canvas": canvas, "window": window}))
    w.close()
    """
)


@pytest.fixture(scope="module")
def fresh_editor(tmp_path_factory):
    settings = tmp_path_factory.mktemp("fresh_editor") / "s.ini"
    out = subprocess.run([sys.executable, "-c", FRESH_EDITOR, str(settings)], capture_output=True, text=True,
                         timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_keras_is_never_imported_in_the_editor_and_shapes_arrive_from_the_engine(fresh_editor):
    result = fresh_editor["canvas"]
    assert result["imports"] == [], "the editor process imported Keras or TensorFlow"
    assert result["first"] == {"heavy": [], "shape": "…", "pending": True}
    assert result["keras_loaded"] and result["shape"] == "(None, 30)"


def test_opening_a_project_before_the_window_is_shown_starts_nothing(fresh_editor):
    """A window being set up unseen (a project opened before show()) sends no check and imports no TensorFlow,
    however long that takes; once shown and painted, Keras loads off the GUI thread and the check arrives."""
    result = fresh_editor["window"]
    assert result["before"] == {"heavy": [], "started": False, "checks": 0}
    assert result["shown"] == [False]
    assert result["valid"] and result["params"] > 0
    assert result["imports"] == []  # nor later, the whole session long


def test_start_starts_checking_at_once(qtbot, docs):
    doc = docs.wide_deep()
    service = CheckService(doc, warm_up_delay_ms=600_000)  # would wait ten minutes for a first paint
    try:
        assert not service.started and service.checks_started == 0
        with qtbot.waitSignal(service.reportReady, timeout=120_000):
            service.start()
        assert service.started and service.report.results["concat"].shapes == ((None, 35),)
        service.start()  # twice is harmless
    finally:
        service.shutdown()


def test_results_for_an_older_revision_are_dropped(make_canvas, qtbot, docs):
    c = make_canvas(docs.wide_deep())
    c.wait_checked()
    shown = []
    c.service.reportReady.connect(lambda r: shown.append(r.results["hidden1"].shapes))
    c.undo_stack.push(SetParamsCommand(c.document, "hidden1", {"units": 5, "activation": "relu"}))
    c.service.flush()  # the worker now checks the graph with units=5 ...
    first = c.service.checks_started
    c.undo_stack.push(SetParamsCommand(c.document, "hidden2", {"units": 7, "activation": "relu"}))
    c.undo_stack.push(SetParamsCommand(c.document, "hidden1", {"units": 9, "activation": "relu"}))  # ... too late
    report = c.wait_checked()
    assert shown == [((None, 9),)]  # the result for units=5 never reached the screen
    assert report.results["hidden2"].shapes == ((None, 7),)
    assert c.service.checks_started == first + 1  # exactly one follow-up check for the latest state
    assert c.scene.nodes["hidden1"].output_shape_text(0) == "(None, 9)"


def test_a_burst_of_edits_is_checked_once(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.wait_checked()
    before = c.service.checks_started
    for units in range(1, 31):
        c.undo_stack.push(SetParamsCommand(c.document, "hidden2", {"units": units, "activation": "relu"}))
    c.document.move_node("concat", (1000, 40))  # a move changes no shape and asks for no check
    report = c.wait_checked()
    assert c.service.checks_started == before + 1
    assert report.results["concat"].shapes == ((None, 35),)


def test_extra_problems_are_listed_first_and_shutdown_is_clean(make_canvas, qtbot, docs):
    c = make_canvas(docs.wide_deep())
    c.wait_checked()
    extra = Problem("Edge ghost -> concat refers to unknown node 'ghost'; it was left out.", node="concat")
    with qtbot.waitSignal(c.service.reportReady) as blocker:
        c.service.set_extra_problems([extra])
    assert blocker.args[0].problems[0] == extra
    assert c.scene.nodes["concat"].error == extra.message
    c.service.shutdown()
    c.service.shutdown()  # twice is harmless
    sent = c.service.checks_started
    c.document.add_node("Dense", {"units": 1})  # no check, no crash once shut down
    c.service.flush()
    assert c.service.report_revision != c.document.revision and c.service.checks_started == sent


SOURCES = [(8,), (3, 7), (4, 4, 2)]
TARGETS = [
    ("Dense", {"units": 3}),
    ("Flatten", {}),
    ("LSTM", {"units": 2}),
    ("Conv1D", {"filters": 2, "kernel_size": 2}),
    ("GlobalAveragePooling1D", {}),
]


def keras_verdict(type_name, params, *shapes):
    """What Keras says when the layer is called on inputs of these shapes: (ok, output shape)."""
    k = keras()
    layer = getattr(k.layers, type_name)(**params)
    tensors = [k.KerasTensor((None, *s)) for s in shapes]
    try:
        out = layer(tensors if type_name in ("Concatenate", "Add") else tensors[0]) if len(tensors) < 3 \
            else layer(*tensors)
    except Exception:
        return False, None
    return True, tuple(out.shape)


def graph_with_sources():
    doc = GraphDocument()
    for i, shape in enumerate(SOURCES):
        doc.add_node("Input", {"shape": list(shape)}, node_id=f"in{i}")
    return doc


@pytest.mark.parametrize("target", TARGETS, ids=[t[0] for t in TARGETS])
def test_wire_verdicts_are_keras_verdicts(target):
    doc = graph_with_sources()
    doc.add_node(target[0], target[1], node_id="t")
    report = ShapeChecker(doc).check()
    prober = EdgeProber()
    for i, shape in enumerate(SOURCES):
        verdict = prober.verdict(doc, report, Edge(f"in{i}", "t"))
        ok, out = keras_verdict(target[0], target[1], shape)
        assert verdict.ok is ok, (target, shape, verdict)
        assert (verdict.shape == out) if ok else verdict.message


def test_merge_and_named_port_verdicts_are_keras_verdicts():
    doc = graph_with_sources()
    doc.add_node("Input", {"shape": [3, 5]}, node_id="in3")
    doc.add_node("Concatenate", {}, node_id="cat")
    doc.add_node("Add", {}, node_id="add")
    doc.add_node("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, node_id="mha")
    doc.add_edge("in1", "cat", 0)
    doc.add_edge("in1", "add", 0)
    doc.add_edge("in1", "mha", 0)  # query (None, 3, 7)
    report = ShapeChecker(doc).check()
    prober = EdgeProber()
    for source, src_shape in {"in0": (8,), "in1": (3, 7), "in2": (4, 4, 2), "in3": (3, 5)}.items():
        for target, layer, params in (("cat", "Concatenate", {}), ("add", "Add", {})):
            verdict = prober.verdict(doc, report, Edge(source, target, 1))
            ok, out = keras_verdict(layer, params, (3, 7), src_shape)
            assert verdict.ok is ok and (not ok or verdict.shape == out), (source, target, verdict)
        # MultiHeadAttention's value port
        verdict = prober.verdict(doc, report, Edge(source, "mha", 1))
        ok, out = keras_verdict("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, (3, 7), src_shape, src_shape)
        assert verdict.ok is ok and (not ok or verdict.shape == out), (source, verdict)
    # a wire that leaves a required port empty cannot be judged yet (and is not refused)
    doc.add_node("MultiHeadAttention", {"num_heads": 1, "key_dim": 2}, node_id="mha2")
    verdict = prober.verdict(doc, ShapeChecker(doc).check(), Edge("in1", "mha2", 1))
    assert verdict.ok is None and "query" in verdict.message
