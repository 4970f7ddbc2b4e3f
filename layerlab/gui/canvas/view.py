"""The canvas view: zoom, pan, selection, drops, keyboard, clipboard and auto-layout.

Every edit it makes is an undo command pushed on the window's QUndoStack; the
scene then redraws from the document's notifications.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QKeySequence, QPainter, QTransform, QUndoStack
from PySide6.QtWidgets import QFrame, QGraphicsView, QMenu

from layerlab.core import catalog
from layerlab.core.document import GraphDocument
from layerlab.gui.canvas import clipboard, style
from layerlab.gui.canvas.arrange import layout_positions
from layerlab.gui.canvas.edge_item import EdgeItem
from layerlab.gui.canvas.node_item import PENDING_TEXT, NodeItem
from layerlab.gui.canvas.quick_add import QuickAddPopup
from layerlab.gui.canvas.scene import CanvasScene
from layerlab.gui.canvas.wiring import WiringController
from layerlab.gui.checking import CheckService
from layerlab.gui.commands import (
    AddNodeCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveEdgesCommand,
    RemoveNodesCommand,
    SetPositionsCommand,
)

MIME_LAYER = "application/x-layerlab-layer"
MIN_SCALE, MAX_SCALE = 0.01, 4.0
MAX_FIT_SCALE = 1.0  # zoom to fit never blows a few nodes up beyond their natural size
FIT_MARGIN = 24.0  # pixels kept free around a fitted graph
PASTE_OFFSET = 40.0


class CanvasView(QGraphicsView):
    """The editor's canvas. Signals: selectionChangedIds(list of node ids, in document order)."""

    selectionChangedIds = Signal(list)  # noqa: N815 - Qt naming

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

        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
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
        self._space_held = False
        self._press_positions: dict[str, QPointF] = {}
        self._paste_count = 0
        self._emitting = False
        self.canvas_scene.selectionChanged.connect(self._on_selection_changed)
        if check_service is not None:
            check_service.reportReady.connect(self.canvas_scene.apply_report)
            check_service.engineDied.connect(lambda _reason: self.canvas_scene.apply_report(None))  # shapes: "…"
            if check_service.report is not None:
                self.canvas_scene.apply_report(check_service.report)

    # -- selection --------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.canvas_scene.selectedItems() if isinstance(i, NodeItem)}
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

    def fit_scale(self) -> float | None:
        """The scale at which the whole graph fits in the view (None for an empty graph)."""
        rect = self.canvas_scene.nodes_rect()
        if rect.isNull():
            return None
        vp = self.viewport().rect()
        room_w, room_h = max(1.0, vp.width() - 2 * FIT_MARGIN), max(1.0, vp.height() - 2 * FIT_MARGIN)
        return min(room_w / max(rect.width(), 1.0), room_h / max(rect.height(), 1.0))

    def zoom_to_fit(self) -> None:
        """Show the whole model, centred (a small one at 100 %, never larger)."""
        scale = self.fit_scale()
        if scale is None:
            self.resetTransform()
            self.centerOn(0, 0)
            return
        self.set_scale(min(MAX_FIT_SCALE, scale))
        self.centerOn(self.canvas_scene.nodes_rect().center())

    def initial_view(self) -> None:
        """The view a model opens with: all of it if that is readable, else its inputs' end at a readable scale.

        A graph that fits at style.GLANCE_SCALE or more is fitted: every card readable in full, or at
        least its type and output shape (the summary face). A bigger one is shown at style.READABLE_SCALE
        from its left edge (where the inputs are), centred on the part in view, or on the inputs when
        that part is taller than the view; Zoom to Fit shows the whole.
        """
        scale = self.fit_scale()
        if scale is None or scale >= style.GLANCE_SCALE:
            self.zoom_to_fit()
            return
        scale = style.READABLE_SCALE
        self.set_scale(scale)
        vp = self.viewport().rect()
        half_w, half_h, margin = vp.width() / (2 * scale), vp.height() / (2 * scale), FIT_MARGIN / scale
        rect = self.canvas_scene.nodes_rect()
        left = rect.left() - margin
        in_view = QRectF(left, rect.top(), 2 * half_w, rect.height())
        part, inputs = QRectF(), []
        for node_id, item in self.canvas_scene.nodes.items():
            card = item.sceneBoundingRect()
            if card.intersects(in_view):
                part = part.united(card)
                if self.document.node_type(node_id) == "Input":
                    inputs.append(card.center().y())
        if part.height() <= 2 * (half_h - margin) or not inputs:
            y = part.center().y()
        else:
            y = sum(inputs) / len(inputs)
            y = min(max(y, part.top() + half_h - margin), part.bottom() - half_h + margin)
        self.centerOn(left + half_w, y)

    def center_on(self, node_id: str) -> None:
        item = self.canvas_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # pick the level of detail for this scale before anything is drawn
        self.canvas_scene.set_overview(self.scale_factor() < style.LOD_OVERVIEW)
        super().paintEvent(event)

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
        self._press_positions = {}
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.document, moves))

    # -- keyboard ---------------------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Tab:
            self.open_quick_add()  # Tab would move the focus; on the canvas it adds a layer
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self.setInteractive(False)
            return
        if key == Qt.Key.Key_Escape:
            if self.wiring.active:
                self.wiring.cancel()
            else:
                self.canvas_scene.clearSelection()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
            return
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if key in arrows and self.selected_ids():
            step = style.GRID * (5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            self.nudge(arrows[key][0] * step, arrows[key][1] * step)
            return
        # Standard shortcuts, for when no window action claims them first.
        for sequence, action in ((QKeySequence.StandardKey.SelectAll, self.select_all),
                                 (QKeySequence.StandardKey.Copy, self.copy),
                                 (QKeySequence.StandardKey.Cut, self.cut),
                                 (QKeySequence.StandardKey.Paste, self.paste),
                                 (QKeySequence.StandardKey.Undo, self.undo_stack.undo),
                                 (QKeySequence.StandardKey.Redo, self.undo_stack.redo)):
            if event.matches(sequence):
                action()
                return
        if key == Qt.Key.Key_D and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.duplicate()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._space_held:
            self._space_held = False
            self.setInteractive(True)
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        if self._space_held:  # a Space released elsewhere must not leave the canvas stuck in pan mode
            self._space_held = False
            self.setInteractive(True)
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        super().focusOutEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        """Right-click: the edits that apply where the click was."""
        scene_pos = self.mapToScene(event.pos())
        item = self.canvas_scene.node_item_at(scene_pos)
        if item is not None and not item.isSelected():
            self.select_nodes([item.node_id])
        menu = QMenu(self)
        has_selection = bool(self.selected_ids() or self.selected_edges())
        if item is None:
            self._quick_add_pos = scene_pos
            global_pos = event.globalPos()
            menu.addAction("Add Layer…", lambda: self.quick_add.open_at(global_pos))
            menu.addSeparator()
        for text, slot, enabled in (("Cut", self.cut, bool(self.selected_ids())),
                                    ("Copy", self.copy, bool(self.selected_ids())),
                                    ("Paste", self.paste, clipboard.from_mime(
                                        QGuiApplication.clipboard().mimeData()) is not None),
                                    ("Duplicate", self.duplicate, bool(self.selected_ids())),
                                    ("Delete", self.delete_selected, has_selection)):
            menu.addAction(text, slot).setEnabled(enabled)
        menu.addSeparator()
        menu.addAction("Select All", self.select_all)
        menu.addAction("Auto-layout", self.auto_layout)
        menu.addAction("Zoom to Fit", self.zoom_to_fit)
        menu.exec(event.globalPos())

    # -- adding nodes ---------------------------------------------------------------------------
    def add_node_at(self, type_name: str, scene_pos: QPointF) -> str | None:
        """Add a layer of `type_name` (with its key parameters only) with its header under `scene_pos`."""
        spec = catalog.get(type_name)
        if spec is None:
            return None
        params = spec.initial_params()  # every argument Keras requires; Keras's own defaults do the rest
        x = scene_pos.x() - style.NODE_WIDTH / 2
        y = scene_pos.y() - style.HEADER_HEIGHT / 2
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

    # -- editing the selection ---------------------------------------------------------------
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        doomed = set(ids)
        edges = [e for e in self.selected_edges() if e.source not in doomed and e.target not in doomed]
        if not ids and not edges:
            return
        if ids and edges:
            self.undo_stack.beginMacro(f"Delete {len(ids)} node(s) and {len(edges)} connection(s)")
            self.undo_stack.push(RemoveEdgesCommand(self.document, edges))
            self.undo_stack.push(RemoveNodesCommand(self.document, ids))
            self.undo_stack.endMacro()
        elif ids:
            self.undo_stack.push(RemoveNodesCommand(self.document, ids))
        else:
            self.undo_stack.push(RemoveEdgesCommand(self.document, edges))

    def nudge(self, dx: float, dy: float) -> None:
        moves = {}
        for node_id in self.selected_ids():
            item = self.canvas_scene.nodes[node_id]
            old = self.document.position(node_id)
            moves[node_id] = (old, (item.pos().x() + dx, item.pos().y() + dy))
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.document, moves))

    def copy(self) -> None:
        ids = self.selected_ids()
        if ids:
            QGuiApplication.clipboard().setMimeData(clipboard.to_mime(*clipboard.selection(self.document, ids)))
            self._paste_count = 0

    def cut(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.copy()
        command = RemoveNodesCommand(self.document, ids)
        command.setText(command.text().replace("Delete", "Cut", 1))
        self.undo_stack.push(command)
        self._paste_count = -1  # the first paste goes where the nodes were

    def paste(self) -> list[str]:
        payload = clipboard.from_mime(QGuiApplication.clipboard().mimeData())
        if payload is None:
            return []
        self._paste_count += 1
        offset = PASTE_OFFSET * self._paste_count
        return self._paste(*payload, offset=(offset, offset))

    def duplicate(self) -> list[str]:
        ids = self.selected_ids()
        if not ids:
            return []
        nodes, edges = clipboard.selection(self.document, ids)
        command_ids = self._paste(nodes, edges, offset=(PASTE_OFFSET, PASTE_OFFSET), text="Duplicate")
        return command_ids

    def _paste(self, nodes, edges, offset, text: str | None = None) -> list[str]:
        command = PasteCommand(self.document, nodes, edges, offset=offset)
        if text:
            command.setText(command.text().replace("Paste", text, 1))
        self.undo_stack.push(command)
        self.select_nodes(command.new_ids)
        return command.new_ids

    # -- layout --------------------------------------------------------------------------------
    def set_snap_to_grid(self, on: bool) -> None:
        self.canvas_scene.snap_to_grid = bool(on)

    def layout_positions(self) -> dict[str, tuple[float, float]]:
        """Where Auto Layout would put every card (top-left corners, for the sizes they are drawn at)."""
        labels: dict[str, str] = {}
        for edge, item in self.canvas_scene.edges.items():  # each node's longest label, as drawn now
            if item.label != PENDING_TEXT and len(item.label) > len(labels.get(edge.source, "")):
                labels[edge.source] = item.label
        metrics = style.metrics("label")
        return layout_positions(self.document, self.canvas_scene.node_sizes(), labels, metrics.horizontalAdvance)

    def auto_layout(self) -> None:
        """Lay the graph out left to right (one undo step), keeping it where it was on the canvas."""
        if not len(self.document):
            return
        positions = self.layout_positions()
        before = self.canvas_scene.nodes_rect()
        after = QRectF()
        for node_id, (x, y) in positions.items():
            after = after.united(self.canvas_scene.nodes[node_id].sceneBoundingRect().translated(
                x - self.canvas_scene.nodes[node_id].x(), y - self.canvas_scene.nodes[node_id].y()))
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
        self.canvas_scene.close()
