"""Every question the window asks: message boxes and file choosers, behind one `Dialogs` record.

Tests replace the record's functions (answers, chosen paths) instead of mocking Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
OVERWRITE, SAVE_AS = "overwrite", "save as…"
ACCEPTING = {"restore": QMessageBox.ButtonRole.AcceptRole, SAVE_AS: QMessageBox.ButtonRole.AcceptRole,
             OVERWRITE: QMessageBox.ButtonRole.DestructiveRole}


def _qt_ask(parent: QWidget | None, title: str, text: str, choices: tuple[str, ...], informative: str = "") -> str:
    """Ask with a message box; `choices` are among SAVE, DISCARD, CANCEL, OVERWRITE, SAVE_AS, "restore", "later"."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
    standard = {SAVE: QMessageBox.StandardButton.Save, DISCARD: QMessageBox.StandardButton.Discard,
                CANCEL: QMessageBox.StandardButton.Cancel}
    buttons = {}
    for choice in choices:
        if choice in standard:
            buttons[box.addButton(standard[choice])] = choice
        else:
            role = ACCEPTING.get(choice, QMessageBox.ButtonRole.RejectRole)
            buttons[box.addButton(choice.capitalize(), role)] = choice
    first = next(iter(buttons), None)
    if first is not None:
        box.setDefaultButton(first)
    box.exec()
    return buttons.get(box.clickedButton(), choices[-1])


def _qt_open(parent: QWidget | None, caption: str, start: str, filters: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, caption, start, filters)
    return path or None


def _qt_save(parent: QWidget | None, caption: str, start: str, filters: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, caption, start, filters)
    return path or None


def _qt_error(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text.splitlines()[0] if text else title,
                      QMessageBox.StandardButton.Ok, parent)
    rest = "\n".join(text.splitlines()[1:])
    if rest:
        box.setInformativeText(rest)
    box.exec()


def _qt_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def _qt_notify(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """A message that does not block: the window stays usable while it is shown."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText(details)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


@dataclass
class Dialogs:
    """Every question the window asks; tests replace these functions instead of mocking Qt."""

    ask: Callable[..., str] = _qt_ask
    open_file: Callable[..., str | None] = _qt_open
    save_file: Callable[..., str | None] = _qt_save
    error: Callable[..., None] = _qt_error
    info: Callable[..., None] = _qt_info
    notify: Callable[..., None] = _qt_notify  # (parent, title, text, details): non-modal
