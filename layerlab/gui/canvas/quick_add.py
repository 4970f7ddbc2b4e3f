"""The quick-add popup: Tab on the canvas, type a few letters, Enter adds that layer at the cursor."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from layerlab.core import catalog
from layerlab.gui import theme


def rank(query: str, type_name: str, category: str) -> tuple | None:
    """Sort key for a catalog type against what was typed (None: no match)."""
    q = query.strip().lower()
    name = type_name.lower()
    if not q:
        return (0, catalog.CATEGORIES.index(category), name)
    if name.startswith(q):
        return (0, len(name), name)
    if q in name:
        return (1, name.index(q), name)
    if q in category.lower():
        return (2, 0, name)
    it = iter(name)  # letters in order, e.g. "gap2" finds GlobalAveragePooling2D
    if all(ch in it for ch in q):
        return (3, len(name), name)
    return None


def _swatch(color: QColor) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(1, 1, 10, 10, 3, 3)
    p.end()
    return QIcon(pix)


class QuickAddPopup(QFrame):
    """A search box over the catalog; emits `chosen(type_name)` on Enter or a click."""

    chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Add a layer…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.resize(280, 320)
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(self._choose_item)
        self.list.itemClicked.connect(self._choose_item)
        self._filter("")

    def open_at(self, global_pos: QPoint) -> None:
        self.search.clear()
        self._filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def types(self) -> list[str]:
        """The type names listed now, in order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _filter(self, text: str) -> None:
        matches = []
        for spec in catalog.all_specs():
            key = rank(text, spec.type, spec.category)
            if key is not None:
                matches.append((key, spec))
        matches.sort(key=lambda ks: ks[0])
        self.list.clear()
        for _key, spec in matches:
            item = QListWidgetItem(_swatch(theme.category_color(spec.category)), f"{spec.type}")
            item.setData(Qt.ItemDataRole.UserRole, spec.type)
            item.setToolTip(f"{spec.category}: {spec.help}")
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.list.keyPressEvent(event)  # arrows move in the list while typing goes on
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_item(self.list.currentItem())
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(obj, event)

    def _choose_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        type_name = item.data(Qt.ItemDataRole.UserRole)
        self.close()
        self.chosen.emit(type_name)
