"""A layer node on the canvas: a rounded card with a category band, key parameters, ports and shapes.

The item draws what the document and the latest check report say; it keeps
only derived display data (texts laid out once per change, not per paint:
node_texts.py). Close up it shows everything (the full face); zoomed out,
where that text would be too small to read, it shows its type and output
shape in large type instead (the summary face), which the overview also
draws. Pens, tints and shapes are card_look.py's, shared with the group cards.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem

from layerlab.core.card import CardGeometry, Face, card_geometry, node_face
from layerlab.core.document import GraphDocument
from layerlab.core.shapes import NodeResult
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.card_look import Text, header_paths, paint_badge, paint_ports, paint_texts, tint
from layerlab.gui.canvas.card_look import pens as card_pens
from layerlab.gui.canvas.hover import HoverHighlight
from layerlab.gui.canvas.node_texts import PENDING_TEXT, NodeTexts
from layerlab.gui.canvas.port_item import INPUT, OUTPUT, PortItem

__all__ = ["NodeItem", "PENDING_TEXT"]  # PENDING_TEXT: what a shape not known yet reads (the scene's too)

_PORT_MARGIN = style.PORT_RADIUS + 7.0  # ports and their halo stick out of the card by this much
# Enum members looked up once: PySide's enum attribute access costs microseconds, per item, per call.
_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
_NO_BRUSH, _NO_PEN = Qt.BrushStyle.NoBrush, Qt.PenStyle.NoPen
_NO_PEN_OBJECT = QPen(_NO_PEN)
_NODE_FLAGS = (QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
               | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)


class NodeItem(NodeTexts, HoverHighlight, QGraphicsRectItem):
    """One node of the document. The scene calls :meth:`sync` and :meth:`set_check`; the item never writes."""

    def __init__(self, node_id: str):
        super().__init__()
        self.setPen(_NO_PEN_OBJECT)
        self.node_id = node_id
        self.setFlags(_NODE_FLAGS)
        self.setAcceptHoverEvents(True)
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self.edge_items: set = set()
        self.syncing = False  # True while the scene moves the item to the document's position
        self.flow = "right"  # "down": inputs on the top edge, outputs on the bottom (the scene sets it)
        self.type_name = ""
        self.category: str | None = None
        self.shares: str | None = None
        self.shared_by: tuple[str, ...] = ()
        self._width = style.NODE_WIDTH
        self._face: Face | None = None
        self._geometry: CardGeometry | None = None
        self._height = 0.0
        self._set_height(80.0)
        self._check: tuple = ()  # what the check says
        self._texts: list[Text] = []
        self._summary: list[Text] | None = None  # the summary face's texts, laid out when first wanted
        self._paths: dict[str, QPainterPath] = {}
        self._hovered = False
        self.error: str | None = None
        self.warning: str | None = None
        self.role = ""  # "input 1", "output" ...
        self._result: NodeResult | None = None
        self._pending = True

    # -- from the document ------------------------------------------------------
    def sync(self, document: GraphDocument, shared_by: tuple[str, ...] = (), layout: bool = True) -> bool:
        """Read the node's type, params, shares and wiring; returns True if the face changed.

        Args:
            document: the document the node is in.
            shared_by: the nodes that call this node's layer again (the scene keeps that map).
            layout: lay the face out now (False when a `set_check` follows at once and will).
        """
        face = node_face(document, self.node_id, shared_by)
        if face == self._face:
            return False
        self._face = face
        self.type_name, self.category = face.type_name, face.category
        self.shares, self.shared_by = face.shares, face.shared_by
        self._ensure_ports(INPUT, len(face.in_names))
        self._ensure_ports(OUTPUT, len(face.out_names))
        for i, port in enumerate(self.inputs):
            port.name = face.in_names[i]
            port.optional = i >= face.required
            port.connected = i in face.connected_in
        for i, port in enumerate(self.outputs):
            port.name = face.out_names[i]
            port.connected = i in face.connected_out
        self._geometry = card_geometry(face)
        if self._geometry.height != self._height:
            self._set_height(self._geometry.height)
        if layout:
            self._layout()
        return True

    def set_role(self, role: str) -> None:
        """The node's place among the model's inputs and outputs ("input 2", "output"; "" for neither)."""
        if role != self.role:
            self.role = role
            if self._face is not None:
                self._layout()

    def _ensure_ports(self, kind: str, count: int) -> None:
        ports = self.inputs if kind == INPUT else self.outputs
        while len(ports) > count:
            port = ports.pop()
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        while len(ports) < count:
            ports.append(PortItem(self, kind, len(ports)))

    # -- from the check -----------------------------------------------------------
    def set_check(self, result: NodeResult | None, errors: list[str], warnings: list[str], pending: bool) -> bool:
        """Show a check result; `pending` means no result yet (Keras loading or not checked)."""
        state = (result, tuple(errors), tuple(warnings), pending)
        if state == self._check:
            return False
        self._check = state
        self._result = result
        self._pending = pending
        self.error = "\n".join(errors) or None
        self.warning = "\n".join(warnings) or None
        self._layout()
        return True

    # -- layout ---------------------------------------------------------------------
    def _layout(self) -> None:
        face, geo = self._face, self._geometry
        if face is None:
            return
        w = self._width
        rows = face.port_rows

        # ports: on the rows when labelled, else centred on the body
        def port_y(i: int, n: int) -> float:
            if rows:
                return geo.ports_top + style.PORT_ROW_HEIGHT * (i + 0.5)
            return (style.HEADER_HEIGHT + geo.body_bottom) / 2 + (i - (n - 1) / 2) * style.PORT_ROW_HEIGHT
        def port_x(i: int, n: int) -> float:  # flowing down: spread along the edge, centred
            return w / 2 + (i - (n - 1) / 2) * min(style.PORT_ROW_HEIGHT * 2, w / max(n, 1))
        down = self.flow == "down"
        for i, port in enumerate(self.inputs):
            n = len(self.inputs)
            port.center = QPointF(port_x(i, n), 0.0) if down else QPointF(0.0, port_y(i, n))
            port.setPos(port.center)
        for i, port in enumerate(self.outputs):
            n = len(self.outputs)
            port.center = QPointF(port_x(i, n), self._height) if down else QPointF(w, port_y(i, n))
            port.setPos(port.center)
        for edge in self.edge_items:
            edge.adjust()

        self._texts = self._full_texts(face, geo)
        self._summary = None
        self.setToolTip(self._tooltip())
        self.update()

    # -- painting ---------------------------------------------------------------------
    def shape(self) -> QPainterPath:
        return self._path("body")

    def card_rect(self) -> QRectF:
        """The card itself, in item coordinates (the item's rect also holds the ports sticking out)."""
        return QRectF(self._rect)

    def _set_height(self, height: float) -> None:
        self.prepareGeometryChange()
        self._height = height
        m = _PORT_MARGIN
        # Qt's own boundingRect (the item's rect) leaves room for the ports, their halo and the shadow
        self.setRect(QRectF(-m, -m, self._width + 2 * m, height + 2 * m))  # ports on any side
        self._rect = QRectF(0.0, 0.0, self._width, height)
        self._shadow = self._rect.translated(0.0, 2.0)
        self._paths = {}
        scene = self.scene()
        if scene is not None:
            scene.card_changed(self)

    def _path(self, which: str) -> QPainterPath:
        path = self._paths.get(which)
        if path is None:
            if which == "body":
                path = QPainterPath()
                path.addRoundedRect(self._rect, style.RADIUS, style.RADIUS)
            else:
                path = header_paths(self._width)[which]
            self._paths[which] = path
        return path

    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        band = t.category(self.category)
        pens = card_pens(t)
        painter.setPen(_NO_PEN)
        if lod < style.LOD_TEXT:
            self._paint_summary(painter, t, band, lod)
        else:
            self._paint_full(painter, t, band, pens)
        # the outline last, so that the band does not cover it
        if self.isSelected():
            pen = pens["selected"]
        elif self.error:
            pen = pens["error"]
        elif self._hovered:
            pen = pens["hover"]
        elif self.shares or self.shared_by:
            pen = pens["shared"]  # one layer called at several places: the cards say so by their outline
        else:
            pen = pens["border"]
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path("body"))
        if lod >= style.LOD_PORTS:
            paint_ports(painter, t, pens, self.inputs)
            paint_ports(painter, t, pens, self.outputs)

    def _paint_full(self, painter, t, band: QColor, pens: dict) -> None:
        painter.setBrush(t.shadow)
        painter.drawRoundedRect(self._shadow, style.RADIUS, style.RADIUS)
        painter.setBrush(t.node)
        painter.drawPath(self._path("body"))
        painter.setBrush(tint(t, band))  # the header: the category's colour, light enough to read on
        painter.drawPath(self._path("band"))
        painter.setBrush(band)
        painter.drawPath(self._path("stripe"))
        if self._geometry is not None:
            painter.setPen(pens["border"])
            y = self._geometry.body_bottom
            painter.drawLine(QPointF(1, y), QPointF(self._width - 1, y))
        paint_texts(painter, t, self._texts)
        if self.error or self.warning:
            paint_badge(painter, self._width, t.error if self.error else t.warning)

    def _paint_summary(self, painter, t, band: QColor, lod: float) -> None:
        painter.setBrush(tint(t, band))  # the whole card in its category's tint: colour reads from afar
        painter.drawPath(self._path("body"))
        painter.setBrush(band)
        painter.drawPath(self._path("summary_stripe"))
        paint_texts(painter, t, [s for s in self.summary if s.pixels * lod >= style.SUMMARY_MIN_PIXELS])

    # -- interaction ------------------------------------------------------------------
    def itemChange(self, change, value):  # noqa: N802
        if change == _POSITION_CHANGE and not self.syncing:
            scene = self.scene()
            if scene is not None and getattr(scene, "snap_to_grid", False):
                g = style.GRID
                return QPointF(round(value.x() / g) * g, round(value.y() / g) * g)
        elif change == _POSITION_CHANGED:
            scene = self.scene()
            if scene is not None:
                scene.card_changed(self)  # before the wires route around the cards again
            for edge in self.edge_items:
                edge.adjust()
            if scene is not None and scene.overview_mode:
                scene.overview.invalidate()
        elif change == _SELECTED_CHANGED:
            self.setZValue(1.0 if value else 0.0)
            for edge in self.edge_items:
                edge.update()
        return super().itemChange(change, value)
