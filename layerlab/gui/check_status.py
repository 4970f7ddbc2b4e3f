"""The window's check status: the status bar's verdict on the model and the Problems tab's count.

"Empty model", "Loading Keras…", "2 errors" or "12 layers · 1,234 params",
with an icon; a crashed check engine said in words while a new one starts.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from layerlab.core.shapes import CheckReport
from layerlab.gui import icons
from layerlab.gui.checking import CheckService

PROBLEMS_TAB = 1  # the Problems tab's index in the bottom dock's tabs


class CheckStatus(QObject):
    """Keeps the status bar's check label and the Problems tab's title up to date.

    A child of the window, so that Qt drops its connections with the window.
    """

    def __init__(self, window: QMainWindow, service: CheckService, tabs: QTabWidget):
        super().__init__(window)
        self.window = window
        self.service = service
        self.tabs = tabs
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setContentsMargins(0, 0, 8, 0)
        status = window.statusBar()
        status.addPermanentWidget(self.icon)
        status.addPermanentWidget(self.label)
        self.show(None)

    def show(self, report: CheckReport | None) -> None:
        """Show `report` (None: no answer yet) for the window's document."""
        service = self.service
        if not len(service.document):
            self.icon.clear()
            self.label.setText("Empty model")
            return
        if report is None or service.pending and not service.keras_loaded:
            name, text = "pending", "Loading Keras…" if not service.keras_loaded else "Checking shapes…"
        elif report.errors:
            count = len(report.errors)
            name, text = "error", f"{count} error{'s' if count != 1 else ''}"
        else:
            layers = len(service.document)
            name = "warning" if report.warnings else "ok"
            text = f"{layers} layer{'s' if layers != 1 else ''} · {report.total_params:,} params"
            if report.warnings:
                text += f" · {len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}"
        self.icon.setPixmap(icons.render(name, 16, None, self.window.devicePixelRatioF()))
        self.label.setText(text)

    def on_problem_count(self, errors: int, warnings: int) -> None:
        total = errors + warnings
        self.tabs.setTabText(PROBLEMS_TAB, f"Problems ({total})" if total else "Problems")
        self.tabs.setTabIcon(PROBLEMS_TAB, icons.icon("error") if errors else icons.icon("warning") if warnings
                             else icons.icon("ok"))

    def on_engine_died(self, reason: str) -> None:
        """The check engine crashed: say so; a new one is starting and shapes come back when it answers."""
        restarting = not self.service.engine.gave_up
        self.window.statusBar().showMessage(
            reason + (" Restarting it; shapes come back in a moment." if restarting else ""),
            15_000 if restarting else 0)
        self.show(None)
