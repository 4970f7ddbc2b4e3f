"""Edits of the canvas's selection: delete, nudge, cut, copy, paste, duplicate, and placing a block again.

Part of CanvasView (mixed into it). Each edit is one undo step: a command
pushed on the window's QUndoStack (a macro where it takes several); the scene
redraws from the document's notifications.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from layerlab.gui.canvas import clipboard, style
from layerlab.gui.commands import (
    MoveNodesCommand,
    PasteCommand,
    PlaceBlockCommand,
    RemoveEdgesCommand,
    RemoveNodesCommand,
    UngroupCommand,
)

PASTE_OFFSET = 40.0


class SelectionEdits:
    """CanvasView's edits of the selection (a mixin: `self` is the view)."""

    _paste_count = 0  # pastes since the last copy: each lands PASTE_OFFSET further; -1 after a cut

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        doomed = set(ids)
        edges = [e for e in self.selected_edges() if e.source not in doomed and e.target not in doomed]
        groups = self.groups.emptied_by(ids)
        if not ids and not edges:
            return
        if (ids and edges) or groups:
            self.undo_stack.beginMacro(f"Delete {len(ids)} node(s) and {len(edges)} connection(s)" if edges
                                       else RemoveNodesCommand(self.document, ids).text())
            if edges:
                self.undo_stack.push(RemoveEdgesCommand(self.document, edges))
            self.undo_stack.push(RemoveNodesCommand(self.document, ids))
            if groups:  # groups left empty go too (innermost first, so that undo rebuilds the nesting)
                self.undo_stack.push(UngroupCommand(self.document, groups))
            self.undo_stack.endMacro()
        elif ids:
            self.undo_stack.push(RemoveNodesCommand(self.document, ids))
        else:
            self.undo_stack.push(RemoveEdgesCommand(self.document, edges))

    def nudge(self, dx: float, dy: float) -> None:
        moves = {}
        for node_id in self.selected_ids():
            item = self.canvas_scene.nodes[node_id]
            old = self.document.position(node_id)
            moves[node_id] = (old, (item.pos().x() + dx, item.pos().y() + dy))
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.document, moves))

    def copy(self) -> None:
        ids = self.selected_ids()
        if ids:
            QGuiApplication.clipboard().setMimeData(clipboard.to_mime(*clipboard.selection(self.document, ids)))
            self._paste_count = 0

    def cut(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.copy()
        command = RemoveNodesCommand(self.document, ids)
        command.setText(command.text().replace("Delete", "Cut", 1))
        self.undo_stack.push(command)
        self._paste_count = -1  # the first paste goes where the nodes were

    def paste(self) -> list[str]:
        payload = clipboard.from_mime(QGuiApplication.clipboard().mimeData())
        if payload is None:
            return []
        self._paste_count += 1
        offset = PASTE_OFFSET * self._paste_count
        return self._paste(*payload, offset=(offset, offset)).new_ids

    def duplicate(self) -> list[str]:
        ids = self.selected_ids()
        if not ids:
            return []
        nodes, edges = clipboard.selection(self.document, ids)
        groups = self.groups.selected_groups()  # a duplicated group is a copy of the block: new weights
        if groups:
            self.undo_stack.beginMacro(f"Duplicate {self.document.group(groups[0]).label}" if len(groups) == 1
                                       else f"Duplicate {len(groups)} groups")
        command = self._paste(nodes, edges, offset=(PASTE_OFFSET, PASTE_OFFSET), text="Duplicate")
        if groups:
            copies = self.groups.copy_groups(groups, command.id_map)
            self.undo_stack.endMacro()
            self.canvas_scene.flush()
            self.canvas_scene.clearSelection()
            for gid in copies:
                card = self.canvas_scene.group_layer.cards.get(gid)
                if card is not None:
                    card.setSelected(True)
        return command.new_ids

    def place_block(self, group_id: str, shared: bool, at: QPointF | None = None) -> str:
        """Place a reusable block again at `at` (default: the view's centre), one undo step; returns its group."""
        members = self.document.group_members(group_id)
        spots = [p for p in (self.document.position(n) for n in members) if p is not None]
        corner = QPointF(min(x for x, _ in spots), min(y for _, y in spots)) if spots else QPointF()
        if at is None:
            at = self.mapToScene(self.viewport().rect().center())
        g = style.GRID
        offset = (round((at.x() - corner.x()) / g) * g, round((at.y() - corner.y()) / g) * g)
        command = PlaceBlockCommand(self.document, group_id, shared, offset)
        self.undo_stack.push(command)
        self.canvas_scene.flush()
        self.canvas_scene.clearSelection()
        card = self.canvas_scene.group_layer.cards.get(command.group_id)
        if card is not None:
            card.setSelected(True)
        return command.group_id

    def _paste(self, nodes, edges, offset, text: str | None = None) -> PasteCommand:
        command = PasteCommand(self.document, nodes, edges, offset=offset)
        if text:
            command.setText(command.text().replace("Paste", text, 1))
        self.undo_stack.push(command)
        self.select_nodes(command.new_ids)
        return command
