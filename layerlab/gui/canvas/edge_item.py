"""Wires: document edges (labelled with the tensor shape they carry), the wire being dragged, share links."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainterPath, QPainterPathStroker, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from layerlab.core.document import Edge
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.hover import HoverHighlight
from layerlab.gui.canvas.routing import COLUMN_LANE, SWAP, flow_wire_path, routed_path, swapped, swapped_rect, wire_path

__all__ = ["EdgeItem", "NoteItem", "ShareLinkItem", "WireItem", "wire_path"]

_PEN_CACHE: dict = {}
ROUTE_MIN_SPAN = 40.0  # a wire shorter than this has no room for a card in its way
SCENE_LIMIT = 1e6
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


class EdgeItem(HoverHighlight, QGraphicsItem):
    """One edge of the document, from an output port to an input port."""

    LABEL_H = 16.0
    # (GroupCardItem, port index) when this end is folded into a collapsed group's card (the GroupLayer sets it)
    source_anchor = None
    target_anchor = None

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
        self.unrouted = False
        self.adjust()

    def endpoints(self) -> tuple[QPointF, QPointF]:
        src, dst = self.source_item, self.target_item
        if self.source_anchor is not None:
            p1 = self.source_anchor[0].out_port_pos(self.source_anchor[1])
        else:
            p1 = src.outputs[self.edge.source_port].scenePos() if self.edge.source_port < len(src.outputs) \
                else src.mapToScene(QPointF(src.card_rect().right(), src.card_rect().center().y()))
        if self.target_anchor is not None:
            p2 = self.target_anchor[0].in_port_pos(self.target_anchor[1])
        else:
            p2 = dst.inputs[self.edge.port].scenePos() if self.edge.port < len(dst.inputs) \
                else dst.mapToScene(QPointF(0.0, dst.card_rect().center().y()))
        return p1, p2

    def adjust(self) -> None:
        """Follow the ports (after a move or a change of the nodes' layout), around the cards in the way.

        A drawing that flows down is worked out with x and y swapped (routing.SWAP): the same rules.
        """
        p1, p2 = self.endpoints()
        scene = self.scene()
        down = scene is not None and scene.flow == "down"
        if down:
            p1, p2 = swapped(p1), swapped(p2)
        path = wire_path(p1, p2, COLUMN_LANE) if down else wire_path(p1, p2)
        self.unrouted = scene is not None and scene.routing_paused  # many cards are moving: routed after them
        if scene is not None and not self.unrouted and p2.x() - p1.x() > ROUTE_MIN_SPAN:
            ends = (self.source_item, self.target_item)

            def cards_in(rect: QRectF) -> list[QRectF]:
                if not down:
                    return scene.cards_in(rect, ends)
                return [swapped_rect(c) for c in scene.cards_in(swapped_rect(rect), ends)]
            cards = cards_in(path.boundingRect())
            if cards:
                path = routed_path(p1, p2, cards, lambda: cards_in(
                    QRectF(p1.x(), -SCENE_LIMIT, p2.x() - p1.x(), 2 * SCENE_LIMIT)))
        if down:
            path = SWAP.map(path)
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
        w = metrics.horizontalAdvance(self.label) + style.LABEL_PAD
        h = self.LABEL_H
        start, end = self._path.pointAtPercent(0.0), self._path.pointAtPercent(1.0)
        siblings = self.siblings()
        self._label_rect = QRectF()
        scene = self.scene()
        if scene is not None and scene.flow == "down":  # wires run down: labels sit across them, in the layer gap
            if len(siblings) > 1 and siblings[0] is not self:
                pass
            elif len(siblings) > 1:
                room = min(e.endpoints()[1].y() for e in siblings) - start.y()
                if room >= h + style.LABEL_ROOM_BUNDLE / 2:
                    self._label_rect = QRectF(start.x() + 6, start.y() + 6, w, h)
            elif end.y() - start.y() >= h + 16:
                mid = self._path.pointAtPercent(0.5)
                self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        elif len(siblings) > 1:
            # One tensor, several wires: one label, on the bundle just after the output port.
            if siblings[0] is self:
                room = min(e.endpoints()[1].x() for e in siblings) - start.x()
                if room >= w + style.LABEL_ROOM_BUNDLE:
                    self._label_rect = QRectF(start.x() + 12, start.y() - h / 2, w, h)
        elif end.x() - start.x() >= w + style.LABEL_ROOM:  # no room between the cards: the label is left to the tooltip
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


class ShareLinkItem(HoverHighlight, QGraphicsItem):
    """A dashed link, labelled "same layer", between a node and a node that calls its Keras layer again.

    It runs between the cards' top and bottom edges (the sides hold the ports),
    above the wires and below the cards, and thickens while either card is selected.
    """

    LABEL = "same layer"
    LABEL_H = 16.0

    def __init__(self, owner_item, sharer_item):
        super().__init__()
        self.owner_item = owner_item
        self.sharer_item = sharer_item
        self.setZValue(-0.5)
        self.setAcceptHoverEvents(True)
        self.setToolTip(f"{sharer_item.node_id} calls the layer of {owner_item.node_id} again: one layer, one set "
                        "of weights")
        self._static = QStaticText(self.LABEL)
        self._static.setTextFormat(Qt.TextFormat.PlainText)
        self._static.prepare(font=style.font("label"))
        self._path = QPainterPath()
        self._label_rect = QRectF()
        self._hovered = False
        self.adjust()

    def adjust(self) -> None:
        a_rect = self.owner_item.mapRectToScene(self.owner_item.card_rect())
        b_rect = self.sharer_item.mapRectToScene(self.sharer_item.card_rect())
        path = share_path(a_rect, b_rect)
        if path == self._path:
            return
        self.prepareGeometryChange()
        self._path = path
        mid = path.pointAtPercent(0.5)
        w = style.metrics("label").horizontalAdvance(self.LABEL) + 10
        self._label_rect = QRectF(mid.x() - w / 2, mid.y() - self.LABEL_H / 2, w, self.LABEL_H)

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._path.boundingRect().adjusted(-3, -3, 3, 3).united(self._label_rect)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(8.0)
        shape = stroker.createStroke(self._path)
        shape.addRect(self._label_rect)
        return shape

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        active = self._hovered or self.owner_item.isSelected() or self.sharer_item.isSelected()
        pen = QPen(t.share_link, 3.0 if active else 2.0, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < style.LOD_TEXT:
            return
        painter.setPen(QPen(t.share_link, 1.0))
        painter.setBrush(t.label_bg)
        painter.drawRoundedRect(self._label_rect, self.LABEL_H / 2, self.LABEL_H / 2)
        painter.setFont(style.font("label"))
        painter.setPen(t.share_link)
        metrics = style.metrics("label")
        painter.drawStaticText(QPointF(self._label_rect.x() + 5,
                                       self._label_rect.y() + (self.LABEL_H - metrics.height()) / 2), self._static)


def share_path(a: QRectF, b: QRectF) -> QPainterPath:
    """From card `a` to card `b` through their facing top and bottom edges; side by side, an arch over both."""
    if b.top() >= a.bottom():
        p1, p2 = QPointF(a.center().x(), a.bottom()), QPointF(b.center().x(), b.top())
    elif a.top() >= b.bottom():
        p1, p2 = QPointF(a.center().x(), a.top()), QPointF(b.center().x(), b.bottom())
    else:
        p1, p2 = QPointF(a.center().x(), a.top()), QPointF(b.center().x(), b.top())
        top = min(a.top(), b.top()) - 40.0 - 0.1 * abs(p2.x() - p1.x())
        path = QPainterPath(p1)
        path.cubicTo(QPointF(p1.x(), top), QPointF(p2.x(), top), p2)
        return path
    dy = (p2.y() - p1.y()) * 0.5
    path = QPainterPath(p1)
    path.cubicTo(QPointF(p1.x(), p1.y() + dy), QPointF(p2.x(), p2.y() - dy), p2)
    return path


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
        down = self.scene() is not None and self.scene().flow == "down"
        self._path = flow_wire_path(self.anchor, end, down) if self.from_output \
            else flow_wire_path(end, self.anchor, down)

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

    def box(self) -> QRectF:
        """The note's frame in pixels, relative to its position."""
        return self.boundingRect()

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        accent = {"good": t.ok, "bad": t.error}.get(self.kind, t.text_muted)
        painter.setPen(QPen(accent, 1.2))
        painter.setBrush(t.node)
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setFont(style.font("body"))
        painter.setPen(t.text)
        painter.drawText(self._text_rect, _WRAP, self.text)
