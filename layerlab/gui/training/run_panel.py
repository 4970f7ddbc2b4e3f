"""Train, Stop and Continue, the progress bar, and the message a run ends with.

The buttons show the controller's QActions (the same ones as the Run menu),
so they are enabled and disabled in one place.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.training.messages import ERROR, INFO, OK, WARNING
from layerlab.gui import icons

_ICONS = {OK: "ok", INFO: "dot", WARNING: "warning", ERROR: "error"}
NO_DATA = "The project has no data to train on: choose a source in the Data panel."


def _button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAutoRaise(False)
    button.setMinimumHeight(28)
    return button


class RunPanel(QWidget):
    """The run bar. `more_epochs` is the N of 'Continue for N more epochs'.

    Signals:
        dataRequested(): the user asked for the Data panel (from the "no data" message's button).
    """

    dataRequested = Signal()  # noqa: N815 - Qt naming

    def __init__(self, train: QAction, stop: QAction, cont: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("RunPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.train_button = _button(train)
        self.stop_button = _button(stop)
        self.continue_button = _button(cont)
        self.more_epochs = QSpinBox()
        self.more_epochs.setRange(1, 100_000)
        self.more_epochs.setValue(5)
        self.more_epochs.setSuffix(" more epochs")
        self.more_epochs.setToolTip("How many epochs Continue adds")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(14)
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.progress_text = QLabel()
        self.progress_text.setProperty("role", "secondary")
        self.progress_text.setMinimumWidth(360)
        for widget in (self.train_button, self.stop_button, self.continue_button, self.more_epochs):
            row.addWidget(widget)
        row.addSpacing(10)
        row.addWidget(self.progress, 1)
        row.addWidget(self.progress_text)
        layout.addLayout(row)
        message_row = QHBoxLayout()
        message_row.setSpacing(6)
        self.message_icon = QLabel()
        self.message_icon.setFixedSize(16, 16)
        self.message = QLabel()
        self.message.setObjectName("runMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        message_row.addWidget(self.message_icon, 0, Qt.AlignmentFlag.AlignTop)
        message_row.addWidget(self.message, 1)
        self.data_button = QPushButton("Choose the Data…")
        self.data_button.setObjectName("runChooseData")
        self.data_button.setToolTip("Open the Data panel")
        self.data_button.clicked.connect(self.dataRequested)
        self.data_button.hide()
        message_row.addWidget(self.data_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(message_row)
        self.level = INFO
        self._icon_look: tuple | None = None
        self.show_message(INFO, "Choose the data and the settings, then press Train.")

    def show_message(self, level: str, text: str) -> None:
        """The panel's one message: how the last run ended, or what is happening."""
        self.data_button.hide()
        self.level = level
        self.message.setText(text)
        role = "error" if level == ERROR else ""
        if self.message.property("role") != role:  # re-styling is dear: only when the role changes
            self.message.setProperty("role", role)
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)
        # Several messages come in the first second of a run (its phases): the icon is drawn once per look.
        look = (_ICONS.get(level, "dot"), self.devicePixelRatioF(), self.palette().color(QPalette.ColorRole.WindowText))
        if look != self._icon_look:
            self._icon_look = look
            self.message_icon.setPixmap(icons.render(look[0], 16, None, look[1]))

    def show_no_data(self) -> None:
        """Train was pressed without data: say so, with the way to the Data panel."""
        self.show_message(ERROR, NO_DATA)
        self.data_button.show()

    def show_progress(self, fraction: float, text: str) -> None:
        # At least one step of the thousand: after the busy state, Qt's Fusion style keeps the busy animation
        # running (60 repaints a second, the editor's largest cost during a run) while the bar shows zero.
        # QProgressBar.setValue repaints at once, and a repaint paints every part of the window waiting for
        # one (the plots): the report's event would take the paints of other events with it. Updated instead.
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(max(1, round(max(0.0, min(1.0, fraction)) * 1000)))
        self.progress.setUpdatesEnabled(True)
        self.progress_text.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While busy and before the first batch, the bar moves without a known end."""
        value = self.progress.value()
        self.progress.setRange(0, 0 if busy else 1000)
        if not busy:
            self.progress.setValue(max(1, value))  # see show_progress
