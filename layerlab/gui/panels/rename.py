"""Renaming a node id: one undoable step that keeps the node's place, edges, sharers and unknown keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from layerlab.core.document import GraphDocument


def id_problem(document: GraphDocument, old: str, new: str) -> str | None:
    """Why `new` cannot replace node id `old`, or None (the document's one id rule)."""
    return document.id_problem(new, old)


class RenameNodeCommand(QUndoCommand):
    """Give node `old` the id `new` (GraphDocument.rename_node, in place).

    `extras` gives the project's unknown keys per node id (Project.node_extra), moved along with the id
    so that saving still writes them.
    """

    def __init__(self, document: GraphDocument, old: str, new: str,
                 extras: Callable[[], dict] | None = None):
        super().__init__(f"Rename {old} to {new}")
        self.document, self.old, self.new, self.extras = document, old, new, extras

    def redo(self) -> None:
        self._rename(self.old, self.new)

    def undo(self) -> None:
        self._rename(self.new, self.old)

    def _rename(self, old: str, new: str) -> None:
        self.document.rename_node(old, new)
        extras = self.extras() if self.extras is not None else None
        if extras is not None and old in extras:
            extras[new] = extras.pop(old)
