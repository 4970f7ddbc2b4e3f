"""The Sweep dialog: pick what varies, run the trials here or on a Ray cluster, compare them, apply the best.

Trials run in a process of their own (``layerlab sweep --json``, see
.process); each gets a row in the sortable table as it starts ("running",
its parameters drawn here with the same seed as the process, so they are
known at once) and is filled in place as it ends, when it also appears in
the parallel-coordinates plot and as a run in the Training view's Runs list
and plots (.runs). "Apply best" writes the best trial's parameters into the
project as one undoable step.
"""

from __future__ import annotations

import secrets

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.errors import LayerLabError
from layerlab.core.sweep.space import draw, parse_space
from layerlab.core.sweep.trials import RANKED
from layerlab.gui.sweep.apply import apply_params
from layerlab.gui.sweep.plot import ParallelCoordinates
from layerlab.gui.sweep.process import ClusterCheck, SweepProcess
from layerlab.gui.sweep.runs import show_trial
from layerlab.gui.sweep.space_table import SpaceTable, candidate_keys, default_distribution
from layerlab.gui.training.run_target import KEY_ADDRESS

LOCAL, CLUSTER = "This computer", "Ray cluster"
METRICS = ("val_loss", "loss", "val_accuracy", "accuracy")


class SweepDialog(QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Sweep")
        self.resize(1000, 680)
        self.trials: list[dict] = []  # the trials that ended
        self.planned: list[dict] = []  # every trial's parameters, while a sweep runs
        self.best: dict | None = None
        self.sweep = SweepProcess(self)
        self.sweep.trial.connect(self._on_trial)
        self.sweep.finished.connect(self._on_finished)
        self.check = ClusterCheck(self)
        self.check.done.connect(self._on_check)

        self.space = SpaceTable()
        self.key_pick = QComboBox()
        self.key_pick.setEditable(False)
        add = QPushButton("Add")
        add.clicked.connect(lambda: self.add_key(self.key_pick.currentText()))
        remove = QPushButton("Remove")
        remove.clicked.connect(self.space.remove_selected)
        keys_row = QHBoxLayout()
        keys_row.addWidget(self.key_pick, 1)
        keys_row.addWidget(add)
        keys_row.addWidget(remove)

        self.trial_count = _spin(1, 1000, 8)
        self.parallel = _spin(1, 64, 2)
        self.seed = _spin(-1, 2**31 - 1, -1)
        self.seed.setSpecialValueText("random")  # -1: a fresh draw each time
        self.metric_box = QComboBox()
        self.metric_box.setEditable(True)
        self.metric_box.addItems(METRICS)
        self.mode_box = QComboBox()
        self.mode_box.addItems(("min", "max"))
        self.metric_box.currentTextChanged.connect(
            lambda m: self.mode_box.setCurrentText("max" if "acc" in m else "min"))
        self.run_on = QComboBox()
        self.run_on.addItems((LOCAL, CLUSTER))
        # the cluster the Training panel's "Run on" names (an app setting), if any
        self.address = QLineEdit(str(window.settings.value(KEY_ADDRESS, "") or "127.0.0.1:6379"))
        self.address.setPlaceholderText("HOST:6379, ray://HOST:10001 or auto")
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.check_cluster)
        self.cluster_status = QLabel("")
        self.cluster_status.setWordWrap(True)
        self.asha = QCheckBox("Stop trials that fall behind (ASHA)")
        where = QHBoxLayout()
        where.addWidget(self.run_on)
        where.addWidget(self.address, 1)
        where.addWidget(self.check_button)
        self.run_on.currentTextChanged.connect(self._on_where)
        form = QFormLayout()
        form.addRow("Trials", self.trial_count)
        form.addRow("At a time", self.parallel)
        form.addRow("Seed", self.seed)
        form.addRow("Rank by", self.metric_box)
        form.addRow("Better is", self.mode_box)
        form.addRow("Run on", where)
        form.addRow("", self.cluster_status)
        form.addRow("", self.asha)

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.sweep.stop)
        self.apply_button = QPushButton("Apply best")
        self.apply_button.clicked.connect(self.apply_best)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for b in (self.start_button, self.stop_button, self.apply_button):
            buttons.addWidget(b)

        self.table = QTableWidget(0, 0)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.plot = ParallelCoordinates()
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(self.plot)
        results.addWidget(self.table)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Vary"))
        column.addLayout(keys_row)
        column.addWidget(self.space, 1)
        column.addLayout(form)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(results)
        split.setSizes([380, 620])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.refresh_keys()
        self._on_where(LOCAL)
        self._update_buttons()
        self.space.model().rowsInserted.connect(self._say_ready)
        self.space.model().rowsRemoved.connect(self._say_ready)
        self.trial_count.valueChanged.connect(self._say_ready)
        self._say_ready()

    # -- the space -----------------------------------------------------------------------------------
    def refresh_keys(self) -> None:
        project = self.window_.project
        self._candidates = candidate_keys(project.document, project.training)
        self.key_pick.clear()
        self.key_pick.addItems(list(self._candidates))

    def add_key(self, key: str) -> None:
        """Add `key` to the space with a first distribution around its current value ("sweep this")."""
        if key not in self._candidates:
            self.refresh_keys()
        kind, values = default_distribution(key, self._candidates.get(key))
        self.space.add(key, kind, values)

    def _say_ready(self, *_args) -> None:
        """What Start will do (never while a sweep runs: then the status follows the sweep)."""
        if self.sweep.running:
            return
        keys, trials = self.space.rowCount(), self.trial_count.value()
        if not keys:
            self.status.setText("Add the keys to vary, then Start.")
            return
        self.status.setText(f"{keys} key{'s' if keys > 1 else ''} to vary: press Start to run "
                            f"{trials} trial{'s' if trials > 1 else ''}.")

    # -- where ---------------------------------------------------------------------------------------
    def _on_where(self, text: str) -> None:
        cluster = text == CLUSTER
        for w in (self.address, self.check_button, self.asha):
            w.setEnabled(cluster)
        self.cluster_status.setText("" if cluster else "Trials run as worker processes on this computer.")

    def target(self) -> str:
        return f"ray:{self.address.text().strip()}" if self.run_on.currentText() == CLUSTER else "local"

    def check_cluster(self) -> None:
        self.cluster_status.setText(f"Connecting to {self.address.text().strip()}…")
        self.check_button.setEnabled(False)
        self.check.start(self.address.text().strip())

    def _on_check(self, ok: bool, text: str) -> None:
        self.check_button.setEnabled(self.run_on.currentText() == CLUSTER)
        self.cluster_status.setText(text if ok else f"Cannot use the cluster: {text}")

    # -- running -------------------------------------------------------------------------------------
    def start(self) -> None:
        try:
            space = self.space.space()
        except LayerLabError as exc:
            self.status.setText(str(exc))
            return
        # "random" draws a seed here: the process draws the same trials from it, so their rows show at once
        seed = self.seed.value() if self.seed.value() >= 0 else secrets.randbelow(2**31)
        self.trials, self.best = [], None
        self.planned = draw(parse_space(space, "the sweep"), self.trial_count.value(), seed)
        self.sweep.start(self.window_.project, space, self.trial_count.value(), self.parallel.value(),
                         self.metric_box.currentText(), self.mode_box.currentText(), self.target(),
                         seed=seed, asha=self.asha.isChecked() and self.target() != "local")
        self._show()
        self.status.setText(f"Running {self.trial_count.value()} trials on {self.run_on.currentText().lower()} "
                            f"(seed {seed})…")
        self._update_buttons()

    def _on_trial(self, trial: dict) -> None:
        self.trials.append(trial)
        show_trial(self.window_.training, trial)  # in the Runs list and plots too, comparable with runs
        self.status.setText(f"{len(self.trials)} of {self.trial_count.value()} trials ended")
        self._show()

    def _on_finished(self, best, error: str) -> None:
        self.best = best
        self.planned = []  # trials that never ended (a stopped sweep) lose their rows
        self._show()
        if error:
            self.status.setText(error)
        elif best is None:
            self.status.setText(f"No trial trained with a {self.metric_box.currentText()} to rank it by.")
        else:
            self.status.setText(f"Best: trial {best['trial']} ({self.metric_box.currentText()} "
                                f"{best['metrics'][self.metric_box.currentText()]:.4g})")
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.sweep.running
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.apply_button.setEnabled(not running and self.best is not None)

    def apply_best(self) -> None:
        if self.best is None:
            return
        w = self.window_
        apply_params(w.undo_stack, w.project.document, w.training.store, self.best["params"],
                     f"Apply sweep trial {self.best['trial']}")
        self.status.setText(f"Applied trial {self.best['trial']}'s parameters (Undo takes them back).")

    # -- results -------------------------------------------------------------------------------------
    def running_trials(self) -> list[dict]:
        """The trials running now, as rows: the first `At a time` of those not ended (trials start in order)."""
        ended = {t["trial"] for t in self.trials}
        waiting = [n for n in range(1, len(self.planned) + 1) if n not in ended]
        return [{"trial": n, "status": "running", "params": dict(self.planned[n - 1]), "metrics": {}}
                for n in waiting[:self.parallel.value()]]

    def _show(self) -> None:
        rows = sorted([*self.trials, *self.running_trials()], key=lambda t: t["trial"])
        seen = dict.fromkeys(k for t in rows for k in t.get("params", {}))
        keys = [k for k in self.space.keys() if k in seen] + [k for k in seen if k not in self.space.keys()]
        metric = self.metric_box.currentText()
        metrics = list(dict.fromkeys([metric, *sorted({m for t in self.trials for m in t.get("metrics", {})})]))
        columns = ["trial", "status", *keys, *metrics]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setRowCount(len(rows))
        for row, t in enumerate(rows):
            values = [t["trial"], t["status"], *[t["params"].get(k) for k in keys],
                      *[(t.get("metrics") or {}).get(m) for m in metrics]]
            for col, value in enumerate(values):
                item = QTableWidgetItem()
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    item.setData(Qt.ItemDataRole.DisplayRole, value)
                else:
                    item.setText("" if value is None else str(value))
                if col == 1 and t.get("reason") and t["status"] not in RANKED[:1]:
                    item.setToolTip(t["reason"])
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        log_keys = tuple(k for k in keys if self._kind(k) == "loguniform")
        self.plot.show_trials(self.trials, keys, metric, self.mode_box.currentText(), log_keys)

    def _kind(self, key: str) -> str:
        for row in range(self.space.rowCount()):
            if self.space.item(row, 0).text() == key:
                return self.space.cellWidget(row, 1).currentText()
        return ""

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.sweep.stop()
        super().closeEvent(event)


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box
