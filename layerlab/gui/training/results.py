"""After training: the metrics on held-out data, the confusion matrix, and sample predictions.

Shows an `Evaluation` (computed on the training thread): which samples were
used and why (the test set, else the validation split), every metric Keras
reports for them, a confusion matrix heat map for classifiers, and the first
samples with what the model predicted. The confusion view uses pyqtgraph,
created when the first results arrive.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.training.messages import format_metric
from layerlab.gui.training.predictions import SamplePredictionsView


class ResultsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ResultsPanel")
        self.evaluation = None
        self.source: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.note = QLabel("Train the model to see how well it does on data it has not learned from.")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "secondary")
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        metrics_box = QWidget()
        metrics_layout = QVBoxLayout(metrics_box)
        metrics_layout.setContentsMargins(0, 0, 0, 0)
        self.metrics_title = QLabel("<b>Metrics</b>")
        self.metrics = QTableWidget(0, 2)
        self.metrics.setHorizontalHeaderLabels(["metric", "value"])
        self.metrics.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.verticalHeader().setDefaultSectionSize(22)
        self.metrics.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.metrics.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.metrics.setMinimumWidth(180)
        metrics_layout.addWidget(self.metrics_title)
        metrics_layout.addWidget(self.metrics, 1)
        self.splitter.addWidget(metrics_box)

        self.confusion_box = QWidget()
        confusion_layout = QVBoxLayout(self.confusion_box)
        confusion_layout.setContentsMargins(0, 0, 0, 0)
        self.confusion_title = QLabel("<b>Confusion matrix</b>")
        confusion_layout.addWidget(self.confusion_title)
        self.confusion = None  # ConfusionMatrixView, made with the first classifier's results
        self.splitter.addWidget(self.confusion_box)

        self.predictions = SamplePredictionsView()
        self.splitter.addWidget(self.predictions)
        self.splitter.setSizes([220, 360, 420])
        self.set_evaluation(None)

    def restyle(self) -> None:
        """The theme changed: the heat map is made again in the new palette's colours."""
        if self.confusion is not None:
            self.confusion.setParent(None)
            self.confusion.deleteLater()
            self.confusion = None
        self.set_evaluation(self.evaluation, self.source)

    def set_evaluation(self, evaluation, source: str | None = None) -> None:
        """Show an Evaluation, or (None) nothing yet; `source` names the run whose weights these are."""
        self.evaluation, self.source = evaluation, source
        self.splitter.setVisible(evaluation is not None)
        if evaluation is None:
            self.note.setText("Train the model to see how well it does on data it has not learned from.")
            return
        epochs = f"{evaluation.epochs} epoch{'s' if evaluation.epochs != 1 else ''}"
        trained = f"The weights of {source} after {epochs} of training, measured on {evaluation.note}." if source \
            else f"After {epochs} of training, measured on {evaluation.note}."
        self.note.setText(trained)
        self.metrics_title.setText(f"<b>Metrics</b> ({evaluation.split})")
        self.metrics.setRowCount(len(evaluation.metrics))
        for row, (name, value) in enumerate(evaluation.metrics.items()):
            self.metrics.setItem(row, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(format_metric(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.metrics.setItem(row, 1, item)
        has_matrix = evaluation.confusion is not None
        self.confusion_box.setVisible(has_matrix)
        if has_matrix:
            if self.confusion is None:
                from layerlab.gui.training.confusion import ConfusionMatrixView

                self.confusion = ConfusionMatrixView()
                self.confusion_box.layout().addWidget(self.confusion, 1)
            self.confusion.set_matrix(evaluation.confusion, evaluation.class_names)
            right = int(evaluation.confusion.trace())
            total = int(evaluation.confusion.sum())
            output = f" of {evaluation.output}" if evaluation.output else ""
            self.confusion_title.setText(f"<b>Confusion matrix{output}</b> ({right:,} of {total:,} right; "
                                         "rows: true class, columns: predicted)")
        self.predictions.set_rows(evaluation.shown, evaluation.mistakes, evaluation.output)
