"""The model summary table: layer, type, output shape and parameters, with totals, as Keras's summary() prints.

The rows, their order, the sizes and the totals are `layerlab.core.summary`'s, the same that `layerlab
summary` prints; this panel only draws them (and says "pending…" where the check has not answered yet).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from layerlab.core.document import NODE_MOVED, Change, GraphDocument
from layerlab.core.shapes import CheckReport
from layerlab.core.summary import Summary, SummaryRow, summarize, totals_text
from layerlab.gui import icons

COLUMNS = ("Layer", "Type", "Output shape", "Params", "Connected to")
PENDING = "pending…"


def row_cells(row: SummaryRow) -> list[str]:
    """One row's cells as the panel shows them."""
    layer = row.layer if row.layer == row.node else f"{row.layer}  ({row.node})"
    kind = f"{row.type}, shared" if row.shares else row.type
    shape = row.output_shape if row.shapes is not None else ("—" if row.error else PENDING)
    params = f"{row.params:,}" if row.params is not None else "—"
    return [layer, kind, shape, params, ", ".join(row.connected_to)]


class SummaryPanel(QWidget):
    """A table of every layer in model order; clicking a row selects its node."""

    nodeActivated = Signal(str)

    def __init__(self, document: GraphDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.report: CheckReport | None = None
        self.summary: Summary | None = None
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
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
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
        summary = self.summary = summarize(self.document, self.report)
        selected = set(self.selected_ids())
        self.table.blockSignals(True)
        self.table.clear()
        items = []
        for row in summary.rows:
            item = QTreeWidgetItem(row_cells(row))
            item.setData(0, Qt.ItemDataRole.UserRole, row.node)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(2, item.text(2))
            if row.error:
                item.setIcon(0, icons.icon("error"))
                item.setToolTip(0, "This layer has a problem: see the Problems tab.")
            items.append(item)
        self.table.addTopLevelItems(items)
        for item in items:
            item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) in selected)
        self.table.blockSignals(False)
        self.totals.setText(totals_text(summary) if summary.rows else "No layers yet.")

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
