"""The graph document: a networkx graph of layer nodes, with change notifications.

This is the single source of truth for a model's structure. Views subscribe
to it and redraw; editors call its methods (through undo commands in the GUI).
Node ids are stable strings. Node order is kept: it decides the order of the
model's inputs and outputs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx


class Edge(NamedTuple):
    """A wire from one output of `source` into input slot `port` of `target`."""

    source: str
    target: str
    port: int = 0
    source_port: int = 0


@dataclass(frozen=True)
class Node:
    """A read-only view of one node: its Keras class, constructor params and position."""

    id: str
    type: str
    params: dict
    position: tuple[float, float] | None = None
    shares: str | None = None  # another node whose Keras layer this node calls again (a shared layer)

    @property
    def layer_name(self) -> str:
        """The Keras layer name: `params.name` if given, else the node id, made safe for Keras (core.names)."""
        from layerlab.core.names import keras_name

        return keras_name(self.params.get("name") or self.id)


@dataclass(frozen=True)
class Change:
    """One change notification. `kind` is one of the ``*_CHANGED`` names below."""

    kind: str
    node: str | None = None
    edge: Edge | None = None


NODE_ADDED = "node_added"
NODE_REMOVED = "node_removed"
NODE_CHANGED = "node_changed"  # params or type
NODE_MOVED = "node_moved"
EDGE_ADDED = "edge_added"
EDGE_REMOVED = "edge_removed"
RESET = "reset"  # everything changed (load, clear, a node renamed: ids are every view's keys)

# The one rule for node ids (new ones, renames): letters, digits, '_', '.' and '-'.
_ID_CHARS = r"A-Za-z0-9_.\-"
_VALID_ID = re.compile(f"[{_ID_CHARS}]+")
_NOT_ID = re.compile(f"[^{_ID_CHARS}]+")


class GraphDocument:
    """A mutable graph of layer nodes; every mutation notifies subscribers."""

    def __init__(self) -> None:
        self._graph = nx.MultiDiGraph()
        self._order: list[str] = []
        self._listeners: list[Callable[[Change], None]] = []
        self.revision = 0  # bumped on every structural or parameter change

    # -- notifications -------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        """Call `listener(change)` after every change; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, change: Change) -> None:
        if change.kind != NODE_MOVED:
            self.revision += 1
        for listener in list(self._listeners):
            listener(change)

    # -- reading -------------------------------------------------------
    @property
    def graph(self) -> nx.MultiDiGraph:
        """The underlying networkx graph. Read it; never mutate it directly."""
        return self._graph

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._graph

    def __len__(self) -> int:
        return len(self._order)

    def node_ids(self) -> list[str]:
        return list(self._order)

    def node(self, node_id: str) -> Node:
        data = self._graph.nodes[node_id]
        return Node(node_id, data["type"], copy.deepcopy(data["params"]), data.get("position"), data.get("shares"))

    def nodes(self) -> list[Node]:
        return [self.node(n) for n in self._order]

    def shares(self, node_id: str) -> str | None:
        """The node whose layer this node reuses, or None."""
        return self._graph.nodes[node_id].get("shares")

    def node_type(self, node_id: str) -> str:
        return self._graph.nodes[node_id]["type"]

    def params(self, node_id: str) -> dict:
        """A copy of the node's params."""
        return copy.deepcopy(self._graph.nodes[node_id]["params"])

    def position(self, node_id: str) -> tuple[float, float] | None:
        return self._graph.nodes[node_id].get("position")

    def index(self, node_id: str) -> int:
        return self._order.index(node_id)

    def edges(self) -> list[Edge]:
        """All edges, grouped by target in node order, then by port."""
        out = []
        for n in self._order:
            out.extend(self.in_edges(n))
        return out

    def in_edges(self, node_id: str) -> list[Edge]:
        es = [Edge(u, v, k[0], k[1]) for u, v, k in self._graph.in_edges(node_id, keys=True)]
        return sorted(es, key=lambda e: (e.port, self._order.index(e.source), e.source_port))

    def out_edges(self, node_id: str) -> list[Edge]:
        return [Edge(u, v, k[0], k[1]) for u, v, k in self._graph.out_edges(node_id, keys=True)]

    def has_edge(self, edge: Edge) -> bool:
        return self._graph.has_edge(edge.source, edge.target, key=(edge.port, edge.source_port))

    def input_ids(self) -> list[str]:
        """Model inputs: the Input nodes, in node order."""
        return [n for n in self._order if self.node_type(n) == "Input"]

    def output_ids(self) -> list[str]:
        """Model outputs: the nodes with no outgoing edge, in node order."""
        return [n for n in self._order if self._graph.out_degree(n) == 0]

    def new_id(self, base: str) -> str:
        """A fresh node id derived from `base` (e.g. a layer type), unique in this document."""
        stem = _NOT_ID.sub("_", re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", base)).lower().strip("_") or "node"
        i = 1
        while f"{stem}_{i}" in self._graph:
            i += 1
        return f"{stem}_{i}"

    def id_problem(self, new: str, old: str | None = None) -> str | None:
        """Why `new` cannot be a node id here (replacing `old`, if given), or None."""
        if not new:
            return "A node id cannot be empty."
        if not _VALID_ID.fullmatch(new):
            return "A node id may hold letters, digits, '_', '.' and '-' only."
        if new != old and new in self._graph:
            return f"Another node already has the id '{new}'."
        return None

    # -- writing -------------------------------------------------------
    def add_node(self, type_name: str, params: dict | None = None, position: Iterable[float] | None = None,
                 node_id: str | None = None, index: int | None = None, shares: str | None = None) -> str:
        """Add a node and return its id; `index` restores a place in the node order (undo)."""
        node_id = node_id or self.new_id(type_name)
        if node_id in self._graph:
            raise ValueError(f"a node with id {node_id!r} already exists")
        pos = tuple(float(v) for v in position) if position is not None else None
        self._graph.add_node(node_id, type=type_name, params=copy.deepcopy(params or {}), position=pos, shares=shares)
        if index is None or not 0 <= index <= len(self._order):
            self._order.append(node_id)
        else:
            self._order.insert(index, node_id)
        self._emit(Change(NODE_ADDED, node=node_id))
        return node_id

    def remove_node(self, node_id: str) -> tuple[Node, int, list[Edge]]:
        """Remove a node and its edges; returns what is needed to restore it."""
        node, index = self.node(node_id), self.index(node_id)
        edges = list(dict.fromkeys(self.in_edges(node_id) + self.out_edges(node_id)))  # a self-loop is in both
        for edge in edges:
            self.remove_edge(edge)
        self._graph.remove_node(node_id)
        self._order.remove(node_id)
        self._emit(Change(NODE_REMOVED, node=node_id))
        return node, index, edges

    def rename_node(self, old: str, new: str) -> None:
        """Give node `old` the id `new` in place.

        It keeps its place in the node order and its edges; the nodes that share its layer follow. Announced
        as a RESET (every view keys its items by id).
        """
        problem = self.id_problem(new, old)
        if old not in self._graph:
            raise KeyError(f"no node with id {old!r}")
        if problem:
            raise ValueError(problem)
        if new == old:
            return
        nx.relabel_nodes(self._graph, {old: new}, copy=False)
        self._order[self._order.index(old)] = new
        for n in self._order:
            if self._graph.nodes[n].get("shares") == old:
                self._graph.nodes[n]["shares"] = new
        self._emit(Change(RESET))

    def set_params(self, node_id: str, params: dict) -> None:
        """Replace all of a node's params."""
        self._graph.nodes[node_id]["params"] = copy.deepcopy(params)
        self._emit(Change(NODE_CHANGED, node=node_id))

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        """Set one param; `value` None removes it (Keras's default applies)."""
        params = self._graph.nodes[node_id]["params"]
        if value is None:
            params.pop(name, None)
        else:
            params[name] = copy.deepcopy(value)
        self._emit(Change(NODE_CHANGED, node=node_id))

    def set_type(self, node_id: str, type_name: str, params: dict) -> None:
        self._graph.nodes[node_id]["type"] = type_name
        self.set_params(node_id, params)

    def move_node(self, node_id: str, position: Iterable[float]) -> None:
        self._graph.nodes[node_id]["position"] = tuple(float(v) for v in position)
        self._emit(Change(NODE_MOVED, node=node_id))

    def add_edge(self, source: str, target: str, port: int = 0, source_port: int = 0) -> Edge:
        for n in (source, target):
            if n not in self._graph:
                raise KeyError(f"no node with id {n!r}")
        edge = Edge(source, target, int(port), int(source_port))
        if self.has_edge(edge):
            raise ValueError(f"{source} is already wired to port {port} of {target}")
        self._graph.add_edge(source, target, key=(edge.port, edge.source_port))
        self._emit(Change(EDGE_ADDED, edge=edge))
        return edge

    def remove_edge(self, edge: Edge) -> None:
        self._graph.remove_edge(edge.source, edge.target, key=(edge.port, edge.source_port))
        self._emit(Change(EDGE_REMOVED, edge=edge))

    def clear(self) -> None:
        self._graph.clear()
        self._order.clear()
        self._emit(Change(RESET))

    def load(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> None:
        """Replace the whole content in one step (one RESET notification)."""
        self._graph.clear()
        self._order.clear()
        for n in nodes:
            self._graph.add_node(n.id, type=n.type, params=copy.deepcopy(n.params), position=n.position,
                                 shares=n.shares)
            self._order.append(n.id)
        for e in edges:
            self._graph.add_edge(e.source, e.target, key=(e.port, e.source_port))
        self._emit(Change(RESET))

    def copy(self) -> GraphDocument:
        other = GraphDocument()
        other.load(self.nodes(), self.edges())
        return other
