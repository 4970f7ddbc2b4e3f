"""The callbacks of the training section: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, TensorBoard.

Each is a check box and its main parameters. The section keeps a list of
`{"type", "params"}`; turning one on adds an entry with sensible parameters,
turning it off removes it, and an edit changes only the parameter edited, so
entries of other types (CSVLogger, TerminateOnNaN) and parameters not shown
here are kept as they are.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QSpinBox, QVBoxLayout, QWidget

from layerlab.gui.training.fields import ChoiceField, PathField

MONITORS = ["val_loss", "loss", "val_accuracy", "accuracy"]
DEFAULTS = {
    "EarlyStopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True},
    "ModelCheckpoint": {"filepath": "checkpoints/best.keras", "monitor": "val_loss", "save_best_only": True},
    "ReduceLROnPlateau": {"monitor": "val_loss", "factor": 0.5, "patience": 2},
    "TensorBoard": {"log_dir": "logs"},
}
TITLES = {"EarlyStopping": "Early stopping", "ModelCheckpoint": "Save checkpoints",
          "ReduceLROnPlateau": "Reduce LR on plateaus", "TensorBoard": "TensorBoard logs"}
TIPS = {"EarlyStopping": "Stop when the monitored value stops improving",
        "ModelCheckpoint": "Save the model to a file (relative to the project's folder) during training",
        "ReduceLROnPlateau": "Multiply the learning rate by a factor when the monitored value stops improving",
        "TensorBoard": "Write logs that TensorBoard shows (a folder relative to the project's)"}


def with_callback(callbacks: list, type_name: str, on: bool) -> list:
    """The callbacks list with one entry of `type_name` (defaults) added, or every such entry removed."""
    kept = [copy.deepcopy(c) for c in callbacks if not (isinstance(c, dict) and c.get("type") == type_name)]
    if on:
        existing = [c for c in callbacks if isinstance(c, dict) and c.get("type") == type_name]
        kept.append(copy.deepcopy(existing[0]) if existing else {"type": type_name,
                                                                 "params": dict(DEFAULTS[type_name])})
    return kept


def with_param(callbacks: list, type_name: str, key: str, value) -> list:
    """The callbacks list with `key` of the first `type_name` entry set (None removes it)."""
    out = copy.deepcopy(callbacks)
    for entry in out:
        if isinstance(entry, dict) and entry.get("type") == type_name:
            params = entry.setdefault("params", {})
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
            break
    return out


class CallbacksForm(QWidget):
    """`edited(list)`: the new callbacks list (the panel writes it into the section)."""

    edited = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.callbacks: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.toggles: dict[str, QCheckBox] = {}
        self.forms: dict[str, QWidget] = {}
        self.fields: dict[tuple[str, str], QWidget] = {}
        for type_name in DEFAULTS:
            box = QCheckBox(TITLES[type_name])
            box.setToolTip(TIPS[type_name])
            box.toggled.connect(lambda on, t=type_name: self.edited.emit(with_callback(self.callbacks, t, on)))
            form_widget = QWidget()
            form = QFormLayout(form_widget)
            form.setContentsMargins(22, 0, 0, 6)
            self._add_fields(type_name, form)
            self.toggles[type_name] = box
            self.forms[type_name] = form_widget
            layout.addWidget(box)
            layout.addWidget(form_widget)

    def _add_fields(self, type_name: str, form: QFormLayout) -> None:
        def monitor() -> ChoiceField:
            field = ChoiceField([(m, m) for m in MONITORS], editable=True)
            field.edited.connect(lambda v: self._param(type_name, "monitor", v))
            return field

        def spin(key: str, low: int, high: int) -> QSpinBox:
            field = QSpinBox()
            field.setRange(low, high)
            field.setKeyboardTracking(False)
            field.valueChanged.connect(lambda v: self._param(type_name, key, int(v)))
            return field

        if type_name in ("EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"):
            self.fields[(type_name, "monitor")] = field = monitor()
            form.addRow("Monitor", field)
        if type_name in ("EarlyStopping", "ReduceLROnPlateau"):
            self.fields[(type_name, "patience")] = field = spin("patience", 0, 10_000)
            field.setSuffix(" epochs")
            form.addRow("Patience", field)
        if type_name == "EarlyStopping":
            field = QCheckBox("Restore the best weights")
            field.toggled.connect(lambda on: self._param(type_name, "restore_best_weights", bool(on)))
            self.fields[(type_name, "restore_best_weights")] = field
            form.addRow("", field)
        if type_name == "ReduceLROnPlateau":
            field = QDoubleSpinBox()
            field.setRange(0.01, 0.99)
            field.setSingleStep(0.05)
            field.setKeyboardTracking(False)
            field.valueChanged.connect(lambda v: self._param(type_name, "factor", round(float(v), 4)))
            self.fields[(type_name, "factor")] = field
            form.addRow("Factor", field)
        if type_name == "ModelCheckpoint":
            field = PathField("checkpoints/best.keras")
            field.edited.connect(lambda v: self._param(type_name, "filepath", v or DEFAULTS[type_name]["filepath"]))
            self.fields[(type_name, "filepath")] = field
            form.addRow("File", field)
            best = QCheckBox("Only when the monitored value improves")
            best.toggled.connect(lambda on: self._param(type_name, "save_best_only", bool(on)))
            self.fields[(type_name, "save_best_only")] = best
            form.addRow("", best)
        if type_name == "TensorBoard":
            field = PathField("logs")
            field.edited.connect(lambda v: self._param(type_name, "log_dir", v or None))
            self.fields[(type_name, "log_dir")] = field
            form.addRow("Log folder", field)

    def _param(self, type_name: str, key: str, value) -> None:
        self.edited.emit(with_param(self.callbacks, type_name, key, value))

    def set_callbacks(self, callbacks) -> None:
        """Show a section's callbacks list (anything else than a list shows as none)."""
        self.callbacks = copy.deepcopy(callbacks) if isinstance(callbacks, list) else []
        for type_name, box in self.toggles.items():
            entry = next((c for c in self.callbacks if isinstance(c, dict) and c.get("type") == type_name), None)
            with QSignalBlocker(box):
                box.setChecked(entry is not None)
            self.forms[type_name].setVisible(entry is not None)
            params = dict(DEFAULTS[type_name]) if entry is None else {**_keras_defaults(type_name),
                                                                       **(entry.get("params") or {})}
            for (owner, key), field in self.fields.items():
                if owner == type_name:
                    _show(field, params.get(key))


def _keras_defaults(type_name: str) -> dict:
    # what Keras uses when a parameter is not given, so the form shows the truth
    return {"EarlyStopping": {"monitor": "val_loss", "patience": 0, "restore_best_weights": False},
            "ModelCheckpoint": {"monitor": "val_loss", "save_best_only": False},
            "ReduceLROnPlateau": {"monitor": "val_loss", "factor": 0.1, "patience": 10},
            "TensorBoard": {"log_dir": "logs"}}[type_name]


def _show(field: QWidget, value) -> None:
    with QSignalBlocker(field):
        if isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        elif isinstance(field, (QSpinBox, QDoubleSpinBox)):
            field.setValue(value if isinstance(value, (int, float)) else 0)
        elif isinstance(field, (ChoiceField, PathField)):
            field.set_value(value)
