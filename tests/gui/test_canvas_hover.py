"""Cards and wires light up while the mouse is over them (hover.py's HoverHighlight), and go back after."""

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtTest import QTest


def move_to(canvas, scene_pos: QPointF) -> None:
    vp = canvas.view.viewport()
    p = canvas.viewport_pos(scene_pos)
    QTest.mouseMove(vp, p + QPoint(3, 3))  # a real move: Qt sends hover events on a change of position
    QTest.mouseMove(vp, p)


def test_a_card_and_a_wire_are_highlighted_only_while_hovered(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.view.zoom_to_fit()
    node = c.scene.nodes["hidden1"]
    edge = next(item for e, item in c.scene.edges.items() if e.source == "hidden1" and e.target == "hidden2")
    empty = QPointF(node.sceneBoundingRect().center().x(), node.sceneBoundingRect().bottom() + 150)
    assert not c.scene.items(empty)  # nothing under the pointer there
    move_to(c, empty)
    assert not node._hovered and not edge._hovered

    move_to(c, node.mapToScene(node.card_rect().center()))
    assert node._hovered and not edge._hovered
    move_to(c, empty)
    assert not node._hovered

    middle = edge.path().pointAtPercent(0.5)
    move_to(c, edge.mapToScene(middle))
    assert edge._hovered and not node._hovered
    move_to(c, empty)
    assert not edge._hovered
