"""Sample predictions: images captioned 'predicted (true)', or table rows; mistakes in red.

Shows the SampleRows of an Evaluation: the first samples of the evaluation
split, or (for classifiers) the first ones the model got wrong.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.gui.training.fields import ChoiceField
from layerlab.gui.training.preview_view import image_pixmap

THUMB = 56
WRONG = QColor("#dc2626")
RIGHT = QColor("#16a34a")


class SamplePredictionsView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("SamplePredictionsView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("<b>Sample predictions</b>")
        self.which = ChoiceField([("all", "First samples"), ("mistakes", "Mistakes only")])
        self.which.set_value("all")
        self.which.edited.connect(lambda _v: self._show())
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.which)
        layout.addLayout(top)
        self.images = QListWidget()
        self.images.setViewMode(QListView.ViewMode.IconMode)
        self.images.setIconSize(QSize(THUMB, THUMB))
        self.images.setGridSize(QSize(THUMB + 26, THUMB + 38))
        self.images.setResizeMode(QListView.ResizeMode.Adjust)
        self.images.setMovement(QListView.Movement.Static)
        self.images.setWordWrap(True)
        self.images.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.empty = QLabel("")
        self.empty.setProperty("role", "secondary")
        layout.addWidget(self.images, 1)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.shown = None
        self.mistakes = None
        self.set_rows(None, None)

    def set_rows(self, shown, mistakes, output: str | None = None) -> None:
        """Show SampleRows; `output` names the model output they are for (when the model has several)."""
        self.shown, self.mistakes = shown, mistakes
        self.title.setText("<b>Sample predictions</b>" + (f" ({output})" if output else ""))
        self.which.setVisible(mistakes is not None)
        if mistakes is None:
            self.which.set_value("all")
        self._show()

    def current(self):
        return self.mistakes if self.which.value() == "mistakes" and self.mistakes is not None else self.shown

    def _show(self) -> None:
        rows = self.current()
        self.images.clear()
        self.table.clear()
        self.images.hide()
        self.table.hide()
        if rows is None or not rows.indices:
            self.empty.setText("No mistakes among these samples." if rows is not None and rows is self.mistakes
                               else "")
            self.empty.setVisible(rows is not None)
            return
        self.empty.hide()
        if rows.images:
            for i, image in enumerate(rows.images):
                correct = rows.correct[i]
                text = f"{rows.predicted[i]}\n(true {rows.true[i]})"
                item = QListWidgetItem(QIcon(image_pixmap(image, THUMB)), text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
                if correct is not None:
                    item.setForeground(QBrush(RIGHT if correct else WRONG))
                confidence = rows.confidence[i]
                item.setToolTip(f"sample {rows.indices[i]}: predicted {rows.predicted[i]}"
                                + (f" ({confidence:.0%} sure)" if confidence is not None else "")
                                + f", true {rows.true[i]}")
                self.images.addItem(item)
            self.images.show()
            return
        sure = any(c is not None for c in rows.confidence)
        headers = ["#", "predicted", "true", *(["confidence"] if sure else []), *rows.columns]
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows.indices))
        self.table.setHorizontalHeaderLabels(headers)
        for r, index in enumerate(rows.indices):
            confidence = rows.confidence[r]
            cells = [str(index), rows.predicted[r], rows.true[r],
                     *([f"{confidence:.0%}" if confidence is not None else ""] if sure else []),
                     *[f"{v:.4g}" for v in (rows.rows[r] if r < len(rows.rows) else [])]]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1 and rows.correct[r] is not None:
                    item.setForeground(QBrush(RIGHT if rows.correct[r] else WRONG))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.show()
