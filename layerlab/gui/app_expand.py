"""Expand an application node into its layers: a collapsed, frozen `model: true` group, as one undo step.

The check engine builds the keras.applications model for the node's params and
the shape on its input wire (core/app_expand.py) and answers with the graph
fragment; `ExpandApplicationCommand` puts it where the node stood (its wires
moved to the inner entry and exit) through document methods only, and undo
puts the node back. The editor never imports TensorFlow.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from layerlab.core import catalog
from layerlab.core.catalog.entries.applications import APPLICATIONS
from layerlab.core.document import GraphDocument, Node
from layerlab.core.engine import check_messages as msg
from layerlab.core.engine.connection import EngineDied


def expandable(document: GraphDocument, node_id: str) -> bool:
    """Whether `node_id` is a keras.applications model node (its preprocess_input is not) that no node calls again."""
    spec = catalog.get(document.node_type(node_id)) if node_id in document else None
    if spec is None or spec.application not in APPLICATIONS or document.shares(node_id) is not None:
        return False
    return not any(document.shares(n) == node_id for n in document.node_ids())


class ExpandApplicationCommand(QUndoCommand):
    """Replace an application node by the fragment the engine made of it (node ids kept where they are free)."""

    def __init__(self, document: GraphDocument, node_id: str, fragment: dict, parent: QUndoCommand | None = None):
        super().__init__(f"Expand {node_id} into layers", parent)
        self.document, self.node_id = document, node_id
        self.nodes = [msg.node_from_json(n) for n in fragment["nodes"]]
        self.positions = {n["id"]: tuple(n["position"]) if n.get("position") else None for n in fragment["nodes"]}
        self.edges = [msg.edge_from_json(e) for e in fragment["edges"]]
        self.groups = _parents_first(fragment["groups"])
        self.entries = [(str(n), int(p)) for n, p in fragment["entries"]]
        self.exit = (str(fragment["exit"][0]), int(fragment["exit"][1]))
        self.model_group = str(fragment["group"])
        self.ids: dict[str, str] = {}  # fragment node id -> document id, fixed on the first redo
        self.group_ids: dict[str, str] = {}  # fragment group id -> document group id
        self.saved = None  # (Node, index, edges, group) of the application node
        self.renamed: dict[str, str] = {}  # document id -> Keras layer name, for the ids that had to change
        self.corner = (0.0, 0.0)  # the fragment's top-left: it is placed where the node was

    @property
    def group_id(self) -> str:
        """The model group that stands where the node stood."""
        return self.group_ids[self.model_group]

    def redo(self) -> None:
        doc = self.document
        outer = doc.group_of(self.node_id)
        node, index, edges = doc.remove_node(self.node_id)
        self.saved = (node, index, edges, outer)
        first = not self.ids
        if first:
            self._choose_ids(node)
        for n in self.nodes:
            doc.add_node(n.type, copy.deepcopy(n.params), self._place(n.id, node.position), node_id=self.ids[n.id],
                         group=outer)
        for e in self.edges:
            doc.add_edge(self.ids[e.source], self.ids[e.target], e.port, e.source_port)
        for g in self.groups:
            gid = g["id"]
            parent = self.group_ids[g["parent"]] if g.get("parent") else outer
            extra = {k: v for k, v in g.items() if k not in ("id", "label", "nodes", "collapsed", "model", "parent")}
            if gid == self.model_group and "application" in extra and self.renamed:
                extra["application"] = {**extra["application"], "names": dict(self.renamed)}
            members = [self.ids[n] for n in _members(self.groups, gid)]  # its inner groups take theirs next
            self.group_ids[gid] = doc.add_group(
                g.get("label", gid), members, collapsed=bool(g.get("collapsed")),
                model=bool(g.get("model")), parent=parent, group_id=None if first else self.group_ids[gid],
                extra=extra or None)
        for e in edges:  # the node's wires, moved to the inner entry and exit
            if e.target == self.node_id:
                for target, port in self.entries:
                    doc.add_edge(e.source, self.ids[target], port, e.source_port)
            else:
                doc.add_edge(self.ids[self.exit[0]], e.target, e.port, self.exit[1])

    def undo(self) -> None:
        doc = self.document
        for gid in reversed([self.group_ids[g["id"]] for g in self.groups]):
            doc.remove_group(gid)
        for n in reversed(self.nodes):
            doc.remove_node(self.ids[n.id])
        node, index, edges, outer = self.saved
        doc.add_node(node.type, node.params, node.position, node_id=node.id, index=index, group=outer)
        for e in edges:
            doc.add_edge(e.source, e.target, e.port, e.source_port)

    def _choose_ids(self, node: Node) -> None:
        """Each fragment node keeps its Keras layer name as id unless the document has it (then a suffix)."""
        doc = self.document
        taken = set(doc.node_ids())
        for n in self.nodes:
            new, i = n.id, 1
            while new in taken:
                i += 1
                new = f"{n.id}_{i}"
            taken.add(new)
            self.ids[n.id] = new
            if new != n.id:
                self.renamed[new] = n.id  # the ImageNet weights are found by the original name
        corners = [p for p in self.positions.values() if p is not None]
        self.corner = (min(x for x, _ in corners), min(y for _, y in corners)) if corners else (0.0, 0.0)

    def _place(self, fragment_id: str, at) -> tuple | None:
        pos = self.positions.get(fragment_id)
        if pos is None or at is None:
            return pos
        return (at[0] + pos[0] - self.corner[0], at[1] + pos[1] - self.corner[1])


def _members(groups: list[dict], group_id: str) -> list[str]:
    """The nodes of a fragment group, its inner groups' included."""
    out = []
    for g in groups:
        if g["id"] == group_id:
            out += list(g.get("nodes", []))
        elif g.get("parent") == group_id:
            out += _members(groups, g["id"])
    return out


def _parents_first(groups: list[dict]) -> list[dict]:
    ordered, done = [], set()
    pending = list(groups)
    while pending:
        ready = [g for g in pending if not g.get("parent") or g["parent"] in done]
        if not ready:  # a parent outside the fragment: the engine never sends one
            raise ValueError("the expanded model's groups name a parent that is not among them")
        for g in ready:
            ordered.append(g)
            done.add(g["id"])
        pending = [g for g in pending if g["id"] not in done]
    return ordered


class ApplicationExpander(QObject):
    """Asks the check engine for an application node's layers and puts them in its place.

    Signals:
        busyChanged(bool): an expansion is running.
        finished(str, bool): what happened, in words (the bool: it is an error).
    """

    busyChanged = Signal(bool)  # noqa: N815 - Qt naming
    finished = Signal(str, bool)

    def __init__(self, document: GraphDocument, undo_stack, engine, report=lambda: None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.document, self.undo_stack, self.engine = document, undo_stack, engine
        self.report = report  # () -> the latest CheckReport (the shape on the node's input wire)
        self.busy = False
        self.last: ExpandApplicationCommand | None = None
        self.request = self.expand  # install() puts the window's checks and messages around it

    def input_shape(self, node_id: str) -> list | None:
        """The shape on the node's input wire (without the batch axis), when the last check knows it."""
        edges = self.document.in_edges(node_id)
        report = self.report()
        if not edges or report is None:
            return None
        result = report.results.get(edges[0].source)
        if result is None or not result.shapes or len(result.shapes) <= edges[0].source_port:
            return None
        shape = list(result.shapes[edges[0].source_port])[1:]
        return shape if shape and all(isinstance(d, int) for d in shape) else None

    def expand(self, node_id: str) -> bool:
        """Expand `node_id` (in the background); False when it cannot start."""
        if self.busy:
            return False
        if not expandable(self.document, node_id):
            shared = node_id in self.document and (self.document.shares(node_id) is not None or any(
                self.document.shares(n) == node_id for n in self.document.node_ids()))
            self.finished.emit(f"'{node_id}' is called more than once (a shared layer): it stays one block." if shared
                               else f"'{node_id}' is not a keras.applications model: only those expand into layers.",
                               True)
            return False
        node = self.document.node(node_id)
        revision = self.document.revision
        args = {"type": node.type, "params": node.params, "input_shape": self.input_shape(node_id),
                "label": node.layer_name}
        self._set_busy(True)
        self.engine.call("expand_application", args, lambda r: self._on_fragment(node_id, revision, r),
                         self._on_failed)
        return True

    def _on_fragment(self, node_id: str, revision: int, result: dict) -> None:
        self._set_busy(False)
        if self.document.revision != revision or node_id not in self.document:
            self.finished.emit("The model changed while expanding: expand again.", True)
            return
        self.last = ExpandApplicationCommand(self.document, node_id, result)
        self.undo_stack.push(self.last)
        notes = " ".join(result.get("notes") or [])
        self.finished.emit(f"{node_id} is now a group of {len(result['nodes'])} layers (collapsed; double-click to "
                           f"open). {notes}".strip(), False)

    def _on_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        text = "The check engine stopped while expanding: try again." if isinstance(exc, EngineDied) else str(exc)
        self.finished.emit(text, True)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busyChanged.emit(busy)


def install(window) -> ApplicationExpander:
    """Give the window its expander: the inspector's button and the canvas's context menu use it."""
    expander = ApplicationExpander(window.document, window.undo_stack, window.check_service.engine,
                                   lambda: window.check_service.report, window)
    canvas = window.canvas
    canvas.app_expander = expander  # the context menu's "Expand into Layers" (canvas/context_menu.py)
    button = window.inspector.expand_button

    def expand(node_id: str) -> None:
        training = getattr(window, "training", None)
        if training is not None and training.locked:
            window.statusBar().showMessage("The model is being trained: expand it when the run has ended.", 5000)
            return
        if expander.expand(node_id):
            window.statusBar().showMessage(f"Expanding {node_id} into layers…")

    def finished(text: str, error: bool) -> None:
        window.statusBar().showMessage(text, 10_000 if error else 6000)
        command = expander.last
        if not error and command is not None and command.group_id in [g.id for g in window.document.groups()]:
            canvas.canvas_scene.flush()
            canvas.canvas_scene.clearSelection()
            card = canvas.canvas_scene.group_layer.cards.get(command.group_id)
            if card is not None:
                card.setSelected(True)

    expander.request = expand  # with the window's checks (the lock) and messages: what the menu calls
    window.inspector.expandRequested.connect(expand)
    expander.busyChanged.connect(lambda busy: button.setEnabled(not busy))
    expander.finished.connect(finished)
    return expander
