"""Dragging wires between ports, with Keras's verdict on every port the wire could reach.

A drag starts on a port (or a collapsed group's card port: it stands for
an inner node's port, and a wire dropped on it goes there). From an output, the wire looks for input ports;
from a free input, it looks for outputs; from a connected input, it picks
the existing wire up (drop it elsewhere to re-route, or on empty canvas to
remove it). Wires that cannot exist (a cycle, a layer feeding itself, the same
wire twice) are refused outright. Every other candidate is asked of the
CheckService, whose check engine tries the wire on the target layer in Keras:
incompatible ports dim and say why, and a wire to one of them can still be
made (the canvas then shows it red), because the fix may be a parameter.
"""

from __future__ import annotations

import networkx as nx
from PySide6.QtCore import QLineF, QObject, QPoint, QPointF

from layerlab.core.document import Edge
from layerlab.core.verdicts import Verdict, describe_shape
from layerlab.gui.canvas.edge_item import NoteItem, WireItem
from layerlab.gui.canvas.port_item import BAD, GOOD, INPUT, NEUTRAL, OUTPUT, UNKNOWN, PortItem
from layerlab.gui.commands import AddEdgeCommand, RemoveEdgesCommand

SNAP_PIXELS = 22.0  # how close (on screen) the cursor must come to a port to land on it
NOTE_MARGIN = 6  # pixels kept between the verdict note and the canvas's visible edge


class WiringController(QObject):
    """Runs one wire drag at a time for a CanvasView."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.scene = view.canvas_scene
        self.document = view.document
        self.undo_stack = view.undo_stack
        self.check_service = view.check_service
        self.fixed: PortItem | None = None  # the port the drag started from (after a pick-up: the source's)
        self.lifted: Edge | None = None  # an existing wire being re-routed
        self.candidates: dict[Edge, PortItem] = {}
        self.verdicts: dict[PortItem, Verdict] = {}
        self.refused: dict[PortItem, str] = {}
        self.hover: PortItem | None = None
        self.wire: WireItem | None = None
        self.note = NoteItem()
        self._generation = 0
        self._last_pos = QPointF()
        self.scene.addItem(self.note)
        if self.check_service is not None:
            self.check_service.probeReady.connect(self._on_probe)

    @property
    def active(self) -> bool:
        return self.fixed is not None

    # -- the drag ---------------------------------------------------------------------
    def begin(self, port: PortItem, pos: QPointF) -> None:
        self.cancel()
        lifted = None
        if port.kind == INPUT and port.connected:
            feeding = [e for e in self.document.in_edges(port.node_id) if e.port == port.index]
            if feeding:
                lifted = feeding[0]
                port = self.scene.nodes[lifted.source].outputs[lifted.source_port]
        self.fixed, self.lifted = port, lifted
        if lifted is not None and lifted in self.scene.edges:
            self.scene.edges[lifted].hide()
        self.wire = WireItem(self.scene.group_layer.anchor(port), from_output=port.kind == OUTPUT)
        self.scene.addItem(self.wire)
        self._find_candidates()
        self._probe(pos)
        self.move(pos)

    def move(self, pos: QPointF) -> None:
        if not self.active:
            return
        self._last_pos = QPointF(pos)
        port = self._port_at(pos)
        if port is not self.hover:
            if self.hover is not None:
                self.hover.set_hovered(False)
            self.hover = port
            if port is not None:
                port.set_hovered(True)
                if port not in self.verdicts and port not in self.refused:
                    self._probe(pos, first=port)
        self.wire.set_end(self.scene.group_layer.anchor(port) if port is not None else pos)
        self._show_note()

    def finish(self, pos: QPointF) -> None:
        if not self.active:
            return
        port = self._port_at(pos)
        lifted = self.lifted
        edge = self._edge_for(port) if port is not None else None
        refused = port in self.refused
        self.cancel()
        if edge is not None and not refused:
            if edge == lifted:
                return  # dropped back where it was
            replaced = [e for e in self.document.in_edges(edge.target) if e.port == edge.port and e != lifted]
            if lifted is not None:
                replaced.append(lifted)
            self._push_connect(edge, replaced)
        elif lifted is not None and port is None:
            self.undo_stack.push(RemoveEdgesCommand(self.document, [lifted]))

    def cancel(self) -> None:
        """End the drag without changing anything."""
        if self.check_service is not None and self.fixed is not None:
            self.check_service.cancel_probe()
        self._generation = -1
        if self.lifted is not None and self.lifted in self.scene.edges:
            self.scene.edges[self.lifted].show()
        for port in list(self.candidates.values()):
            port.set_verdict(NEUTRAL)
        if self.hover is not None:
            self.hover.set_hovered(False)
        if self.wire is not None:
            self.scene.removeItem(self.wire)
        self.note.hide()
        self.fixed = self.lifted = self.hover = self.wire = None
        self.candidates, self.verdicts, self.refused = {}, {}, {}

    # -- candidates and verdicts ----------------------------------------------------------
    def _edge_for(self, port: PortItem) -> Edge | None:
        """The wire that dropping on `port` would make, or None if `port` is not a candidate."""
        fixed = self.fixed
        if fixed.kind == OUTPUT and port.kind == INPUT:
            edge = Edge(fixed.node_id, port.node_id, port.index, fixed.index)
        elif fixed.kind == INPUT and port.kind == OUTPUT:
            edge = Edge(port.node_id, fixed.node_id, fixed.index, port.index)
        else:
            return None
        return edge if self.candidates.get(edge) is port else None

    def _find_candidates(self) -> None:
        """Every port the wire could land on, with structural refusals decided here (no Keras needed)."""
        doc, fixed = self.document, self.fixed
        graph = doc.graph
        if fixed.kind == OUTPUT:
            upstream = nx.ancestors(graph, fixed.node_id) | {fixed.node_id}
            for node_id, item in self.scene.nodes.items():
                for port in item.inputs:
                    edge = Edge(fixed.node_id, node_id, port.index, fixed.index)
                    self.candidates[edge] = port
                    if node_id == fixed.node_id:
                        self.refused[port] = "A layer cannot feed itself."
                    elif node_id in upstream:
                        self.refused[port] = f"This wire would make a cycle: {node_id} already feeds {fixed.node_id}."
                    elif doc.has_edge(edge) and edge != self.lifted:
                        self.refused[port] = "These ports are already connected."
        else:
            downstream = nx.descendants(graph, fixed.node_id) | {fixed.node_id}
            for node_id, item in self.scene.nodes.items():
                for port in item.outputs:
                    edge = Edge(node_id, fixed.node_id, fixed.index, port.index)
                    self.candidates[edge] = port
                    if node_id == fixed.node_id:
                        self.refused[port] = "A layer cannot feed itself."
                    elif node_id in downstream:
                        self.refused[port] = f"This wire would make a cycle: {fixed.node_id} already feeds {node_id}."
                    elif doc.has_edge(edge):
                        self.refused[port] = "These ports are already connected."
        for port, message in self.refused.items():
            port.set_verdict(BAD, message)
        for port in self.candidates.values():
            if port not in self.refused:
                port.set_verdict(UNKNOWN)

    def _probe(self, pos: QPointF, first: PortItem | None = None) -> None:
        """Ask the worker about the candidates not yet answered, nearest first."""
        if self.check_service is None:
            return
        todo = [(e, p) for e, p in self.candidates.items() if p not in self.refused and p not in self.verdicts]
        todo.sort(key=lambda ep: (ep[1] is not first, QLineF(ep[1].scenePos(), pos).length()))
        self._generation = self.check_service.probe([e for e, _p in todo])

    def _on_probe(self, generation: int, verdicts: dict) -> None:
        if generation != self._generation or not self.active:
            return
        for edge, verdict in verdicts.items():
            port = self.candidates.get(edge)
            if port is None or port in self.refused:
                continue
            self.verdicts[port] = verdict
            port.set_verdict(GOOD if verdict.ok else (BAD if verdict.ok is False else UNKNOWN), verdict.message)
        if self.hover is not None:
            self._show_note()

    def verdict_for(self, port: PortItem) -> tuple[str, str]:
        """(GOOD/BAD/UNKNOWN, message) for a candidate port during a drag."""
        if port in self.refused:
            return BAD, self.refused[port]
        verdict = self.verdicts.get(port)
        if verdict is None:
            return UNKNOWN, ""
        return (GOOD if verdict.ok else BAD if verdict.ok is False else UNKNOWN), verdict.message

    # -- helpers ---------------------------------------------------------------------------
    def _port_at(self, pos: QPointF) -> PortItem | None:
        scale = max(self.view.transform().m11(), 0.05)
        for port in self.scene.ports_near(pos, SNAP_PIXELS / scale):
            if self._edge_for(port) is not None:
                return port
        for port in self.scene.group_layer.inner_ports_near(pos, SNAP_PIXELS / scale):  # a collapsed group's card
            if self._edge_for(port) is not None:
                return port
        return None

    def _show_note(self) -> None:
        port = self.hover
        if port is None:
            self.note.hide()
            self.wire.set_state("neutral")
            return
        state, message = self.verdict_for(port)
        where = f"{port.node_id} · {port.name}"
        if state == GOOD:
            text = f"✓ {where}\nOutput would be {describe_shape(self.verdicts[port].shape)}"
        elif state == BAD:
            text = f"✗ {where}\n{message}" + ("" if port in self.refused else "\n(You can still connect, then fix it.)")
        else:
            text = f"{where}\n{message or 'Checking with Keras…'}"
        edge = self._edge_for(port)
        taken = [e for e in self.document.in_edges(edge.target) if e.port == edge.port and e != self.lifted] \
            if edge is not None else []
        if taken and state != BAD:
            text += f"\nReplaces the wire from {taken[0].source}."
        self.note.set_text(text, "good" if state == GOOD else "bad" if state == BAD else "neutral")
        self._place_note()
        self.wire.set_state("good" if state == GOOD else "bad" if state == BAD else "neutral")

    def _place_note(self) -> None:
        """Below right of the cursor; flipped or pushed inside when the visible canvas would cut it."""
        view, note = self.view, self.note
        box = note.box()  # in pixels, from the cursor (the note ignores the zoom)
        area = view.viewport().rect().adjusted(NOTE_MARGIN, NOTE_MARGIN, -NOTE_MARGIN, -NOTE_MARGIN)
        cursor = view.mapFromScene(self._last_pos)
        x, y = cursor.x() + box.left(), cursor.y() + box.top()
        if x + box.width() > area.right():
            x = cursor.x() - box.left() - box.width()  # to the left of the cursor instead
        if y + box.height() > area.bottom():
            y = cursor.y() - box.top() - box.height()  # above it
        x = max(area.left(), min(x, area.right() - box.width()))
        y = max(area.top(), min(y, area.bottom() - box.height()))
        note.setPos(view.mapToScene(QPoint(round(x - box.left()), round(y - box.top()))))

    def _push_connect(self, edge: Edge, replaced: list[Edge]) -> None:
        if not replaced:
            self.undo_stack.push(AddEdgeCommand(self.document, edge))
            return
        self.undo_stack.beginMacro(f"Connect {edge.source} → {edge.target}")
        self.undo_stack.push(RemoveEdgesCommand(self.document, replaced))
        self.undo_stack.push(AddEdgeCommand(self.document, edge))
        self.undo_stack.endMacro()
