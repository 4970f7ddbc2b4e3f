"""The Sweep dialog's search space: one row per swept key (key, distribution, values), read as SPACE.json."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

from layerlab.core import catalog
from layerlab.core.catalog.spec import CHOICE, FLOAT, INT
from layerlab.core.sweep.space import KINDS, parse_space

TRAINING_KEYS = {"learning_rate": 0.001, "batch_size": 32, "epochs": 10, "validation_split": 0.2,
                 "momentum": 0.9, "optimizer": "adam"}


def candidate_keys(document, training: dict | None) -> dict[str, object]:
    """Keys a sweep can vary in this project, with their current values: training keys, then node parameters."""
    out: dict[str, object] = {}
    for key, default in TRAINING_KEYS.items():
        out[f"training.{key}"] = (training or {}).get(key, default)
    for node_id in document.node_ids():
        spec = catalog.get(document.node_type(node_id))
        if spec is None:
            continue
        params = document.params(node_id)
        for p in spec.params:
            if p.kind in (INT, FLOAT, CHOICE):
                out[f"nodes.{node_id}.{p.name}"] = params.get(p.name, p.default)
    return out


def default_distribution(key: str, value) -> tuple[str, str]:
    """A sensible first distribution for a key whose value is now `value` (the user edits it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "choice", json.dumps(value) if value is not None else ""
    if isinstance(value, int):
        return "choice", ", ".join(str(max(1, v)) for v in dict.fromkeys((value // 2, value, value * 2)))
    if key.endswith("learning_rate") and value > 0:
        return "loguniform", f"{value / 10:g}, {value * 10:g}"
    return "uniform", f"{value / 2:g}, {value * 1.5 if value else 1:g}"


class SpaceTable(QTableWidget):
    COLUMNS = ("Key", "Distribution", "Values")

    def __init__(self, parent=None):
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().hide()

    def keys(self) -> list[str]:
        return [self.item(r, 0).text() for r in range(self.rowCount())]

    def add(self, key: str, kind: str, values: str) -> None:
        if key in self.keys():
            return
        row = self.rowCount()
        self.insertRow(row)
        item = QTableWidgetItem(key)
        item.setFlags(item.flags() & ~item.flags().ItemIsEditable)
        self.setItem(row, 0, item)
        combo = QComboBox()
        combo.addItems(KINDS)
        combo.setCurrentText(kind)
        self.setCellWidget(row, 1, combo)
        self.setItem(row, 2, QTableWidgetItem(values))

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(row)

    def space(self) -> dict:
        """The rows as SPACE.json; SpaceError naming the key when a row cannot be read."""
        out = {}
        for row in range(self.rowCount()):
            key = self.item(row, 0).text()
            kind = self.cellWidget(row, 1).currentText()
            out[key] = {kind: _values(self.item(row, 2).text() if self.item(row, 2) else "")}
        parse_space(out, "the sweep")  # the same checks as the command line's
        return out


def _values(text: str) -> list:
    try:
        value = json.loads(f"[{text}]")
    except ValueError:
        value = [part.strip() for part in text.split(",") if part.strip()]
    return value
