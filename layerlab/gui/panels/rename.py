"""Renaming a node id: one undoable step that keeps the node's place, edges and sharers."""

from __future__ import annotations

import re

from PySide6.QtGui import QUndoCommand

from layerlab.core.document import Edge, GraphDocument

_VALID_ID = re.compile(r"[A-Za-z0-9_.\-]+")


def id_problem(document: GraphDocument, old: str, new: str) -> str | None:
    """Why `new` cannot replace node id `old`, or None."""
    if not new:
        return "A node id cannot be empty."
    if not _VALID_ID.fullmatch(new):
        return "A node id may hold letters, digits, '_', '.' and '-' only."
    if new != old and new in document:
        return f"Another node already has the id '{new}'."
    return None


class RenameNodeCommand(QUndoCommand):
    """Give node `old` the id `new`.

    The document has no rename, so this removes the node and adds it back
    under the new id at the same place in the node order (which decides the
    order of the model's inputs and outputs), with the same edges; nodes that
    share its layer are re-added pointing at the new id.
    """

    def __init__(self, document: GraphDocument, old: str, new: str):
        super().__init__(f"Rename {old} to {new}")
        self.document, self.old, self.new = document, old, new

    def redo(self) -> None:
        self._rename(self.old, self.new)

    def undo(self) -> None:
        self._rename(self.new, self.old)

    def _rename(self, old: str, new: str) -> None:
        doc = self.document
        sharers = [n for n in doc.node_ids() if doc.shares(n) == old]
        groups = {n: doc.group_of(n) for n in [*sharers, old]}
        removed = [doc.remove_node(n) for n in sharers] + [doc.remove_node(old)]
        edges: list[Edge] = []
        for node, index, node_edges in reversed(removed):  # re-add in the opposite order: indices stay right
            node_id = new if node.id == old else node.id
            shares = new if node.shares == old else node.shares
            doc.add_node(node.type, node.params, node.position, node_id=node_id, index=index, shares=shares,
                         group=groups[node.id])
            edges.extend(node_edges)
        seen = set()
        for e in edges:
            moved = Edge(new if e.source == old else e.source, new if e.target == old else e.target,
                         e.port, e.source_port)
            if moved not in seen and not doc.has_edge(moved):
                seen.add(moved)
                doc.add_edge(*moved)
