"""The welcome view shown on an empty start: new, open, recent projects and the bundled examples."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from layerlab.gui import icons
from layerlab.gui.panels.palette import MIME_TYPE


class WelcomeView(QWidget):
    """Offers the ways to start; a layer dropped here starts a new model with it."""

    newRequested = Signal()
    openRequested = Signal()
    pathChosen = Signal(str)  # a recent project
    exampleChosen = Signal(str)  # an example (opened as an untitled copy)
    layerDropped = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("WelcomeView")
        self.setAcceptDrops(True)
        self.setAutoFillBackground(True)
        # in a scroll area: a short canvas (a tall bottom panel) scrolls the page instead of crushing its lists
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        page = QWidget()
        page.setAutoFillBackground(False)
        scroll.setWidget(page)
        scroll.viewport().setAutoFillBackground(False)
        holder = QVBoxLayout(self)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addWidget(scroll)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(2)
        column = QWidget()
        column.setMaximumWidth(720)
        column.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 10)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

        body = QVBoxLayout(column)
        body.setSpacing(14)
        head = QHBoxLayout()
        head.setSpacing(16)
        logo = QLabel()
        logo.setPixmap(icons.render("app", 64, None, self.devicePixelRatioF()))
        logo.setFixedSize(64, 64)
        head.addWidget(logo)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = QLabel("LayerLab")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        subtitle = QLabel("Build, check and train Keras models by drag and drop.")
        subtitle.setProperty("role", "secondary")
        titles.addStretch(1)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        titles.addStretch(1)
        head.addLayout(titles, 1)
        body.addLayout(head)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.new_button = QPushButton(icons.icon("new"), "New model")
        self.new_button.setDefault(True)
        self.new_button.clicked.connect(self.newRequested)
        self.open_button = QPushButton(icons.icon("open"), "Open…")
        self.open_button.clicked.connect(self.openRequested)
        for b in (self.new_button, self.open_button):
            b.setIconSize(QSize(18, 18))
            b.setMinimumHeight(34)
            b.setMinimumWidth(130)
            buttons.addWidget(b)
        buttons.addStretch(1)
        body.addLayout(buttons)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        body.addWidget(line)

        lists = QGridLayout()
        lists.setHorizontalSpacing(32)
        lists.setVerticalSpacing(6)
        lists.setColumnStretch(0, 1)
        lists.setColumnStretch(1, 1)
        lists.addWidget(_heading("Examples"), 0, 0)
        lists.addWidget(_heading("Recent"), 0, 1)
        self._examples = QVBoxLayout()
        self._examples.setSpacing(2)
        self._recent = QVBoxLayout()
        self._recent.setSpacing(2)
        lists.addLayout(self._examples, 1, 0, Qt.AlignmentFlag.AlignTop)
        lists.addLayout(self._recent, 1, 1, Qt.AlignmentFlag.AlignTop)
        body.addLayout(lists)

        hint = QLabel("Tip: drag a layer from the Layers panel onto the canvas, then wire its ports.")
        hint.setProperty("role", "secondary")
        hint.setWordWrap(True)
        body.addSpacing(6)
        body.addWidget(hint)

    def set_examples(self, examples: list[tuple[str, Path]]) -> None:
        """(title, path) of each bundled example."""
        _clear(self._examples)
        if not examples:
            self._examples.addWidget(_muted("No examples are installed."))
        for title, path in examples:
            button = _entry(icons.icon("example"), title, str(path))
            button.clicked.connect(lambda _=False, p=str(path): self.exampleChosen.emit(p))
            self._examples.addWidget(button)

    def set_recent(self, paths: list[Path]) -> None:
        _clear(self._recent)
        if not paths:
            self._recent.addWidget(_muted("No recent projects yet."))
        for path in paths[:8]:
            button = _entry(icons.icon("recent"), path.name, str(path))
            button.clicked.connect(lambda _=False, p=str(path): self.pathChosen.emit(p))
            self._recent.addWidget(button)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasFormat(MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()  # files go to the window

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasFormat(MIME_TYPE):
            self.layerDropped.emit(bytes(event.mimeData().data(MIME_TYPE)).decode("utf-8"))
            event.acceptProposedAction()
        else:
            event.ignore()


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "secondary")
    label.setContentsMargins(6, 4, 0, 4)
    return label


def _entry(icon, title: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon)
    button.setIconSize(QSize(18, 18))
    button.setText(title)
    button.setToolTip(tooltip)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setForegroundRole(QPalette.ColorRole.Link)
    button.setStyleSheet("QToolButton { text-align: left; padding: 4px 6px; }")
    return button


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
