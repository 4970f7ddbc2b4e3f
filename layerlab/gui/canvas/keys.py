"""The canvas's keyboard: Space to pan, Escape, Delete, arrows to nudge, and the standard shortcuts.

The window's actions claim most shortcuts first; these are for when no
window action has them (a canvas in a test, or a shortcut the window lacks).
(Tab, which opens the quick-add popup, is the view's: Qt hands it out before key presses.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGraphicsView

from layerlab.gui.canvas import style
from layerlab.gui.canvas.context_menu import try_group_action

_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


class CanvasKeys:
    """Handles the view's key events; each method returns True when it took the event."""

    def __init__(self, view):
        self.view = view
        self.space_held = False  # Space down: the view pans with the mouse instead of selecting

    def press(self, event) -> bool:
        view = self.view
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.space_held = True
            view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            view.setInteractive(False)
            return True
        if key == Qt.Key.Key_Escape:
            if view.wiring.active:
                view.wiring.cancel()
            else:
                view.canvas_scene.clearSelection()
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            view.delete_selected()
            return True
        if key in _ARROWS and view.selected_ids():
            step = style.GRID * (5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            view.nudge(_ARROWS[key][0] * step, _ARROWS[key][1] * step)
            return True
        for sequence, action in ((QKeySequence.StandardKey.SelectAll, view.select_all),
                                 (QKeySequence.StandardKey.Copy, view.copy),
                                 (QKeySequence.StandardKey.Cut, view.cut),
                                 (QKeySequence.StandardKey.Paste, view.paste),
                                 (QKeySequence.StandardKey.Undo, view.undo_stack.undo),
                                 (QKeySequence.StandardKey.Redo, view.undo_stack.redo)):
            if event.matches(sequence):
                action()
                return True
        if event.matches(QKeySequence.StandardKey.Find):
            view.search.open()
            return True
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if key == Qt.Key.Key_G and control:
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            try_group_action(view, view.groups.ungroup if shift else view.groups.group_selection)
            return True
        if key == Qt.Key.Key_D and control:
            view.duplicate()
            return True
        return False

    def release(self, event) -> bool:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self.space_held:
            self.end_pan()
            return True
        return False

    def end_pan(self) -> None:
        """Back from Space-panning to selecting (Space released, or the focus gone while it was held)."""
        self.space_held = False
        self.view.setInteractive(True)
        self.view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
