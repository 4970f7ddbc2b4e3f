"""Undoable edits of a GraphDocument, one QUndoCommand per user action.

Commands call document methods only; the scene redraws from the document's
change notifications, so undo and redo never touch a graphics item. Each
command records what it needs to put the document back exactly: node order,
edges, params and positions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from PySide6.QtGui import QUndoCommand

from layerlab.core.document import Edge, GraphDocument, Node

Position = tuple[float, float]

_SET_PARAMS_ID = 0x4C4C01  # commands with the same id() may merge (QUndoStack)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _pos(p: Iterable[float] | None) -> Position | None:
    return None if p is None else tuple(float(v) for v in p)


class AddNodeCommand(QUndoCommand):
    """Add one node; undo removes it. The id is fixed on the first redo so that redo gives it back."""

    def __init__(self, document: GraphDocument, type_name: str, params: dict | None, position: Iterable[float] | None,
                 node_id: str | None = None, parent: QUndoCommand | None = None):
        super().__init__(f"Add {type_name}", parent)
        self.document = document
        self.type_name = type_name
        self.params = copy.deepcopy(params or {})
        self.position = _pos(position)
        self.node_id = node_id

    def redo(self) -> None:
        self.node_id = self.document.add_node(self.type_name, self.params, self.position, node_id=self.node_id)

    def undo(self) -> None:
        self.document.remove_node(self.node_id)


class RemoveNodesCommand(QUndoCommand):
    """Remove nodes with their edges; undo puts each back at its place in the node order, with its edges."""

    def __init__(self, document: GraphDocument, node_ids: Iterable[str], parent: QUndoCommand | None = None):
        ids = list(dict.fromkeys(node_ids))
        text = f"Delete {ids[0]}" if len(ids) == 1 else f"Delete {_plural(len(ids), 'node')}"
        super().__init__(text, parent)
        self.document = document
        self.node_ids = ids
        self._removed: list[tuple[Node, int, str | None]] = []
        self._edges: list[Edge] = []

    def redo(self) -> None:
        doc = self.document
        # the highest index first, so each recorded index is the node's place before any removal
        ordered = sorted(self.node_ids, key=doc.index, reverse=True)
        self._removed, edges = [], {}
        for node_id in ordered:
            group = doc.group_of(node_id)
            node, index, node_edges = doc.remove_node(node_id)
            self._removed.append((node, index, group))
            edges.update(dict.fromkeys(node_edges))
        self._edges = list(edges)

    def undo(self) -> None:
        doc = self.document
        for node, index, group in reversed(self._removed):
            doc.add_node(node.type, node.params, node.position, node_id=node.id, index=index, shares=node.shares,
                         group=group)
        for edge in self._edges:
            doc.add_edge(*edge)


class AddEdgeCommand(QUndoCommand):
    """Wire an output of one node into an input port of another."""

    def __init__(self, document: GraphDocument, edge: Edge, parent: QUndoCommand | None = None):
        edge = Edge(*edge)
        super().__init__(f"Connect {edge.source} → {edge.target}", parent)
        self.document = document
        self.edge = edge

    def redo(self) -> None:
        self.document.add_edge(*self.edge)

    def undo(self) -> None:
        self.document.remove_edge(self.edge)


class RemoveEdgesCommand(QUndoCommand):
    """Remove wires; undo adds them back."""

    def __init__(self, document: GraphDocument, edges: Iterable[Edge], parent: QUndoCommand | None = None):
        self.edges = list(dict.fromkeys(Edge(*e) for e in edges))
        if len(self.edges) == 1:
            text = f"Disconnect {self.edges[0].source} → {self.edges[0].target}"
        else:
            text = f"Delete {_plural(len(self.edges), 'connection')}"
        super().__init__(text, parent)
        self.document = document

    def redo(self) -> None:
        for edge in self.edges:
            self.document.remove_edge(edge)

    def undo(self) -> None:
        for edge in reversed(self.edges):
            self.document.add_edge(*edge)


class MoveNodesCommand(QUndoCommand):
    """Move several nodes in one step (pushed when the mouse is released)."""

    def __init__(self, document: GraphDocument, moves: Mapping[str, tuple[Iterable[float] | None, Iterable[float]]],
                 parent: QUndoCommand | None = None):
        self.moves = {n: (_pos(old), _pos(new)) for n, (old, new) in moves.items()}
        ids = list(self.moves)
        super().__init__(f"Move {ids[0]}" if len(ids) == 1 else f"Move {_plural(len(ids), 'node')}", parent)
        self.document = document

    def redo(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            self.document.move_node(node_id, new)

    def undo(self) -> None:
        for node_id, (old, new) in self.moves.items():
            # a node that had no position keeps the one it was shown at (the document cannot unset it)
            self.document.move_node(node_id, old if old is not None else new)


class SetPositionsCommand(QUndoCommand):
    """Place many nodes at once (auto-layout): one undo step."""

    def __init__(self, document: GraphDocument, positions: Mapping[str, Iterable[float]], text: str = "Auto-layout",
                 parent: QUndoCommand | None = None):
        super().__init__(text, parent)
        self.document = document
        self.new = {n: _pos(p) for n, p in positions.items()}
        self.old = {n: document.position(n) for n in self.new}

    def redo(self) -> None:
        for node_id, pos in self.new.items():
            self.document.move_node(node_id, pos)

    def undo(self) -> None:
        for node_id, pos in self.old.items():
            self.document.move_node(node_id, pos if pos is not None else self.new[node_id])


class SetParamsCommand(QUndoCommand):
    """Replace a node's params; consecutive edits of the same field of the same node merge into one step."""

    def __init__(self, document: GraphDocument, node_id: str, new_params: dict, parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.document = document
        self.node_id = node_id
        self.old = document.params(node_id)
        self.new = copy.deepcopy(new_params)
        self.field = _changed_field(self.old, self.new)
        self._update_text()

    def _update_text(self) -> None:
        if self.field is not None:
            self.setText(f"Edit {self.field} of {self.node_id}")
        else:
            self.setText(f"Edit {self.node_id}")

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _SET_PARAMS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetParamsCommand) or other.document is not self.document:
            return False
        if other.node_id != self.node_id or self.field is None or other.field != self.field:
            return False
        self.new = copy.deepcopy(other.new)
        if self.new == self.old:
            self.setObsolete(True)  # the edits cancelled out: nothing left to undo
        return True

    def redo(self) -> None:
        self.document.set_params(self.node_id, self.new)

    def undo(self) -> None:
        self.document.set_params(self.node_id, self.old)


def _changed_field(old: dict, new: dict) -> str | None:
    """The one parameter that differs between `old` and `new`, or None if several (or none) do."""
    names = [k for k in dict.fromkeys([*old, *new]) if old.get(k, _MISSING) != new.get(k, _MISSING)]
    return names[0] if len(names) == 1 else None


_MISSING = object()


class PasteCommand(QUndoCommand):
    """Add copies of nodes (fresh ids, shifted by `offset`) and the edges among them.

    Explicit layer names that are already taken are dropped, so that the copy
    gets its own name (its node id). A copy of a node that shares a layer keeps
    sharing: with the copy of its owner if the owner was pasted too.
    """

    def __init__(self, document: GraphDocument, nodes: Iterable[Node], edges: Iterable[Edge],
                 offset: Iterable[float] = (40.0, 40.0), parent: QUndoCommand | None = None):
        nodes = list(nodes)
        ids = {n.id for n in nodes}
        # owners before the nodes that share their layer, so that a sharer can point at its owner's copy
        self.nodes = [n for n in nodes if n.shares not in ids] + [n for n in nodes if n.shares in ids]
        self.edges = [Edge(*e) for e in edges if e[0] in ids and e[1] in ids]
        super().__init__(f"Paste {self.nodes[0].type}" if len(self.nodes) == 1
                         else f"Paste {_plural(len(self.nodes), 'node')}", parent)
        self.document = document
        self.offset = _pos(offset)
        self.id_map: dict[str, str] = {}  # original id -> pasted id, fixed on the first redo

    @property
    def new_ids(self) -> list[str]:
        return [self.id_map[n.id] for n in self.nodes if n.id in self.id_map]

    def redo(self) -> None:
        doc = self.document
        first = not self.id_map
        taken = {doc.node(n).layer_name for n in doc.node_ids()}
        for node in self.nodes:
            params = copy.deepcopy(node.params)
            if params.get("name") in taken:
                del params["name"]
            pos = None
            if node.position is not None:
                pos = (node.position[0] + self.offset[0], node.position[1] + self.offset[1])
            shares = self.id_map.get(node.shares, node.shares) if node.shares else None
            if shares is not None and shares not in doc:
                shares = None
            new_id = doc.add_node(node.type, params, pos, node_id=None if first else self.id_map[node.id],
                                  shares=shares)
            self.id_map[node.id] = new_id
            taken.add(params.get("name") or new_id)
        for e in self.edges:
            doc.add_edge(self.id_map[e.source], self.id_map[e.target], e.port, e.source_port)

    def undo(self) -> None:
        for node in reversed(self.nodes):
            self.document.remove_node(self.id_map[node.id])


# -- groups ------------------------------------------------------------------------------------
class GroupCommand(QUndoCommand):
    """Make a group of nodes and groups that are all directly inside `parent` (Ctrl+G); undo dissolves it."""

    def __init__(self, document: GraphDocument, label: str, nodes: Iterable[str], subgroups: Iterable[str] = (),
                 parent_group: str | None = None, model: bool = False, parent: QUndoCommand | None = None):
        super().__init__(f"Group {label}", parent)
        self.document = document
        self.label, self.model, self.parent_group = label, model, parent_group
        self.nodes, self.subgroups = list(nodes), list(subgroups)
        self.group_id: str | None = None  # fixed on the first redo

    def redo(self) -> None:
        self.group_id = self.document.add_group(self.label, self.nodes, group_id=self.group_id, model=self.model,
                                                parent=self.parent_group, subgroups=self.subgroups)

    def undo(self) -> None:
        self.document.remove_group(self.group_id)


class UngroupCommand(QUndoCommand):
    """Dissolve groups (their nodes and nested groups move to the group around them); undo makes them again."""

    def __init__(self, document: GraphDocument, group_ids: Iterable[str], parent: QUndoCommand | None = None):
        ids = list(dict.fromkeys(group_ids))
        label = document.group(ids[0]).label if len(ids) == 1 else _plural(len(ids), "group")
        super().__init__(f"Ungroup {label}", parent)
        self.document = document
        self.group_ids = ids
        self._removed: list = []

    def redo(self) -> None:
        self._removed = [self.document.remove_group(g) for g in self.group_ids]

    def undo(self) -> None:
        for group, index, subgroups in reversed(self._removed):
            self.document.add_group(group.label, group.nodes, group_id=group.id, collapsed=group.collapsed,
                                    model=group.model, parent=group.parent, subgroups=subgroups, index=index,
                                    extra=group.extra)


class SetGroupCommand(QUndoCommand):
    """Rename, collapse or expand a group, or make it a reusable block (a Keras sub-model)."""

    _FIELDS = ("label", "collapsed", "model")

    def __init__(self, document: GraphDocument, group_id: str, text: str, parent: QUndoCommand | None = None,
                 **changes):
        super().__init__(text, parent)
        unknown = set(changes) - set(self._FIELDS)
        if unknown:
            raise TypeError(f"SetGroupCommand cannot change {sorted(unknown)}")
        self.document, self.group_id = document, group_id
        group = document.group(group_id)
        self.new = dict(changes)
        self.old = {k: getattr(group, k) for k in changes}

    def redo(self) -> None:
        self.document.set_group(self.group_id, **self.new)

    def undo(self) -> None:
        self.document.set_group(self.group_id, **self.old)


class SetTrainableCommand(QUndoCommand):
    """Freeze or unfreeze layers in one step (a group's `trainable` switch): their `trainable` param."""

    def __init__(self, document: GraphDocument, node_ids: Iterable[str], trainable: bool, text: str,
                 parent: QUndoCommand | None = None):
        super().__init__(text, parent)
        self.document = document
        self.trainable = bool(trainable)
        self.old = {n: document.params(n) for n in node_ids}

    def redo(self) -> None:
        for node_id in self.old:  # True is Keras's default: the param is left out rather than written
            self.document.set_param(node_id, "trainable", None if self.trainable else False)

    def undo(self) -> None:
        for node_id, params in self.old.items():
            self.document.set_params(node_id, params)


class PlaceBlockCommand(QUndoCommand):
    """Place a reusable block again, grouped as the original is (nested groups, collapsed state).

    `shared=True` is a second call of the block: each new node calls the original's layer (the
    document's `shares`: same weights, no params of its own), and the group says
    `extra = {"shares": <block>}` so that the build calls the one sub-model twice (core/nested.py).
    `shared=False` is a copy with new weights, itself a reusable block (a Keras model of its own on
    export) with a label of its own.
    """

    def __init__(self, document: GraphDocument, group_id: str, shared: bool, offset: Iterable[float],
                 parent: QUndoCommand | None = None):
        block = document.group(group_id)
        super().__init__(f"{'Call' if shared else 'Copy'} {block.label} again" if shared
                         else f"Copy {block.label}", parent)
        self.document, self.block, self.shared = document, group_id, shared
        members = document.group_members(group_id)
        inside = set(members)
        # placeholder ids: a call's nodes point at the originals (their owners), never at each other
        key = {n: f"{n}\x00placed" for n in members}
        nodes = []
        for n in members:
            node = document.node(n)
            if shared:
                nodes.append(Node(key[n], node.type, {}, node.position, node.shares or n))
            else:
                owner = node.shares if node.shares not in inside else key[node.shares]
                nodes.append(Node(key[n], node.type, node.params, node.position, owner))
        edges = [Edge(key[e.source], key[e.target], e.port, e.source_port)
                 for n in members for e in document.in_edges(n) if e.source in inside]
        self.paste = PasteCommand(document, nodes, edges, offset=offset)
        self.key = key
        self.group_ids: dict[str, str] = {}  # original group -> the placed one's id, fixed on the first redo
        self.label = _free_label(document, block.label, "call" if shared else "copy")

    def redo(self) -> None:
        doc = self.document
        self.paste.redo()
        placed = {n: self.paste.id_map[k] for n, k in self.key.items()}
        for gid in [self.block, *_nested(doc, self.block)]:  # parents first: each is made inside its parent
            group = doc.group(gid)
            top = gid == self.block
            extra = {"shares": gid} if self.shared and group.model else None  # the same sub-model, called again
            self.group_ids[gid] = doc.add_group(
                self.label if top else group.label, [placed[n] for n in group.nodes],
                group_id=self.group_ids.get(gid), collapsed=group.collapsed, model=group.model,
                parent=None if top else self.group_ids[group.parent], extra=extra)

    def undo(self) -> None:
        for gid in reversed(list(self.group_ids.values())):
            self.document.remove_group(gid)
        self.paste.undo()

    @property
    def group_id(self) -> str:
        """The placed block's group."""
        return self.group_ids[self.block]


def _nested(document: GraphDocument, group_id: str) -> list[str]:
    """The groups inside `group_id`, each after its parent."""
    out = []
    for child in document.group_children(group_id):
        out += [child, *_nested(document, child)]
    return out


def _free_label(document: GraphDocument, label: str, word: str) -> str:
    """`label_word`, `label_word_2`, ...: the first label no group has (a block's label names its Keras model)."""
    taken = {g.label for g in document.groups()}
    candidate, i = f"{label}_{word}", 1
    while candidate in taken:
        i += 1
        candidate = f"{label}_{word}_{i}"
    return candidate
