"""Find in the model (Ctrl+F on the canvas): nodes by name, type or group, one match at a time.

Typing shows the first match at once (selected, in view, at a readable zoom);
Enter and Shift+Enter step to the next and the previous. A match inside a
collapsed group shows as its group's card; Enter on it expands the group
(one undo step), so the node itself can be seen. Esc closes the bar.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton

from layerlab.gui.canvas import style


def find_nodes(document, text: str) -> list[str]:
    """Node ids whose id, layer name, type or group labels contain `text` (any case), in node order."""
    needle = text.strip().lower()
    if not needle:
        return []
    labels = {g.id: g.label.lower() for g in document.groups()}
    parents = {g.id: g.parent for g in document.groups()}
    found = []
    for node in document.nodes():
        words = [node.id.lower(), node.layer_name.lower(), node.type.lower()]
        g = document.group_of(node.id)
        while g is not None:
            words.append(labels[g])
            g = parents[g]
        if any(needle in w for w in words):
            found.append(node.id)
    return found


class SearchBar(QFrame):
    """The find bar at the top right of the canvas."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setObjectName("canvasSearch")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 4, 4)
        row.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Find layer, type or group…")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(220)
        self.edit.textChanged.connect(self._on_text)
        self.edit.installEventFilter(self)
        self.count = QLabel()
        self.count.setMinimumWidth(54)
        self.count.setProperty("role", "secondary")
        row.addWidget(self.edit, 1)
        row.addWidget(self.count)
        for text, tip, slot in (("↑", "Previous match (Shift+Enter)", self.previous),
                                ("↓", "Next match (Enter)", self.next),
                                ("✕", "Close (Esc)", self.close_bar)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            row.addWidget(button)
        self.matches: list[str] = []
        self.current = -1
        self.hide()

    def open(self) -> None:
        self.show()
        self.raise_()
        self.place()
        self.edit.setFocus()
        self.edit.selectAll()
        if self.edit.text():
            self._on_text(self.edit.text())

    def close_bar(self) -> None:
        self.hide()
        self.view.setFocus()

    def place(self) -> None:
        self.adjustSize()
        vp = self.view.viewport().geometry()
        self.move(vp.right() - self.width() - 10, vp.top() + 10)

    # -- matching ---------------------------------------------------------------------
    def _on_text(self, text: str) -> None:
        self.matches = find_nodes(self.view.document, text)
        self.current = -1
        if self.matches:
            self._go(0, expand=False)
        else:
            self._show_count()

    def next(self) -> None:
        if self.matches:
            self._go((self.current + 1) % len(self.matches) if self._landed() else max(self.current, 0))

    def previous(self) -> None:
        if self.matches:
            self._go((self.current - 1) % len(self.matches))

    def _landed(self) -> bool:
        """The current match is shown as itself (not folded in a card that Enter should expand first)."""
        return self.current >= 0 and self.matches[self.current] not in self.view.canvas_scene.group_layer.folded

    def _go(self, index: int, expand: bool = True) -> None:
        self.current = index
        node_id = self.matches[index]
        view, layer = self.view, self.view.canvas_scene.group_layer
        if expand and node_id in layer.folded:
            view.groups.expand_to(node_id)
            view.canvas_scene.flush()
        item = layer.item_for(node_id)
        if item is None:
            return
        if item is view.canvas_scene.nodes.get(node_id):
            view.select_nodes([node_id])
        else:  # still folded: its group's card stands for it
            view.canvas_scene.clearSelection()
            item.setSelected(True)
        if view.scale_factor() < style.READABLE_SCALE:
            view.set_scale(style.READABLE_SCALE)
        view.centerOn(item.sceneBoundingRect().center())
        self._show_count()

    def _show_count(self) -> None:
        if not self.edit.text().strip():
            self.count.setText("")
        elif not self.matches:
            self.count.setText("no match")
        else:
            folded = self.matches[self.current] in self.view.canvas_scene.group_layer.folded
            self.count.setText(f"{self.current + 1} of {len(self.matches)}" + (" ⊞" if folded else ""))
            self.count.setToolTip("In a collapsed group: Enter expands it" if folded else "")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.previous()
                else:
                    self.next()
                return True
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)
