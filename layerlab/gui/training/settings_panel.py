"""The Training panel: optimizer, losses and metrics, epochs and batches, seed, callbacks.

Each edit is one undoable change of the project's `training` section (via
the SectionStore), checked by the engine's own TrainingConfig as it is made:
a value the engine would refuse is shown in red under the form, naming the
key, before anyone presses Train. An unset loss or metrics list shows what
`core.training.defaults` picks from the model and the loaded data, marked
"from the data", until the user picks another.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.build import OPTIMIZERS
from layerlab.core.document import NODE_MOVED, GraphDocument
from layerlab.core.errors import LayerLabError
from layerlab.core.training import defaults
from layerlab.core.training.config import TrainingConfig
from layerlab.gui.training.callbacks_form import CallbacksForm
from layerlab.gui.training.fields import ChoiceField, NumberField, hint, scrolling_column
from layerlab.gui.training.sections import SectionStore

FROM_DATA = "from the data"


class TrainingSettingsPanel(QWidget):
    """Edits the project's training section."""

    def __init__(self, store: SectionStore, document: GraphDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("TrainingSettingsPanel")
        self.store = store
        self.document = document
        self.dataset = None  # the loaded Dataset, when there is one: the loss and metrics are picked from it
        self.report = None  # the latest CheckReport: the outputs' units
        layout = scrolling_column(self)

        opt_box = QGroupBox("Optimizer")
        opt = QFormLayout(opt_box)
        self.optimizer = ChoiceField([(name, name) for name in OPTIMIZERS])
        self.optimizer.edited.connect(lambda v: self._set("optimizer", v))
        self.learning_rate = NumberField("Keras default", minimum=0)
        self.learning_rate.setToolTip("Empty: the optimizer's Keras default")
        self.learning_rate.edited.connect(lambda v: self._set("learning_rate", v))
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 1.0)
        self.momentum.setSingleStep(0.05)
        self.momentum.setDecimals(3)
        self.momentum.setKeyboardTracking(False)
        self.momentum.valueChanged.connect(lambda v: self._set("momentum", round(float(v), 6) or None))
        opt.addRow("Optimizer", self.optimizer)
        opt.addRow("Learning rate", self.learning_rate)
        opt.addRow("Momentum", self.momentum)
        layout.addWidget(opt_box)

        self.loss_box = QGroupBox("Loss and metrics")
        self.loss_form = QFormLayout(self.loss_box)
        self.loss_fields: dict[str, ChoiceField] = {}
        self.weight_fields: dict[str, NumberField] = {}
        self.metrics = QListWidget()
        self.metrics.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for name in defaults.METRIC_CHOICES:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.metrics.addItem(item)
        self.metrics.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.metrics.setTextElideMode(Qt.TextElideMode.ElideRight)
        row = max(self.metrics.sizeHintForRow(0), self.metrics.fontMetrics().height() + 6)
        self.metrics.setFixedHeight(row * 5 + 2 * self.metrics.frameWidth() + 4)
        self.metrics.itemChanged.connect(lambda _item: self._on_metrics())
        self.picked_note = hint("")
        self.picked_note.setObjectName("trainingPickedNote")
        self._outputs: tuple[str, ...] | None = None
        layout.addWidget(self.loss_box)
        layout.addWidget(self.picked_note)  # under the box: a form row would cut its second line

        run_box = QGroupBox("Run")
        run = QFormLayout(run_box)
        self.epochs = _spin(1, 1_000_000, " epochs")
        self.epochs.valueChanged.connect(lambda v: self._set("epochs", int(v)))
        self.batch_size = _spin(1, 10_000_000, " samples")
        self.batch_size.valueChanged.connect(lambda v: self._set("batch_size", int(v)))
        self.validation_split = QDoubleSpinBox()
        self.validation_split.setDecimals(2)
        self.validation_split.setRange(0.0, defaults.VALIDATION_SPLIT_MAX - 0.01)  # the largest below the limit
        self.validation_split.setSingleStep(0.05)
        self.validation_split.setKeyboardTracking(False)
        self.validation_split.setToolTip("The last fraction of the training data, held out to validate each epoch")
        self.validation_split.valueChanged.connect(lambda v: self._set("validation_split", round(float(v), 4)))
        self.shuffle = QCheckBox("Shuffle every epoch")
        self.shuffle.toggled.connect(lambda on: self._set("shuffle", bool(on)))
        self.seed = NumberField("random", integer=True, minimum=0)
        self.seed.setToolTip("The same seed gives the same weights, batches and numbers")
        self.seed.edited.connect(lambda v: self._set("seed", v))
        run.addRow("Epochs", self.epochs)
        run.addRow("Batch size", self.batch_size)
        run.addRow("Validation", self.validation_split)
        run.addRow("", self.shuffle)
        run.addRow("Seed", self.seed)
        layout.addWidget(run_box)
        self._column, self._run_box = layout, run_box

        cb_box = QGroupBox("Callbacks")
        cb_layout = QVBoxLayout(cb_box)
        self.callbacks = CallbacksForm()
        self.callbacks.edited.connect(
            lambda value: self.store.set_field("training", "callbacks", value or None, merge=False))
        cb_layout.addWidget(self.callbacks)
        layout.addWidget(cb_box)

        self.problem = QLabel()
        self.problem.setObjectName("trainingSettingsProblem")
        self.problem.setWordWrap(True)
        self.problem.setProperty("role", "error")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problem)
        layout.addWidget(hint("Saved in the project. Continue keeps the settings of the run it continues; "
                              "a change applies from the next Train."))
        layout.addStretch(1)

        self._graph_timer = QTimer(self)
        self._graph_timer.setSingleShot(True)
        self._graph_timer.setInterval(0)
        self._graph_timer.timeout.connect(self.refresh)
        self._unsubscribe = document.subscribe(lambda c: c.kind != NODE_MOVED and self._graph_timer.start())
        self.destroyed.connect(lambda *_: self._unsubscribe())
        store.changed.connect(lambda key: key == "training" and self.refresh())
        self.refresh()

    def add_run_target(self, box: QWidget) -> None:
        """Where runs go ("Run on": an app setting, not the project's), shown under the Run settings."""
        self._column.insertWidget(self._column.indexOf(self._run_box) + 1, box)

    # -- what the defaults are picked from ------------------------------------------------------------
    def follow(self, data_service, check_service, data_panel=None) -> None:
        """Pick from the data the DataService loads and the outputs' units the CheckService reports.

        `data_panel` is told whether the data is loaded: only loaded data can be said to fit.
        """
        def loaded(dataset) -> None:
            self.set_dataset(dataset)
            if data_panel is not None:
                data_panel.set_data_ready(dataset is not None)

        data_service.datasetReady.connect(loaded)
        for signal in (data_service.loading, data_service.cleared, data_service.failed):
            signal.connect(lambda *_: loaded(None))
        check_service.reportReady.connect(self.set_report)

    def set_dataset(self, dataset) -> None:
        """The loaded data (None: none loaded); an unset loss and metrics are picked from it."""
        self.dataset = dataset
        self.refresh()

    def set_report(self, report) -> None:
        """The latest shape check: the outputs' units."""
        self.report = report
        if "loss" not in self.store.get("training") or "metrics" not in self.store.get("training"):
            self.refresh()

    def picked(self) -> dict:
        """The section as it trains: unset loss and metrics picked from the model and the data."""
        return defaults.with_defaults(self.store.get("training"), self.document, self.dataset, self.report) or {}

    # -- redraw -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        own = self.store.get("training")
        s = self.picked()
        optimizer = s.get("optimizer", defaults.DEFAULT_OPTIMIZER)
        self.optimizer.set_value(optimizer)
        self.learning_rate.set_value(s.get("learning_rate"))
        self.learning_rate.setPlaceholderText(f"Keras default ({defaults.learning_rate_default(optimizer):g})")
        _set(self.momentum, s.get("momentum") or 0.0)
        self.momentum.setEnabled(str(optimizer).lower() == "sgd")
        self.momentum.setToolTip("Used by sgd only" if str(optimizer).lower() != "sgd" else "")
        self._rebuild_losses()
        self._show_losses(s)
        metrics = s.get("metrics") or []
        flat = {m for group in (metrics.values() if isinstance(metrics, dict) else metrics)
                for m in (group if isinstance(group, list) else [group])}
        with QSignalBlocker(self.metrics):
            for i in range(self.metrics.count()):
                item = self.metrics.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.text() in flat else Qt.CheckState.Unchecked)
        self._show_picked(own)
        _set(self.epochs, s.get("epochs", defaults.DEFAULT_EPOCHS))
        _set(self.batch_size, s.get("batch_size", defaults.DEFAULT_BATCH_SIZE))
        _set(self.validation_split, s.get("validation_split", defaults.DEFAULT_VALIDATION_SPLIT))
        with QSignalBlocker(self.shuffle):
            self.shuffle.setChecked(s.get("shuffle", True) is not False)
        self.seed.set_value(s.get("seed"))
        self.callbacks.set_callbacks(s.get("callbacks") or [])
        self._show_problem(own)

    def _show_picked(self, own: dict) -> None:
        """Say which of the loss and metrics are picked, and from what."""
        unset = [key for key in defaults.PICKED if own.get(key) is None]
        picks = defaults.pick(self.document, self.dataset, self.report)
        if not unset or not picks:
            self.picked_note.hide()
            return
        what = " and ".join(unset).capitalize()
        why = "; ".join(f"{node}: {p.why}" if len(picks) > 1 else p.why for node, p in picks.items())
        self.picked_note.setText(f"{what} {FROM_DATA} ({why}). Choose another to set your own.")
        self.picked_note.show()

    def _rebuild_losses(self) -> None:
        outputs = tuple(self.document.output_ids()) or ("",)
        if outputs == self._outputs:
            return
        self._outputs = outputs
        while self.loss_form.rowCount():
            row = self.loss_form.takeRow(0)  # the metrics list is kept; the per-output fields are rebuilt
            for item in (row.labelItem, row.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None and widget is not self.metrics:
                    widget.hide()
                    widget.deleteLater()
        self.loss_fields, self.weight_fields = {}, {}
        many = len(outputs) > 1
        for node in outputs:
            field = ChoiceField([(name, name) for name in defaults.LOSS_CHOICES], editable=True)
            field.edited.connect(lambda v, n=node: self._on_loss(n, v))
            self.loss_fields[node] = field
            self.loss_form.addRow(f"Loss ({node})" if many else "Loss", field)
        if many:
            for node in outputs:
                weight = NumberField("1", minimum=0)
                weight.setToolTip(f"How much the loss of '{node}' counts in the total")
                weight.edited.connect(lambda v, n=node: self._on_weight(n, v))
                self.weight_fields[node] = weight
                self.loss_form.addRow(f"Weight ({node})", weight)
        self.loss_form.addRow("Metrics", self.metrics)

    def _show_losses(self, s: dict) -> None:
        loss, weights = s.get("loss", defaults.FALLBACK_LOSS), s.get("loss_weights")
        outputs = list(self.loss_fields)
        for i, (node, field) in enumerate(self.loss_fields.items()):
            field.set_value(_per_output(loss, node, i, outputs))
        for i, (node, field) in enumerate(self.weight_fields.items()):
            field.set_value(_per_output(weights, node, i, outputs))

    def _show_problem(self, s: dict) -> None:
        try:
            TrainingConfig.from_section(s or None, document=self.document, dataset=self.dataset,
                                        report=self.report).compile_section(self.document)
        except LayerLabError as exc:
            self.problem.setText(f"✖ {exc}")
            self.problem.show()
            return
        self.problem.hide()

    # -- edits --------------------------------------------------------------------------------
    def _set(self, key: str, value) -> None:
        self.store.set_field("training", key, value)

    def _on_loss(self, node: str, value) -> None:
        if not value:
            return
        outputs = list(self.loss_fields)
        if len(outputs) == 1:
            self._set("loss", value)
            return
        current = self.picked().get("loss", defaults.FALLBACK_LOSS)
        per = {o: _per_output(current, o, i, outputs) or defaults.FALLBACK_LOSS for i, o in enumerate(outputs)}
        per[node] = value
        self._set("loss", per if len(set(per.values())) > 1 else value)

    def _on_weight(self, node: str, value) -> None:
        outputs = list(self.weight_fields)
        current = self.store.get("training").get("loss_weights")
        per = {o: _per_output(current, o, i, outputs) for i, o in enumerate(outputs)}
        per[node] = value
        if all(v is None for v in per.values()):
            self._set("loss_weights", None)
        else:
            self._set("loss_weights", {o: (1.0 if v is None else v) for o, v in per.items()})

    def _on_metrics(self) -> None:
        chosen = [self.metrics.item(i).text() for i in range(self.metrics.count())
                  if self.metrics.item(i).checkState() == Qt.CheckState.Checked]
        self.store.set_field("training", "metrics", chosen, merge=False)  # [] too: the user's own choice


def _per_output(value, node: str, index: int, outputs: list[str]):
    """One output's entry of a value given once, as a list in output order, or as a dict by output id."""
    if isinstance(value, dict):
        return value.get(node)
    if isinstance(value, list):
        return value[index] if index < len(value) else None
    return value


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setKeyboardTracking(False)
    spin.setGroupSeparatorShown(True)
    return spin


def _set(widget, value) -> None:
    with QSignalBlocker(widget):
        widget.setValue(value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0)
