"""Far-away level of detail: the whole graph drawn by one item, in a few batched calls.

Zoomed out, a node is a coloured card a few pixels wide, and what costs is
not drawing but calling Python once per item. Below `style.LOD_OVERVIEW` the
view switches the node, edge and share-link items to ItemHasNoContents (they
stay in the scene: selectable, movable, hit-tested) and this item paints them
all: one path per edge colour and one drawRects per fill colour, rebuilt only
after something changed. Where the cards' type and output shape would still
be readable (`style.SUMMARY_MIN_PIXELS`), it writes them too, for the cards
in view only.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.card_look import SUMMARY_STRIPE, tint


class OverviewItem(QGraphicsItem):
    """Paints every node and edge of a CanvasScene while the view is zoomed far out."""

    def __init__(self, scene):
        super().__init__()
        self._scene = scene
        self._dirty = True
        self._edge_paths: dict[str, QPainterPath] = {}
        self._share_path = QPainterPath()
        self._cards: list = []
        self._labels: list = []  # (card rect in the scene, [summary _Text, ...])
        self._fills: list = []  # [(colour, [QRectF, ...]), ...] in painting order
        self._fills_scale: float | None = None
        self.setZValue(5.0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setVisible(False)

    def invalidate(self) -> None:
        """Something drawn here changed: rebuild the batches at the next paint."""
        self._dirty = True
        if self.isVisible():
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._scene.sceneRect()  # everything: rebuilding never has to move the bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never hit: clicks go to the (contentless) items below

    def _rebuild(self) -> None:
        paths: dict[str, QPainterPath] = defaultdict(QPainterPath)
        for item in self._scene.edges.values():
            if not item.isVisible():
                continue
            if item.invalid:
                key = "error"
            elif item.isSelected() or item.source_item.isSelected() or item.target_item.isSelected():
                key = "selected"
            else:
                key = "normal"
            paths[key].addPath(item.path())
        self._edge_paths = dict(paths)
        self._share_path = QPainterPath()
        for link in self._scene.share_links.values():
            self._share_path.addPath(link.path())
        self._cards = []  # (category, card rect, outline: "selection" | "error" | "shared" | None)
        self._labels = []
        for item in self._scene.nodes.values():
            if not item.isVisible():  # folded into a collapsed group's card (drawn below)
                continue
            if item.isSelected():
                outline = "selection"
            elif item.error:
                outline = "error"
            else:
                outline = "shared" if (item.shares or item.shared_by) else None
            rect = item.card_rect().translated(item.pos())
            self._cards.append((item.category, rect, outline))
            self._labels.append((rect, item.summary))
        for card in self._scene.group_layer.cards.values():
            rect = card.card_rect().translated(card.pos())
            category = card.face.category if card.face else None
            self._cards.append((category, rect, "selection" if card.isSelected() else None))
            self._labels.append((rect, card.summary))
        self._fills_scale = None
        self._dirty = False

    def _layout_fills(self, scale: float) -> None:
        """Rect batches for this scale: outlines are a fixed number of pixels whatever the zoom."""
        t = theme.current()
        px = 1.0 / max(scale, 1e-3)
        outlines, borders, bodies, stripes = defaultdict(list), [], defaultdict(list), defaultdict(list)
        for category, rect, outline in self._cards:
            if outline is not None:
                outlines[outline].append(rect.adjusted(-3 * px, -3 * px, 3 * px, 3 * px))
            borders.append(rect.adjusted(-px, -px, px, px))
            bodies[category].append(rect)
            stripes[category].append(QRectF(rect.x(), rect.y(), rect.width(), max(SUMMARY_STRIPE, 3 * px)))
        fills = [(t.selection, outlines["selection"]), (t.error, outlines["error"]),
                 (t.share_link, outlines["shared"]), (t.node_border, borders)]
        fills += [(tint(t, t.category(category)), rects) for category, rects in bodies.items()]
        fills += [(t.category(category), rects) for category, rects in stripes.items()]
        self._fills = [(color, rects) for color, rects in fills if rects]
        self._fills_scale = scale

    def paint(self, painter, option, widget=None) -> None:
        if self._dirty:
            self._rebuild()
        scale = painter.worldTransform().m11()
        if self._fills_scale != scale:
            self._layout_fills(scale)
        t = theme.current()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # one-pixel cosmetic pens: wider ones make the raster engine stroke every curve (30x slower)
        for key, color in (("normal", t.edge), ("selected", t.selection), ("error", t.error)):
            path = self._edge_paths.get(key)
            if path is not None:
                pen = QPen(color, 1.0)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawPath(path)
        if not self._share_path.isEmpty():
            pen = QPen(t.share_link, 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(self._share_path)
        painter.setPen(Qt.PenStyle.NoPen)
        for color, rects in self._fills:
            painter.setBrush(color)
            painter.drawRects(rects)
        self._paint_labels(painter, t, scale, widget)

    def _paint_labels(self, painter, t, scale: float, widget) -> None:
        """The summary face's type and shape, for the cards in view, where they are big enough to read."""
        if not self._labels or style.pixel_size("summary_title") * scale < style.SUMMARY_MIN_PIXELS:
            return
        view = painter.worldTransform().inverted()[0].mapRect(QRectF(widget.rect())) if widget is not None \
            else self.boundingRect()
        colors = {"text": t.text, "muted": t.text_muted, "error": t.error}
        font = None
        for rect, texts in self._labels:
            if not view.intersects(rect):
                continue
            for text in texts:
                if text.pixels * scale < style.SUMMARY_MIN_PIXELS:
                    continue
                if text.font is not font:
                    font = text.font
                    painter.setFont(font)
                painter.setPen(colors.get(text.color, t.text))
                painter.drawStaticText(QPointF(rect.x() + text.pos.x(), rect.y() + text.pos.y()), text.static)
