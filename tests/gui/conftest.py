"""Shared GUI fixtures: sample documents, and a live canvas (view + undo stack + background checks).

`docs` gives fresh sample documents (`docs.wide_deep()`, `docs.loose()`).
`make_canvas(document)` returns a `Canvas` whose `wait_checked()` blocks (on
the CheckService's signal, not a sleep) until the shapes of the document's
latest revision are shown. Everything is shut down after the test.
`check_engine` is the one check engine the whole session shares (every
CheckService, window, export and import uses it); only fault tests start and
kill their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from layerlab.core.document import GraphDocument
from layerlab.core.shapes import CheckReport
from layerlab.gui import check_engine as engines
from layerlab.gui.canvas.view import CanvasView
from layerlab.gui.checking import CheckService

CHECK_TIMEOUT_MS = 120_000  # the first check imports TensorFlow on a busy 2-core machine


def wide_deep_document() -> GraphDocument:
    """The seeds' Wide & Deep model: two inputs, a Concatenate, two outputs."""
    d = GraphDocument()
    d.add_node("Input", {"shape": [5], "name": "wide_input"}, (0, 0), node_id="wide_input")
    d.add_node("Input", {"shape": [6], "name": "deep_input"}, (0, 220), node_id="deep_input")
    d.add_node("Dense", {"units": 30, "activation": "relu"}, (320, 220), node_id="hidden1")
    d.add_node("Dense", {"units": 30, "activation": "relu"}, (640, 220), node_id="hidden2")
    d.add_node("Concatenate", {}, (960, 40), node_id="concat")
    d.add_node("Dense", {"units": 1}, (1280, 40), node_id="main_output")
    d.add_node("Dense", {"units": 1}, (1280, 320), node_id="aux_output")
    for source, target, port in [("deep_input", "hidden1", 0), ("hidden1", "hidden2", 0), ("wide_input", "concat", 0),
                                 ("hidden2", "concat", 1), ("concat", "main_output", 0),
                                 ("hidden2", "aux_output", 0)]:
        d.add_edge(source, target, port)
    return d


def loose_document() -> GraphDocument:
    """Nodes not yet wired: an Input, two Dense layers, a Concatenate and a rank-3 input."""
    d = GraphDocument()
    d.add_node("Input", {"shape": [8]}, (0, 0), node_id="x")
    d.add_node("Dense", {"units": 4}, (360, 0), node_id="dense")
    d.add_node("Dense", {"units": 2}, (720, 0), node_id="head")
    d.add_node("Input", {"shape": [3, 7]}, (0, 260), node_id="seq")
    d.add_node("Concatenate", {}, (360, 260), node_id="concat")
    return d


@dataclass
class Canvas:
    document: GraphDocument
    undo_stack: QUndoStack
    service: CheckService
    view: CanvasView
    qtbot: object

    @property
    def scene(self):
        return self.view.canvas_scene

    def wait_checked(self) -> CheckReport:
        """Wait until the report for the document's current revision has been shown."""
        svc, doc = self.service, self.document
        if svc.report_revision != doc.revision or svc.pending:
            with self.qtbot.waitSignal(svc.reportReady, timeout=CHECK_TIMEOUT_MS,
                                       check_params_cb=lambda _r: svc.report_revision == doc.revision):
                pass
        return svc.report

    def snapshot(self):
        return self.document.nodes(), self.document.edges()

    def viewport_pos(self, scene_pos: QPointF) -> QPoint:
        return self.view.mapFromScene(scene_pos)

    def port(self, node_id: str, kind: str, index: int = 0):
        item = self.scene.nodes[node_id]
        return (item.outputs if kind == "out" else item.inputs)[index]

    def drag(self, start: QPointF, end: QPointF, steps: int = 6, on_hover=None) -> None:
        """Press at `start`, move in steps to `end`, release: real mouse events on the viewport."""
        vp = self.view.viewport()
        a, b = self.viewport_pos(start), self.viewport_pos(end)
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, steps + 1):
            p = a + (b - a) * (i / steps)
            QTest.mouseMove(vp, QPoint(round(p.x()), round(p.y())))
        if on_hover is not None:
            on_hover()
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    def scene_matches_document(self) -> None:
        """Assert that the scene mirrors the document exactly (items, positions, edges)."""
        doc, scene = self.document, self.scene
        scene.flush()  # the input/output numbering waits for the end of an edit
        assert set(scene.nodes) == set(doc.node_ids())
        for node_id, item in scene.nodes.items():
            pos = doc.position(node_id)
            if pos is not None:
                assert (item.pos().x(), item.pos().y()) == pos, node_id
        assert set(scene.edges) == set(doc.edges())
        for node_id in doc.node_ids():
            assert (doc.shares(node_id) is not None and doc.shares(node_id) in doc) == (node_id in scene.share_links)


@pytest.fixture
def docs():
    """Factories of fresh sample documents: docs.wide_deep(), docs.loose()."""
    return SimpleNamespace(wide_deep=wide_deep_document, loose=loose_document)


@pytest.fixture(scope="session")
def check_engine(qapp):
    """The session's shared check engine (started once; ended after the last test)."""
    engine = engines.shared()
    yield engine
    engines.shutdown_shared()


@pytest.fixture
def own_engine(qapp):
    """A check engine of the test's own, for the tests that kill it (the shared one must live on)."""
    engine = engines.CheckEngine()
    engine.start()
    yield engine
    engine.shutdown()


@pytest.fixture
def make_canvas(qtbot, check_engine):
    made: list[Canvas] = []

    def make(document: GraphDocument | None = None, size=(1200, 800)) -> Canvas:
        doc = document if document is not None else GraphDocument()
        stack = QUndoStack()
        service = CheckService(doc, warm_up_delay_ms=0)
        view = CanvasView(doc, stack, service)
        qtbot.addWidget(view)
        view.resize(*size)
        view.show()
        qtbot.waitExposed(view)
        canvas = Canvas(doc, stack, service, view, qtbot)
        made.append(canvas)
        return canvas

    yield make
    for canvas in made:
        canvas.view.close_canvas()
        canvas.service.shutdown()
