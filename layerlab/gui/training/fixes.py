"""Data fixes applied to the graph as undo commands: one click, one undo step.

A fix (layerlab.core.data.SetParam) is performed by the core's `apply_fix`,
through the document's methods, so the canvas and the checks follow; undo
puts the node's previous parameters back.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand, QUndoStack

from layerlab.core.document import GraphDocument


class ApplyDataFixCommand(QUndoCommand):
    def __init__(self, document: GraphDocument, fix, parent: QUndoCommand | None = None):
        super().__init__(fix.label or f"Set {fix.name} of {fix.node}", parent)
        self.document = document
        self.fix = fix
        self.old = document.params(fix.node) if fix.node in document else None

    def redo(self) -> None:
        from layerlab.core.data.checks import apply_fix

        apply_fix(self.fix, self.document)

    def undo(self) -> None:
        if self.old is not None and self.fix.node in self.document:
            self.document.set_params(self.fix.node, self.old)


def apply_fixes(undo_stack: QUndoStack, document: GraphDocument, fixes: list) -> int:
    """Apply the fixes whose node still exists, as one undo step; returns how many were applied."""
    live = [f for f in fixes if f is not None and f.node in document]
    if not live:
        return 0
    if len(live) == 1:
        undo_stack.push(ApplyDataFixCommand(document, live[0]))
        return 1
    undo_stack.beginMacro(f"Fit {len(live)} layers to the data")
    for fix in live:
        undo_stack.push(ApplyDataFixCommand(document, fix))
    undo_stack.endMacro()
    return len(live)
