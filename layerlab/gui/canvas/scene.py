"""The canvas scene: graphics items that mirror the graph document through its change notifications.

The scene keeps a map {node id: NodeItem} and {Edge: EdgeItem} (Orange's
CanvasScene habit) and never writes the document: edits go through undo
commands, and the scene redraws when the document tells it what changed.
"""

from __future__ import annotations

from collections import defaultdict

import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from layerlab.core.document import (
    EDGE_ADDED,
    EDGE_REMOVED,
    NODE_ADDED,
    NODE_CHANGED,
    NODE_MOVED,
    NODE_REMOVED,
    RESET,
    Change,
    Edge,
    GraphDocument,
)
from layerlab.core.errors import ABOUT_WIRES
from layerlab.core.layout_fit import flow as drawn_flow
from layerlab.core.layout_fit import resolve_direction
from layerlab.core.shapes import CheckReport, format_shape
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.edge_item import EdgeItem, ShareLinkItem
from layerlab.gui.canvas.group_layer import GroupLayer
from layerlab.gui.canvas.node_item import PENDING_TEXT, NodeItem
from layerlab.gui.canvas.overview import OverviewItem
from layerlab.gui.canvas.port_item import PortItem

SCENE_EXTENT = 100_000.0
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_CELL = 200.0  # width of a column of the cards' grid index


class CanvasScene(QGraphicsScene):
    """Items for every node, edge and shared layer of `document`, kept in step with it."""

    reportApplied = Signal()  # noqa: N815 - Qt naming
    groupToggleRequested = Signal(str)  # noqa: N815 - a double-click on a group's card or frame

    def __init__(self, document: GraphDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.share_links: dict[str, ShareLinkItem] = {}  # sharer id -> link
        self.snap_to_grid = False
        self.direction = "auto"  # the View › Layout Direction setting (the view sets it): see update_flow
        self.flow = "right"  # "right" or "down": which sides of the cards the ports are on
        self.wiring = None  # the view's WiringController (ports call it)
        self.report: CheckReport | None = None
        self._errors: dict[str, list[str]] = {}
        self._warnings: dict[str, list[str]] = {}
        self.setSceneRect(-SCENE_EXTENT, -SCENE_EXTENT, 2 * SCENE_EXTENT, 2 * SCENE_EXTENT)
        self._sharers: set[str] = set()  # nodes that call another node's layer
        self._owners: dict[str, tuple[str, ...]] = {}  # owner id -> the nodes that call its layer again
        self._roles_pending = False
        self._reroute_pending = False
        self._card_grid: dict | None = None  # cell -> {node id: (card rect, item)}: see cards_in
        self._card_cells: dict[str, range] = {}
        self.overview = OverviewItem(self)
        self.overview_mode = False
        self.addItem(self.overview)
        self.group_layer = GroupLayer(self)
        self._unsubscribe = document.subscribe(self._on_change)
        theme.notifier().changed.connect(self._on_theme_changed)
        self.selectionChanged.connect(self._on_selection_changed)
        self._rebuild()

    def close(self) -> None:
        """Stop listening to the document (the scene is being thrown away)."""
        self._unsubscribe()

    def _on_theme_changed(self) -> None:
        if shiboken6.isValid(self.overview):
            self.overview.invalidate()
            self.update()

    def _on_selection_changed(self) -> None:
        if shiboken6.isValid(self.overview):  # not while the scene is being torn down
            self.overview.invalidate()

    def set_overview(self, on: bool) -> None:
        """Switch the far-away level of detail on or off (the view does, from its scale)."""
        if on == self.overview_mode:
            return
        self.overview_mode = on
        flag = _NO_CONTENTS
        for item in self.nodes.values():
            item.setFlag(flag, on)
        for item in self.edges.values():
            item.setFlag(flag, on)
        for item in self.share_links.values():
            item.setFlag(flag, on)
        for item in self.group_layer.cards.values():
            item.setFlag(flag, on)
        self.overview.invalidate()
        self.overview.setVisible(on)

    # -- mirroring the document ----------------------------------------------------
    def _on_change(self, change: Change) -> None:
        self.overview.invalidate()
        kind = change.kind
        if kind == NODE_MOVED:
            self._place(self.nodes[change.node])
            self._schedule_reroute()
        elif kind == NODE_CHANGED:
            item = self.nodes[change.node]
            item.sync(self.document, self._owners.get(change.node, ()))
        elif kind == NODE_ADDED:
            self._add_node(change.node)
            if self.document.shares(change.node) is not None:
                self._sharers.add(change.node)
            self._refresh_shares()
            self._schedule_roles()
        elif kind == NODE_REMOVED:
            if self.wiring is not None:
                self.wiring.cancel()
            item = self.nodes.pop(change.node)
            self.removeItem(item)
            self._grid_remove(change.node)
            self._sharers.discard(change.node)
            self._refresh_shares()
            self._schedule_roles()
        elif kind == EDGE_ADDED:
            self._add_edge(change.edge)
            self._after_edge_change(change.edge)
        elif kind == EDGE_REMOVED:
            item = self.edges.pop(change.edge)
            item.source_item.edge_items.discard(item)
            item.target_item.edge_items.discard(item)
            self.removeItem(item)
            self._after_edge_change(change.edge)
        else:  # RESET, or a group changed
            if kind == RESET:
                self._rebuild()
        self.group_layer.on_change(change)

    def _rebuild(self) -> None:
        if self.wiring is not None:
            self.wiring.cancel()
        for item in list(self.nodes.values()) + list(self.edges.values()) + list(self.share_links.values()):
            self.removeItem(item)
        self.nodes.clear()
        self.edges.clear()
        self.share_links.clear()
        self._card_grid = None
        self._roles_pending = False
        self._reroute_pending = False
        self._sharers = {n for n in self.document.node_ids() if self.document.shares(n) is not None}
        self._owners = self._owner_map()
        self.flow = self.wanted_flow()
        roles = self._roles()
        for node_id in self.document.node_ids():  # ports come from the document, so nodes first ...
            self._add_node(node_id, roles.get(node_id, ""))
        for edge in self.document.edges():  # ... then wires, each laid out once
            self._add_edge(edge)
        for item in self.edges.values():
            item.relabel()  # now that every wire is there, fan-outs share one label
        self._refresh_shares()
        self.group_layer.refresh()

    # -- which way the drawing flows ------------------------------------------------------
    def wanted_flow(self) -> str:
        """"down" or "right": the setting's, or for "auto" the way the wires run as the nodes are placed."""
        direction = resolve_direction(self.direction)
        if direction == "auto":
            return drawn_flow(self.document)
        return "down" if direction == "top-to-bottom" else "right"

    def update_flow(self) -> None:
        """Move the ports to the cards' top and bottom (flowing down) or their sides, if that changed."""
        flow = self.wanted_flow()
        if flow == self.flow:
            return
        self.flow = flow
        for item in self.nodes.values():
            item.flow = flow
            item._layout()
        self.group_layer.set_flow(flow)
        for item in self.edges.values():
            item.adjust()
            item.relabel()

    def _add_node(self, node_id: str, role: str | None = None) -> NodeItem:
        item = NodeItem(node_id)
        item.flow = self.flow
        item.setFlag(_NO_CONTENTS, self.overview_mode)
        self.nodes[node_id] = item
        if role is not None:
            item.role = role
        item.sync(self.document, self._owners.get(node_id, ()), layout=False)
        self._apply_node(item)  # lays the face out
        self._place(item)
        self.addItem(item)
        self.card_changed(item)
        return item

    def _place(self, item: NodeItem) -> None:
        pos = self.document.position(item.node_id)
        if pos is None:  # not placed yet: show it after the others, in node order
            i = self.document.index(item.node_id)
            pos = ((i % 6) * 240.0, (i // 6) * 160.0)
        item.syncing = True
        try:
            item.setPos(QPointF(*pos))
        finally:
            item.syncing = False

    def _add_edge(self, edge: Edge) -> EdgeItem:
        src, dst = self.nodes[edge.source], self.nodes[edge.target]
        item = EdgeItem(edge, src, dst)
        item.setFlag(_NO_CONTENTS, self.overview_mode)
        self.edges[edge] = item
        src.edge_items.add(item)
        dst.edge_items.add(item)
        self.addItem(item)
        item.adjust()  # now that it is in the scene, around the cards in its way
        self._apply_edge(item)
        return item

    def _after_edge_change(self, edge: Edge) -> None:
        for node_id in (edge.source, edge.target):
            item = self.nodes.get(node_id)
            if item is not None:
                item.sync(self.document, self._owners.get(node_id, ()))
        source = self.nodes.get(edge.source)
        if source is not None:  # the wires carrying the same tensor share one label
            for sibling in source.edge_items:
                if isinstance(sibling, EdgeItem) and sibling.edge[::3] == edge[::3]:  # (source, source_port)
                    sibling.relabel()
        self._schedule_roles()

    @property
    def routing_paused(self) -> bool:
        """True while a batch of moves goes on: wires are drawn plain until it ends, then routed once."""
        return self._reroute_pending

    def _schedule_reroute(self) -> None:
        """After moves, route the long wires again once (cards may have moved into or out of their way)."""
        if not self._reroute_pending:
            self._reroute_pending = True
            QTimer.singleShot(0, self._reroute)

    def _reroute(self) -> None:
        if not self._reroute_pending:
            return
        self._reroute_pending = False
        self.update_flow()  # the nodes were placed anew (a layout, a load): the ports may turn
        down = self.flow == "down"
        for item in list(self.edges.values()):
            p1, p2 = item.endpoints()
            span = p2.y() - p1.y() if down else p2.x() - p1.x()
            if item.unrouted or span > style.NODE_WIDTH / 2:  # room for a card in its way
                item.adjust()
        for link in self.share_links.values():
            link.adjust()

    def _schedule_roles(self) -> None:
        """Renumber the model's inputs and outputs once, after the current edit (not once per change in it)."""
        if not self._roles_pending:
            self._roles_pending = True
            QTimer.singleShot(0, self.flush)

    def flush(self) -> None:
        """Do now what waits for the end of the current edit (the input/output numbering)."""
        if self._roles_pending:
            self._roles_pending = False
            self._refresh_roles()
        self._reroute()  # (does nothing unless nodes moved)
        self.group_layer.flush()

    def _owner_map(self) -> dict[str, tuple[str, ...]]:
        """{owner: the nodes calling its layer again, in node order}, from the (few) sharers."""
        owners: dict[str, list[str]] = {}
        for node_id in self._sharers:
            owner = self.document.shares(node_id)
            if owner is not None and owner in self.document:
                owners.setdefault(owner, []).append(node_id)
        return {o: tuple(sorted(ids, key=self.document.index)) for o, ids in owners.items()}

    def shared_with(self, node_id: str) -> list[str]:
        """The other nodes that call the same Keras layer as `node_id` (its owner and the owner's sharers)."""
        owner = self.document.shares(node_id) if node_id in self.document else None
        group = [owner or node_id, *self._owners.get(owner or node_id, ())]
        return [n for n in group if n != node_id] if len(group) > 1 else []

    def _refresh_shares(self) -> None:
        owners = self._owner_map()
        if owners != self._owners:  # an owner's card says who shares its layer
            changed = {o for o in set(owners) | set(self._owners) if owners.get(o) != self._owners.get(o)}
            self._owners = owners
            for owner in changed:
                item = self.nodes.get(owner)
                if item is not None:
                    item.sync(self.document, owners.get(owner, ()))
        wanted = {}
        for node_id in self._sharers:  # only nodes that share a layer (few), not every node
            owner = self.document.shares(node_id)
            if owner is not None and owner in self.nodes:
                wanted[node_id] = owner
        for sharer in [s for s, link in self.share_links.items()
                       if wanted.get(s) != link.owner_item.node_id or link.sharer_item is not self.nodes.get(s)]:
            link = self.share_links.pop(sharer)
            link.owner_item.edge_items.discard(link)
            link.sharer_item.edge_items.discard(link)
            self.removeItem(link)
        for sharer, owner in wanted.items():
            if sharer not in self.share_links:
                link = ShareLinkItem(self.nodes[owner], self.nodes[sharer])
                link.setFlag(_NO_CONTENTS, self.overview_mode)
                self.nodes[owner].edge_items.add(link)
                self.nodes[sharer].edge_items.add(link)
                self.share_links[sharer] = link
                self.addItem(link)

    def _roles(self) -> dict[str, str]:
        """The model's inputs and outputs, numbered in their order (which is the model's)."""
        doc = self.document
        if len(doc) < 2:
            return {}
        ins, outs = doc.input_ids(), doc.output_ids()
        roles = {}
        for i, n in enumerate(outs):
            roles[n] = "output" if len(outs) == 1 else f"output {i + 1}"
        for i, n in enumerate(ins):
            roles[n] = "input" if len(ins) == 1 else f"input {i + 1}"
        return roles

    def _refresh_roles(self) -> None:
        roles = self._roles()
        for node_id, item in self.nodes.items():
            item.set_role(roles.get(node_id, ""))

    # -- check results ----------------------------------------------------------------
    def apply_report(self, report: CheckReport | None) -> None:
        """Show a check report (None: shapes pending). Only nodes whose result or problems changed are redrawn."""
        old, old_errors, old_warnings = self.report, self._errors, self._warnings
        self.report = report
        self._errors, self._warnings = defaultdict(list), defaultdict(list)
        if report is not None:
            for p in report.problems:
                if p.node is not None:
                    (self._errors if p.level == "error" else self._warnings)[p.node].append(p)
        if old is None or report is None:
            changed = set(self.nodes)
        else:
            # the checker hands back the same NodeResult object for a node it did not re-evaluate
            before = old.results
            changed = {n for n, r in report.results.items() if before.get(n) is not r}
            for n in set(old_errors) | set(self._errors) | set(old_warnings) | set(self._warnings):
                if old_errors.get(n) != self._errors.get(n) or old_warnings.get(n) != self._warnings.get(n):
                    changed.add(n)
        for node_id in changed:
            item = self.nodes.get(node_id)
            if item is None:
                continue
            self._apply_node(item)
            for edge in item.edge_items:
                if isinstance(edge, EdgeItem):
                    self._apply_edge(edge)
        self.group_layer.refresh_faces()
        self.overview.invalidate()
        self.reportApplied.emit()

    def _apply_node(self, item: NodeItem) -> None:
        result = self.report.results.get(item.node_id) if self.report is not None else None
        item.set_check(result, [p.message for p in self._errors.get(item.node_id, [])],
                       [p.message for p in self._warnings.get(item.node_id, [])], pending=result is None)

    def _apply_edge(self, item: EdgeItem) -> None:
        edge = item.edge
        result = self.report.results.get(edge.source) if self.report is not None else None
        if result is None:
            label = PENDING_TEXT
        elif result.shapes is None or edge.source_port >= len(result.shapes):
            label = "?"
        else:
            label = format_shape(result.shapes[edge.source_port])
        blame = self._wire_errors(edge.target)
        item.set_state(label, bool(blame), "\n".join(blame))

    def _wire_errors(self, node_id: str) -> list[str]:
        """The target's errors that its incoming wires may cause (not its bad params or names): by kind."""
        return [p.message for p in self._errors.get(node_id, ()) if p.kind in ABOUT_WIRES]

    # -- queries ------------------------------------------------------------------------
    def node_item_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                return item
        return None

    def ports_near(self, pos: QPointF, radius: float) -> list[PortItem]:
        """Ports within `radius` of `pos`, nearest first."""
        area = QRectF(pos.x() - radius, pos.y() - radius, 2 * radius, 2 * radius)
        ports = [i for i in self.items(area) if isinstance(i, PortItem) and i.isVisible()]  # not folded
        ports.sort(key=lambda p: QLineF(p.scenePos(), pos).length())
        return [p for p in ports if QLineF(p.scenePos(), pos).length() <= radius]

    def cards_in(self, rect: QRectF, exclude=()) -> list[QRectF]:
        """The scene rects of the cards that reach into `rect` (wires route around them), minus `exclude`.

        A grid of card columns answers, kept up to date card by card (Qt's own index sorts every answer
        by stacking order: 20 times slower for this).
        """
        if self._card_grid is None:
            self._card_grid, self._card_cells = defaultdict(dict), {}
            for item in self.nodes.values():
                self._grid_add(item)
        found: dict[str, QRectF] = {}
        for cell in range(int(rect.left() // _CELL), int(rect.right() // _CELL) + 1):
            for node_id, (card, item) in self._card_grid.get(cell, {}).items():
                if card.intersects(rect) and item not in exclude and item.isVisible():  # not folded in a group
                    found[node_id] = card
        return list(found.values())

    def card_changed(self, item: NodeItem) -> None:
        """A card moved or changed size: its place in the wires' index of cards follows."""
        if self._card_grid is not None and self.nodes.get(item.node_id) is item:
            self._grid_remove(item.node_id)
            self._grid_add(item)
        self.group_layer.schedule_geometry()  # frames follow their nodes

    def _grid_add(self, item: NodeItem) -> None:
        card = item.card_rect().translated(item.pos())
        cells = range(int(card.left() // _CELL), int(card.right() // _CELL) + 1)
        for cell in cells:
            self._card_grid[cell][item.node_id] = (card, item)
        self._card_cells[item.node_id] = cells

    def _grid_remove(self, node_id: str) -> None:
        if self._card_grid is not None:
            for cell in self._card_cells.pop(node_id, ()):
                self._card_grid[cell].pop(node_id, None)

    def node_sizes(self) -> dict[str, tuple[float, float]]:
        """{node id: (width, height)} of every card as drawn (what auto-layout spaces the columns for)."""
        return {n: (item.card_rect().width(), item.card_rect().height()) for n, item in self.nodes.items()}

    def nodes_rect(self) -> QRectF:
        """What is drawn of the graph: visible cards (a collapsed group's card, not its nodes) and frames."""
        return self.group_layer.drawn_rect()

    # -- background ----------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        """A dot grid: every grid step when there is room, every fifth step when zoomed out, none far out."""
        t = theme.current()
        painter.fillRect(rect, t.canvas)
        scale = painter.worldTransform().m11()
        spacing = style.GRID
        while spacing * scale < 14 and spacing < style.GRID * 25:
            spacing *= 5
        if spacing * scale < 14:
            return
        pen = QPen(t.grid_major, 2.0 if spacing == style.GRID else 1.5)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.SquareCap)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(pen)
        left = int(rect.left() // spacing) * spacing
        top = int(rect.top() // spacing) * spacing
        xs = []
        x = left
        while x <= rect.right():
            xs.append(x)
            x += spacing
        points = []
        y = top
        while y <= rect.bottom():
            points.extend(QPointF(x, y) for x in xs)
            y += spacing
        painter.drawPoints(points)
        painter.restore()
