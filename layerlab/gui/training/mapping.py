"""Which columns (or arrays) feed which Input node, and which give each output's targets.

For a CSV: a target column per model output and, per Input node, its feature
columns (one Input may leave them empty: every other column). For an .npz
file: an array per Input and per output. The section's keys are the data
contract's (`target`, `features`, `text`, `x`, `y`): one value for one node,
a list in output order or a dict by Input id for several.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QStyle, QWidget

from layerlab.core.data.sources import SOURCES, mapped_sources
from layerlab.gui.training.fields import ChoiceField, hint, parse_names


class MappingEditor(QWidget):
    """Rows 'Input x ← columns' and 'Output y ← column'. `edited(key, value)` with the section's key."""

    edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._context: tuple | None = None
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.input_fields: dict[str, QLineEdit] = {}
        self.output_fields: dict[str, ChoiceField] = {}
        self.text_field: ChoiceField | None = None

    def set_context(self, source: str, section: dict, inputs: list[str], outputs: list[str],
                    columns: list[str]) -> None:
        """Show the rows for this source and graph, with the section's current values."""
        context = (source, tuple(inputs), tuple(outputs), tuple(columns))
        if context != self._context:
            self._context = context
            self._build(source, inputs, outputs, columns)
        self._fill(source, section)

    def _build(self, source: str, inputs: list[str], outputs: list[str], columns: list[str]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.input_fields, self.output_fields, self.text_field = {}, {}, None
        if source not in mapped_sources():
            return
        choices = [(c, c) for c in columns]
        if not inputs or not outputs:
            self.form.addRow(hint("Add Input and output layers to the model to map the data to them."))
        mapping = SOURCES[source].mapping
        if mapping.text:
            self.text_field = ChoiceField(choices, editable=True)
            fit_popup(self.text_field, columns)
            self.text_field.setToolTip("The column that holds the text")
            self.text_field.edited.connect(lambda v: self.edited.emit(mapping.text, v))
            self.form.addRow("Text column", self.text_field)
        for node in inputs if mapping.inputs else []:
            field = QLineEdit()
            if mapping.arrays:
                field.setPlaceholderText("x_train" if len(inputs) == 1 else "array name")
                field.setToolTip(f"The array of the .npz file that feeds Input '{node}'")
            else:
                field.setPlaceholderText("every other column" if len(inputs) == 1 else "columns, comma-separated")
                field.setToolTip(f"The columns that feed Input '{node}', comma-separated")
            field.editingFinished.connect(self._on_inputs_edited)
            self.input_fields[node] = field
            self.form.addRow(_node_label("Input", node), field)
        for node in outputs:
            field = ChoiceField(choices, editable=True)
            fit_popup(field, columns)
            if mapping.arrays:
                field.lineEdit().setPlaceholderText("y_train" if len(outputs) == 1 else "array name")
            field.setToolTip(f"The {'array' if mapping.arrays else 'column'} that gives the targets of "
                             f"output '{node}'")
            field.edited.connect(lambda _v: self._on_outputs_edited())
            self.output_fields[node] = field
            self.form.addRow(_node_label("Output", node), field)

    def _fill(self, source: str, section: dict) -> None:
        if source not in mapped_sources():
            return
        mapping = SOURCES[source].mapping
        if self.text_field is not None:
            self.text_field.set_value(section.get(mapping.text))
        key_in, key_out = mapping.inputs, mapping.outputs
        given = section.get(key_in)
        for i, (node, field) in enumerate(self.input_fields.items()):
            if isinstance(given, dict):
                value = given.get(node)
            else:
                value = given if i == 0 else None
            with QSignalBlocker(field):
                field.setText(", ".join(map(str, value)) if isinstance(value, list) else "" if value is None
                              else str(value))
        targets = section.get(key_out)
        for i, field in enumerate(self.output_fields.values()):
            if isinstance(targets, list):
                value = targets[i] if i < len(targets) else None
            else:
                value = targets if i == 0 else None
            field.set_value(value)

    def _on_inputs_edited(self) -> None:
        mapping = SOURCES[self._context[0]].mapping
        texts = {node: field.text().strip() for node, field in self.input_fields.items()}
        if mapping.arrays:  # one array name per Input
            if len(texts) == 1:
                self.edited.emit(mapping.inputs, next(iter(texts.values())) or None)
            else:
                self.edited.emit(mapping.inputs, {n: t for n, t in texts.items() if t} or None)
            return
        lists = {node: parse_names(text) for node, text in texts.items()}  # columns per Input
        if len(lists) == 1:
            self.edited.emit(mapping.inputs, next(iter(lists.values())) or None)
        else:
            self.edited.emit(mapping.inputs, {n: cols for n, cols in lists.items() if cols} or None)

    def _on_outputs_edited(self) -> None:
        values = [_column(field.value()) for field in self.output_fields.values()]
        key = SOURCES[self._context[0]].mapping.outputs
        if len(values) == 1:
            self.edited.emit(key, values[0])
        elif any(v is not None for v in values):
            self.edited.emit(key, values)
        else:
            self.edited.emit(key, None)


POPUP_ROWS = 24  # a table's columns at a glance (Qt shows 10)


def fit_popup(combo: QComboBox, names: list[str]) -> None:
    """Let `combo`'s list show POPUP_ROWS rows, as wide as the longest of `names`."""
    combo.setMaxVisibleItems(POPUP_ROWS)
    view = combo.view()
    widest = max((view.fontMetrics().horizontalAdvance(name) for name in names), default=0)
    scrollbar = combo.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    view.setMinimumWidth(widest + scrollbar + 2 * view.frameWidth() + 24)  # 24: the items' own margins


def _column(value):
    """A column as the section stores it: its name, or a whole number typed as an index."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _node_label(kind: str, node: str) -> QLabel:
    label = QLabel(f"{kind} <b>{node}</b>")
    label.setToolTip(f"{kind} node '{node}' of the model")
    return label
