"""One editor widget per parameter kind (layerlab.core.catalog.spec), refusing what Keras would reject.

Every editor emits `committed(value)` only for a value that `Param.validate`
accepts, and `problemChanged(text)` to explain a refusal ("" clears it). A
refused value never reaches the document: the widget goes back to the last
accepted value and the reason stays on show.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from layerlab.core import catalog
from layerlab.core.catalog import spec as kinds
from layerlab.core.catalog.spec import Param
from layerlab.core.param_text import NONE_TEXT, SUGGESTIONS, allows_none, format_value, parse_text

INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1
FLOAT_LIMIT = 1e15


class ParamEditor(QWidget):
    """Base class: edits one parameter's value."""

    committed = Signal(object)
    problemChanged = Signal(str)

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self._value: Any = param.default
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setToolTip(param.help)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show `value` (the document changed, not the user); an invalid value from a file is shown and flagged."""
        self._value = value
        self._show(value)
        reason = self.param.validate(value)
        if reason is not None:
            self._flagged = True
            self.problemChanged.emit(f"{self.param.name} = {json.dumps(value)} is not valid: {reason}.")
        elif getattr(self, "_flagged", False):
            self._flagged = False
            self.problemChanged.emit("")

    def _show(self, value: Any) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def offer(self, value: Any) -> bool:
        """Commit `value` if the parameter accepts it; otherwise refuse it and say why."""
        reason = self.param.validate(value)
        if reason is not None:
            self.refuse(value, reason)
            return False
        self.problemChanged.emit("")
        if value != self._value or type(value) is not type(self._value):
            self._value = value
            self.committed.emit(value)
        return True

    def refuse(self, value: Any, reason: str) -> None:
        shown = NONE_TEXT if value is None else (value if isinstance(value, str) else json.dumps(value))
        self.problemChanged.emit(f"'{shown}' refused: {reason}.")
        self._show(self._value)


# -- numbers ----------------------------------------------------------------
class _ExplainingSpin:
    """Mixin for spin boxes: a typed number outside the parameter's range is explained, then undone."""

    def _setup_explaining(self, editor: NumberEditor) -> None:
        self._editor = editor
        self.setKeyboardTracking(False)  # commit on Enter, focus-out or arrows, not on each keystroke
        self.lineEdit().textEdited.connect(editor.on_text_edited)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(72, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(120, super().sizeHint().height())

    def _none_state(self, text: str, pos: int):
        """Typing "None" (Keras's default) where it is allowed; Qt's spin boxes only show it."""
        special = self.specialValueText()
        typed = text.strip().lower()
        if not special or not typed or not special.lower().startswith(typed):
            return None
        state = QValidator.State.Acceptable if typed == special.lower() else QValidator.State.Intermediate
        return state, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        if self.specialValueText() and self.value() == self.minimum():  # from None, step to a plain number
            if steps > 0:
                self.setValue(max(self.minimum() + 1, min(0, self.maximum())))
            return
        super().stepBy(steps)


class _IntSpin(_ExplainingSpin, QSpinBox):
    def valueFromText(self, text: str) -> int:  # noqa: N802 - Qt API
        if self.specialValueText() and text.strip().lower() == self.specialValueText().lower():
            return self.minimum()
        return super().valueFromText(text)

    def validate(self, text: str, pos: int):
        none = self._none_state(text, pos)
        if none is not None:
            return none
        stripped = text.strip()
        if re.fullmatch(r"[-+]?\d*", stripped) is None:  # "1e3": kept on show and explained, never quietly 13
            self._editor.explain(stripped)
            return QValidator.State.Intermediate, text, pos
        if stripped in ("", "-", "+"):
            return QValidator.State.Intermediate, text, pos
        if not self.minimum() <= int(stripped) <= self.maximum():  # "-3": kept on show and explained
            self._editor.explain(stripped)
            return QValidator.State.Intermediate, text, pos
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state != QValidator.State.Acceptable:
            self._editor.explain(text)
        return result


class _FloatSpin(_ExplainingSpin, QDoubleSpinBox):
    """A double spin box that shows 0.001 and 1e-07 as typed, not padded with decimals."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:.10g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        if self.specialValueText() and text.strip().lower() == self.specialValueText().lower():
            return self.minimum()
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        none = self._none_state(text, pos)
        if none is not None:
            return none
        try:
            value = float(stripped)
        except ValueError:
            partial = re.fullmatch(r"[-+]?(\d*\.?\d*)?([eE][-+]?)?", stripped) is not None
            if not partial:  # "0.0x1": kept on show and explained, like a number out of range
                self._editor.explain(stripped)
            return QValidator.State.Intermediate, text, pos
        if not math.isfinite(value) or not self.minimum() <= value <= self.maximum():
            self._editor.explain(stripped)
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos

    def fixup(self, text: str) -> str:
        return text


def _number(value: float) -> str:
    """A bound as a person reads it: 2147483647, not 2.14748e+09."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


class NumberEditor(ParamEditor):
    """INT and FLOAT: a spin box bounded by the parameter's range; None shown as 'None' when allowed."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        is_int = param.kind == kinds.INT
        self.spin = _IntSpin() if is_int else _FloatSpin()
        self.spin._setup_explaining(self)
        low = INT_MIN if is_int else -FLOAT_LIMIT
        high = INT_MAX if is_int else FLOAT_LIMIT
        if param.min is not None:
            low = int(param.min) + (1 if param.min_exclusive else 0) if is_int else param.min
        if param.max is not None:
            high = int(param.max) if is_int else param.max
        self._none_value = None
        if allows_none(param):
            self._none_value = low - 1
            low = self._none_value
            self.spin.setSpecialValueText(NONE_TEXT)
        if not is_int:
            self.spin.setDecimals(10)
            step = 0.1 if param.max is not None and param.max <= 1 else 1.0
            self.spin.setSingleStep(step)
        self.spin.setRange(low, high)
        self._range = (low, high)
        self.spin.setToolTip(param.help)
        self._rejected: str | None = None
        self.spin.valueChanged.connect(self._on_value_changed)
        self.spin.editingFinished.connect(self._on_editing_finished)
        self._layout.addWidget(self.spin)

    def _show(self, value: Any) -> None:
        self.spin.blockSignals(True)
        low, high = self._range
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
            low, high = min(low, value), max(high, value)  # show what the file says, not a clamped value
        self.spin.setRange(low, high)
        if value is None:
            self.spin.setValue(self.spin.minimum() if self._none_value is not None else 0)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.spin.setValue(value)
        self.spin.blockSignals(False)

    def _read(self) -> Any:
        v = self.spin.value()
        if self._none_value is not None and v == self.spin.minimum():
            return None
        if self.param.kind == kinds.INT:
            return int(v)
        return float(v)

    def explain(self, text: str) -> None:
        """Called while typing: say why a number the spin box will not take is refused."""
        try:
            value = int(text) if self.param.kind == kinds.INT else float(text)
        except ValueError:
            value = None
        if value is None:
            reason = f"{self.param.name} must be {'a whole number' if self.param.kind == kinds.INT else 'a number'}"
        else:
            reason = self.param.validate(value)
        if reason is None and value is not None and not self.spin.minimum() <= value <= self.spin.maximum():
            low, high = _number(self.spin.minimum()), _number(self.spin.maximum())
            reason = f"{self.param.name} must be between {low} and {high}"
        if reason:
            self._rejected = f"'{text}' refused: {reason}."
            self.problemChanged.emit(self._rejected)

    def on_text_edited(self, text: str) -> None:
        if self._rejected is not None and self.spin.lineEdit().hasAcceptableInput():
            self._rejected = None
            self.problemChanged.emit("")

    def _on_editing_finished(self) -> None:
        if self._rejected is not None:  # Qt has put back the previous value; keep the reason on show
            self.problemChanged.emit(self._rejected)
            self._rejected = None

    def _on_value_changed(self, _value) -> None:
        self._rejected = None  # the spin box only takes values in range: this one is acceptable to it
        self.offer(self._read())


# -- choices and switches -----------------------------------------------------
class ChoiceEditor(ParamEditor):
    """CHOICE: a combo box of the allowed values (None shown as 'None')."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        self.combo = _combo()
        self.combo.setToolTip(param.help)
        for choice in param.choices:
            self.combo.addItem(NONE_TEXT if choice is None else str(choice), choice)
        self.combo.currentIndexChanged.connect(self._on_index)
        self._layout.addWidget(self.combo)

    def _show(self, value: Any) -> None:
        self.combo.blockSignals(True)
        index = next((i for i in range(self.combo.count()) if self.combo.itemData(i) == value), -1)
        if index < 0:  # a value the catalog does not list (from a file): show it, let Keras judge
            self.combo.addItem(f"{value} (not in the list)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def _on_index(self, index: int) -> None:
        self.offer(self.combo.itemData(index))


class BoolEditor(ParamEditor):
    """BOOL: a check box."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        self.check = QCheckBox()
        self.check.setToolTip(param.help)
        self.check.toggled.connect(lambda on: self.offer(bool(on)))
        self._layout.addWidget(self.check)
        self._layout.addStretch(1)

    def _show(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


# -- text ----------------------------------------------------------------------
class TextEditor(ParamEditor):
    """STR, INTS, SHAPE and JSON: a line edit, checked as you type and committed on Enter or focus-out."""

    PLACEHOLDERS = {
        kinds.INTS: "e.g. 3 or 3, 3",
        kinds.SHAPE: "e.g. 28, 28, 1 (None for a free size)",
        kinds.JSON: "a JSON value",
    }

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        suggestions = next((v for k, v in SUGGESTIONS.items() if param.name.endswith(k)), None)
        if suggestions and param.kind == kinds.STR:
            self.combo: QComboBox | None = _combo()
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.addItems(list(suggestions))
            self.combo.activated.connect(lambda _i: self._commit())
            self.edit = self.combo.lineEdit()
            self._layout.addWidget(self.combo)
        else:
            self.combo = None
            self.edit = QLineEdit()
            self._layout.addWidget(self.edit)
        placeholder = self.PLACEHOLDERS.get(param.kind, "")
        if allows_none(param):
            placeholder = "default" if param.default is None else f"default: {format_value(param, param.default)}"
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(param.help)
        self.edit.textEdited.connect(self._on_text_edited)
        self.edit.editingFinished.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setText(format_value(self.param, value))
        self.edit.blockSignals(False)

    def _parse(self) -> tuple[Any, str | None]:
        try:
            value = parse_text(self.param, self.edit.text())
        except ValueError as exc:
            return None, str(exc)
        return value, self.param.validate(value)

    def _on_text_edited(self, _text: str) -> None:
        _value, reason = self._parse()
        self.problemChanged.emit(f"{reason}." if reason else "")

    def _commit(self) -> None:
        value, reason = self._parse()
        if reason is not None:
            self.refuse(self.edit.text().strip() or None, reason)
            return
        self.offer(value)


# -- nested layers (wrappers) ---------------------------------------------------
class LayerEditor(ParamEditor):
    """LAYER: pick the wrapped layer's type and edit its parameters in a nested form."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        from layerlab.gui.panels.param_form import ParamForm  # the form builds editors: import late

        self.combo = _combo()
        self.combo.setToolTip(param.help)
        for type_name in wrappable_types(param):
            self.combo.addItem(type_name, type_name)
        self.combo.currentIndexChanged.connect(self._on_type)
        self._layout.addWidget(self.combo)
        # the wrapped layer's own form: the parent form places it on a full-width row below the combo
        self.nested = QFrame()
        self.nested.setObjectName("nestedParams")
        self._nested_layout = QVBoxLayout(self.nested)
        self._nested_layout.setContentsMargins(10, 4, 0, 4)
        self._form_cls = ParamForm
        self.form = None

    def _current(self) -> dict:
        value = self._value if isinstance(self._value, dict) else {}
        return {"type": value.get("type"), "params": dict(value.get("params") or {})}

    def _show(self, value: Any) -> None:
        current = value if isinstance(value, dict) else {}
        type_name = current.get("type")
        self.combo.blockSignals(True)
        index = self.combo.findData(type_name)
        if index < 0 and type_name:
            self.combo.addItem(f"{type_name} (not in the catalog)", type_name)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        spec = catalog.get(type_name) if type_name else None
        params = dict(current.get("params") or {})
        if self.form is not None and self.form.spec is spec:
            self.form.set_params(params)
            return
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None
        if spec is not None:
            self.form = self._form_cls(spec, params, skip=("name",))
            self.form.edited.connect(self._on_nested_edit)
            self._nested_layout.addWidget(self.form)

    def _on_type(self, index: int) -> None:
        type_name = self.combo.itemData(index)
        spec = catalog.get(type_name)
        old = self._current()["params"]
        params = spec.defaults() if spec else {}
        for name in params:  # keep the values the old and the new type share (units, activation...)
            if name in old and spec.param(name) is not None and spec.param(name).validate(old[name]) is None:
                params[name] = old[name]
        self.offer({"type": type_name, "params": params})
        self._show(self._value)

    def _on_nested_edit(self, name: str, value: Any) -> None:
        current = self._current()
        current["params"][name] = value
        self.offer(current)


def wrappable_types(param: Param) -> list[str]:
    """Types a wrapper may hold: its `choices`, else those of its default's category, else all layers."""
    if param.choices:
        return [t for t in param.choices if catalog.get(t) is not None]
    specs = [s for s in catalog.all_specs()
             if not s.is_input and not any(p.kind == kinds.LAYER for p in s.params) and s.call == kinds.CALL_SINGLE
             and not (s.is_operation or s.application or s.nested_only)]  # layers only, placeable ones
    default_type = param.default.get("type") if isinstance(param.default, dict) else None
    default_spec = catalog.get(default_type) if default_type else None
    if default_spec is not None and default_spec.category == "Recurrent":
        same = [s for s in specs if s.category == "Recurrent"]
        if same:
            specs = same
    return [s.type for s in specs]


def _combo() -> QComboBox:
    """A combo box that may shrink below its longest item (the inspector is narrow)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    """The editor that fits `param.kind`."""
    if param.kind in (kinds.INT, kinds.FLOAT):
        return NumberEditor(param, parent)
    if param.kind == kinds.BOOL and not param.nullable:
        return BoolEditor(param, parent)
    if param.kind == kinds.BOOL:
        return ChoiceEditor(Param(**{**param.__dict__, "kind": kinds.CHOICE, "choices": (None, True, False)}), parent)
    if param.kind == kinds.CHOICE:
        return ChoiceEditor(param, parent)
    if param.kind == kinds.LAYER:
        return LayerEditor(param, parent)
    return TextEditor(param, parent)
