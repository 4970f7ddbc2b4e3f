"""The canvas view: zoom, pan, selection, drops and auto-layout; keys.py its keyboard, selection_edits.py its edits.

Every edit it makes is an undo command pushed on the window's QUndoStack; the
scene then redraws from the document's notifications.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QCursor, QPainter, QTransform, QUndoStack
from PySide6.QtWidgets import QFrame, QGraphicsView

from layerlab.core import catalog
from layerlab.core.arrange import layout_positions
from layerlab.core.document import GraphDocument
from layerlab.gui.canvas import framing, style
from layerlab.gui.canvas.context_menu import show_context_menu
from layerlab.gui.canvas.edge_item import EdgeItem
from layerlab.gui.canvas.group_actions import GroupActions
from layerlab.gui.canvas.group_item import GroupCardItem
from layerlab.gui.canvas.keys import CanvasKeys
from layerlab.gui.canvas.minimap import MinimapWidget
from layerlab.gui.canvas.node_item import PENDING_TEXT, NodeItem
from layerlab.gui.canvas.quick_add import QuickAddPopup
from layerlab.gui.canvas.scene import CanvasScene
from layerlab.gui.canvas.search import SearchBar
from layerlab.gui.canvas.selection_edits import SelectionEdits
from layerlab.gui.canvas.wiring import WiringController
from layerlab.gui.checking import CheckService
from layerlab.gui.commands import AddNodeCommand, MoveNodesCommand, SetPositionsCommand

MIME_LAYER = "application/x-layerlab-layer"
MIN_SCALE, MAX_SCALE = 0.01, 4.0


class CanvasView(SelectionEdits, QGraphicsView):
    """The editor's canvas. Signals: selectionChangedIds(list of node ids, in document order)."""

    selectionChangedIds = Signal(list)  # noqa: N815 - Qt naming
    message = Signal(str)  # something for the status bar (e.g. why Zoom to Fit does not show the whole)

    def __init__(self, document: GraphDocument, undo_stack: QUndoStack, check_service: CheckService | None,
                 parent=None):
        super().__init__(parent)
        self.document = document
        self.undo_stack = undo_stack
        self.check_service = check_service
        self.canvas_scene = CanvasScene(document, self)
        self.setScene(self.canvas_scene)
        self.wiring = WiringController(self)
        self.canvas_scene.wiring = self.wiring
        self._quick_add: QuickAddPopup | None = None  # made on first use: it costs ~80 ms to build
        self._quick_add_pos = QPointF()
        self.groups = GroupActions(self)
        self.undo_stack.indexChanged.connect(self._on_undo_index)
        self.canvas_scene.groupToggleRequested.connect(self.groups.toggle)
        self.search = SearchBar(self)  # Ctrl+F
        self.minimap = MinimapWidget(self)
        self.keys = CanvasKeys(self)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):  # the view moved or zoomed
            bar.valueChanged.connect(self.minimap.schedule)
        self._unsubscribe_map = document.subscribe(self.minimap.schedule)  # not on hovers: ~7 ms at 800 nodes

        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        # a narrower canvas (a dock widening, a bottom panel growing) keeps the top-left in place, not the
        # centre: the centre anchor slid cards at the left edge out of view
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)  # the grid is drawn once per zoom
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.centerOn(0, 0)

        self._pan_from: QPointF | None = None
        self._press_positions: dict[str, QPointF] = {}
        self._emitting = False
        self.canvas_scene.selectionChanged.connect(self._on_selection_changed)
        if check_service is not None:
            check_service.reportReady.connect(self.canvas_scene.apply_report)
            check_service.engineDied.connect(lambda _reason: self.canvas_scene.apply_report(None))  # shapes: "…"
            if check_service.report is not None:
                self.canvas_scene.apply_report(check_service.report)

    # -- selection --------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """The selected nodes, a selected collapsed group's nodes included, in document order."""
        chosen = {i.node_id for i in self.canvas_scene.selectedItems() if isinstance(i, NodeItem)}
        for item in self.canvas_scene.selectedItems():
            if isinstance(item, GroupCardItem) and self.document.has_group(item.group_id):
                chosen.update(self.document.group_members(item.group_id))
        return [n for n in self.document.node_ids() if n in chosen]

    def selected_edges(self) -> list:
        return [i.edge for i in self.canvas_scene.selectedItems() if isinstance(i, EdgeItem)]

    def select_nodes(self, ids) -> None:
        self._emitting = True
        try:
            self.canvas_scene.clearSelection()
            for node_id in ids:
                item = self.canvas_scene.nodes.get(node_id)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._emitting = False
        self._on_selection_changed()

    def select_all(self) -> None:
        self.select_nodes(self.document.node_ids())

    def _on_selection_changed(self) -> None:
        if not self._emitting:
            self.selectionChangedIds.emit(self.selected_ids())

    # -- zoom and pan -------------------------------------------------------------------
    def scale_factor(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.scale_factor()
        target = min(MAX_SCALE, max(MIN_SCALE, current * factor))
        if target != current:
            self.scale(target / current, target / current)

    def set_scale(self, scale: float) -> None:
        """Zoom to `scale` screen pixels per scene unit (within MIN_SCALE..MAX_SCALE)."""
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        self.setTransform(QTransform.fromScale(scale, scale))
        self.minimap.schedule()

    def fit_scale(self) -> float | None:
        """The scale at which the whole graph fits in the view (None for an empty graph)."""
        return framing.fit_scale(self)

    def zoom_to_fit(self) -> None:
        """Show the whole model, never below readable titles (canvas/framing.py); `message` says when it cannot."""
        text = framing.zoom_to_fit(self)
        if text:
            self.message.emit(text)

    def initial_view(self) -> None:
        """The view a model opens with: all of it if that is readable, else its inputs' end, readable."""
        framing.initial_view(self)

    def center_on(self, node_id: str) -> None:
        item = self.canvas_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # pick the level of detail for this scale before anything is drawn
        self.canvas_scene.set_overview(self.scale_factor() < style.LOD_OVERVIEW)
        super().paintEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.minimap.place()
        self.search.place()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # -- mouse: pan, moves recorded on release --------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)
        self._press_positions = {i.node_id: i.pos() for i in self.canvas_scene.selectedItems()
                                 if isinstance(i, NodeItem)}
        self._press_cards = {i.group_id: i.pos() for i in self.canvas_scene.selectedItems()
                             if isinstance(i, GroupCardItem)}

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves()

    def _commit_moves(self) -> None:
        """Record what the mouse moved as one command (the items moved ahead of the document)."""
        moves = {}
        for node_id, before in self._press_positions.items():
            item = self.canvas_scene.nodes.get(node_id)
            if item is None or item.pos() == before:
                continue
            old = self.document.position(node_id)
            moves[node_id] = (old, (item.pos().x(), item.pos().y()))
        for group_id, before in getattr(self, "_press_cards", {}).items():  # a card moves its group's nodes
            card = self.canvas_scene.group_layer.cards.get(group_id)
            if card is None or card.pos() == before:
                continue
            d = card.pos() - before
            for node_id in self.document.group_members(group_id):
                item = self.canvas_scene.nodes[node_id]
                moves[node_id] = (self.document.position(node_id), (item.x() + d.x(), item.y() + d.y()))
        self._press_positions, self._press_cards = {}, {}
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.document, moves))

    # -- keyboard (keys.py) -----------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Tab:
            self.open_quick_add()  # Tab would move the focus; on the canvas it adds a layer
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not self.keys.press(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if not self.keys.release(event):
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        if self.keys.space_held:  # a Space released elsewhere must not leave the canvas stuck in pan mode
            self.keys.end_pan()
        super().focusOutEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        """Right-click: the edits that apply where the click was (canvas/context_menu.py)."""
        show_context_menu(self, event)

    # -- adding nodes ---------------------------------------------------------------------------
    def add_node_at(self, type_name: str, scene_pos: QPointF) -> str | None:
        """Add a layer of `type_name` (with its key parameters only) with its header under `scene_pos`."""
        spec = catalog.get(type_name)
        if spec is None:
            return None
        params = spec.initial_params()  # every argument Keras requires; Keras's own defaults do the rest
        x = scene_pos.x() - style.NODE_WIDTH / 2
        y = scene_pos.y() - style.HEADER_HEIGHT / 2
        seen = self.mapToScene(self.viewport().rect()).boundingRect()  # a drop by an edge: the card stays in view
        if seen.width() > style.NODE_WIDTH + 2 * style.GRID:
            x = min(max(x, seen.left() + style.GRID), seen.right() - style.NODE_WIDTH - style.GRID)
        if seen.height() > 4 * style.HEADER_HEIGHT:
            y = min(max(y, seen.top() + style.GRID), seen.bottom() - 3 * style.HEADER_HEIGHT)
        if self.canvas_scene.snap_to_grid:
            x, y = round(x / style.GRID) * style.GRID, round(y / style.GRID) * style.GRID
        command = AddNodeCommand(self.document, type_name, params, (x, y))
        self.undo_stack.push(command)
        return command.node_id

    @property
    def quick_add(self) -> QuickAddPopup:
        """The Tab popup (built on first use)."""
        if self._quick_add is None:
            self._quick_add = QuickAddPopup(self)
            self._quick_add.chosen.connect(self._on_quick_add)
        return self._quick_add

    def open_quick_add(self) -> None:
        cursor = self.mapFromGlobal(QCursor.pos())
        if not self.viewport().rect().contains(cursor):
            cursor = self.viewport().rect().center()
        self._quick_add_pos = self.mapToScene(cursor)
        self.quick_add.open_at(self.viewport().mapToGlobal(cursor))

    def _on_quick_add(self, type_name: str) -> None:
        node_id = self.add_node_at(type_name, self._quick_add_pos)
        if node_id is not None:
            self.select_nodes([node_id])
        self.setFocus()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
        else:
            event.ignore()  # e.g. a project file: the window takes it

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        if not event.mimeData().hasFormat(MIME_LAYER):
            event.ignore()
            return
        type_name = bytes(event.mimeData().data(MIME_LAYER)).decode("utf-8", errors="replace").strip()
        node_id = self.add_node_at(type_name, self.mapToScene(event.position().toPoint()))
        if node_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.select_nodes([node_id])
        self.setFocus()

    # -- layout --------------------------------------------------------------------------------
    def set_snap_to_grid(self, on: bool) -> None:
        self.canvas_scene.snap_to_grid = bool(on)

    def _on_undo_index(self, _index: int) -> None:
        if shiboken6.isValid(self.canvas_scene):
            self.canvas_scene.update_flow()  # a layout done or undone may turn the drawing's flow

    @property
    def layout_direction(self) -> str:
        """"auto", "left-to-right" or "top-to-bottom" (View › Layout Direction): Auto Layout's direction."""
        return self.canvas_scene.direction

    @layout_direction.setter
    def layout_direction(self, direction: str) -> None:
        self.canvas_scene.direction = direction
        self.canvas_scene.update_flow()

    def layout_positions(self) -> dict[str, tuple[float, float]]:
        """Where Auto Layout would put every card (top-left corners, for the sizes they are drawn at)."""
        labels: dict[str, str] = {}
        for edge, item in self.canvas_scene.edges.items():  # each node's longest label, as drawn now
            if item.label != PENDING_TEXT and len(item.label) > len(labels.get(edge.source, "")):
                labels[edge.source] = item.label
        metrics = style.metrics("label")
        cards = {g: (c.card_rect().width(), c.card_rect().height())
                 for g, c in self.canvas_scene.group_layer.cards.items()}
        vp = self.viewport().rect()
        return layout_positions(self.document, self.canvas_scene.node_sizes(), labels, metrics.horizontalAdvance,
                                group_sizes=cards, direction=self.layout_direction,
                                aspect=max(vp.width(), 1) / max(vp.height(), 1),
                                readable_width=vp.width() / style.GLANCE_SCALE)

    def auto_layout(self) -> None:
        """Lay the graph out left to right (one undo step), keeping it where it was on the canvas."""
        if not len(self.document):
            return
        positions = self.layout_positions()
        before = self.canvas_scene.nodes_rect()
        after = self.canvas_scene.group_layer.rect_at(positions)
        shift = before.center() - after.center()
        g = style.GRID
        dx, dy = round(shift.x() / g) * g, round(shift.y() / g) * g
        positions = {n: (x + dx, y + dy) for n, (x, y) in positions.items()}
        if all(self.document.position(n) == p for n, p in positions.items()):
            return
        self.undo_stack.push(SetPositionsCommand(self.document, positions, "Auto-layout"))

    # -- teardown --------------------------------------------------------------------------------
    def close_canvas(self) -> None:
        """Stop mirroring the document (before the document is replaced or the window closes)."""
        self.wiring.cancel()
        self._unsubscribe_map()
        self.canvas_scene.close()
