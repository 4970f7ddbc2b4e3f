"""Wiring on the canvas with real mouse events: edges, shape labels, verdicts while dragging, red wires."""

from PySide6.QtCore import QPointF

from layerlab.core.document import Edge
from layerlab.core.kerasenv import keras
from layerlab.gui.canvas.port_item import BAD, GOOD, UNKNOWN


def keras_shape(layer, *input_shapes):
    """Keras's own output shape for `layer` called on symbolic inputs (the oracle)."""
    k = keras()
    tensors = [k.KerasTensor((None, *s)) for s in input_shapes]
    out = layer(tensors if len(tensors) > 1 else tensors[0])
    return tuple(out.shape)


def test_dragging_output_to_input_makes_an_edge_labelled_with_its_shape(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.wait_checked()
    c.drag(c.port("x", "out").scenePos(), c.port("dense", "in").scenePos())
    assert c.document.edges() == [Edge("x", "dense", 0, 0)]
    assert c.undo_stack.count() == 1 and c.undo_stack.text(0) == "Connect x → dense"
    report = c.wait_checked()
    edge_item = c.scene.edges[Edge("x", "dense")]
    assert edge_item.label == "(None, 8)"
    assert report.results["dense"].shapes[0] == keras_shape(keras().layers.Dense(4), (8,))
    assert c.scene.nodes["dense"].output_shape_text(0) == "(None, 4)"
    assert not edge_item.invalid

    # the next wire carries the Dense's output, and its label says so
    c.drag(c.port("dense", "out").scenePos(), c.port("head", "in").scenePos())
    c.wait_checked()
    assert c.scene.edges[Edge("dense", "head")].label == "(None, 4)"


def test_dragging_from_an_input_port_back_to_an_output_also_connects(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.drag(c.port("dense", "in").scenePos(), c.port("x", "out").scenePos())
    assert c.document.edges() == [Edge("x", "dense", 0, 0)]


def test_incompatible_connection_is_flagged_red_with_keras_message(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.document.add_edge("x", "concat", 0)  # (None, 8) into the first port
    c.wait_checked()
    c.drag(c.port("seq", "out").scenePos(), c.port("concat", "in", 1).scenePos())
    assert Edge("seq", "concat", 1, 0) in c.document.edges()
    c.wait_checked()
    node = c.scene.nodes["concat"]
    wire = c.scene.edges[Edge("seq", "concat", 1)]
    assert node.error and wire.invalid
    assert wire.message == node.error
    # Keras itself refuses this merge
    k = keras()
    try:
        keras_shape(k.layers.Concatenate(), (8,), (3, 7))
        raise AssertionError("Keras accepted the merge")
    except ValueError:
        pass
    assert "Concatenate" in node.error and "(None, 3, 7)" in node.error
    assert "Concatenate" in node.toolTip()
    # undo takes the wire away, and with it the red
    c.undo_stack.undo()
    c.wait_checked()
    assert not node.error and not c.scene.edges[Edge("x", "concat", 0)].invalid


def test_while_dragging_incompatible_ports_dim_and_say_why(make_canvas, qtbot, docs):
    c = make_canvas(docs.loose())
    c.document.add_edge("x", "concat", 0)
    c.wait_checked()
    wiring = c.view.wiring
    seen = {}

    def look():
        # wait (on the probe signal) until Keras has judged the two ports we care about
        targets = {c.port("concat", "in", 1), c.port("dense", "in")}
        while not targets <= set(wiring.verdicts):
            with qtbot.waitSignal(c.service.probeReady, timeout=60_000):
                pass
        seen["concat"] = wiring.verdict_for(c.port("concat", "in", 1))
        seen["dense"] = wiring.verdict_for(c.port("dense", "in"))
        seen["self"] = wiring.verdict_for(c.port("seq", "out"))
        seen["note"] = wiring.note.isVisible()

    c.drag(c.port("seq", "out").scenePos(), c.port("concat", "in", 1).scenePos() + QPointF(3, 2), on_hover=look)
    assert seen["concat"][0] == BAD and "Concatenate" in seen["concat"][1]
    assert seen["dense"][0] == GOOD  # Dense accepts a rank-3 input
    assert seen["note"]
    # the drop was still allowed (the fix may be a parameter), and every port is back to normal
    assert Edge("seq", "concat", 1) in c.document.edges()
    assert c.port("concat", "in", 1).verdict not in (BAD, GOOD, UNKNOWN)


def test_a_wire_that_would_make_a_cycle_is_refused(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.document.add_edge("x", "dense")
    c.document.add_edge("dense", "head")
    before = c.snapshot()
    c.drag(c.port("head", "out").scenePos(), c.port("dense", "in").scenePos())
    assert c.snapshot() == before and c.undo_stack.count() == 0


def test_picking_up_a_wire_reroutes_or_removes_it(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.document.add_edge("x", "dense")
    # drag the wire's end from dense's input to head's input
    c.drag(c.port("dense", "in").scenePos(), c.port("head", "in").scenePos())
    assert c.document.edges() == [Edge("x", "head")]
    assert c.undo_stack.count() == 1
    # pick it up again and drop it on empty canvas: it is removed
    empty = c.port("head", "in").scenePos() + QPointF(0, 400)
    c.drag(c.port("head", "in").scenePos(), empty)
    assert c.document.edges() == []
    c.undo_stack.undo()
    c.undo_stack.undo()
    assert c.document.edges() == [Edge("x", "dense")]


def test_a_variadic_merge_always_has_a_free_port(make_canvas, docs):
    c = make_canvas(docs.loose())
    concat = c.scene.nodes["concat"]
    assert len(concat.inputs) == 1 and not concat.inputs[0].connected
    c.drag(c.port("x", "out").scenePos(), c.port("concat", "in", 0).scenePos())
    assert len(concat.inputs) == 2
    c.drag(c.port("dense", "out").scenePos(), c.port("concat", "in", 1).scenePos())
    assert len(concat.inputs) == 3 and not concat.inputs[2].connected
    c.drag(c.port("head", "out").scenePos(), c.port("concat", "in", 2).scenePos())
    assert len(concat.inputs) == 4
    assert [e.port for e in c.document.in_edges("concat")] == [0, 1, 2]


def test_the_wiring_reason_stays_inside_the_visible_canvas(make_canvas, docs):
    """Near the right and bottom edges, the note flips to the other side of the cursor instead of being cut."""
    c = make_canvas(docs.loose(), size=(560, 380))
    c.document.add_edge("x", "dense")
    c.document.add_edge("dense", "head")
    target = c.port("dense", "in")
    vp = c.view.viewport().rect()
    scale = c.view.transform().m11()
    c.view.centerOn(target.scenePos() - QPointF(vp.width() / 2 - 25, vp.height() / 2 - 25) / scale)
    seen = {}

    def look():
        note = c.view.wiring.note
        seen["text"] = note.text
        seen["box"] = c.view.mapFromScene(note.mapToScene(note.box())).boundingRect()

    corner = c.viewport_pos(target.scenePos())
    assert corner.x() > vp.width() - 60 and corner.y() > vp.height() - 60  # the port is by the corner
    c.drag(c.port("head", "out").scenePos(), target.scenePos(), on_hover=look)
    assert "cycle" in seen["text"]
    assert vp.contains(seen["box"]), (seen["box"], vp)


def test_wires_turn_red_by_the_kind_of_problem_not_its_wording(make_canvas, docs):
    """A name clash or a bad parameter is the layer's own; a Keras refusal of its inputs is the wires'."""
    from layerlab.core.errors import ProblemKind

    c = make_canvas(docs.loose())
    c.document.add_edge("x", "dense")
    c.document.set_param("dense", "name", "x")  # the Input's layer name: a clash, not the wire's fault
    report = c.wait_checked()
    [clash] = [p for p in report.errors if p.node == "dense"]
    assert clash.kind == ProblemKind.NAME
    assert c.scene.nodes["dense"].error and not c.scene.edges[Edge("x", "dense")].invalid

    c.document.set_param("dense", "name", "dense")
    c.document.add_edge("x", "concat", 0)
    c.document.add_edge("seq", "concat", 1)  # (None, 8) with (None, 3, 7): Keras refuses the merge
    report = c.wait_checked()
    assert {p.kind for p in report.errors if p.node == "concat"} == {ProblemKind.LAYER}
    assert c.scene.edges[Edge("seq", "concat", 1)].invalid
