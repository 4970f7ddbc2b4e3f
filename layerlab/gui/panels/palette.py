"""The palette: the catalog's layers by category, filtered as you type, dragged onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QKeyEvent, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core import catalog
from layerlab.gui import icons
from layerlab.gui.panels.inspector import help_html

MIME_TYPE = "application/x-layerlab-layer"  # the canvas accepts drops of this type: data = type name (UTF-8)
_TYPE_ROLE = Qt.ItemDataRole.UserRole


def category_color(category: str) -> QColor:
    try:
        from layerlab.gui import theme

        return theme.category_color(category)
    except ImportError:  # pragma: no cover - the theme ships with the canvas half
        return QColor("#6b7280")


def layer_mime(type_name: str) -> QMimeData:
    """The drag payload for one layer type."""
    mime = QMimeData()
    mime.setData(MIME_TYPE, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


def drag_pixmap(type_name: str, color: QColor, ratio: float = 1.0) -> QPixmap:
    """A small chip in the category's colour that follows the cursor while dragging."""
    font = QFont()
    font.setBold(True)
    metrics = QFontMetrics(font)
    width, height = metrics.horizontalAdvance(type_name) + 34, metrics.height() + 14
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), 6, 6)
    painter.fillPath(path, QColor(255, 255, 255, 235))
    painter.setPen(QPen(color, 1.5))
    painter.drawPath(path)
    painter.fillRect(QRectF(8, height / 2 - 5, 10, 10), color)
    painter.setPen(QColor("#1f2937"))
    painter.setFont(font)
    painter.drawText(QRectF(24, 0, width - 26, height), Qt.AlignmentFlag.AlignVCenter, type_name)
    painter.end()
    return pixmap


class _LayerTree(QTreeWidget):
    """The tree of categories and layers; starts drags with the canvas's MIME type."""

    enterPressed = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None and item.data(0, _TYPE_ROLE):
            self.enterPressed.emit(item.data(0, _TYPE_ROLE))
            return
        super().keyPressEvent(event)

    def startDrag(self, _actions) -> None:  # noqa: N802 - Qt API
        item = self.currentItem()
        type_name = item.data(0, _TYPE_ROLE) if item is not None else None
        if not type_name:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime(type_name))
        spec = catalog.get(type_name)
        pixmap = drag_pixmap(type_name, category_color(spec.category if spec else ""), self.devicePixelRatioF())
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(12, round(pixmap.height() / pixmap.devicePixelRatio() / 2)))
        drag.exec(Qt.DropAction.CopyAction)


class PalettePanel(QWidget):
    """Lists every layer type; `layerActivated(type)` on double-click or Enter."""

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("PalettePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search", _muted(self)), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self.set_filter)
        self.search.returnPressed.connect(self._on_search_return)
        self.search.installEventFilter(self)
        layout.addWidget(self.search)
        self.tree = _LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.setIconSize(QSize(16, 16))
        self.tree.setUniformRowHeights(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.enterPressed.connect(self.layerActivated)
        layout.addWidget(self.tree)
        self.no_match = QLabel()
        self.no_match.setWordWrap(True)
        self.no_match.setProperty("role", "secondary")
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.no_match.hide()
        layout.addWidget(self.no_match, 1)
        self._categories: dict[str, QTreeWidgetItem] = {}
        self._populate()

    def _populate(self) -> None:
        for category, specs in catalog.by_category().items():
            color = category_color(category)
            top = QTreeWidgetItem([category])
            top.setIcon(0, icons.category_icon(category, color))
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            top.setToolTip(0, f"{len(specs)} layer type{'s' if len(specs) != 1 else ''}")
            for spec in sorted(specs, key=lambda s: s.type.lower()):
                child = QTreeWidgetItem([spec.type])
                child.setData(0, _TYPE_ROLE, spec.type)
                child.setIcon(0, icons.icon("dot", color))
                child.setToolTip(0, f"<b>{spec.type}</b><br>{help_html(spec.help)}<br><i>Drag onto the canvas, "
                                    "or double-click to add.</i>")
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                               | Qt.ItemFlag.ItemIsDragEnabled)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
            self._categories[category] = top

    def refresh_icons(self) -> None:
        """Draw the icons again in the current theme's colours (after a light/dark switch)."""
        self.search.actions()[0].setIcon(icons.icon("search", _muted(self)))
        for category, top in self._categories.items():
            color = category_color(category)
            top.setIcon(0, icons.category_icon(category, color))
            for i in range(top.childCount()):
                top.child(i).setIcon(0, icons.icon("dot", color))

    # -- filtering -----------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Show only the layers whose name, category or help mentions `text`."""
        query = text.strip().lower()
        for category, top in self._categories.items():
            shown = 0
            for i in range(top.childCount()):
                child = top.child(i)
                spec = catalog.get(child.data(0, _TYPE_ROLE))
                hit = (not query or query in spec.type.lower() or query in category.lower()
                       or (len(query) >= 4 and query in spec.help.lower()))
                child.setHidden(not hit)
                shown += hit
            top.setHidden(shown == 0)
            if query:
                top.setExpanded(True)
        first = self._first_visible()
        if query and first is not None:
            self.tree.setCurrentItem(first)
        self.tree.setVisible(first is not None)
        self.no_match.setVisible(first is None)
        self.no_match.setText(f"No layer type matches “{text.strip()}”." if first is None else "")

    def visible_types(self) -> list[str]:
        """The layer types the filter lets through, in display order."""
        out = []
        for top in self._categories.values():
            if top.isHidden():
                continue
            out += [top.child(i).data(0, _TYPE_ROLE) for i in range(top.childCount()) if not top.child(i).isHidden()]
        return out

    def _first_visible(self) -> QTreeWidgetItem | None:
        for top in self._categories.values():
            if not top.isHidden():
                for i in range(top.childCount()):
                    if not top.child(i).isHidden():
                        return top.child(i)
        return None

    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        for top in self._categories.values():
            for i in range(top.childCount()):
                if top.child(i).data(0, _TYPE_ROLE) == type_name:
                    return top.child(i)
        return None

    # -- activation ------------------------------------------------------------------
    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        type_name = item.data(0, _TYPE_ROLE)
        if type_name:
            self.layerActivated.emit(type_name)

    def _on_search_return(self) -> None:
        item = self.tree.currentItem() or self._first_visible()
        if item is not None and item.data(0, _TYPE_ROLE) and not item.isHidden():
            self.layerActivated.emit(item.data(0, _TYPE_ROLE))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.search and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):  # arrows walk the list while typing
                self.tree.setFocus()
                self.tree.keyPressEvent(event)
                return True
        return super().eventFilter(watched, event)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


def _muted(widget: QWidget) -> QColor:
    color = widget.palette().color(QPalette.ColorRole.WindowText)
    color.setAlphaF(0.55)
    return color

