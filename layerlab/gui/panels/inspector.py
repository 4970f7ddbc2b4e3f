"""The inspector: the selected node's shape, parameter count, problems and parameters.

Edits go through the undo stack (one SetParamsCommand per accepted value);
the inspector redraws from document notifications and check reports only,
so it never holds a second copy of the graph.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from layerlab.core import catalog
from layerlab.core.catalog.spec import LayerSpec
from layerlab.core.document import NODE_ADDED, NODE_CHANGED, NODE_REMOVED, RESET, Change, GraphDocument
from layerlab.core.notation import shapes_text
from layerlab.core.shapes import CheckReport
from layerlab.gui import icons
from layerlab.gui.panels.param_form import ParamForm
from layerlab.gui.panels.rename import RenameNodeCommand, id_problem


def shape_text(result) -> str:
    """A node's output shape(s) as Keras prints them, or '' when unknown."""
    return "" if result is None or result.shapes is None else shapes_text(list(result.shapes))


def _category_color(category: str):
    try:
        from layerlab.gui import theme

        return theme.category_color(category)
    except (ImportError, AttributeError):  # the theme module is written in parallel; plain text colour meanwhile
        return None


class InspectorPanel(QWidget):
    """Edits the parameters of the node selected on the canvas."""

    selectRequested = Signal(list)  # node ids the inspector wants selected (after a rename, "go to owner")
    sweepRequested = Signal(str)  # "nodes.ID.PARAM": a parameter's "Sweep this…"
    expandRequested = Signal(str)  # an application node's "Expand into Layers" (gui/app_expand.py)
    adaptRequested = Signal(str)  # a preprocessing node's "Adapt to Data" (gui/training/adapting.py)

    def __init__(self, document: GraphDocument, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("InspectorPanel")
        self.document = document
        self.undo_stack = undo_stack
        self.node_ids: list[str] = []
        self.node_extra: Callable[[], dict] | None = None  # the project's unknown node keys (kept on a rename)
        self.report: CheckReport | None = None
        self.form: ParamForm | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        self._body = QWidget()
        self.scroll.setWidget(self._body)
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(12, 10, 12, 12)
        self._layout.setSpacing(8)

        self.title = QLabel()
        self.title.setObjectName("inspectorTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.icon = QLabel()
        self.icon.setFixedSize(22, 22)
        title_row = QHBoxLayout()
        title_row.setSpacing(8)
        title_row.addWidget(self.icon)
        title_row.addWidget(self.title, 1)
        self._layout.addLayout(title_row)

        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setProperty("role", "secondary")
        self.help.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self.help)

        self.facts = QWidget()
        grid = QGridLayout(self.facts)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        self.id_edit = QLineEdit()
        self.id_edit.setToolTip("The node's id in the project file; unique.")
        self.id_edit.editingFinished.connect(self._on_id_edited)
        self.id_problem = _problem_label()
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("The Keras layer name; empty means the node id. Keras needs unique names.")
        self.name_edit.editingFinished.connect(self._on_name_edited)
        self.name_problem = _problem_label()
        self.shape_label = QLabel()
        self.shape_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shape_label.setWordWrap(True)
        self.params_label = QLabel()
        self.adapted_label = QLabel()  # what an adaptable preprocessing layer learned from data
        self.adapted_label.setWordWrap(True)
        self.adapted_key = _key_label("Adapted")
        self.adapt_button = QPushButton("Adapt to Data")
        self.adapt_button.setObjectName("adaptNode")
        self.adapt_button.setToolTip("Adapt this layer to the loaded training data, as layer.adapt(data) would "
                                     "(one undo step)")
        self.adapt_button.clicked.connect(lambda: self.node_ids and self.adaptRequested.emit(self.node_ids[0]))
        for row, (text, widget) in enumerate([("Node id", self.id_edit), ("", self.id_problem),
                                              ("Keras name", self.name_edit), ("", self.name_problem),
                                              ("Output shape", self.shape_label), ("Params", self.params_label),
                                              ("Adapted", self.adapted_label), ("", self.adapt_button)]):
            if text:
                grid.addWidget(self.adapted_key if widget is self.adapted_label else _key_label(text), row, 0)
            grid.addWidget(widget, row, 1)
        self._layout.addWidget(self.facts)

        self.problems = QLabel()
        self.problems.setObjectName("nodeProblems")
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "error")
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self.problems)

        self.owner_button = QPushButton()
        self.owner_button.clicked.connect(self._on_go_to_owner)
        self._layout.addWidget(self.owner_button)

        self.expand_button = QPushButton("Expand into Layers")
        self.expand_button.setObjectName("expandApplication")
        self.expand_button.setToolTip("Replace this block by its layers, as a collapsed, frozen nested model (a "
                                      "group you can open, and unfreeze in part to fine-tune); one undo step")
        self.expand_button.clicked.connect(lambda: self.node_ids and self.expandRequested.emit(self.node_ids[0]))
        self._layout.addWidget(self.expand_button)

        self.params_header = _section_label("Parameters")
        self._layout.addWidget(self.params_header)
        self._form_holder = QVBoxLayout()
        self._form_holder.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(self._form_holder)
        self._layout.addStretch(1)

        self._unsubscribe = document.subscribe(self._on_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.show_nodes([])

    # -- what is shown ----------------------------------------------------------
    def show_nodes(self, node_ids: list[str]) -> None:
        """Show the node(s) selected on the canvas."""
        self.node_ids = [n for n in node_ids if n in self.document]
        self._drop_form()
        if len(self.node_ids) == 1:
            self._show_one(self.node_ids[0])
        else:
            self._show_summary()

    def _drop_form(self) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None

    def _show_summary(self) -> None:
        ids = self.node_ids
        self.icon.clear()
        self.icon.hide()
        self.facts.hide()
        self.owner_button.hide()
        self.expand_button.hide()
        self.params_header.hide()
        self.problems.hide()
        if not ids:
            self.title.setText("No layer selected")
            self.help.setText(self._model_overview() + "Select a layer on the canvas to edit its parameters, or "
                              "drag one in from the Layers panel.")
            return
        counts = Counter(self.document.node_type(n) for n in ids)
        listing = ", ".join(f"{t} × {c}" if c > 1 else t for t, c in counts.most_common())
        self.title.setText(f"{len(ids)} layers selected")
        text = listing
        if self.report is not None:
            known = [self.report.results.get(n) for n in ids]
            total = sum(r.params or 0 for r in known if r is not None)
            text += f"\n{total:,} parameters in the selection."
        self.help.setText(text + "\n\nSelect a single layer to edit its parameters.")

    def _model_overview(self) -> str:
        doc = self.document
        if not len(doc):
            return ""
        inputs, outputs = len(doc.input_ids()), len(doc.output_ids())
        text = (f"The model has {len(doc)} layer{'s' if len(doc) != 1 else ''}, {inputs} input"
                f"{'s' if inputs != 1 else ''} and {outputs} output{'s' if outputs != 1 else ''}")
        if self.report is not None and self.report.results:
            text += f", {self.report.total_params:,} parameters in all"
        return text + ".\n\n"

    def _show_one(self, node_id: str) -> None:
        doc = self.document
        type_name = doc.node_type(node_id)
        spec = catalog.get(type_name)
        self.facts.show()
        self.icon.show()
        self.title.setText(type_name)
        category = spec.category if spec else ""
        self.icon.setPixmap(icons.render(icons.CATEGORY_ICONS.get(category, "cat-other"), 20,
                                         _category_color(category)))
        self.help.setText(help_html(spec.help) if spec else "This layer type is not in LayerLab's catalog.")
        self.id_edit.setText(node_id)
        params = doc.params(node_id)
        self.name_edit.setText(params.get("name") or "")
        self.name_edit.setPlaceholderText(node_id)
        _set_problem(self.id_problem, "")
        _set_problem(self.name_problem, "")
        owner = doc.shares(node_id)
        self.owner_button.setVisible(owner is not None)
        if owner is not None:  # its params belong to the layer it calls again
            self.owner_button.setText(f"Shares the layer of '{owner}': edit it there")
        if spec is None:  # a type the catalog does not know: its params are still editable, as JSON
            spec = LayerSpec(type_name, "", "", params=())
        self._show_adapted(type_name, params, owner)
        self.expand_button.setVisible(owner is None and bool(spec and spec.application)
                                      and spec.application != "preprocess_input")
        self.params_header.setVisible(owner is None and bool(spec.params or set(params) - {"name"}))
        if owner is None:
            self.form = ParamForm(spec, params, skip=("name",))
            self.form.edited.connect(self._on_param_edited)
            self.form.sweepRequested.connect(lambda name, n=node_id: self.sweepRequested.emit(f"nodes.{n}.{name}"))
            self._form_holder.addWidget(self.form)
        self._show_check()

    def _show_adapted(self, type_name: str, params: dict, owner: str | None) -> None:
        from layerlab.core.adapt import ADAPTABLE
        from layerlab.core.adapt_data import state_text

        shown = type_name in ADAPTABLE and owner is None
        self.adapted_key.setVisible(shown)
        self.adapted_label.setVisible(shown)
        self.adapt_button.setVisible(shown)
        if shown:
            self.adapted_label.setText(state_text(type_name, params) or "not adapted: adapt it in the Data panel")

    def _show_check(self) -> None:
        if len(self.node_ids) != 1:
            self._show_summary()
            return
        node_id = self.node_ids[0]
        result = self.report.results.get(node_id) if self.report is not None else None
        shape = shape_text(result)
        if shape:
            self.shape_label.setText(shape)
        elif result is not None and result.error:
            self.shape_label.setText("unknown: see below")
        else:
            self.shape_label.setText("pending…")
        count = result.params if result is not None else None
        self.params_label.setText(f"{count:,}" if count is not None else "—")
        problems = self.report.problems_for(node_id) if self.report is not None else []
        self.problems.setText("\n".join(("⚠ " if p.level == "warning" else "✖ ") + p.message for p in problems))
        self.problems.setVisible(bool(problems))

    def set_report(self, report: CheckReport | None) -> None:
        """A new check result: refresh the shape, the count and the problems shown."""
        self.report = report
        self._show_check()

    def add_section(self, widget: QWidget) -> None:
        """A section below the parameters (the training side adds the selected layer's trained weights)."""
        self._layout.insertWidget(self._layout.count() - 1, widget)

    # -- document changes ------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if not self.node_ids:
            return  # the overview is refreshed with the next report
        if change.kind in (NODE_REMOVED, RESET) or (change.kind == NODE_ADDED and change.node in self.node_ids):
            still = [n for n in self.node_ids if n in self.document]
            if still != self.node_ids or change.kind in (RESET, NODE_ADDED):
                self.show_nodes(still)
        elif change.kind == NODE_CHANGED and change.node in self.node_ids and len(self.node_ids) == 1:
            params = self.document.params(change.node)
            spec = catalog.get(self.document.node_type(change.node))
            if self.form is not None and (self.form.spec is spec or (spec is None and self.form.spec.type ==
                                                                     self.document.node_type(change.node))):
                self.form.set_params(params)
                self.name_edit.setText(params.get("name") or "")
                self._show_adapted(self.document.node_type(change.node), params, self.document.shares(change.node))
            else:
                self.show_nodes(self.node_ids)

    # -- edits ---------------------------------------------------------------------
    def _on_param_edited(self, name: str, value: Any) -> None:
        from layerlab.gui.commands import SetParamsCommand

        node_id = self.node_ids[0]
        params = self.document.params(node_id)
        params[name] = value
        self.undo_stack.push(SetParamsCommand(self.document, node_id, params))

    def _on_name_edited(self) -> None:
        from layerlab.gui.commands import SetParamsCommand

        if len(self.node_ids) != 1:
            return
        node_id = self.node_ids[0]
        params = self.document.params(node_id)
        name = self.name_edit.text().strip()
        if name == (params.get("name") or ""):
            _set_problem(self.name_problem, "")
            return
        if "/" in name:
            _set_problem(self.name_problem, f"'{name}' refused: Keras layer names cannot contain '/'.")
            self.name_edit.setText(params.get("name") or "")
            return
        _set_problem(self.name_problem, "")
        if name:
            params["name"] = name
        else:
            params.pop("name", None)
        self.undo_stack.push(SetParamsCommand(self.document, node_id, params))

    def _on_id_edited(self) -> None:
        if len(self.node_ids) != 1:
            return
        old, new = self.node_ids[0], self.id_edit.text().strip()
        if new == old:
            _set_problem(self.id_problem, "")
            return
        problem = id_problem(self.document, old, new)
        if problem:
            _set_problem(self.id_problem, f"'{new}' refused: {problem}")
            self.id_edit.setText(old)
            return
        _set_problem(self.id_problem, "")
        self.undo_stack.push(RenameNodeCommand(self.document, old, new, self.node_extra))
        self.selectRequested.emit([new])

    def _on_go_to_owner(self) -> None:
        if len(self.node_ids) == 1:
            owner = self.document.shares(self.node_ids[0])
            if owner in self.document:
                self.selectRequested.emit([owner])


def help_html(text: str) -> str:
    """Catalog help as rich text: `code` in backticks is shown in a fixed-width font."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _key_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "secondary")
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def _section_label(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("sectionLabel")
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    label.setFont(font)
    label.setProperty("role", "secondary")
    label.setContentsMargins(0, 8, 0, 2)
    return label


def _problem_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setProperty("role", "error")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.hide()
    return label


def _set_problem(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
