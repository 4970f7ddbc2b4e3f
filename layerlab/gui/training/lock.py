"""Editing during a run: the model is locked, and the window says so.

The decision: lock, rather than let edits make a new version. A run trains a
copy of the graph taken when it started, so an edit could not corrupt it;
but the plots, the results, the weights shown in the inspector and Continue
all describe that model, and a graph that drifted from it mid-run would make
them lie. So while a run goes on:

- the canvas is read-only: zoom, pan (wheel, middle button, Space-drag) and
  copy work; clicks, drags, keys that edit, drops and its context menu are
  refused;
- the inspector, the palette, the Data and Training panels are disabled;
- the window's editing and file-switching actions are disabled (Save stays);
- a banner across the top of the canvas says: "Training: the model is locked
  until the run ends or is stopped". It lies over the canvas (LockBanner.overlay)
  rather than pushing it down: the model must not jump when a run starts or ends.

Everything comes back as it was when the run ends.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QGraphicsView, QHBoxLayout, QLabel, QWidget

from layerlab.gui import icons

BANNER_TEXT = "Training: the model is locked until the run ends or is stopped"

_MOUSE = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
          QEvent.Type.MouseMove)
_DRAG = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
_ALLOWED_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Escape, Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt,
                 Qt.Key.Key_Meta)


class LockBanner(QFrame):
    """The strip across the top of the canvas while the model is locked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingLockBanner")
        self.setStyleSheet("QFrame#trainingLockBanner { background: #fef3c7; border-bottom: 1px solid #f59e0b; }"
                           "QFrame#trainingLockBanner QLabel { color: #78350f; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 10, 5)
        layout.setSpacing(8)
        icon = QLabel()
        icon.setPixmap(icons.render("lock", 16, "#92400e"))
        self.label = QLabel(BANNER_TEXT)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def overlay(self, host: QWidget) -> None:
        """Lie over the top of `host` (the canvas) instead of taking room above it, following its width.

        In a layout, showing the banner shrank the canvas and the view, anchored at its centre, moved
        the model up by half the banner's height.
        """
        self.setParent(host)  # out of any layout it was in
        self.setAutoFillBackground(True)
        host.installEventFilter(self)
        self._place()

    def _place(self) -> None:
        host = self.parentWidget()
        if host is not None:
            self.setGeometry(0, 0, host.width(), self.sizeHint().height())
            self.raise_()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._place()
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False


class EditLock(QObject):
    """Locks the canvas and what `targets()` gives (widgets and QActions); `changed(locked)` after each switch."""

    changed = Signal(bool)

    def __init__(self, canvas: QGraphicsView, targets: Callable[[], list[QWidget | QAction]], banner: LockBanner,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.canvas = canvas
        self.targets = targets
        self.banner = banner
        self.locked = False
        self.refused = 0  # events refused while locked, for tests
        self._items: list = []
        self._saved: dict[int, bool] = {}

    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.canvas.installEventFilter(self)
        self.canvas.viewport().installEventFilter(self)
        self._items = [item for item in self.targets() if item is not None]
        self._saved = {}
        for item in self._items:
            self._saved[id(item)] = item.isEnabled()
            item.setEnabled(False)
        self.banner.show()
        self.changed.emit(True)

    def unlock(self) -> None:
        if not self.locked:
            return
        self.locked = False
        self.canvas.removeEventFilter(self)
        self.canvas.viewport().removeEventFilter(self)
        for item in self._items:
            item.setEnabled(self._saved.get(id(item), True))
        self._saved = {}
        self._items = []
        self.banner.hide()
        self.changed.emit(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if not self.locked:
            return False
        kind = event.type()
        if kind in _MOUSE:
            if self.canvas.dragMode() == QGraphicsView.DragMode.ScrollHandDrag:
                return False  # Space held: dragging pans the view
            buttons = event.buttons() | event.button()
            if buttons & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
                return self._refuse(event)
            return False  # hover (tooltips) and the middle button (pan) are fine
        if kind in _DRAG or kind == QEvent.Type.ContextMenu:
            return self._refuse(event)
        if kind == QEvent.Type.KeyPress:
            if event.key() in _ALLOWED_KEYS or event.matches(QKeySequence.StandardKey.Copy):
                return False
            return self._refuse(event)
        return False

    def _refuse(self, event: QEvent) -> bool:
        self.refused += 1
        event.ignore()
        return True
