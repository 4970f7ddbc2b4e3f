"""The Runs tab: the run bar on top, the list of runs on the left, the curves and the results on the right.

The plots and the results need pyqtgraph, which takes most of a second to
import, so they are created the first time there is something to show (a
run starts, a trained project opens, the tab is shown), never at start-up.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from layerlab.core.training.series import RunHistory
from layerlab.gui.training.run_panel import RunPanel
from layerlab.gui.training.runs import RunsPanel


class TrainingView(QWidget):
    def __init__(self, history: RunHistory, run_panel: RunPanel, ask_path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("TrainingView")
        self.history = history
        self._ask_path = ask_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.run_panel = run_panel
        layout.addWidget(run_panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.runs = RunsPanel(history)
        self.runs.setMinimumWidth(220)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._curves_holder = QWidget()
        holder = QVBoxLayout(self._curves_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        waiting = QLabel("The loss and the metrics appear here while the model trains.")
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        waiting.setProperty("role", "secondary")
        holder.addWidget(waiting)
        self._waiting = waiting
        self.tabs.addTab(self._curves_holder, "Curves")
        self._results_holder = QWidget()
        QVBoxLayout(self._results_holder).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self._results_holder, "Results")
        self.splitter.addWidget(self.runs)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])
        layout.addWidget(self.splitter, 1)
        self.plots = None  # MetricPlots
        self.results = None  # ResultsPanel

    def ensure_plots(self):
        """The MetricPlots (made on first use)."""
        if self.plots is None:
            from layerlab.gui.training.plots import MetricPlots

            self.plots = MetricPlots(self.history, self._ask_path)
            self._waiting.hide()
            self._curves_holder.layout().addWidget(self.plots)
        return self.plots

    def ensure_results(self):
        """The ResultsPanel (made on first use)."""
        if self.results is None:
            from layerlab.gui.training.results import ResultsPanel

            self.results = ResultsPanel()
            self._results_holder.layout().addWidget(self.results)
        return self.results

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.history.lineages:
            self.ensure_plots().rebuild()
