"""What the chosen data looks like: the shapes, the class counts, and the first images or rows.

Shows a `layerlab.core.data.Preview` (computed off the GUI thread by the
DataService). Images are drawn pixel-sharp (nearest neighbour), labelled
with their class; tables show the first rows as stored.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.notation import shapes_text

THUMB = 52  # pixels per shown image


def image_pixmap(image: np.ndarray, size: int = THUMB) -> QPixmap:
    """A uint8 (h, w) or (h, w, 3|4) array as a square-fitted pixmap, scaled without blurring."""
    a = np.ascontiguousarray(image)
    h, w = a.shape[:2]
    if a.ndim == 2:
        qimage = QImage(a.data, w, h, a.strides[0], QImage.Format.Format_Grayscale8)
    elif a.shape[2] == 3:
        qimage = QImage(a.data, w, h, a.strides[0], QImage.Format.Format_RGB888)
    else:
        qimage = QImage(a.data, w, h, a.strides[0], QImage.Format.Format_RGBA8888)
    scaled = qimage.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
    return QPixmap.fromImage(scaled.copy())  # copy: the array's memory is not ours to keep


class ClassCountsChart(QWidget):
    """Training samples per class, as small bars with the class name under each."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts: dict[str, int] = {}
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_counts(self, counts: dict[str, int] | None) -> None:
        self.counts = dict(counts or {})
        self.setVisible(bool(self.counts))
        self.setToolTip("\n".join(f"{k}: {v:,}" for k, v in self.counts.items()))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(200, 72)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        if not self.counts:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        bar = palette.color(QPalette.ColorRole.Highlight)
        n = len(self.counts)
        top = max(self.counts.values()) or 1
        label_h = self.fontMetrics().height() if n <= 20 else 0
        width = self.width() / n
        height = self.height() - label_h - 4
        for i, (name, count) in enumerate(self.counts.items()):
            h = max(1.0, height * count / top)
            rect = QRectF(i * width + width * 0.15, height - h + 2, width * 0.7, h)
            painter.fillRect(rect, QColor(bar.red(), bar.green(), bar.blue(), 200))
            if label_h:
                painter.setPen(text)
                painter.drawText(QRectF(i * width, height + 4, width, label_h), Qt.AlignmentFlag.AlignCenter,
                                 _short(name, max(1, int(width / max(1, self.fontMetrics().averageCharWidth())))))
        painter.end()


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


class PreviewView(QWidget):
    """Shapes, class counts, then an image grid or a table of the first rows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = ClassCountsChart()
        self.images = QListWidget()
        self.images.setViewMode(QListView.ViewMode.IconMode)
        self.images.setIconSize(QSize(THUMB, THUMB))
        self.images.setGridSize(QSize(THUMB + 18, THUMB + 24))
        self.images.setResizeMode(QListView.ResizeMode.Adjust)
        self.images.setMovement(QListView.Movement.Static)
        self.images.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.images.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.images.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(160)
        self.table.verticalHeader().setDefaultSectionSize(22)
        for widget in (self.status, self.facts, self.counts, self.images, self.table):
            layout.addWidget(widget)
        self.show_message("")

    def show_message(self, text: str, error: bool = False) -> None:
        """A status line instead of a preview ('Loading…', or what is wrong)."""
        self.status.setText(text)
        self.status.setProperty("role", "error" if error else "secondary")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setVisible(bool(text))
        if text:
            for widget in (self.facts, self.counts, self.images, self.table):
                widget.hide()

    def show_preview(self, pv) -> None:
        self.show_message("")
        test = f"{pv.num_test:,} test samples" if pv.num_test else "no test set"
        facts = [f"<b>{pv.num_train:,}</b> training samples · {test}",
                 f"features {shapes_text(pv.x_shape)} → targets {shapes_text(pv.y_shape)}"]
        if pv.class_counts:
            facts.append(f"{len(pv.class_counts)} classes")
        self.facts.setText("<br>".join(facts))
        self.facts.show()
        self.counts.set_counts(pv.class_counts)
        if pv.images:
            self._show_images(pv.images, pv.labels)
        else:
            self._show_table(pv.columns, pv.rows, pv.labels)

    def _show_images(self, images, labels) -> None:
        self.table.hide()
        self.images.clear()
        for i, image in enumerate(images):
            item = QListWidgetItem(QIcon(image_pixmap(image)), labels[i] if i < len(labels) else "")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.images.addItem(item)
        self.images.show()
        self._fit_images()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_images()

    def _fit_images(self) -> None:
        """Tall enough for every image: the panel scrolls, not the grid inside it."""
        count = self.images.count()
        if not count:
            return
        cell = self.images.gridSize()
        per_row = max(1, (self.images.viewport().width() or self.width()) // cell.width())
        rows = -(-count // per_row)
        self.images.setFixedHeight(rows * cell.height() + 2 * self.images.frameWidth() + 6)

    def _show_table(self, columns, rows, labels) -> None:
        self.images.hide()
        headers = ["target", *columns] if labels else list(columns)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            cells = ([labels[r]] if labels else []) + list(row)
            for c, value in enumerate(cells):
                text = f"{value:.4g}" if isinstance(value, float) else str(value)
                item = QTableWidgetItem(text)
                if c == 0 and labels:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.show()
