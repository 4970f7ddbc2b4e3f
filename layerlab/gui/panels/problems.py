"""The problems list: every error and warning of the latest check; clicking one goes to its node.

Problems between the data and the graph (from the training panel) are listed
after the graph's, marked "Data:"; those with a fix have a button that asks
for it (`fixRequested(fix)`), which the window applies as one undo command.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.errors import Problem, ProblemKind
from layerlab.core.shapes import CheckReport
from layerlab.gui import icons


class ProblemsPanel(QWidget):
    """Lists problems, errors first; `nodeActivated(id)` when one about a node is clicked."""

    nodeActivated = Signal(str)
    countChanged = Signal(int, int)  # errors, warnings
    fixRequested = Signal(object)  # noqa: N815 - a data problem's fix (layerlab.core.data.SetParam)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QTreeWidget()
        self.list.setColumnCount(3)
        self.list.setHeaderLabels(["Problem", "Layer", ""])
        self.list.setRootIsDecorated(False)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 180)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        layout.addWidget(self.list)
        self.problems: list[Problem] = []
        self.graph_problems: list[Problem] = []
        self.data_problems: list[Problem] = []
        self.path_problems: list[Problem] = []  # paths of the project that leave its folder (core.confine)
        self._placeholder()

    def set_report(self, report: CheckReport | None) -> None:
        self.set_problems(list(report.problems) if report is not None else [])

    def set_problems(self, problems: list[Problem]) -> None:
        """The graph's problems (the data's stay listed after them)."""
        self.graph_problems = list(problems)
        self._show()

    def set_data_problems(self, problems: list[Problem]) -> None:
        """Problems between the data and the graph; a problem's `fix`, if any, gets a button."""
        self.data_problems = list(problems)
        self._show()

    def set_path_problems(self, problems: list[Problem]) -> None:
        """The project's paths that leave its folder: listed first, as "(project)" errors."""
        self.path_problems = list(problems)
        self._show()

    def _show(self) -> None:
        by_level = lambda p: p.level != "error"  # noqa: E731 - stable: errors first, in order
        self.problems = (self.path_problems + sorted(self.graph_problems, key=by_level)
                         + sorted(self.data_problems, key=by_level))
        data = {id(p) for p in self.data_problems}
        self.list.clear()
        if not self.problems:
            self._placeholder()
        for p in self.problems:
            is_data = id(p) in data
            where = "(data)" if is_data else "(project)" if p.kind == ProblemKind.PATH else "(model)"
            item = QTreeWidgetItem([f"Data: {p.message}" if is_data else p.message, p.node or where])
            item.setIcon(0, icons.icon("warning" if p.level == "warning" else "error"))
            item.setToolTip(0, p.message)
            item.setData(0, Qt.ItemDataRole.UserRole, p.node)
            self.list.addTopLevelItem(item)
            fix = getattr(p, "fix", None) if is_data else None
            if fix is not None:
                button = QPushButton(fix.label or "Fix")
                button.setToolTip(f"{fix.label} (one undo step)")
                button.clicked.connect(lambda _=False, f=fix: self.fixRequested.emit(f))
                self.list.setItemWidget(item, 2, button)
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
