"""Top to bottom on the canvas, by clicks and keys: Auto Layout turns a deep model's cards so that wires run down,
wires dropped on a collapsed group's card go to the inner port it stands for."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from layerlab.core.document import Edge, GraphDocument

CANVAS_SIZE = (838, 628)


def chain(n: int) -> GraphDocument:
    doc = GraphDocument()
    prev = doc.add_node("Input", {"shape": [8]}, (0, 0), node_id="x")
    for i in range(n):
        node = doc.add_node("Dense", {"units": 8, "activation": "relu"}, (300 * (i + 1), 0), node_id=f"d{i}")
        doc.add_edge(prev, node)
        prev = node
    return doc


def auto_layout(c) -> None:
    """Ctrl+L, as the Edit menu's Auto Layout (one undo step)."""
    c.view.setFocus()
    c.view.auto_layout()
    c.scene.flush()


def card_rect(c, node_id: str):
    item = c.scene.nodes[node_id]
    return item.mapRectToScene(item.card_rect())


def test_a_deep_chain_is_laid_out_top_to_bottom_its_ports_on_top_and_bottom(make_canvas):
    c = make_canvas(chain(24), size=CANVAS_SIZE)
    c.wait_checked()
    auto_layout(c)
    assert c.scene.flow == "down"
    for i in range(1, 8):
        above, below = card_rect(c, f"d{i - 1}"), card_rect(c, f"d{i}")
        if above.left() != below.left():
            continue  # the chain wrapped into the next column here
        assert below.top() > above.bottom()  # the next layer is below
        out, into = c.port(f"d{i - 1}", "out").scenePos(), c.port(f"d{i}", "in").scenePos()
        assert out.y() == above.bottom() and into.y() == below.top()  # ports on the bottom and top edges
        wire = c.scene.edges[Edge(f"d{i - 1}", f"d{i}")]
        assert wire.path().pointAtPercent(0.0) == out and wire.path().pointAtPercent(1.0) == into
    columns = {round(card_rect(c, n).left()) for n in c.document.node_ids()}
    assert len(columns) > 1  # a column too tall for the screen is wrapped into the next
    rect = c.scene.nodes_rect()
    assert rect.width() / rect.height() > 0.5  # not one tall strip
    c.undo_stack.undo()  # back to where the nodes were: wires run right again
    c.scene.flush()
    assert c.scene.flow == "right"
    assert c.port("d0", "out").scenePos().x() == card_rect(c, "d0").right()


def test_the_layout_direction_setting_chooses_left_to_right_or_top_to_bottom(make_canvas, docs):
    c = make_canvas(docs.wide_deep(), size=CANVAS_SIZE)
    c.wait_checked()
    auto_layout(c)
    assert c.scene.flow == "right"  # a small, wide model stays left to right
    c.view.layout_direction = "top-to-bottom"
    auto_layout(c)
    assert c.scene.flow == "down"
    ins = [e for e in c.document.edges()]
    for e in ins:  # every wire runs down the page
        assert card_rect(c, e.target).top() > card_rect(c, e.source).top(), e
    c.view.layout_direction = "left-to-right"
    assert c.scene.flow == "right"  # the ports turn at once, the layout on the next Auto Layout
    auto_layout(c)
    for e in ins:
        assert card_rect(c, e.target).left() > card_rect(c, e.source).left(), e


def collapsed(c, ids) -> str:
    gid = c.document.add_group("block", ids)
    c.scene.flush()
    frame = c.scene.group_layer.frames[gid]
    pos = c.viewport_pos(frame.title_rect().center())
    QTest.mouseClick(c.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.mouseDClick(c.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    c.scene.flush()
    assert c.document.group(gid).collapsed
    return gid


def test_a_wire_dropped_on_a_collapsed_group_s_ports_goes_to_the_inner_port_with_undo(make_canvas, docs):
    c = make_canvas(docs.loose())
    c.wait_checked()
    gid = collapsed(c, ["dense", "head"])
    card = c.scene.group_layer.cards[gid]
    # nothing feeds the group yet: its card shows the free inputs of its nodes as ports
    assert ("dense", 0) in c.scene.group_layer.card_inputs[gid]
    i = c.scene.group_layer.card_inputs[gid].index(("dense", 0))
    before = c.undo_stack.count()
    c.drag(c.port("x", "out").scenePos(), card.in_port_pos(i))
    assert Edge("x", "dense", 0, 0) in c.document.edges()  # to the inner port the card's port stands for
    assert c.undo_stack.count() == before + 1
    c.scene.flush()
    wire = c.scene.edges[Edge("x", "dense", 0, 0)]
    assert wire.endpoints()[1] == card.in_port_pos(c.scene.group_layer.card_inputs[gid].index(("dense", 0)))
    c.undo_stack.undo()
    assert Edge("x", "dense", 0, 0) not in c.document.edges()
    c.scene.flush()
    # and from the card's output port (the group's free output) to a node outside
    j = c.scene.group_layer.card_outputs[gid].index(("head", 0))
    target = next(n for n in c.document.node_ids() if n not in ("dense", "head", "x")
                  and c.scene.nodes[n].inputs)
    c.drag(card.out_port_pos(j), c.port(target, "in").scenePos())
    assert Edge("head", target, 0, 0) in c.document.edges()
    c.undo_stack.undo()
    assert Edge("head", target, 0, 0) not in c.document.edges()


def test_view_layout_direction_menu_lays_out_top_to_bottom_and_is_remembered(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from layerlab.core import project as project_io
    from layerlab.gui.main_window import MainWindow
    from tests.gui.conftest import wide_deep_document

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_folder=tmp_path / "rec", warm_up_delay_ms=0)
    qtbot.addWidget(window)
    window.show()
    try:
        window.adopt(project_io.Project(document=wide_deep_document()))
        view_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
        directions = next(a.menu() for a in view_menu.actions() if a.text() == "Layout Direction")
        texts = [a.text() for a in directions.actions()]
        assert texts == ["By the Model's Shape", "Left to Right", "Top to Bottom"]
        next(a for a in directions.actions() if a.text() == "Top to Bottom").trigger()  # lays out at once
        window.canvas.canvas_scene.flush()
        doc = window.document
        assert window.canvas.canvas_scene.flow == "down"
        assert all(doc.position(e.target)[1] > doc.position(e.source)[1] for e in doc.edges())
        assert window.undo_stack.text(window.undo_stack.index() - 1) == "Auto-layout"
        assert settings.value("layoutDirection") == "top-to-bottom"
    finally:
        window.undo_stack.setClean()
        window.close()
        window.check_service.shutdown()


def test_a_big_model_flowing_down_opens_readable_on_its_inputs_at_the_top(make_canvas):
    from layerlab.gui.canvas import style

    c = make_canvas(chain(160), size=CANVAS_SIZE)
    c.view.layout_direction = "top-to-bottom"
    c.wait_checked()
    auto_layout(c)
    assert c.view.fit_scale() < style.GLANCE_SCALE  # too big to show whole at a readable zoom
    c.view.initial_view()
    assert c.view.scale_factor() == style.READABLE_SCALE
    shown = c.view.mapToScene(c.view.viewport().rect()).boundingRect()
    assert shown.contains(card_rect(c, "x")) and shown.contains(card_rect(c, "d0"))  # the input, at the top
    assert card_rect(c, "x").top() - shown.top() < 60 / style.READABLE_SCALE
