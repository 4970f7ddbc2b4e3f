"""The overview map: the whole graph in small at the canvas's corner, with the part in view, draggable.

It draws what the canvas draws (visible cards, collapsed groups' cards, the
frames of expanded groups) as coloured boxes, and the view's rectangle on
top. Pressing or dragging in it centres the view there. It shows only when
part of the graph is out of view: with the whole model shown it would only
cover cards.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from layerlab.gui import theme

MAP_SIZE = (200, 130)
MAP_SHARE = 0.25  # of the viewport's width and height, at most
_MARGIN = 6.0


class MinimapWidget(QWidget):
    """The overview of a CanvasView (a child widget over its bottom-right corner)."""

    navigated = Signal(QPointF)  # the scene point the view was centred on

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setObjectName("canvasMinimap")
        self.resize(*MAP_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # opaque: repainting it never repaints the canvas
        self.setToolTip("Overview: click or drag to move the view")
        self._dragging = False
        self._frozen: QRectF | None = None  # the map's frame during a drag (else it would shift under the mouse)
        self.wanted = True  # View › Show Overview Map
        self._pending = False

    def set_wanted(self, on: bool) -> None:
        """The user's setting: shown whenever part of the graph is out of view (or never)."""
        self.wanted = bool(on)
        self.refresh()

    def schedule(self, *_args) -> None:
        """Show or hide, and repaint, at the next turn of the event loop (many requests make one)."""
        if not self._pending and shiboken6.isValid(self):
            self._pending = True
            QTimer.singleShot(0, self.refresh)

    def refresh(self) -> None:
        """Shown when wanted and part of the graph is out of view; repainted."""
        self._pending = False
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.view):
            return
        graph = self.view.canvas_scene.nodes_rect()
        shown = self.wanted and (self._dragging or (not graph.isNull() and not self.view_rect().contains(graph)))
        if shown != self.isVisible():
            self.setVisible(shown)
        if shown:
            self.update()

    def place(self) -> None:
        """At the viewport's bottom-right corner, at most MAP_SHARE of its width and height.

        A short canvas (under a tall bottom panel) would otherwise be a third map, hiding the cards under it.
        """
        vp = self.view.viewport().geometry()
        scale = min(1.0, MAP_SHARE * vp.width() / MAP_SIZE[0], MAP_SHARE * vp.height() / MAP_SIZE[1])
        width, height = max(60, round(MAP_SIZE[0] * scale)), max(40, round(MAP_SIZE[1] * scale))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        self.move(vp.right() - self.width() - 10, vp.bottom() - self.height() - 10)

    # -- geometry ------------------------------------------------------------------
    def scene_rect(self) -> QRectF:
        """The part of the scene the map shows: the graph, and the view's rectangle if it is outside."""
        rect = self.view.canvas_scene.nodes_rect()
        return rect.united(self.view_rect()) if not rect.isNull() else self.view_rect()

    def view_rect(self) -> QRectF:
        return self.view.mapToScene(self.view.viewport().rect()).boundingRect()

    def _transform(self) -> tuple[float, QPointF]:
        """(scale, offset): map = scene * scale + offset, the scene rect centred in the widget."""
        rect = self._frozen if self._frozen is not None else self.scene_rect()
        room_w, room_h = self.width() - 2 * _MARGIN, self.height() - 2 * _MARGIN
        scale = min(room_w / max(rect.width(), 1.0), room_h / max(rect.height(), 1.0))
        offset = QPointF(_MARGIN + (room_w - rect.width() * scale) / 2 - rect.left() * scale,
                         _MARGIN + (room_h - rect.height() * scale) / 2 - rect.top() * scale)
        return scale, offset

    def to_scene(self, point: QPointF) -> QPointF:
        scale, offset = self._transform()
        return QPointF((point.x() - offset.x()) / scale, (point.y() - offset.y()) / scale)

    def to_map_point(self, point: QPointF) -> QPoint:
        """Where a scene point is on the map (widget pixels)."""
        scale, offset = self._transform()
        return QPoint(round(point.x() * scale + offset.x()), round(point.y() * scale + offset.y()))

    def to_map(self, rect: QRectF, transform: tuple[float, QPointF] | None = None) -> QRectF:
        scale, offset = transform or self._transform()
        return QRectF(rect.x() * scale + offset.x(), rect.y() * scale + offset.y(), rect.width() * scale,
                      rect.height() * scale)

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(t.node_border, 1.0))
        painter.setBrush(t.node)
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        scene = self.view.canvas_scene
        layer = scene.group_layer
        m = self._transform()  # once per paint: it measures the whole graph
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(t.text_muted, 1.0, Qt.PenStyle.DotLine))
        for frame in layer.frames.values():
            painter.drawRect(self.to_map(frame.frame_rect(), m))
        painter.setPen(Qt.PenStyle.NoPen)
        for item in scene.nodes.values():
            if item.isVisible():
                painter.setBrush(t.category(item.category))
                painter.drawRect(self.to_map(item.card_rect().translated(item.pos()), m))
        for card in layer.cards.values():
            painter.setBrush(t.category(card.face.category if card.face else None))
            painter.drawRect(self.to_map(card.card_rect().translated(card.pos()), m))
        fill = QColor(t.selection)
        fill.setAlpha(40)
        painter.setBrush(fill)
        painter.setPen(QPen(t.selection, 1.5))
        painter.drawRect(self.to_map(self.view_rect(), m))
        painter.end()

    # -- navigation ---------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._frozen = self.scene_rect()
            self._center(event.position())
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._dragging:
            self._center(event.position())
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._dragging = False
        self._frozen = None
        self.update()
        event.accept()

    def _center(self, point: QPointF) -> None:
        target = self.to_scene(point)
        self.view.centerOn(target)
        self.update()
        self.navigated.emit(target)
