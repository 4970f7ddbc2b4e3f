"""Small input widgets shared by the data and settings panels.

Each commits a value when the user is done with it (editingFinished, a
toggle, a choice), never while typing, so that one edit is one undo step.
`set_value` never emits: panels redraw from the project without echoing.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class PathField(QWidget):
    """A path with a Browse button. `edited(str)` when the text is committed or a file is chosen."""

    edited = Signal(str)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.editingFinished.connect(self._on_finished)
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("Choose…")
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)
        self._last = ""

    def value(self) -> str:
        return self.line.text().strip()

    def set_value(self, text: str | None) -> None:
        self._last = text or ""
        with QSignalBlocker(self.line):
            self.line.setText(self._last)

    def choose(self, path: str) -> None:
        self.set_value(path)
        self.edited.emit(path)

    def _on_finished(self) -> None:
        if self.value() != self._last:
            self._last = self.value()
            self.edited.emit(self._last)


class NumberField(QLineEdit):
    """A number, or nothing (None: the default applies). `edited(value)` when committed."""

    edited = Signal(object)

    def __init__(self, placeholder: str = "", integer: bool = False, minimum: float | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.integer = integer
        self.minimum = minimum
        self.setPlaceholderText(placeholder)
        if integer:
            self.setValidator(QIntValidator(int(minimum) if minimum is not None else -2**31, 2**31 - 1, self))
        else:
            validator = QDoubleValidator(self)
            validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
            self.setValidator(validator)
        self.editingFinished.connect(self._on_finished)
        self._last = None

    def value(self):
        text = self.text().strip()
        if not text:
            return None
        try:
            number = int(text) if self.integer else float(text)
        except ValueError:
            return None
        if isinstance(number, float) and not math.isfinite(number):
            return None
        if self.minimum is not None and number < self.minimum:
            return None
        return number

    def set_value(self, value) -> None:
        self._last = value
        with QSignalBlocker(self):
            self.setText("" if value is None else _number_text(value))

    def _on_finished(self) -> None:
        value = self.value()
        if value is None and self.text().strip():
            self.set_value(self._last)  # not a valid number: put the last value back
            return
        if value != self._last:
            self._last = value
            self.edited.emit(value)


class ChoiceField(QComboBox):
    """A choice among (value, text) pairs; editable ones also take free text. `edited(value)` on change."""

    edited = Signal(object)

    def __init__(self, choices: list[tuple[object, str]] | None = None, editable: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(editable)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._last = None
        self.set_choices(choices or [])
        self.activated.connect(lambda _i: self._commit())
        if editable:
            self.lineEdit().editingFinished.connect(self._commit)

    def set_choices(self, choices: list[tuple[object, str]]) -> None:
        with QSignalBlocker(self):
            current = self._last
            self.clear()
            for value, text in choices:
                self.addItem(text, value)
            self._show(current)

    def value(self):
        if self.isEditable():
            text = self.currentText().strip()
            index = self.findText(text)
            if index >= 0 and self.itemData(index) is not None:
                return self.itemData(index)
            return text or None
        return self.currentData()

    def set_value(self, value) -> None:
        self._last = value
        with QSignalBlocker(self):
            self._show(value)

    def _show(self, value) -> None:
        index = self.findData(value) if value is not None else -1
        if index < 0 and value is not None:
            index = self.findText(str(value))
        if index >= 0:
            self.setCurrentIndex(index)
        elif self.isEditable():
            self.setEditText("" if value is None else str(value))
        elif self.count():
            self.setCurrentIndex(-1)

    def _commit(self) -> None:
        value = self.value()
        if value != self._last:
            self._last = value
            self.edited.emit(value)


def scrolling_column(panel: QWidget) -> QVBoxLayout:
    """Fill `panel` with a frameless, vertically scrolling column; returns the column's layout."""
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(scroll)
    body = QWidget()
    scroll.setWidget(body)
    layout = QVBoxLayout(body)
    layout.setContentsMargins(10, 10, 10, 10)
    layout.setSpacing(10)
    return layout


def hint(text: str) -> QLabel:
    """A muted line of help under a field."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "secondary")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) >= 1 else repr(value)
    return repr(value) if isinstance(value, float) else str(value)


def parse_names(text: str) -> list[str]:
    """'a, b,  c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_shape(text: str) -> list[int] | None:
    """'28, 28, 1' -> [28, 28, 1]; '' -> None; ValueError naming the bad part."""
    parts = parse_names(text.replace("(", "").replace(")", "").replace("[", "").replace("]", "").replace("x", ","))
    if not parts:
        return None
    out = []
    for part in parts:
        try:
            out.append(int(part))
        except ValueError:
            raise ValueError(f"'{part}' is not a whole number") from None
    return out
