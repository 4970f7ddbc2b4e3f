"""A form of parameter editors for one layer type: a label, an editor and a refusal line per parameter.

Parameters most people leave alone (initializers, regularizers, constraints,
dtype...) go in a folded "Advanced" section, unfolded when one of them
differs from Keras's default.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from layerlab.core.catalog import spec as kinds
from layerlab.core.catalog.spec import LayerSpec, Param
from layerlab.gui.panels.param_widgets import LayerEditor, ParamEditor, make_editor

_ADVANCED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_ADVANCED_NAMES = {"dtype", "trainable", "seed", "autocast", "input_dim_name", "unroll", "go_backwards",
                   "stateful", "reset_after", "use_cudnn", "data_format", "dilation_rate", "groups",
                   "depth_multiplier", "beta_initializer", "epsilon", "center", "scale", "bias_axes"}


def is_advanced(param: Param) -> bool:
    return not param.key and (param.name.endswith(_ADVANCED_SUFFIXES) or param.name in _ADVANCED_NAMES)


class ParamForm(QWidget):
    """Edits the parameters of one `spec`; emits `edited(name, value)` for each accepted change.

    Parameters the catalog does not know (from an imported or hand-written
    file) are listed last as JSON, so that nothing in a node is hidden.
    """

    edited = Signal(str, object)
    sweepRequested = Signal(str)  # a parameter's "Sweep this" (its label's context menu)

    def __init__(self, spec: LayerSpec, params: dict, skip: tuple[str, ...] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self._skip = set(skip)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self._grid = _grid()
        outer.addLayout(self._grid)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.toggled.connect(self._on_advanced_toggled)
        outer.addWidget(self.advanced_toggle)
        self.advanced = QWidget()
        self._advanced_grid = _grid()
        self.advanced.setLayout(self._advanced_grid)
        self.advanced.hide()
        outer.addWidget(self.advanced)
        self.editors: dict[str, ParamEditor] = {}
        self._labels: dict[str, QLabel] = {}
        self.problems: dict[str, QLabel] = {}
        advanced = 0
        for param in spec.params:
            if param.name not in self._skip:
                grid = self._advanced_grid if is_advanced(param) else self._grid
                advanced += grid is self._advanced_grid
                self._add_row(param, grid)
        self._align_label_columns()
        self.advanced_toggle.setText(f"Advanced ({advanced})")
        self.advanced_toggle.setVisible(advanced > 0)
        self.set_params(params)
        if any(self._differs(n, params) for n, e in self.editors.items() if self._in_advanced(e)):
            self.advanced_toggle.setChecked(True)

    def _add_row(self, param: Param, grid: QGridLayout) -> None:
        row = grid.rowCount()
        label = QLabel(param.name)
        label.setToolTip(param.help)
        if param.kind in (kinds.INT, kinds.FLOAT, kinds.CHOICE):
            sweep = QAction("Sweep this…", label)
            sweep.triggered.connect(lambda _=False, n=param.name: self.sweepRequested.emit(n))
            label.addAction(sweep)
            label.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        editor = make_editor(param)
        label.setBuddy(editor.focusProxy() or editor)
        problem = QLabel()
        problem.setObjectName("paramProblem")
        problem.setWordWrap(True)
        problem.setProperty("role", "error")
        problem.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        problem.hide()
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(editor, row, 1)
        if isinstance(editor, LayerEditor):  # the wrapped layer's form gets the whole width
            row += 1
            grid.addWidget(editor.nested, row, 0, 1, 2)
        grid.addWidget(problem, row + 1, 0, 1, 2)
        editor.committed.connect(lambda value, name=param.name: self._on_committed(name, value))
        editor.problemChanged.connect(lambda text, lab=problem: _show_problem(lab, text))
        self.editors[param.name] = editor
        self._labels[param.name] = label
        self.problems[param.name] = problem

    def _align_label_columns(self) -> None:
        """One label width for both grids, wide enough for a bold label, so editors line up."""
        if not self._labels:
            return
        bold = next(iter(self._labels.values())).font()
        bold.setBold(True)
        width = max(QFontMetrics(bold).horizontalAdvance(name) for name in self._labels) + 2
        self._grid.setColumnMinimumWidth(0, width)
        self._advanced_grid.setColumnMinimumWidth(0, width)

    def _in_advanced(self, editor: ParamEditor) -> bool:
        return self.advanced.isAncestorOf(editor)

    def _differs(self, name: str, params: dict) -> bool:
        param = self.editors[name].param
        return params.get(name, param.default) != param.default

    def set_params(self, params: dict) -> None:
        """Show `params` (the document changed); adds rows for parameters the catalog does not know."""
        for name in params:
            if name not in self.editors and name not in self._skip:
                self._add_row(Param(name, kinds.JSON, None, "Not in LayerLab's catalog: passed to Keras as is.",
                                    nullable=True), self._grid)
        for name, editor in self.editors.items():
            param = editor.param
            value = params.get(name, param.default)
            editor.set_value(value)
            self._mark_changed(name, value != param.default)

    def _mark_changed(self, name: str, changed: bool) -> None:
        label = self._labels[name]
        font = label.font()
        font.setBold(changed)  # bold: differs from Keras's default
        label.setFont(font)

    def _on_committed(self, name: str, value: Any) -> None:
        self._mark_changed(name, value != self.editors[name].param.default)
        self.edited.emit(name, value)

    def _on_advanced_toggled(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def problem_text(self, name: str) -> str:
        """What the refusal line of parameter `name` says ("" when hidden)."""
        label = self.problems[name]
        return label.text() if not label.isHidden() else ""


def _grid() -> QGridLayout:
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(10)
    grid.setVerticalSpacing(5)
    grid.setColumnStretch(1, 1)
    return grid


def _show_problem(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
