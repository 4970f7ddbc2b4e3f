"""The list of runs: each with its colour, how it ended, its final metrics and its settings.

One row per lineage (a run and the runs that continued it, shown as its
children). The check box shows or hides the run in every plot, so runs with
different settings or seeds can be overlaid and compared. The tooltip holds
the settings the run used. The run whose weights are kept (the ones Save,
Export and Continue use) is in bold; the context menu of another run whose
model is still held offers to keep its weights instead.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.training.messages import format_duration, format_metric
from layerlab.core.training.series import VAL, Lineage, RunHistory

_ID_ROLE = Qt.ItemDataRole.UserRole
_MARKS = {"running": "▶", "finished": "✓", "stopped": "■", "failed": "✖"}


def swatch(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


def settings_text(config: dict) -> str:
    """A run's main settings on one line: 'adam lr 0.001 · batch 32 · seed 42'."""
    parts = [str(config.get("optimizer", "adam"))]
    if config.get("learning_rate") is not None:
        parts[0] += f" lr {config['learning_rate']:g}"
    parts.append(f"batch {config.get('batch_size', 32)}")
    if config.get("seed") is not None:
        parts.append(f"seed {config['seed']}")
    return " · ".join(parts)


class RunsPanel(QWidget):
    """The runs list.

    Signals: `visibilityChanged()` after a run is shown or hidden (its Lineage.visible is already set);
    `keepRequested(lineage id)` when the person asks to keep that run's weights.
    """

    visibilityChanged = Signal()  # noqa: N815 - Qt naming
    keepRequested = Signal(str)  # noqa: N815

    def __init__(self, history: RunHistory, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("RunsPanel")
        self.history = history
        self.columns: list[str] = []  # the metrics shown, each with its validation value
        self.weights_lineage: str | None = None  # the run whose weights are kept
        self.keepable: set[str] = set()  # runs whose model is still held, so their weights can be kept
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.tree)
        self.refresh()

    def refresh(self) -> None:
        """Show the history's lineages (newest first) with their final metrics."""
        names = self.history.metric_names()
        self.columns = names[:2]  # the loss and the first metric: the plots hold the rest
        headers = ["Run", "Settings", "Epochs"]  # the settings second: they are what tells runs apart
        for name in self.columns:
            headers += [name, VAL + name]
        with QSignalBlocker(self.tree):
            self.tree.clear()
            self.tree.setColumnCount(len(headers))
            self.tree.setHeaderLabels(headers)
            for lineage in reversed(self.history.lineages):
                self.tree.addTopLevelItem(self._item(lineage))
            self.tree.expandAll()
            if not self.history.lineages:
                item = QTreeWidgetItem(["No runs yet."])
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(item)
        header = self.tree.header()
        for column in range(len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def update_lineage(self, lineage: Lineage) -> None:
        """A run's epochs and latest metrics changed (an epoch ended): its row is updated in place.

        Rebuilding the whole list at every epoch re-laid out every row and column; the list is made anew
        only when its columns change (the first epoch of the first run) or the run has no row yet.
        """
        if self.history.metric_names()[:2] != self.columns:
            self.refresh()
            return
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, _ID_ROLE) == lineage.id:
                cells = [str(lineage.last_epoch)]
                for name in self.columns:
                    cells += [_final(lineage, name), _final(lineage, VAL + name)]
                with QSignalBlocker(self.tree):
                    for column, text in enumerate(cells, start=2):
                        if item.text(column) != text:
                            item.setText(column, text)
                return
        self.refresh()

    def _item(self, lineage: Lineage) -> QTreeWidgetItem:
        status = "running" if lineage.live else lineage.status
        config = lineage.records[0].config if lineage.records else lineage.config
        settings = settings_text(config) if config else ""
        cells = [f"{lineage.label} {_MARKS.get(status, '')}", settings, str(lineage.last_epoch)]
        for name in self.columns:
            cells += [_final(lineage, name), _final(lineage, VAL + name)]
        item = QTreeWidgetItem(cells)
        item.setIcon(0, swatch(lineage.color))
        item.setData(0, _ID_ROLE, lineage.id)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Checked if lineage.visible else Qt.CheckState.Unchecked)
        item.setToolTip(0, f"{lineage.label}: {status}. The check box shows or hides it in the plots.")
        if lineage.id == self.weights_lineage:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setToolTip(0, f"{lineage.label}: {status}. Its weights are kept: Save, Export and Continue use "
                               "them.")
        for column in range(2, len(cells)):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if lineage.records:
            item.setToolTip(1, json.dumps(lineage.records[0].config, indent=1))
            last = lineage.records[-1]
            total = sum(r.duration for r in lineage.records)
            item.setToolTip(2, f"{last.reason} ({format_duration(total)} in all)")
        for record in lineage.records[1:]:
            child = QTreeWidgetItem([f"continued {_MARKS.get(record.status, '')}", "", f"+{record.epochs_run}"])
            child.setFlags(Qt.ItemFlag.ItemIsEnabled)
            child.setToolTip(0, record.reason)
            item.addChild(child)
        return item

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        lineage_id = item.data(0, _ID_ROLE)
        for lineage in self.history.lineages:
            if lineage.id == lineage_id:
                visible = item.checkState(0) == Qt.CheckState.Checked
                if visible != lineage.visible:
                    lineage.visible = visible
                    self.visibilityChanged.emit()
                return

    def context_menu(self, lineage_id: str) -> QMenu:
        """A run's context menu: "Keep this run's weights" (enabled when its model is still held)."""
        menu = QMenu(self)
        action = menu.addAction("Keep this run's weights")
        action.setEnabled(lineage_id in self.keepable and lineage_id != self.weights_lineage)
        action.setToolTip("Save, Export and Continue use this run's model instead of the newest")
        action.triggered.connect(lambda _=False: self.keepRequested.emit(lineage_id))
        return menu

    def _menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        while item is not None and item.parent() is not None:
            item = item.parent()
        if item is not None and item.data(0, _ID_ROLE):
            self.context_menu(item.data(0, _ID_ROLE)).exec(self.tree.viewport().mapToGlobal(pos))

    def set_visible(self, lineage_id: str, visible: bool) -> None:
        """Show or hide a run, as a click on its check box does."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, _ID_ROLE) == lineage_id:
                item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)


def _final(lineage: Lineage, key: str) -> str:
    value = lineage.final(key)
    return format_metric(value) if value is not None else ""
