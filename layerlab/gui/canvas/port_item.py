"""A node's input or output port: a generous hit area that starts wires (the node draws the circle)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from layerlab.gui.canvas import style

INPUT, OUTPUT = "in", "out"
_HIT_RECT = QRectF(-style.PORT_HIT_RADIUS, -style.PORT_HIT_RADIUS, 2 * style.PORT_HIT_RADIUS, 2 * style.PORT_HIT_RADIUS)
_NO_PEN = QPen(Qt.PenStyle.NoPen)
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_CROSS = Qt.CursorShape.CrossCursor

# verdicts while a wire is dragged
NEUTRAL, GOOD, BAD, UNKNOWN = "neutral", "good", "bad", "unknown"


class PortItem(QGraphicsEllipseItem):
    """One port of a NodeItem: an invisible round hit area (Qt's own geometry, so no Python call per query).

    The node paints the port (one paint call per node, not per port); the port's state
    (connected, verdict, hovered) is set by the node and the wiring controller.
    """

    def __init__(self, node_item, kind: str, index: int):
        super().__init__(_HIT_RECT, node_item)
        self.setPen(_NO_PEN)
        self.node_item = node_item
        self.kind = kind
        self.index = index
        self.name = ""
        self.connected = False
        self.optional = False  # an optional or free extra port (drawn lighter)
        self.verdict = NEUTRAL
        self.verdict_message = ""
        self.hovered = False
        self.center = QPointF()  # where the node draws it, in the node's coordinates
        self.setFlag(_NO_CONTENTS)
        self.setAcceptHoverEvents(True)
        self.setCursor(_CROSS)
        self.setZValue(1)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def set_verdict(self, verdict: str, message: str = "") -> None:
        if (verdict, message) != (self.verdict, self.verdict_message):
            self.verdict, self.verdict_message = verdict, message
            self.node_item.update()

    def set_hovered(self, hovered: bool) -> None:
        if hovered != self.hovered:
            self.hovered = hovered
            self.node_item.update()

    # -- interaction: the scene's wiring controller does the work ----------------
    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self.set_hovered(True)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.set_hovered(False)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        wiring = getattr(self.scene(), "wiring", None)
        if event.button() == Qt.MouseButton.LeftButton and wiring is not None:
            wiring.begin(self, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        wiring = getattr(self.scene(), "wiring", None)
        if wiring is not None:
            wiring.move(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        wiring = getattr(self.scene(), "wiring", None)
        if wiring is not None and event.button() == Qt.MouseButton.LeftButton:
            wiring.finish(event.scenePos())
