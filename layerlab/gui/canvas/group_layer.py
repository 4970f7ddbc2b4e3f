"""The scene's groups: which nodes a collapsed group hides, its card, its wires, and the frames of expanded groups.

A collapsed group that is not inside another collapsed group is drawn as one
GroupCardItem at the top-left corner of its nodes; its nodes' items are
hidden, the wires inside it too, and each wire that crosses its border is
drawn to the card's port for the inner port it still goes to (the card also
shows its nodes' free inputs and unwired outputs: wires can be dropped on
every card port, see `inner_ports_near`). An expanded
group is a GroupFrameItem around what is drawn of its nodes and nested groups.
Everything is recomputed from the document (a few groups, a few hundred
wires), coalesced to once per turn of the event loop.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QLineF, QPointF, QRectF, QTimer
from PySide6.QtWidgets import QGraphicsItem

from layerlab.core import catalog
from layerlab.core import groups as grouping
from layerlab.core.document import NODE_CHANGED, NODE_MOVED, RESET, Change
from layerlab.core.shapes import format_shape
from layerlab.gui.canvas.group_item import FRAME_PAD, FRAME_TITLE, CardFace, GroupCardItem, GroupFrameItem
from layerlab.gui.canvas.port_item import INPUT


def trainable_nodes(document, node_ids) -> list[str]:
    """The nodes with a `trainable` param of their own (not the ones calling another node's layer)."""
    out = []
    for n in node_ids:
        spec = catalog.get(document.node_type(n))
        if document.shares(n) is None and spec is not None and spec.param("trainable") is not None:
            out.append(n)
    return out


def trainable_state(document, node_ids) -> str:
    """"trainable", "frozen" or "partly frozen": the `trainable` param of the nodes that have one."""
    flags = [document.params(n).get("trainable", True) is not False for n in trainable_nodes(document, node_ids)]
    if not flags or all(flags):
        return "trainable"
    return "frozen" if not any(flags) else "partly frozen"


_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


class GroupLayer:
    """Keeps a CanvasScene's group items in step with the document's groups."""

    def __init__(self, scene):
        self.scene = scene
        self.cards: dict[str, GroupCardItem] = {}
        self.frames: dict[str, GroupFrameItem] = {}
        self.folded: dict[str, str] = {}  # node id -> the collapsed group whose card stands for it
        self.card_inputs: dict[str, list[tuple[str, int]]] = {}  # group -> [(inner node, port)], one per card port
        self.card_outputs: dict[str, list[tuple[str, int]]] = {}  # group -> [(inner node, source port)]
        self._structure_pending = False
        self._geometry_pending = False

    # -- when to work ------------------------------------------------------------------
    def on_change(self, change: Change) -> None:
        if change.kind == NODE_MOVED:
            self.schedule_geometry()
        elif change.kind == NODE_CHANGED:
            if change.node in self.folded:
                self._schedule(structure=True)
        elif change.kind == RESET:
            pass  # the scene's rebuild has refreshed everything
        else:  # a node, an edge or a group came or went
            self._schedule(structure=True)

    def schedule_geometry(self) -> None:
        if self.cards or self.frames:
            self._schedule(structure=False)

    def _schedule(self, structure: bool) -> None:
        pending = self._structure_pending or self._geometry_pending
        self._structure_pending |= structure
        self._geometry_pending = True
        if not pending:
            QTimer.singleShot(0, self.flush)

    def flush(self) -> None:
        """Do now what waits for the end of the current edit."""
        if self._structure_pending:
            self.refresh()
        elif self._geometry_pending:
            self._geometry()

    # -- what is drawn -------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute everything: hidden nodes, cards and their ports, wire ends, frames."""
        self._structure_pending = self._geometry_pending = False
        scene, doc = self.scene, self.scene.document
        groups = {g.id: g for g in doc.groups()}
        shown_cards, shown_frames, folded = [], [], {}
        for gid, g in groups.items():
            outer = grouping.ancestors(groups, gid)
            if any(groups[a].collapsed for a in outer):
                continue  # inside a collapsed group: not drawn at all
            members = doc.group_members(gid)
            if not members:
                continue
            if g.collapsed:
                shown_cards.append(gid)
                folded.update(dict.fromkeys(members, gid))
            else:
                shown_frames.append(gid)
        self.folded = folded
        for node_id, item in scene.nodes.items():
            item.setVisible(node_id not in folded)
        for sharer, link in scene.share_links.items():
            link.setVisible(link.owner_item.node_id not in folded and sharer not in folded)
        self._sync_items(self.cards, shown_cards, GroupCardItem)
        self._sync_items(self.frames, shown_frames, GroupFrameItem)
        self._wire(folded)
        for gid in shown_cards:
            self.cards[gid].set_face(self._face(gid))
        self._geometry()

    def _sync_items(self, items: dict, wanted: list[str], cls) -> None:
        scene = self.scene
        for gid in [g for g in items if g not in wanted]:
            item = items.pop(gid)
            for edge in getattr(item, "edge_items", ()):
                edge.source_anchor = edge.target_anchor = None
            scene.removeItem(item)
        for gid in wanted:
            if gid not in items:
                item = cls(gid)
                if cls is GroupCardItem:
                    item.setFlag(_NO_CONTENTS, scene.overview_mode)  # the OverviewItem draws it from afar
                    item.flow = scene.flow
                items[gid] = item
                scene.addItem(item)

    def _wire(self, folded: dict[str, str]) -> None:
        """Each wire: hidden inside a card, drawn to a card's port where it crosses its border, or as it is."""
        self.card_inputs = {g: [] for g in self.cards}
        self.card_outputs = {g: [] for g in self.cards}
        for card in self.cards.values():
            card.edge_items.clear()
        for edge, item in self.scene.edges.items():
            fs, ft = folded.get(edge.source), folded.get(edge.target)
            before = (item.source_anchor, item.target_anchor, item.isVisible())
            if fs is not None and fs == ft:
                item.source_anchor = item.target_anchor = None
                item.setVisible(False)
                continue
            item.setVisible(True)
            item.source_anchor = item.target_anchor = None
            if ft is not None:
                item.target_anchor = (self.cards[ft], _index(self.card_inputs[ft], (edge.target, edge.port)))
                self.cards[ft].edge_items.add(item)
            if fs is not None:
                item.source_anchor = (self.cards[fs], _index(self.card_outputs[fs], (edge.source, edge.source_port)))
                self.cards[fs].edge_items.add(item)
            if (item.source_anchor, item.target_anchor, True) != before:
                item.adjust()
        self._free_ports()

    def _free_ports(self) -> None:
        """A card also shows its nodes' free required inputs and unwired outputs: wires can be dropped on them."""
        doc = self.scene.document
        for gid in self.cards:
            inputs, outputs = self.card_inputs[gid], self.card_outputs[gid]
            for n in doc.group_members(gid):
                item = self.scene.nodes.get(n)
                if item is None:
                    continue
                fed = {e.port for e in doc.in_edges(n)}
                inputs.extend((n, p.index) for p in item.inputs if p.index not in fed and not p.optional)
                wired = {e.source_port for e in doc.out_edges(n)}
                outputs.extend((n, p.index) for p in item.outputs if p.index not in wired)

    def set_flow(self, flow: str) -> None:
        """The cards' ports move to their top and bottom ("down") or their sides ("right")."""
        for card in self.cards.values():
            card.prepareGeometryChange()
            card.flow = flow
            card.update()
            for edge in card.edge_items:
                edge.adjust()

    # -- wiring to a card's ports ----------------------------------------------------------
    def inner_ports_near(self, pos: QPointF, radius: float, group_id: str | None = None) -> list:
        """The (hidden) ports of folded nodes whose card ports are within `radius` of `pos`, nearest first."""
        found = []
        for gid, card in self.cards.items():
            if group_id is not None and gid != group_id:
                continue
            ins, outs = card.port_points()
            for points, keys, outgoing in ((ins, self.card_inputs.get(gid, []), False),
                                           (outs, self.card_outputs.get(gid, []), True)):
                for point, (node, index) in zip(points, keys):
                    distance = QLineF(card.mapToScene(point), pos).length()
                    item = self.scene.nodes.get(node)
                    ports = (item.outputs if outgoing else item.inputs) if item is not None else []
                    if distance <= radius and index < len(ports):
                        found.append((distance, ports[index]))
        found.sort(key=lambda t: t[0])
        return [port for _d, port in found]

    def anchor(self, port) -> QPointF:
        """Where a port is drawn: its own place, or the port of the collapsed group's card that stands for it."""
        gid = self.folded.get(port.node_id)
        if gid is None:
            return port.scenePos()
        card, key = self.cards[gid], (port.node_id, port.index)
        if port.kind == INPUT:
            keys = self.card_inputs.get(gid, [])
            return card.in_port_pos(keys.index(key)) if key in keys else card.sceneBoundingRect().center()
        keys = self.card_outputs.get(gid, [])
        return card.out_port_pos(keys.index(key)) if key in keys else card.sceneBoundingRect().center()

    def _face(self, gid: str) -> CardFace:
        doc, report = self.scene.document, self.scene.report
        group = doc.group(gid)
        members = doc.group_members(gid)

        def shape(node_id: str, port: int) -> str:
            result = report.results.get(node_id) if report is not None else None
            if result is None or result.shapes is None or port >= len(result.shapes):
                return "…" if report is None else "?"
            return format_shape(result.shapes[port])
        sources = {}
        for target, port in self.card_inputs.get(gid, []):
            for e in doc.in_edges(target):
                if e.port == port:
                    sources[(target, port)] = shape(e.source, e.source_port)
        in_shapes = tuple(sources.get(key, "free") for key in self.card_inputs.get(gid, []))  # nothing feeds it
        out_shapes = tuple(shape(n, p) for n, p in self.card_outputs.get(gid, []))
        params = None
        if report is not None:
            params = sum((report.results[n].params or 0) for n in members
                         if n in report.results and doc.shares(n) is None)
        categories = Counter((catalog.get(doc.node_type(n)) or _NO_SPEC).category for n in members)
        return CardFace(group.label, len(members), params, trainable_state(doc, members),
                        in_shapes, out_shapes, categories.most_common(1)[0][0], group.model)

    def _geometry(self) -> None:
        """Cards at their nodes' top-left corner; frames around what is drawn of their groups, innermost first."""
        self._geometry_pending = False
        scene, doc = self.scene, self.scene.document
        for gid, card in self.cards.items():
            xs, ys = [], []
            for n in doc.group_members(gid):
                item = scene.nodes.get(n)
                if item is not None:
                    xs.append(item.x())
                    ys.append(item.y())
            if xs:
                card.syncing = True
                card.setPos(QPointF(min(xs), min(ys)))
                card.syncing = False
        if not self.frames:
            self.scene.overview.invalidate()
            return
        groups = {g.id: g for g in doc.groups()}
        depth = {gid: len(grouping.ancestors(groups, gid)) for gid in self.frames}
        rects: dict[str, QRectF] = {}
        for gid in sorted(self.frames, key=lambda g: -depth[g]):
            rect = QRectF()
            for n in groups[gid].nodes:
                item = scene.nodes.get(n)
                if item is not None and item.isVisible():
                    rect = rect.united(item.card_rect().translated(item.pos()))
            for child in grouping.children(groups, gid):
                if child in rects:
                    rect = rect.united(rects[child])
                elif child in self.cards:
                    rect = rect.united(self.cards[child].card_rect().translated(self.cards[child].pos()))
            if rect.isNull():
                continue
            rect = rect.adjusted(-FRAME_PAD, -FRAME_PAD - FRAME_TITLE, FRAME_PAD, FRAME_PAD)
            rects[gid] = rect
            self.frames[gid].set_frame(rect, groups[gid].label, depth[gid])
        self.scene.overview.invalidate()

    def refresh_faces(self) -> None:
        """A new check report: the cards' shapes and counts."""
        for gid, card in self.cards.items():
            card.set_face(self._face(gid))

    # -- questions ---------------------------------------------------------------------------
    def item_for(self, node_id: str):
        """What is drawn for a node: its own item, or the card of the collapsed group that holds it."""
        gid = self.folded.get(node_id)
        return self.cards[gid] if gid is not None else self.scene.nodes.get(node_id)

    def rect_at(self, positions: dict) -> QRectF:
        """What `drawn_rect` would be with the nodes at `positions` (a collapsed group at its nodes' corner)."""
        rect, corners = QRectF(), {}
        for n, (x, y) in positions.items():
            item = self.scene.nodes.get(n)
            gid = self.folded.get(n)
            if gid is not None:
                cx, cy = corners.get(gid, (x, y))
                corners[gid] = (min(cx, x), min(cy, y))
            elif item is not None:
                rect = rect.united(item.card_rect().translated(x, y))
        for gid, (x, y) in corners.items():
            rect = rect.united(self.cards[gid].card_rect().translated(x, y))
        return rect

    def drawn_rect(self) -> QRectF:
        """The scene rect of everything drawn: visible nodes, cards and frames."""
        rect = QRectF()
        for item in self.scene.nodes.values():
            if item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        for card in self.cards.values():
            rect = rect.united(card.sceneBoundingRect())
        for frame in self.frames.values():
            rect = rect.united(frame.frame_rect())
        return rect


class _NoSpec:
    category = None


_NO_SPEC = _NoSpec()


def _index(ports: list, key) -> int:
    if key not in ports:
        ports.append(key)
    return ports.index(key)
