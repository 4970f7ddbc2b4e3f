"""The model summary table: layer, type, output shape and parameters, with totals, as Keras's summary() prints."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from layerlab.core.document import NODE_MOVED, Change, GraphDocument
from layerlab.core.shapes import CheckReport
from layerlab.gui import icons
from layerlab.gui.panels.inspector import shape_text

_BYTES = {"float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int8": 1, "uint8": 1}
COLUMNS = ("Layer", "Type", "Output shape", "Params", "Connected to")


@dataclass(frozen=True)
class SummaryRow:
    node: str
    layer: str  # the Keras layer name
    type: str
    shape: str  # "" while unknown
    params: int | None
    error: bool
    inputs: tuple[str, ...] = ()  # the layers feeding it, port by port


@dataclass(frozen=True)
class SummaryTotals:
    total: int
    trainable: int
    total_bytes: int
    trainable_bytes: int

    @property
    def non_trainable(self) -> int:
        return self.total - self.trainable


def model_order(document: GraphDocument) -> list[str]:
    """Node ids in the order Keras lists a functional model's layers (topological, ties by node order)."""
    try:
        return list(nx.lexicographical_topological_sort(document.graph, key=document.index))
    except nx.NetworkXUnfeasible:  # a cycle: the problems list says so; keep the file's order
        return document.node_ids()


def summary_rows(document: GraphDocument, report: CheckReport | None) -> tuple[list[SummaryRow], SummaryTotals]:
    """The rows and totals of the summary, from the document and the latest check."""
    rows = []
    total = trainable = total_bytes = trainable_bytes = 0
    for node_id in model_order(document):
        node = document.node(node_id)
        result = report.results.get(node_id) if report is not None else None
        count = result.params if result is not None else None
        inputs = tuple(document.node(e.source).layer_name for e in document.in_edges(node_id))
        rows.append(SummaryRow(node_id, node.layer_name, node.type, shape_text(result), count,
                               bool(result is not None and result.error), inputs))
        if result is not None and result.params:
            size = _BYTES.get(str(node.params.get("dtype") or "float32"), 4)
            total += result.params
            trainable += result.trainable_params or 0
            total_bytes += result.params * size
            trainable_bytes += (result.trainable_params or 0) * size
    return rows, SummaryTotals(total, trainable, total_bytes, trainable_bytes)


def readable_size(n: float) -> str:
    """Bytes as Keras's summary() writes them: '397.54 KB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n / 1024 < 1:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PB"


def totals_text(totals: SummaryTotals) -> str:
    non_trainable_bytes = totals.total_bytes - totals.trainable_bytes
    return (f"Total params: {totals.total:,} ({readable_size(totals.total_bytes)})    "
            f"Trainable params: {totals.trainable:,} ({readable_size(totals.trainable_bytes)})    "
            f"Non-trainable params: {totals.non_trainable:,} ({readable_size(non_trainable_bytes)})")


class SummaryPanel(QWidget):
    """A table of every layer in model order; clicking a row selects its node."""

    nodeActivated = Signal(str)

    def __init__(self, document: GraphDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.report: CheckReport | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.table = QTreeWidget()
        self.table.setObjectName("summaryTable")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((200, 180, 200, 100)):
            header.resizeSection(column, width)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.headerItem().setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.itemClicked.connect(self._on_item_clicked)
        self.table.itemActivated.connect(self._on_item_clicked)
        layout.addWidget(self.table)
        self.totals = QLabel()
        self.totals.setObjectName("summaryTotals")
        self.totals.setContentsMargins(8, 5, 8, 5)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.totals)
        self._refresh_soon = QTimer(self)
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(0)  # one refresh per burst of document changes
        self._refresh_soon.timeout.connect(self.refresh)
        unsubscribe = document.subscribe(self._on_change)
        self.destroyed.connect(lambda *_: unsubscribe())
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.kind != NODE_MOVED:  # new layers show at once, with their shapes pending
            self._refresh_soon.start()

    def set_report(self, report: CheckReport | None) -> None:
        self.report = report
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the rows from the document and the latest report."""
        rows, totals = summary_rows(self.document, self.report)
        selected = set(self.selected_ids())
        self.table.blockSignals(True)
        self.table.clear()
        items = []
        for row in rows:
            layer = row.layer if row.layer == row.node else f"{row.layer}  ({row.node})"
            shape = row.shape or ("—" if row.error else "pending…")
            params = f"{row.params:,}" if row.params is not None else "—"
            item = QTreeWidgetItem([layer, row.type, shape, params, ", ".join(row.inputs)])
            item.setData(0, Qt.ItemDataRole.UserRole, row.node)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(2, shape)
            if row.error:
                item.setIcon(0, icons.icon("error"))
                item.setToolTip(0, "This layer has a problem: see the Problems tab.")
            items.append(item)
        self.table.addTopLevelItems(items)
        for item in items:
            item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) in selected)
        self.table.blockSignals(False)
        self.totals.setText(totals_text(totals) if rows else "No layers yet.")
        self._totals = totals

    def row_texts(self) -> list[list[str]]:
        """What the table shows, cell by cell (for tests and copying)."""
        return [[self.table.topLevelItem(i).text(c) for c in range(len(COLUMNS))]
                for i in range(self.table.topLevelItemCount())]

    def selected_ids(self) -> list[str]:
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self.table.selectedItems()]

    def select_ids(self, node_ids: list[str]) -> None:
        """Mirror the canvas selection without echoing it back."""
        wanted = set(node_ids)
        self.table.blockSignals(True)
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) in wanted)
        self.table.blockSignals(False)

    def _on_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        node_id = item.data(0, Qt.ItemDataRole.UserRole)
        if node_id in self.document:
            self.nodeActivated.emit(node_id)
