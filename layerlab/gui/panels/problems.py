"""The problems list: every error and warning of the latest check; clicking one goes to its node."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from layerlab.core.errors import Problem
from layerlab.core.shapes import CheckReport
from layerlab.gui import icons


class ProblemsPanel(QWidget):
    """Lists problems, errors first; `nodeActivated(id)` when one about a node is clicked."""

    nodeActivated = Signal(str)
    countChanged = Signal(int, int)  # errors, warnings

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderLabels(["Problem", "Layer"])
        self.list.setRootIsDecorated(False)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 180)
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        layout.addWidget(self.list)
        self.problems: list[Problem] = []
        self._placeholder()

    def set_report(self, report: CheckReport | None) -> None:
        self.set_problems(list(report.problems) if report is not None else [])

    def set_problems(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.level != "error")  # stable: errors first, in order
        self.list.clear()
        if not self.problems:
            self._placeholder()
        for p in self.problems:
            item = QTreeWidgetItem([p.message, p.node or "(model)"])
            item.setIcon(0, icons.icon("warning" if p.level == "warning" else "error"))
            item.setToolTip(0, p.message)
            item.setData(0, Qt.ItemDataRole.UserRole, p.node)
            self.list.addTopLevelItem(item)
        errors = sum(1 for p in self.problems if p.level == "error")
        self.countChanged.emit(errors, len(self.problems) - errors)

    def _placeholder(self) -> None:
        item = QTreeWidgetItem(["No problems.", ""])
        item.setIcon(0, icons.icon("ok"))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.list.addTopLevelItem(item)

    def activate(self, row: int) -> None:
        """Act as if the user clicked problem `row`."""
        self._on_item(self.list.topLevelItem(row))

    def _on_item(self, item: QTreeWidgetItem | None, _column: int = 0) -> None:
        node = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if node:
            self.nodeActivated.emit(node)
