"""Editing on the canvas as a person would: add, drop, move, select, delete, copy/paste, layout, undo."""

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from layerlab.core import catalog
from layerlab.core.document import Edge, GraphDocument
from layerlab.gui.canvas.node_item import PENDING_TEXT
from layerlab.gui.canvas.view import MIME_LAYER
from layerlab.gui.commands import SetParamsCommand


def required_keras_args(type_name: str) -> set[str]:
    """The constructor arguments Keras itself requires (no default) for a layer type (or operation class)."""
    import importlib
    import inspect

    from layerlab.core import catalog
    from layerlab.core.kerasenv import keras

    spec = catalog.get(type_name)
    if spec.application:  # keras.applications models require nothing (include_top is the node's, off)
        return set()
    if spec.is_operation:
        module, cls = spec.operation.split(".")
        cls = getattr(importlib.import_module(f"keras.src.ops.{module}"), cls)
    else:
        cls = getattr(keras().layers, type_name)
    signature = inspect.signature(cls.__init__)
    return {name for name, p in signature.parameters.items()
            if name != "self" and p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def title_point(canvas, node_id: str) -> QPointF:
    """A point on the node's header (where a person grabs it)."""
    item = canvas.scene.nodes[node_id]
    return item.mapToScene(QPointF(70, 12))


def click(canvas, scene_pos: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, modifiers, canvas.viewport_pos(scene_pos))


def test_undo_redo_restores_the_graph_exactly_after_a_session_of_edits(make_canvas, docs):
    c = make_canvas(docs.loose())
    states = [c.snapshot()]

    def step():
        states.append(c.snapshot())
        c.scene_matches_document()

    c.view.add_node_at("Dropout", QPointF(400, 500))  # add
    step()
    c.drag(c.port("x", "out").scenePos(), c.port("dense", "in").scenePos())  # connect
    step()
    c.drag(c.port("dense", "out").scenePos(), c.port("head", "in").scenePos())
    step()
    click(c, title_point(c, "dense"))
    c.drag(title_point(c, "dense"), title_point(c, "dense") + QPointF(40, 80))  # move
    step()
    c.undo_stack.push(SetParamsCommand(c.document, "dense", {"units": 16, "activation": "relu"}))  # edit
    step()
    c.view.select_nodes(["x", "dense"])
    c.view.copy()
    pasted = c.view.paste()  # paste
    assert len(pasted) == 2
    step()
    c.view.select_nodes(["head", "concat"])
    c.view.delete_selected()  # delete
    step()
    c.view.auto_layout()
    step()
    assert c.undo_stack.count() == len(states) - 1
    for i in range(len(states) - 1, 0, -1):
        assert c.snapshot() == states[i]
        c.undo_stack.undo()
        c.scene_matches_document()
    assert c.snapshot() == states[0]
    for i in range(1, len(states)):
        c.undo_stack.redo()
        assert c.snapshot() == states[i]
        c.scene_matches_document()
    # and the shapes shown are those of the final graph
    report = c.wait_checked()
    assert report.results[pasted[1]].shapes == ((None, 16),)


def test_copy_paste_keeps_edges_among_the_copied_nodes(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.view.select_nodes(["hidden1", "hidden2", "aux_output"])
    c.view.copy()
    new = c.view.paste()
    assert len(new) == 3 and c.view.selected_ids() == new
    copy_of = dict(zip(["hidden1", "hidden2", "aux_output"], new))
    inside = {e for e in c.document.edges() if e.target in new}
    assert inside == {Edge(copy_of["hidden1"], copy_of["hidden2"]), Edge(copy_of["hidden2"], copy_of["aux_output"])}
    assert c.document.position(copy_of["hidden1"]) == (360.0, 260.0)
    # a second paste lands further away, and duplicate works from the selection
    again = c.view.paste()
    assert c.document.position(dict(zip(["hidden1"], again))["hidden1"]) == (400.0, 300.0)
    c.view.select_nodes(["concat"])
    dup = c.view.duplicate()
    assert c.document.node(dup[0]).type == "Concatenate" and c.undo_stack.undoText() == "Duplicate Concatenate"
    # cut removes, and the clipboard still pastes them
    c.view.select_nodes(["wide_input"])
    c.view.cut()
    assert "wide_input" not in c.document
    assert c.undo_stack.undoText() == "Cut wide_input"
    back = c.view.paste()
    assert c.document.node(back[0]).type == "Input"
    # text that is not LayerLab's is ignored
    QGuiApplication.clipboard().setText("hello")
    assert c.view.paste() == []


def test_a_mouse_move_is_one_command_recorded_on_release(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.view.select_nodes(["hidden1", "hidden2"])
    during = {}

    def look():
        during["doc"] = c.document.position("hidden1")
        during["item"] = c.scene.nodes["hidden1"].pos()

    start = title_point(c, "hidden1")
    c.drag(start, start + QPointF(100, 60), on_hover=look)
    assert during["doc"] == (320.0, 220.0)  # the document is written once, on release
    assert during["item"] != QPointF(320, 220)
    assert c.undo_stack.count() == 1 and c.undo_stack.text(0) == "Move 2 nodes"
    moved = c.document.position("hidden1")
    assert moved != (320.0, 220.0)
    assert c.document.position("hidden2")[0] - moved[0] == 320.0  # both moved together
    c.undo_stack.undo()
    assert c.document.position("hidden1") == (320.0, 220.0)
    assert c.scene.nodes["hidden1"].pos() == QPointF(320, 220)
    # a click without a move records nothing
    click(c, title_point(c, "concat"))
    assert c.undo_stack.count() == 1 and c.view.selected_ids() == ["concat"]


def test_snap_to_grid_and_arrow_nudges(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.view.set_snap_to_grid(True)
    start = title_point(c, "concat")
    c.view.select_nodes(["concat"])
    c.drag(start, start + QPointF(33, 17))
    x, y = c.document.position("concat")
    assert x % 20 == 0 and y % 20 == 0 and (x, y) != (960.0, 40.0)
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_Right)
    assert c.document.position("concat") == (x + 20, y)
    assert c.undo_stack.count() == 2


def test_auto_layout_is_one_undo_step_and_orders_left_to_right(make_canvas, docs):
    doc = docs.wide_deep()
    for i, n in enumerate(doc.node_ids()):  # scramble
        doc.move_node(n, (((i * 7) % 5) * 50.0, ((i * 3) % 4) * 40.0))
    c = make_canvas(doc)
    before = c.snapshot()
    c.view.auto_layout()
    assert c.undo_stack.count() == 1 and c.undo_stack.text(0) == "Auto-layout"
    x = {n: c.document.position(n)[0] for n in c.document.node_ids()}
    for e in c.document.edges():
        assert x[e.source] < x[e.target]
    rects = [c.scene.nodes[n].sceneBoundingRect() for n in c.document.node_ids()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    c.undo_stack.undo()
    assert c.snapshot() == before


def test_dropping_a_layer_from_the_palette_adds_it_at_the_drop_point(make_canvas):
    c = make_canvas()
    vp = c.view.viewport()
    mime = QMimeData()
    mime.setData(MIME_LAYER, b"Dense")
    at = QPoint(300, 200)
    enter = QDragEnterEvent(QPointF(at).toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, drop)
    assert c.document.node_ids() == ["dense_1"]
    node = c.document.node("dense_1")
    spec = catalog.get("Dense")
    assert node.params == spec.initial_params()  # the key parameters only: Keras's defaults do the rest
    assert required_keras_args("Dense") <= set(node.params)
    item = c.scene.nodes["dense_1"]
    assert item.sceneBoundingRect().contains(c.view.mapToScene(at))
    assert c.view.selected_ids() == ["dense_1"]
    # an unknown type or another MIME type is not taken
    other = QMimeData()
    other.setText("file.layerlab")
    refused = QDragEnterEvent(QPointF(at).toPoint(), Qt.DropAction.CopyAction, other, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, refused)
    assert not refused.isAccepted()
    assert c.view.add_node_at("NoSuchLayer", QPointF(0, 0)) is None
    assert len(c.document) == 1


def test_tab_opens_quick_add_and_enter_adds_the_first_match(make_canvas, qtbot, docs):
    c = make_canvas(docs.loose())
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_Tab)
    popup = c.view.quick_add
    assert popup.isVisible()
    qtbot.keyClicks(popup.search, "dropo")
    assert popup.types()[0] == "Dropout"
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert "dropout_1" in c.document and c.view.selected_ids() == ["dropout_1"]
    assert c.undo_stack.undoText() == "Add Dropout"
    # a new node shows its shape as pending until the check reaches it
    assert c.scene.nodes["dropout_1"].output_shape_text(0) == PENDING_TEXT


def test_click_rubber_band_select_all_and_delete(make_canvas, qtbot, docs):
    c = make_canvas(docs.wide_deep())
    c.view.zoom_to_fit()
    with qtbot.waitSignal(c.view.selectionChangedIds) as blocker:
        click(c, title_point(c, "hidden2"))
    assert blocker.args == [["hidden2"]]
    # a rubber band around the two inputs
    r = c.scene.nodes["wide_input"].sceneBoundingRect().united(c.scene.nodes["deep_input"].sceneBoundingRect())
    c.drag(r.topLeft() - QPointF(30, 30), r.bottomRight() + QPointF(10, 10))
    assert c.view.selected_ids() == ["wide_input", "deep_input"]
    QTest.keyClick(c.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert c.view.selected_ids() == c.document.node_ids()
    before = c.snapshot()
    QTest.keyClick(c.view, Qt.Key.Key_Delete)
    assert len(c.document) == 0 and c.undo_stack.undoText() == "Delete 7 nodes"
    c.undo_stack.undo()
    assert c.snapshot() == before
    # an edge can be selected and deleted on its own
    c.view.select_nodes([])
    c.scene.edges[Edge("hidden1", "hidden2")].setSelected(True)
    c.view.delete_selected()
    assert Edge("hidden1", "hidden2") not in c.document.edges() and len(c.document) == 7


def test_zoom_with_the_wheel_and_to_fit_and_pan(make_canvas, docs):
    c = make_canvas(docs.wide_deep(), size=(800, 600))
    c.view.zoom_to_fit()
    visible = c.view.mapToScene(c.view.viewport().rect()).boundingRect()
    assert visible.contains(c.scene.nodes_rect())
    scale = c.view.scale_factor()
    vp = c.view.viewport()
    QTest.mouseMove(vp, QPoint(400, 300))
    wheel = QWheelEvent(QPointF(400, 300), QPointF(vp.mapToGlobal(QPoint(400, 300))), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, wheel)
    assert c.view.scale_factor() > scale * 1.3
    # middle-drag pans
    centre = c.view.mapToScene(vp.rect().center())
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(400, 300))
    QTest.mouseMove(vp, QPoint(300, 250))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 250))
    moved = c.view.mapToScene(vp.rect().center())
    assert moved.x() > centre.x() and moved.y() > centre.y()
    # Space + drag pans too, and does not move nodes
    c.view.setFocus()
    before = c.snapshot()
    QTest.keyPress(c.view, Qt.Key.Key_Space)
    start = c.view.mapToScene(vp.rect().center())
    c.drag(title_point(c, "concat"), title_point(c, "concat") + QPointF(-80, 0))
    QTest.keyRelease(c.view, Qt.Key.Key_Space)
    assert c.view.mapToScene(vp.rect().center()).x() > start.x()
    assert c.snapshot() == before and c.undo_stack.count() == 0
    c.view.center_on("aux_output")
    assert c.view.mapToScene(vp.rect()).boundingRect().contains(c.scene.nodes["aux_output"].sceneBoundingRect())


def test_shared_layers_and_several_outputs_are_drawn(make_canvas):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4, 3]}, (0, 0), node_id="seq")
    doc.add_node("LSTM", {"units": 5, "return_state": True}, (300, 0), node_id="lstm")
    doc.add_node("Dense", {"units": 2}, (600, 0), node_id="d1")
    doc.add_node("Dense", {}, (600, 300), node_id="d2", shares="d1")
    doc.add_edge("seq", "lstm")
    doc.add_edge("lstm", "d1", 0, 1)  # state_h
    doc.add_edge("lstm", "d2", 0, 2)  # state_c
    c = make_canvas(doc)
    lstm = c.scene.nodes["lstm"]
    assert [p.name for p in lstm.outputs] == ["output", "state_h", "state_c"]
    assert "d2" in c.scene.share_links
    c.wait_checked()
    assert c.scene.edges[Edge("lstm", "d1", 0, 1)].label == "(None, 5)"
    assert c.scene.nodes["d2"].output_shape_text(0) == "(None, 2)"
    assert c.scene.nodes["d2"].role == "output 2"
    c.undo_stack.push(SetParamsCommand(doc, "lstm", {"units": 5}))  # no more states: edges to them are flagged
    c.wait_checked()
    assert c.scene.nodes["d1"].error and "output" in c.scene.nodes["d1"].error


def test_a_new_node_of_any_type_has_every_argument_keras_requires(make_canvas):
    c = make_canvas()
    for spec in catalog.all_specs():
        node_id = c.view.add_node_at(spec.type, QPointF(0, 0))
        params = c.document.params(node_id)
        assert params == spec.initial_params(), spec.type
        if spec.type != "Input":  # keras.Input is a function whose arguments are all optional
            assert required_keras_args(spec.type) <= set(params), spec.type
