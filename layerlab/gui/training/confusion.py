"""The confusion matrix as a heat map: true classes down, predicted classes across, counts in the cells.

A pyqtgraph ImageItem coloured from white (no samples) to deep blue (the
most), with each cell's count written in it (up to 30 classes: beyond that
the cells are too small for text, and the colours alone tell). The diagonal
is what the model got right.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

MAX_LABELLED = 30
_LOW, _HIGH = (247, 251, 255), (8, 48, 107)


def matrix_text(matrix: np.ndarray, names: list[str]) -> str:
    """The matrix as aligned text (rows: true class; columns: predicted)."""
    width = max([len(n) for n in names] + [len(str(int(matrix.max(initial=0))))]) + 1
    lines = ["true\\pred".ljust(width + 2) + "".join(n.rjust(width) for n in names)]
    for name, row in zip(names, matrix):
        lines.append(name.ljust(width + 2) + "".join(str(int(v)).rjust(width) for v in row))
    return "\n".join(lines)


class ConfusionMatrixView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        import pyqtgraph as pg

        super().__init__(parent)
        self.setObjectName("ConfusionMatrixView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        palette = self.palette()
        self.text_color = palette.color(QPalette.ColorRole.WindowText)
        self.widget = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        self.widget.setMinimumSize(220, 220)
        self.plot = self.widget.getPlotItem()
        self.plot.invertY(True)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "predicted")
        self.plot.setLabel("left", "true")
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setPen(pg.mkPen(self.text_color))
            self.plot.getAxis(axis).setTextPen(pg.mkPen(self.text_color))
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.ColorMap(pos=[0.0, 1.0], color=[_LOW, _HIGH]))
        self.plot.addItem(self.image)
        layout.addWidget(self.widget)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []
        self.labels: list = []  # the TextItems drawn in the cells

    def set_matrix(self, matrix: np.ndarray, names: list[str] | None = None) -> None:
        """Show `matrix[true, predicted]` with the class `names` on both axes."""
        import pyqtgraph as pg

        self.matrix = np.asarray(matrix, dtype=np.int64)
        k = self.matrix.shape[0]
        self.names = list(names) if names and len(names) == k else [str(i) for i in range(k)]
        top = float(self.matrix.max(initial=0)) or 1.0
        # ImageItem indexes [x, y]: x across (predicted), y down (true, with the axis inverted)
        self.image.setImage(self.matrix.T.astype(np.float64), levels=(0.0, top), autoLevels=False)
        wanted = k * k if k <= MAX_LABELLED else 0
        if len(self.labels) != wanted:  # the same classes as before (the next run): the labels are reused
            for label in self.labels:
                self.plot.removeItem(label)
            self.labels = []
        if wanted:
            font = self.font()
            font.setPointSizeF(max(6.0, min(11.0, 90.0 / max(k, 1))))
            reuse = bool(self.labels)
            for t in range(k):
                for p in range(k):
                    count = int(self.matrix[t, p])
                    dark_cell = count / top > 0.55
                    color = (255, 255, 255) if dark_cell else (30, 41, 59)
                    if reuse:  # making 100 text items took ~0.2 s of the window's time
                        self.labels[t * k + p].setText(str(count), color=color)
                        continue
                    label = pg.TextItem(str(count), color=color, anchor=(0.5, 0.5))
                    label.setFont(font)
                    label.setPos(p + 0.5, t + 0.5)
                    self.plot.addItem(label)
                    self.labels.append(label)
        ticks = [[(i + 0.5, name) for i, name in enumerate(self.names)]] if k <= MAX_LABELLED else None
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self.widget.setToolTip(matrix_text(self.matrix, self.names) if k <= 12 else "")

    def cell_text(self, true_class: int, predicted: int) -> str:
        """The count written in a cell (for tests and accessibility)."""
        k = self.matrix.shape[0]
        return self.labels[true_class * k + predicted].textItem.toPlainText() if self.labels else ""
