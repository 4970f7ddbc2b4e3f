"""Help › User Guide (docs/user-guide.md, rendered) and Help › Keyboard Shortcuts (read from the menus).

The shortcuts page is built from the window's real actions each time it
opens, so it cannot drift from the keys that work; only the keys the canvas
handles itself (CanvasView.keyPressEvent) are listed by hand.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from layerlab.resources import docs_path

GUIDE = "user-guide.md"
# Keys the canvas handles itself, not actions (see CanvasView.keyPressEvent and CanvasView.eventFilter).
CANVAS_KEYS = (
    ("Canvas", "Add a layer by name", "Tab"),
    ("Canvas", "Nudge the selection by a grid step (by five with Shift)", "Arrows, Shift+Arrows"),
    ("Canvas", "Delete the selection", "Delete, Backspace"),
    ("Canvas", "Cancel a wire drag, or clear the selection", "Esc"),
    ("Canvas", "Pan", "Space+drag, middle button"),
)


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(menu, what, keys) for every menu action with a shortcut, in menu order, then the canvas's own keys."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{where} › {action.menu().title().replace('&', '')}")
                continue
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys and not action.isSeparator():
                rows.append((where, action.text().replace("&", "").rstrip("…").strip(), keys))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.menu().title().replace("&", ""))
    return rows + list(CANVAS_KEYS)


class ShortcutsDialog(QDialog):
    """A table of every shortcut: menu, what it does, keys."""

    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(560, 620)
        layout = QVBoxLayout(self)
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Does", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


class _GuideBrowser(QTextBrowser):
    """A text browser whose pictures (the docs' full-window screenshots) are scaled down to its width."""

    def loadResource(self, kind: int, name: QUrl):  # noqa: N802 - Qt API
        resource = super().loadResource(kind, name)
        if kind != QTextDocument.ResourceType.ImageResource.value or resource is None:
            return resource
        image = resource if isinstance(resource, QImage) else QImage.fromData(resource)
        room = max(200, self.viewport().width() - 2 * int(self.document().documentMargin()) - 24)
        if image.isNull() or image.width() <= room:
            return resource
        return image.scaledToWidth(room, Qt.TransformationMode.SmoothTransformation)


class GuideDialog(QDialog):
    """The user guide, rendered from its Markdown; links to the other docs pages open in the same view."""

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("GuideDialog")
        self.setWindowTitle("LayerLab User Guide")
        self.resize(820, 760)
        layout = QVBoxLayout(self)
        self.browser = _GuideBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.ResourceType.MarkdownResource)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


def guide_path() -> Path:
    return docs_path(GUIDE)


def show_user_guide(window) -> QDialog | None:
    """Open the guide (one window, raised if already open); a missing guide is said, naming where it looked."""
    path = guide_path()
    if not path.is_file():
        window.dialogs.error(window, "The user guide is missing",
                             f"{path} is not there: reinstall LayerLab, or read the guide in its repository.")
        return None
    return _show(window, "guide", lambda: GuideDialog(path, window))


def show_about(window) -> None:
    from layerlab import __version__

    window.dialogs.info(window, "About LayerLab", f"LayerLab {__version__}\n\nBuild, check, train and export "
                        "Keras models by drag and drop.")


def show_shortcuts(window) -> QDialog:
    return _show(window, "shortcuts", lambda: ShortcutsDialog(window))


def _show(window, key: str, make) -> QDialog:
    dialogs = getattr(window, "_help_dialogs", None)
    if dialogs is None:
        dialogs = window._help_dialogs = {}
    dialog = dialogs.get(key)
    if dialog is None:
        dialog = dialogs[key] = make()
    dialog.show()
    dialog.raise_()
    return dialog
