"""The selected layer's trained weights, in the inspector: each array's shape, statistics and histogram.

Fed with the statistics the training thread computed after the last run (or
after reopening a trained project): `weight_stats`, keyed by Keras layer
name. A node that reuses another's layer shows that layer's weights.
Histograms are pyqtgraph step plots, created when first needed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from layerlab.core.document import GraphDocument
from layerlab.core.notation import format_shape
from layerlab.core.training.messages import format_metric


class WeightsView(QWidget):
    """'TRAINED WEIGHTS' in the inspector; hidden when there is nothing to show."""

    def __init__(self, document: GraphDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("WeightsView")
        self.document = document
        self.stats: dict[str, list] = {}
        self.source = ""  # e.g. "run 2, 20 epochs"
        self.node_ids: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        self.header = QLabel("TRAINED WEIGHTS")
        self.header.setObjectName("sectionLabel")
        font = self.header.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.header.setFont(font)
        self.header.setProperty("role", "secondary")
        layout.addWidget(self.header)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("role", "secondary")
        layout.addWidget(self.note)
        self._body = QVBoxLayout()
        self._body.setContentsMargins(0, 0, 0, 0)
        self._body.setSpacing(2)
        layout.addLayout(self._body)
        self.shown: list[str] = []  # the weight names shown, for tests
        self.plots: list = []
        self.hide()

    def set_stats(self, stats: dict[str, list] | None, source: str = "") -> None:
        """Weight statistics by layer name (None: no trained model)."""
        self.stats = dict(stats or {})
        self.source = source
        self.show_nodes(self.node_ids)

    def show_nodes(self, node_ids: list[str]) -> None:
        self.node_ids = list(node_ids)
        self._clear()
        if not self.stats or len(self.node_ids) != 1 or self.node_ids[0] not in self.document:
            self.hide()
            return
        node_id = self.node_ids[0]
        owner = self.document.shares(node_id)
        layer = self.document.node(owner if owner in self.document else node_id).layer_name
        arrays = self.stats.get(layer)
        self.show()
        if not arrays:
            self.note.setText("This layer has no weights." if layer in self.stats or not self._known(layer)
                              else "This layer was not in the trained model.")
            return
        self.note.setText(f"From {self.source}." if self.source else "")
        for stats in arrays:
            self._add(stats)

    def _known(self, layer: str) -> bool:
        return any(layer == name for name in self.stats)

    def _clear(self) -> None:
        while self._body.count():
            item = self._body.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.shown = []
        self.plots = []

    def _add(self, stats) -> None:
        import pyqtgraph as pg

        title = QLabel(f"<b>{stats.name}</b> {format_shape(tuple(stats.shape))}")
        title.setToolTip(f"{stats.layer}/{stats.name}")
        facts = QLabel(f"min {format_metric(stats.min)} · max {format_metric(stats.max)}<br>"
                       f"mean {format_metric(stats.mean)} · std {format_metric(stats.std)}")
        facts.setProperty("role", "secondary")
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.palette()
        plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        plot.setFixedHeight(96)
        item = plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(False, False)
        item.hideAxis("left")
        text = palette.color(QPalette.ColorRole.WindowText)
        item.getAxis("bottom").setPen(pg.mkPen(text))
        item.getAxis("bottom").setTextPen(pg.mkPen(text))
        color = QColor(palette.color(QPalette.ColorRole.Highlight))
        fill = QColor(color)
        fill.setAlpha(110)
        item.plot(stats.edges, stats.counts, stepMode="center", fillLevel=0, brush=pg.mkBrush(fill),
                  pen=pg.mkPen(color, width=1))
        for widget in (title, facts, plot):
            self._body.addWidget(widget)
        self.shown.append(stats.name)
        self.plots.append(plot)
