"""What the user does with groups on the canvas, each an undo command: group, ungroup, rename, collapse, freeze.

The view owns one GroupActions; the window's menu and the canvas's context
menu call it. Collapsing or expanding also lays the graph out again in the
same undo step, so that an expanded group has room and a collapsed one
leaves no hole.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from layerlab.gui.canvas.group_item import GroupCardItem, GroupFrameItem
from layerlab.gui.canvas.group_layer import trainable_nodes, trainable_state
from layerlab.gui.commands import GroupCommand, SetGroupCommand, SetTrainableCommand, UngroupCommand


class GroupError(Exception):
    """A group action that does not apply to the selection (the message says why)."""


class GroupActions:
    """Group commands for a CanvasView."""

    def __init__(self, view):
        self.view = view
        self.relayout = True  # collapse/expand lays the graph out again (a setting)

    @property
    def document(self):
        return self.view.document

    @property
    def stack(self) -> QUndoStack:
        return self.view.undo_stack

    def selected_groups(self) -> list[str]:
        """The groups whose card or frame title is selected, in the document's group order."""
        chosen = {i.group_id for i in self.view.canvas_scene.selectedItems()
                  if isinstance(i, (GroupCardItem, GroupFrameItem))}
        return [g.id for g in self.document.groups() if g.id in chosen]

    def selected_loose_nodes(self) -> list[str]:
        """Selected nodes drawn on their own (not through a card)."""
        scene = self.view.canvas_scene
        return [n for n, item in scene.nodes.items() if item.isSelected() and item.isVisible()]

    def emptied_by(self, node_ids) -> list[str]:
        """The groups that removing `node_ids` would leave empty, innermost first."""
        doc, doomed = self.document, set(node_ids)
        empty = [g.id for g in doc.groups() if set(doc.group_members(g.id)) <= doomed]
        depth = {g: len(_chain(doc, g)) for g in empty}
        return sorted(empty, key=lambda g: -depth[g])

    # -- group and ungroup ------------------------------------------------------------
    def group_selection(self, label: str | None = None) -> str:
        """Ctrl+G: a new group of the selected nodes and groups, inside the group they are all in."""
        doc = self.document
        nodes, groups = self.selected_loose_nodes(), self.selected_groups()
        if not nodes and not groups:
            raise GroupError("Select the layers (or groups) to group first.")
        parents = {doc.group_of(n) for n in nodes} | {doc.group(g).parent for g in groups}
        if len(parents) > 1:
            raise GroupError("The selection spans several groups: select layers of one group (or of none).")
        parent = parents.pop()
        if parent is not None and set(nodes) == set(doc.group(parent).nodes) and \
                set(groups) == set(doc.group_children(parent)):
            raise GroupError(f"The selection is already the group '{doc.group(parent).label}'.")
        label = label or _next_label(doc)
        command = GroupCommand(doc, label, nodes, groups, parent)
        self.stack.push(command)
        return command.group_id

    def ungroup(self, group_ids: list[str] | None = None) -> None:
        ids = group_ids if group_ids is not None else self.selected_groups()
        if not ids:
            raise GroupError("Select a group (its card, or its frame's title) to ungroup.")
        self.stack.push(UngroupCommand(self.document, ids))

    # -- one group -------------------------------------------------------------------------
    def toggle(self, group_id: str) -> None:
        """Collapse an expanded group, expand a collapsed one (double-click)."""
        collapsed = not self.document.group(group_id).collapsed
        self.set_collapsed([group_id], collapsed)

    def set_collapsed(self, group_ids: list[str], collapsed: bool) -> None:
        doc = self.document
        ids = [g for g in group_ids if doc.group(g).collapsed != collapsed]
        if not ids:
            return
        verb = "Collapse" if collapsed else "Expand"
        text = f"{verb} {doc.group(ids[0]).label}" if len(ids) == 1 else f"{verb} {len(ids)} groups"
        self.stack.beginMacro(text)
        for g in ids:
            self.stack.push(SetGroupCommand(doc, g, text, collapsed=collapsed))
        if self.relayout:
            self.view.canvas_scene.flush()
            self.view.auto_layout()
        self.stack.endMacro()

    def rename(self, group_id: str, label: str) -> None:
        label = label.strip()
        if not label or label == self.document.group(group_id).label:
            return
        self.stack.push(SetGroupCommand(self.document, group_id, f"Rename group to {label}", label=label))

    def make_block(self, group_id: str, on: bool = True) -> None:
        """Make the group a reusable block: a Keras sub-model named after its label on export."""
        group = self.document.group(group_id)
        if group.model == on:
            return
        text = f"Make {group.label} a reusable block" if on else f"Make {group.label} plain layers"
        self.stack.push(SetGroupCommand(self.document, group_id, text, model=on))

    def set_trainable(self, group_id: str, trainable: bool) -> None:
        """Freeze (or unfreeze) every layer of the group in one undo step."""
        doc = self.document
        members = doc.group_members(group_id)
        label = doc.group(group_id).label
        if trainable_state(doc, members) == ("trainable" if trainable else "frozen"):
            return
        text = f"{'Unfreeze' if trainable else 'Freeze'} {label}"
        self.stack.push(SetTrainableCommand(doc, trainable_nodes(doc, members), trainable, text))

    def expand_to(self, node_id: str) -> None:
        """Expand the collapsed groups around a node so that it is drawn (search jumps to it)."""
        doc = self.document
        group = doc.group_of(node_id)
        if group is not None:
            self.set_collapsed([g for g in _chain(doc, group) if doc.group(g).collapsed], False)


def _chain(document, group_id: str) -> list[str]:
    """The group and the groups around it, innermost first."""
    chain, g = [], group_id
    while g is not None:
        chain.append(g)
        g = document.group(g).parent
    return chain


def _next_label(document) -> str:
    taken = {g.label for g in document.groups()}
    i = 1
    while f"group {i}" in taken:
        i += 1
    return f"group {i}"
