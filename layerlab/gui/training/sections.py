"""The project's `dataset` and `training` sections, edited through undo commands.

The sections are plain dicts on the Project (not in the graph document), so
`SectionStore` is their notifier: every change goes through
`SetSectionCommand` on the window's undo stack (undoable, and it marks the
project modified like any graph edit), and the store announces it with
`changed(key)`. Panels redraw from the store; none keeps a copy.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from layerlab.core.project import Project

SECTIONS = ("dataset", "training")
_SET_SECTION_ID = 0x4C4C10  # consecutive edits of one field of one section merge (QUndoStack)


class SectionStore(QObject):
    """Reads and writes `project.dataset` / `project.training`; `changed(key)` after each write."""

    changed = Signal(str)

    def __init__(self, project: Project, undo_stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.undo_stack = undo_stack

    def get(self, key: str) -> dict:
        """A copy of the section (an empty dict when the project has none)."""
        return copy.deepcopy(getattr(self.project, _check(key)) or {})

    def raw(self, key: str) -> dict | None:
        """The section as the project holds it (None when absent). Read it; never mutate it."""
        return getattr(self.project, _check(key))

    def write(self, key: str, value: dict | None) -> None:
        """Replace a section without an undo step (the commands call this)."""
        setattr(self.project, _check(key), copy.deepcopy(value) if value else None)
        self.changed.emit(key)

    def edit(self, key: str, value: dict, field: str | None = None, text: str | None = None,
             merge: bool = True) -> None:
        """Replace a section as one undoable step (nothing is pushed when nothing changes).

        With `merge`, a run of edits of the same `field` (a spin box stepped up several times) is one step.
        """
        new = value or None
        if new == self.raw(key):
            return
        self.undo_stack.push(SetSectionCommand(self, key, new, field if merge else None, text, label=field))

    def set_field(self, key: str, field: str, value, merge: bool = True) -> None:
        """Set (or, with None, remove) one key of a section as one undoable step."""
        section = self.get(key)
        if value is None:
            section.pop(field, None)
        else:
            section[field] = copy.deepcopy(value)
        self.edit(key, section, field, merge=merge)

    def reload(self) -> None:
        """The project was replaced (opened, new): tell every panel."""
        for key in SECTIONS:
            self.changed.emit(key)


class SetSectionCommand(QUndoCommand):
    """Replace the dataset or training section; edits of the same `field` in a row merge into one step.

    `field` None never merges (e.g. turning a callback on, then setting one of its parameters: two steps).
    """

    def __init__(self, store: SectionStore, key: str, new: dict | None, field: str | None = None,
                 text: str | None = None, parent: QUndoCommand | None = None, label: str | None = None):
        what = "data" if key == "dataset" else "training settings"
        label = label or field
        super().__init__(text or (f"Set {label} ({what})" if label else f"Edit the {what}"), parent)
        self.store = store
        self.key = key
        self.field = field
        self.old = copy.deepcopy(store.raw(key))
        self.new = copy.deepcopy(new)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _SET_SECTION_ID if self.field is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetSectionCommand) or other.store is not self.store:
            return False
        if other.key != self.key or self.field is None or other.field != self.field:
            return False
        self.new = copy.deepcopy(other.new)
        if self.new == self.old:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self.store.write(self.key, self.new)

    def undo(self) -> None:
        self.store.write(self.key, self.old)


def _check(key: str) -> str:
    if key not in SECTIONS:
        raise KeyError(f"no project section {key!r}; the sections are {', '.join(SECTIONS)}")
    return key
