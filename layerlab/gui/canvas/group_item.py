"""Groups on the canvas: a frame around an expanded group's nodes, a card for a collapsed one.

Both only draw what the scene's GroupLayer tells them (labels, shapes,
counts, where the ports go); a double-click, or a click on the boxed +/−,
asks the scene to toggle the group, which the view turns into an undo command.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.card_look import SUMMARY_STRIPE, Text, header_paths, paint_texts, summary_title, tint
from layerlab.gui.canvas.card_look import pens as card_pens
from layerlab.gui.canvas.hover import HoverHighlight

CARD_WIDTH = 220.0
FRAME_PAD = 14.0
FRAME_TITLE = 24.0
_MAX_SHAPE_ROWS = 3
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged


def _hits(marker: QRectF, pos: QPointF) -> bool:
    """Whether a click at `pos` is on a marker (a little more than its 12 px box, to be easy to hit)."""
    return marker.adjusted(-3, -3, 3, 3).contains(pos)


@dataclass(frozen=True)
class CardFace:
    """What a collapsed group's card says."""

    label: str
    layers: int
    params: int | None
    trainable: str  # "trainable" | "frozen" | "partly frozen"
    in_shapes: tuple[str, ...]
    out_shapes: tuple[str, ...]
    category: str | None
    model: bool


def _compact(shape: str) -> str:
    """"(None, 16, 16, 256)" as "16×16×256": what reads from afar."""
    dims = [d.strip() for d in shape.strip("()").split(",") if d.strip()]
    if dims and dims[0] == "None":
        dims = dims[1:]
    return "×".join(dims) if dims and all(d.isdigit() or d == "None" for d in dims) else shape


def _ports_y(n: int, top: float, bottom: float) -> list[float]:
    step = (bottom - top) / max(n, 1)
    return [top + step * (i + 0.5) for i in range(n)]


class GroupCardItem(HoverHighlight, QGraphicsItem):
    """A collapsed group: one card, its inputs on the left and outputs on the right (top and bottom flowing down)."""

    def __init__(self, group_id: str):
        super().__init__()
        self.group_id = group_id
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.edge_items: set = set()
        self.face: CardFace | None = None
        self.syncing = False
        self.error = False
        self._texts: list[Text] = []
        self._summary: list[Text] = []
        self._height = 80.0
        self._in_y: list[float] = []
        self._out_y: list[float] = []
        self._hovered = False
        self.flow = "right"  # "down": its ports on the top and bottom edges (the scene sets it)
        self._wiring = False  # a wire is being dragged from one of its ports

    # -- what it shows -------------------------------------------------------------
    def set_face(self, face: CardFace) -> None:
        if face == self.face:
            return
        self.prepareGeometryChange()
        self.face = face
        w, pad = CARD_WIDTH, style.PAD
        body, mono = style.metrics("body"), style.metrics("mono")
        texts = [Text(pad, 4 + (style.HEADER_HEIGHT - style.metrics("title").height()) / 2,
                      style.metrics("title").elidedText(face.label, Qt.TextElideMode.ElideMiddle, w - 2 * pad - 18),
                      "title", "text")]
        y = style.HEADER_HEIGHT + style.BODY_TOP_PAD
        count = f"{face.layers} layer{'s' if face.layers != 1 else ''}"
        if face.params is not None:
            count += f" · {face.params:,} params"
        if face.model:
            count = "Keras model · " + count
        texts.append(Text(pad, y, body.elidedText(count, Qt.TextElideMode.ElideRight, w - 2 * pad), "body",
                          "muted"))
        y += style.ROW_HEIGHT + 2
        ports_top = y
        for key, shapes in (("in", face.in_shapes), ("out", face.out_shapes)):
            shown = list(shapes[:_MAX_SHAPE_ROWS])
            if len(shapes) > _MAX_SHAPE_ROWS:
                shown[-1] = f"+{len(shapes) - _MAX_SHAPE_ROWS + 1} more"
            for shape in shown or ["—"]:
                texts.append(Text(pad, y, key, "small", "muted"))
                shape = mono.elidedText(shape, Qt.TextElideMode.ElideRight, w - 2 * pad - 30)
                texts.append(Text(pad + 30, y - 1, shape, "mono", "text"))
                y += style.ROW_HEIGHT
                key = ""
        ports_bottom = y
        y += 4
        state_color = "muted" if face.trainable == "trainable" else "accent"
        texts.append(Text(pad, y + (style.FOOTER_HEIGHT - style.metrics("small").height()) / 2,
                          face.trainable, "small", state_color))
        self._height = y + style.FOOTER_HEIGHT
        self._in_y = _ports_y(len(face.in_shapes), ports_top, ports_bottom)
        self._out_y = _ports_y(len(face.out_shapes), ports_top, ports_bottom)
        self._texts = texts
        self._summary = self._summary_texts()
        self.setToolTip(f"<b>{face.label}</b><br>{count}<br>{face.trainable}<br>Click + or double-click to expand")
        for edge in self.edge_items:
            edge.adjust()
        self.update()

    def _summary_texts(self) -> list[Text]:
        room = CARD_WIDTH - 2 * style.PAD
        texts, y = [], SUMMARY_STRIPE + 4
        for line, pixels in summary_title(self.face.label, room):
            texts.append(Text(style.PAD, y, line, "summary_title", "text", pixels))
            y += style.sized_metrics("summary_title", pixels).height()
        if self.face.out_shapes and y + style.sized_metrics("summary_mono", 18).height() < self._height:
            texts.append(Text(style.PAD, y, _compact(self.face.out_shapes[0]), "summary_mono", "text", 18))
        return texts

    @property
    def summary(self) -> list[Text]:
        return self._summary

    def card_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, CARD_WIDTH, self._height)

    def port_points(self) -> tuple[list[QPointF], list[QPointF]]:
        """Where its input and output ports are drawn, in the item's coordinates."""
        if self.flow == "down":
            return ([QPointF(x, 0.0) for x in _ports_y(len(self._in_y), 0.0, CARD_WIDTH)],
                    [QPointF(x, self._height) for x in _ports_y(len(self._out_y), 0.0, CARD_WIDTH)])
        return [QPointF(0.0, y) for y in self._in_y], [QPointF(CARD_WIDTH, y) for y in self._out_y]

    def in_port_pos(self, index: int) -> QPointF:
        points = self.port_points()[0]
        if index < len(points):
            return self.mapToScene(points[index])
        return self.mapToScene(QPointF(CARD_WIDTH / 2, 0.0) if self.flow == "down" else QPointF(0.0, self._height / 2))

    def out_port_pos(self, index: int) -> QPointF:
        points = self.port_points()[1]
        if index < len(points):
            return self.mapToScene(points[index])
        return self.mapToScene(QPointF(CARD_WIDTH / 2, self._height) if self.flow == "down"
                               else QPointF(CARD_WIDTH, self._height / 2))

    # -- painting --------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-8.0, -8.0, CARD_WIDTH + 16.0, self._height + 16.0)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), style.RADIUS, style.RADIUS)
        return path

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        pens = card_pens(t)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        band = t.category(self.face.category if self.face else None)
        rect = self.card_rect()
        painter.setPen(Qt.PenStyle.NoPen)
        # a second card peeking out behind: a stack of layers
        painter.setBrush(t.node_border)
        painter.drawRoundedRect(rect.translated(5, 5), style.RADIUS, style.RADIUS)
        if lod < style.LOD_TEXT:
            painter.setBrush(tint(t, band))
            painter.drawRoundedRect(rect, style.RADIUS, style.RADIUS)
            painter.setBrush(band)
            painter.drawPath(header_paths(CARD_WIDTH)["summary_stripe"])
            texts = [s for s in self._summary if s.pixels * lod >= style.SUMMARY_MIN_PIXELS]
        else:
            painter.setBrush(t.node)
            painter.drawRoundedRect(rect, style.RADIUS, style.RADIUS)
            painter.setBrush(tint(t, band))
            painter.drawPath(header_paths(CARD_WIDTH)["band"])
            painter.setBrush(band)
            painter.drawPath(header_paths(CARD_WIDTH)["stripe"])
            texts = self._texts
            self._paint_marker(painter, t, "+")
        paint_texts(painter, t, texts)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(pens["selected"] if self.isSelected() else pens["error"] if self.error
                       else pens["hover"] if self._hovered else pens["border"])
        painter.drawRoundedRect(rect, style.RADIUS, style.RADIUS)
        if lod >= style.LOD_PORTS:
            painter.setPen(pens["port"])
            painter.setBrush(t.edge)
            for points in self.port_points():
                for point in points:
                    painter.drawEllipse(point, style.PORT_RADIUS, style.PORT_RADIUS)

    def marker_rect(self) -> QRectF:
        """The boxed + at the header's right end (item coordinates): a click on it expands the group."""
        c = QPointF(CARD_WIDTH - style.PAD - 6, 4 + style.HEADER_HEIGHT / 2)
        return QRectF(c.x() - 6, c.y() - 6, 12, 12)

    def _paint_marker(self, painter, t, sign: str) -> None:
        """A small boxed + (expand) at the header's right end."""
        c = self.marker_rect().center()
        painter.setPen(QPen(t.text_muted, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(c.x() - 6, c.y() - 6, 12, 12))
        painter.drawLine(QPointF(c.x() - 3, c.y()), QPointF(c.x() + 3, c.y()))
        if sign == "+":
            painter.drawLine(QPointF(c.x(), c.y() - 3), QPointF(c.x(), c.y() + 3))

    # -- interaction -------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        scene = self.scene()
        if scene is not None:
            scene.groupToggleRequested.emit(self.group_id)
        event.accept()

    # -- a drag from one of its ports draws a wire from the inner port it stands for -------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        scene = self.scene()
        wiring = getattr(scene, "wiring", None)
        self._wiring = False
        if event.button() == Qt.MouseButton.LeftButton and scene is not None \
                and _hits(self.marker_rect(), event.pos()):
            scene.groupToggleRequested.emit(self.group_id)  # the + looks like a button: one click expands
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and wiring is not None:
            ports = scene.group_layer.inner_ports_near(event.scenePos(), style.PORT_HIT_RADIUS, self.group_id)
            if ports:
                self._wiring = True
                wiring.begin(ports[0], event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if getattr(self, "_wiring", False):
            self.scene().wiring.move(event.scenePos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if getattr(self, "_wiring", False):
            self._wiring = False
            self.scene().wiring.finish(event.scenePos())
            return
        super().mouseReleaseEvent(event)

    def itemChange(self, change, value):  # noqa: N802
        if change == _POSITION_CHANGED:
            for edge in self.edge_items:
                edge.adjust()
        elif change == _SELECTED_CHANGED:
            self.setZValue(1.0 if value else 0.0)
        return super().itemChange(change, value)


class GroupFrameItem(QGraphicsItem):
    """An expanded group: a titled frame behind its nodes. Only the title bar takes clicks."""

    def __init__(self, group_id: str):
        super().__init__()
        self.group_id = group_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-3.0)
        self._rect = QRectF()
        self._title: Text | None = None
        self._label = ""
        self.depth = 0

    def set_frame(self, rect: QRectF, label: str, depth: int) -> None:
        if rect == self._rect and label == self._label and depth == self.depth:
            return
        self.prepareGeometryChange()
        self._rect, self._label, self.depth = QRectF(rect), label, depth
        self.setZValue(-3.0 + depth * 0.01)
        room = rect.width() - 2 * style.PAD - 20
        text = style.metrics("title").elidedText(label, Qt.TextElideMode.ElideMiddle, max(room, 20))
        self._title = Text(rect.x() + style.PAD + 18, rect.y() + (FRAME_TITLE - style.metrics("title").height()) / 2,
                           text, "title", "muted")
        self.setToolTip(f"<b>{label}</b><br>Double-click the title to collapse")
        self.update()

    def _paint_far(self, painter, t, lod: float) -> None:
        """From afar (the overview level of detail) a solid tint: the group reads as one block."""
        fill = QColor(t.selection)
        fill.setAlpha(40)
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, 10, 10)

    def frame_rect(self) -> QRectF:
        return QRectF(self._rect)

    def title_rect(self) -> QRectF:
        return QRectF(self._rect.x(), self._rect.y(), self._rect.width(), FRAME_TITLE)

    def marker_rect(self) -> QRectF:
        """The boxed − at the title's left end: a click on it collapses the group."""
        c = QPointF(self._rect.x() + style.PAD + 6, self._rect.y() + FRAME_TITLE / 2)
        return QRectF(c.x() - 6, c.y() - 6, 12, 12)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        scene = self.scene()
        if event.button() == Qt.MouseButton.LeftButton and scene is not None \
                and _hits(self.marker_rect(), event.pos()):
            scene.groupToggleRequested.emit(self.group_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.title_rect())
        return path

    def paint(self, painter, option, widget=None) -> None:
        t = theme.current()
        fill = QColor(t.text)
        fill.setAlpha(10 + 6 * (self.depth % 3))
        painter.setBrush(fill)
        pen = QPen(t.selection if self.isSelected() else t.node_border, 2.0 if self.isSelected() else 1.2,
                   Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawRoundedRect(self._rect, 10, 10)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < style.LOD_OVERVIEW:
            self._paint_far(painter, t, lod)
            return
        if self._title is not None and lod * style.pixel_size("title") >= style.SUMMARY_MIN_PIXELS:
            painter.setFont(self._title.font)
            painter.setPen(t.text_muted)
            painter.drawStaticText(self._title.pos, self._title.static)
            c = self.marker_rect().center()
            painter.setPen(QPen(t.text_muted, 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(c.x() - 6, c.y() - 6, 12, 12))
            painter.drawLine(QPointF(c.x() - 3, c.y()), QPointF(c.x() + 3, c.y()))

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        scene = self.scene()
        if scene is not None:
            scene.groupToggleRequested.emit(self.group_id)
        event.accept()
