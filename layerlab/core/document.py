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

from layerlab.core import groups as grouping
from layerlab.core.groups import Group, GroupError


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
    group: str | None = None


NODE_ADDED = "node_added"
NODE_REMOVED = "node_removed"
NODE_CHANGED = "node_changed"  # params or type
NODE_MOVED = "node_moved"
EDGE_ADDED = "edge_added"
EDGE_REMOVED = "edge_removed"
GROUP_ADDED = "group_added"
GROUP_REMOVED = "group_removed"
GROUP_CHANGED = "group_changed"  # label, collapsed, model, members or parent
GROUP_KINDS = (GROUP_ADDED, GROUP_REMOVED, GROUP_CHANGED)
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
        self._groups: dict[str, Group] = {}
        self._listeners: list[Callable[[Change], None]] = []
        self.revision = 0  # bumped on every structural or parameter change

    # -- notifications -------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        """Call `listener(change)` after every change; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, change: Change, bump: bool = True) -> None:
        if change.kind != NODE_MOVED and bump:
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
        place = {n: i for i, n in enumerate(self._order)}  # one map, not a list search per edge
        out = []
        for n in self._order:
            out.extend(self._in_edges(n, place.__getitem__))
        return out

    def in_edges(self, node_id: str) -> list[Edge]:
        return self._in_edges(node_id, self._order.index)

    def _in_edges(self, node_id: str, place) -> list[Edge]:
        es = [Edge(u, v, k[0], k[1]) for u, v, k in self._graph.in_edges(node_id, keys=True)]
        return sorted(es, key=lambda e: (e.port, place(e.source), e.source_port))

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
        base = base.rsplit(".", 1)[-1]  # "applications.MobileNetV2" names its node "mobile_netv2_1"
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
                 node_id: str | None = None, index: int | None = None, shares: str | None = None,
                 group: str | None = None) -> str:
        """Add a node and return its id; `index` restores a place in the node order, `group` its group (undo)."""
        node_id = node_id or self.new_id(type_name)
        if node_id in self._graph:
            raise ValueError(f"a node with id {node_id!r} already exists")
        if group is not None and group not in self._groups:
            raise GroupError(f"no group with id {group!r}")
        pos = tuple(float(v) for v in position) if position is not None else None
        self._graph.add_node(node_id, type=type_name, params=copy.deepcopy(params or {}), position=pos, shares=shares)
        if index is None or not 0 <= index <= len(self._order):
            self._order.append(node_id)
        else:
            self._order.insert(index, node_id)
        self._emit(Change(NODE_ADDED, node=node_id))
        if group is not None:
            self._put_group(self._groups[group].with_(nodes=self._sorted([*self._groups[group].nodes, node_id])))
        return node_id

    def remove_node(self, node_id: str) -> tuple[Node, int, list[Edge]]:
        """Remove a node and its edges; returns what is needed to restore it."""
        node, index = self.node(node_id), self.index(node_id)
        edges = list(dict.fromkeys(self.in_edges(node_id) + self.out_edges(node_id)))  # a self-loop is in both
        for edge in edges:
            self.remove_edge(edge)
        group = self.group_of(node_id)
        if group is not None:
            self._put_group(self._groups[group].with_(nodes=[n for n in self._groups[group].nodes if n != node_id]))
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
        for gid, g in self._groups.items():  # a renamed node stays in its group
            if old in g.nodes:
                self._groups[gid] = g.with_(nodes=[new if n == old else n for n in g.nodes])
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
        self._groups.clear()
        self._emit(Change(RESET))

    def load(self, nodes: Iterable[Node], edges: Iterable[Edge], groups: Iterable[Group] = ()) -> None:
        """Replace the whole content in one step (one RESET notification).

        Raises GroupError (and changes nothing) if `groups` break a rule of groups.
        """
        nodes, groups = list(nodes), list(groups)
        grouping.validate(groups, [n.id for n in nodes])
        self._graph.clear()
        self._order.clear()
        self._groups.clear()
        for n in nodes:
            self._graph.add_node(n.id, type=n.type, params=copy.deepcopy(n.params), position=n.position,
                                 shares=n.shares)
            self._order.append(n.id)
        for e in edges:
            self._graph.add_edge(e.source, e.target, key=(e.port, e.source_port))
        place = {n: i for i, n in enumerate(self._order)}
        for g in groups:
            self._groups[g.id] = g.with_(nodes=sorted(g.nodes, key=place.__getitem__))
        self._emit(Change(RESET))

    def copy(self) -> GraphDocument:
        other = GraphDocument()
        other.load(self.nodes(), self.edges(), self.groups())
        return other

    # -- groups ----------------------------------------------------------
    # A group's `nodes` are its direct members, kept in node order; see core/groups.py.
    def groups(self) -> list[Group]:
        return list(self._groups.values())

    def group(self, group_id: str) -> Group:
        return self._groups[group_id]

    def has_group(self, group_id: str) -> bool:
        return group_id in self._groups

    def group_of(self, node_id: str) -> str | None:
        """The innermost group that holds `node_id`, or None."""
        for g in self._groups.values():
            if node_id in g.nodes:
                return g.id
        return None

    def group_members(self, group_id: str) -> list[str]:
        """Every node in the group, nested groups included, in node order."""
        return self._sorted(grouping.members(self._groups, group_id))

    def group_children(self, group_id: str | None) -> list[str]:
        """The groups directly inside `group_id` (None: the top-level groups)."""
        return grouping.children(self._groups, group_id)

    def new_group_id(self, label: str) -> str:
        return grouping.new_id(self._groups, label)

    def add_group(self, label: str, nodes: Iterable[str] = (), *, group_id: str | None = None,
                  collapsed: bool = False, model: bool = False, parent: str | None = None,
                  subgroups: Iterable[str] = (), index: int | None = None, extra: dict | None = None) -> str:
        """Make a group of `nodes` and `subgroups` inside `parent`; returns its id.

        Each node must be ungrouped or a direct member of `parent`, and each
        subgroup a direct child of `parent`: they move into the new group, so
        that `remove_group` undoes this exactly. `index` restores a place in
        the list of groups (undo).
        """
        group_id = group_id or self.new_group_id(label)
        if group_id in self._groups:
            raise GroupError(f"a group with id {group_id!r} already exists")
        if parent is not None and parent not in self._groups:
            raise GroupError(f"group '{group_id}': no parent group {parent!r}")
        nodes, subgroups = list(dict.fromkeys(nodes)), list(dict.fromkeys(subgroups))
        for n in nodes:
            if n not in self._graph:
                raise GroupError(f"group '{group_id}': no node with id {n!r}")
            if self.group_of(n) != parent:
                raise GroupError(f"group '{group_id}': node '{n}' is in group '{self.group_of(n)}', not in "
                                 f"{repr(parent) if parent else 'no group'}")
        for s in subgroups:
            if s not in self._groups or self._groups[s].parent != parent:
                raise GroupError(f"group '{group_id}': {s!r} is not a group directly inside "
                                 f"{repr(parent) if parent else 'the top level'}")
        taken = set(nodes)
        if parent is not None:
            self._groups[parent] = self._groups[parent].with_(
                nodes=[n for n in self._groups[parent].nodes if n not in taken])
        for s in subgroups:
            self._groups[s] = self._groups[s].with_(parent=group_id)
        group = Group(group_id, label, tuple(self._sorted(nodes)), bool(collapsed), bool(model), parent,
                      copy.deepcopy(extra or {}))
        items = list(self._groups.items())
        at = len(items) if index is None or not 0 <= index <= len(items) else index
        self._groups = dict([*items[:at], (group_id, group), *items[at:]])
        self._emit(Change(GROUP_ADDED, group=group_id), bump=self._affects_model(group_id))
        return group_id

    def remove_group(self, group_id: str) -> tuple[Group, int, list[str]]:
        """Dissolve a group (its nodes and nested groups move to its parent); returns what restores it."""
        group = self._groups[group_id]
        index = list(self._groups).index(group_id)
        subgroups = self.group_children(group_id)
        bump = self._affects_model(group_id)
        for s in subgroups:
            self._groups[s] = self._groups[s].with_(parent=group.parent)
        if group.parent is not None:
            parent = self._groups[group.parent]
            self._groups[group.parent] = parent.with_(nodes=self._sorted([*parent.nodes, *group.nodes]))
        del self._groups[group_id]
        self._emit(Change(GROUP_REMOVED, group=group_id), bump=bump)
        return group, index, subgroups

    def set_group(self, group_id: str, *, label: str | None = None, collapsed: bool | None = None,
                  model: bool | None = None, nodes: Iterable[str] | None = None) -> None:
        """Change a group's label, collapsed state, model flag or direct members (None: unchanged)."""
        old = self._groups[group_id]
        changes: dict[str, Any] = {}
        if label is not None:
            changes["label"] = label
        if collapsed is not None:
            changes["collapsed"] = bool(collapsed)
        if model is not None:
            changes["model"] = bool(model)
        if nodes is not None:
            nodes = list(dict.fromkeys(nodes))
            trial = {**self._groups, group_id: old.with_(nodes=nodes)}
            grouping.validate(trial.values(), self._order)
            changes["nodes"] = self._sorted(nodes)
        new = old.with_(**changes)
        structural = new.label != old.label or new.model != old.model or new.nodes != old.nodes
        bump = structural and (old.model or new.model or self._affects_model(group_id))
        self._put_group(new, bump=bump)

    def _put_group(self, group: Group, bump: bool | None = None) -> None:
        self._groups[group.id] = group
        self._emit(Change(GROUP_CHANGED, group=group.id),
                   bump=self._affects_model(group.id) if bump is None else bump)

    def _affects_model(self, group_id: str) -> bool:
        """Whether a change of this group's members can change the Keras model (it or a group around it is one)."""
        chain = [group_id, *grouping.ancestors(self._groups, group_id)] if group_id in self._groups else []
        return any(self._groups[g].model for g in chain)

    def _sorted(self, node_ids: Iterable[str]) -> list[str]:
        place = {n: i for i, n in enumerate(self._order)}
        return sorted(node_ids, key=lambda n: place.get(n, len(place)))
