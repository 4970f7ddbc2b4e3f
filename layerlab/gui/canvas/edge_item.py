"""Wires: document edges (labelled with the tensor shape they carry), the wire being dragged, share links."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainterPath, QPainterPathStroker, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from layerlab.core.document import Edge
from layerlab.gui import theme
from layerlab.gui.canvas import style

_PEN_CACHE: dict = {}
_NO_BRUSH = Qt.BrushStyle.NoBrush
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)


def _pens(t) -> dict:
    """The pens edges paint with in theme `t`, made once."""
    pens = _PEN_CACHE.get(t.name)
    if pens is None:
        near = t.selection.lighter(120) if t.dark else t.selection.lighter(150)
        pens = {}
        for key, color, width in (("normal", t.edge, 2.0), ("error", t.error, 2.0), ("hover", t.selection, 2.4),
                                  ("selected", t.selection, 3.0), ("near", near, 2.0)):
            pen = QPen(color, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pens[key] = pen
        pens["label"] = QPen(t.node_border, 1.0)
        pens["label_error"] = QPen(t.error, 1.0)
        _PEN_CACHE[t.name] = pens
    return pens


def wire_path(p1: QPointF, p2: QPointF) -> QPainterPath:
    """A smooth cubic from an output (p1) to an input (p2); wires going backwards loop out wider."""
    dx = abs(p2.x() - p1.x()) * 0.5
    dx = max(dx, 40.0) if p2.x() >= p1.x() else max(dx, 90.0)
    path = QPainterPath(p1)
    path.cubicTo(QPointF(p1.x() + dx, p1.y()), QPointF(p2.x() - dx, p2.y()), p2)
    return path


class EdgeItem(QGraphicsItem):
    """One edge of the document, from an output port to an input port."""

    LABEL_H = 16.0

    def __init__(self, edge: Edge, source_item, target_item):
        super().__init__()
        self.edge = edge
        self.source_item = source_item
        self.target_item = target_item
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1.0)
        self.label = "…"
        self.invalid = False
        self.message = ""
        self._static = QStaticText(self.label)
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._label_rect = QRectF()
        self._label_text_pos = QPointF()
        self._bounds = QRectF()
        self._hovered = False
        self.adjust()

    def endpoints(self) -> tuple[QPointF, QPointF]:
        src, dst = self.source_item, self.target_item
        p1 = src.outputs[self.edge.source_port].scenePos() if self.edge.source_port < len(src.outputs) \
            else src.mapToScene(QPointF(src.card_rect().right(), src.card_rect().center().y()))
        p2 = dst.inputs[self.edge.port].scenePos() if self.edge.port < len(dst.inputs) \
            else dst.mapToScene(QPointF(0.0, dst.card_rect().center().y()))
        return p1, p2

    def adjust(self) -> None:
        """Follow the ports (after a move or a change of the nodes' layout)."""
        p1, p2 = self.endpoints()
        path = wire_path(p1, p2)
        if path == self._path:
            return
        self.prepareGeometryChange()
        self._path = path
        self._shape = None
        self._place_label()
        siblings = self.siblings()
        if len(siblings) > 1:  # the group's one label depends on where every sibling goes
            leader = siblings[0]
            if leader is not self:
                leader.relabel()

    def siblings(self) -> list[EdgeItem]:
        """The edges that carry the same tensor (from the same output port), the label's holder first."""
        source, port = self.edge.source, self.edge.source_port
        group = [e for e in self.source_item.edge_items
                 if isinstance(e, EdgeItem) and e.edge.source == source and e.edge.source_port == port]
        group.sort(key=lambda e: (e.edge.target, e.edge.port))
        return group

    def relabel(self) -> None:
        """Place the label again (a sibling wire came, went or moved)."""
        self.prepareGeometryChange()
        self._shape = None
        self._place_label()
        self.update()

    def _place_label(self) -> None:
        metrics = style.metrics("label")
        w = metrics.horizontalAdvance(self.label) + 10
        h = self.LABEL_H
        start, end = self._path.pointAtPercent(0.0), self._path.pointAtPercent(1.0)
        siblings = self.siblings()
        self._label_rect = QRectF()
        if len(siblings) > 1:
            # One tensor, several wires: one label, on the bundle just after the output port.
            if siblings[0] is self:
                room = min(e.endpoints()[1].x() for e in siblings) - start.x()
                if room >= w + 40:
                    self._label_rect = QRectF(start.x() + 12, start.y() - h / 2, w, h)
        elif QLineF(start, end).length() >= w + 30:  # a wire too short for its label leaves it to the tooltip
            mid = self._path.pointAtPercent(0.5)
            self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        if not self._label_rect.isNull():
            self._label_text_pos = QPointF(self._label_rect.x() + 5,
                                           self._label_rect.y() + (h - metrics.height()) / 2)
        self.setZValue(-0.9 if not self._label_rect.isNull() else -1.0)  # the label above its siblings' wires
        self._bounds = self._path.boundingRect().adjusted(-3, -3, 3, 3)
        if not self._label_rect.isNull():
            self._bounds = self._bounds.united(self._label_rect)

    def path(self) -> QPainterPath:
        return self._path

    def set_state(self, label: str, invalid: bool, message: str) -> None:
        if (label, invalid, message) == (self.label, self.invalid, self.message):
            return
        if label != self.label:
            self.prepareGeometryChange()
            self.label = label
            self._static = QStaticText(label)
            self._static.setTextFormat(Qt.TextFormat.PlainText)
            self._static.prepare(font=style.font("label"))
            self._place_label()
            self._shape = None
        self.invalid, self.message = invalid, message
        tip = f"{self.edge.source} → {self.edge.target}: {label}"
        self.setToolTip(tip + (f"\n{message}" if message else ""))
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10.0)
            shape = stroker.createStroke(self._path)
            if not self._label_rect.isNull():
                shape.addRoundedRect(self._label_rect, 6, 6)
            self._shape = shape
        return self._shape

    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        pens = _pens(t)
        if self.invalid:
            key = "error"
        elif self._hovered:
            key = "hover"
        elif self.isSelected():
            key = "selected"
        elif self.source_item.isSelected() or self.target_item.isSelected():
            key = "near"
        else:
            key = "normal"
        painter.setPen(pens[key])
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path)
        if self._label_rect.isNull() or option.levelOfDetailFromTransform(painter.worldTransform()) < style.LOD_TEXT:
            return
        painter.setPen(pens["label_error" if self.invalid else "label"])
        painter.setBrush(t.label_bg)
        painter.drawRoundedRect(self._label_rect, self.LABEL_H / 2, self.LABEL_H / 2)
        painter.setFont(style.font("label"))
        painter.setPen(t.error if self.invalid else t.label_text)
        painter.drawStaticText(self._label_text_pos, self._static)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self._hovered = False
        self.update()


class ShareLinkItem(QGraphicsItem):
    """A dashed link between a node and the node whose Keras layer it calls again."""

    def __init__(self, owner_item, sharer_item):
        super().__init__()
        self.owner_item = owner_item
        self.sharer_item = sharer_item
        self.setZValue(-2.0)
        self.setToolTip(f"{sharer_item.node_id} calls the layer of {owner_item.node_id} again (shared weights)")
        self._path = QPainterPath()
        self.adjust()

    def adjust(self) -> None:
        a = self.owner_item.mapToScene(self.owner_item.card_rect().center())
        b = self.sharer_item.mapToScene(self.sharer_item.card_rect().center())
        path = QPainterPath(a)
        bend = QPointF((a.x() + b.x()) / 2 + (b.y() - a.y()) * 0.15, (a.y() + b.y()) / 2 - (b.x() - a.x()) * 0.15)
        path.quadTo(bend, b)
        self.prepareGeometryChange()
        self._path = path

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._path.boundingRect().adjusted(-3, -3, 3, 3)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(8.0)
        return stroker.createStroke(self._path)

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        pen = QPen(t.share_link, 2.0, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)


class WireItem(QGraphicsItem):
    """The wire being dragged from a port to the cursor."""

    def __init__(self, anchor: QPointF, from_output: bool):
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        self.state = "neutral"  # "good", "bad" or "neutral": the verdict of the port under the cursor
        self.setZValue(10.0)
        self._path = QPainterPath()
        self.set_end(anchor)

    def set_end(self, end: QPointF) -> None:
        self.prepareGeometryChange()
        self._path = wire_path(self.anchor, end) if self.from_output else wire_path(end, self.anchor)

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._path.boundingRect().adjusted(-4, -4, 4, 4)

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        color = {"good": t.ok, "bad": t.error}.get(self.state, t.selection)
        pen = QPen(color, 2.5, Qt.PenStyle.SolidLine if self.state == "good" else Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPath(self._path)


class NoteItem(QGraphicsItem):
    """A small floating note that stays readable at any zoom (the verdict next to the cursor)."""

    MAX_WIDTH = 340

    def __init__(self):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(20.0)
        self.kind = "neutral"
        self.text = ""
        self._rect = QRectF()
        self._text_rect = QRectF()
        self.hide()

    def set_text(self, text: str, kind: str) -> None:
        self.prepareGeometryChange()
        self.kind, self.text = kind, text
        metrics = QFontMetrics(style.font("body"))
        bounds = metrics.boundingRect(QRect(0, 0, self.MAX_WIDTH, 10_000), _WRAP, text)
        self._text_rect = QRectF(26, 23, bounds.width() + 1, bounds.height())  # below right of the cursor
        self._rect = self._text_rect.adjusted(-8, -5, 8, 5)
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        accent = {"good": t.ok, "bad": t.error}.get(self.kind, t.text_muted)
        painter.setPen(QPen(accent, 1.2))
        painter.setBrush(t.node)
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setFont(style.font("body"))
        painter.setPen(t.text)
        painter.drawText(self._text_rect, _WRAP, self.text)
