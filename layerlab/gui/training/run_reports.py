"""The training controller's reports from the worker: progress into the plots, the outcome into the window.

A mixin of TrainingController (controller.py): the runner's signals arrive
here on the GUI thread. Data flows one way: event -> RunHistory -> plots
(redrawn by their own timer), and the outcome -> run panel, results, the
trained session.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from layerlab.core.training.listener import FAILED, STOPPED
from layerlab.core.training.messages import INFO, RESTORED, end_message

PROGRESS_INTERVAL_S = 0.5


class RunReports:
    """Slots for the TrainingRunner's signals (mixed into TrainingController)."""

    def _on_started(self, epochs: int, steps: int, samples: int) -> None:
        self.progress.start(epochs, steps, samples)
        if self.lineage is not None:
            self.lineage.steps = steps
        self.view.ensure_plots().fix_epochs(max(epochs, max((lin.last_epoch for lin in self.history.lineages
                                                             if lin.visible), default=0)))
        self.run_panel.set_busy(False)
        self.run_panel.show_message(INFO, f"Training on {samples:,} samples, {steps:,} batches per epoch.")
        self.run_panel.show_progress(0.0, self.progress.text())

    def _on_batch(self, epoch: int, batch: int, logs: dict) -> None:
        if self.lineage is None:
            return
        self.lineage.add_batch(epoch, batch, logs)
        self.progress.on_batch(epoch, batch)
        now = time.monotonic()
        if now - self._progress_shown >= PROGRESS_INTERVAL_S:  # the bar need not move 20 times a second
            self._progress_shown = now
            self.run_panel.show_progress(self.progress.fraction, self.progress.text())
        if self.view.plots is not None:
            self.view.plots.mark_dirty(self.lineage)

    def _on_epoch(self, epoch: int, logs: dict) -> None:
        if self.lineage is None:
            return
        self.lineage.add_epoch(epoch, logs)
        self.progress.on_epoch(epoch)
        self.run_panel.show_progress(self.progress.fraction, self.progress.text())
        self.view.ensure_plots().mark_dirty(self.lineage)
        self.view.runs.update_lineage(self.lineage)  # its epochs and latest metrics

    def _on_fit_ended(self, status: str, _reason: str) -> None:
        if status != FAILED:
            self.run_panel.set_busy(True)  # evaluating: no known end

    def _on_finished(self, outcome) -> None:
        lineage, self.lineage = self.lineage, None
        self.run_panel.set_busy(False)
        self.lock.unlock()
        self._reset_stop()
        record = outcome.record if outcome.record is not None and outcome.record.epochs_run else None
        if record is None and outcome.status == FAILED and lineage is not None:
            record = lineage.unrecorded_run(FAILED, outcome.reason)  # its worker died: the epochs shown stay
        if lineage is not None:  # a run that ended before its first epoch (it never trained) is not listed
            lineage.live = False
            if record is not None and record not in lineage.records:
                lineage.records.append(record)
            if not lineage.records:
                self.history.lineages.remove(lineage)
        if record is not None:
            self.unsaved_records.append(record)
        if outcome.status != FAILED and outcome.session is not None and outcome.session.has_model:
            if outcome.session is not self.session:
                self.keep_earlier(self.session)  # a newer model replaces it; it is kept a while, to be picked
            self.session = outcome.session
            self.weights_unsaved = outcome.status != RESTORED
        elif outcome.status == FAILED and outcome.session is not None and outcome.session is self.session:
            self.session = None  # a continuation that diverged (NaN weights) or whose worker died
            self.weights_unsaved = False
        # a new run that failed leaves the earlier model (if any) as it was: it can still be saved or continued
        self._suggest_more_epochs(outcome.status, record)
        if outcome.evaluation is not None:
            self.set_evaluation(outcome.evaluation)
        if outcome.data_problems:
            self.set_data_problems(outcome.data_problems)
        layer_names = {self.document.node(n).layer_name: n for n in self.document.node_ids()}
        level, text = end_message(outcome.status, outcome.reason,
                                  outcome.record.duration if outcome.record is not None else None, layer_names)
        if self._restoring and outcome.status == FAILED:
            text = f"The saved weights could not be loaded: {outcome.reason}"
        elif outcome.status == FAILED and outcome.record is None and not text.startswith("Training failed"):
            text = f"Training failed: {text}"
        elif outcome.status == STOPPED and record is None:
            text = "Stopped before training began: nothing was trained."
        self._restoring = False
        self.run_panel.show_message(level, text)
        if self.progress.active:
            self.run_panel.show_progress(self.progress.fraction, self.progress.ended_text())
        self.progress.active = False
        if self.view.plots is not None or self.history.lineages:
            self.view.ensure_plots().fix_epochs(None)
            self.view.plots.rebuild()
        self.refresh_runs()
        self.busyChanged.emit(False)
        self._update_actions()
        if record is not None or self.weights_unsaved:
            self.unsavedChanged.emit()
        self.outcomeReady.emit(outcome)
        if self._close_after:  # asked while the run went on: close now (the window may still ask about saving)
            self._close_after = False
            QTimer.singleShot(0, self.window.close)

    def _suggest_more_epochs(self, status: str, record) -> None:
        """Continue's epochs: the rest of a stopped run ("finish the remaining 30"), else as they were."""
        panel = self.run_panel
        if status == STOPPED and record is not None:
            asked = int(record.config.get("epochs") or 0)
            left = asked - record.epochs_run
            if left > 0:
                panel.more_epochs.setValue(left)
                panel.more_epochs.setToolTip(f"Continue finishes the stopped run: the remaining {left} epochs")
                return
        panel.more_epochs.setToolTip("How many epochs Continue adds")

    def set_evaluation(self, evaluation) -> None:
        self.evaluation = evaluation
        lineage = self._lineage_of_session()
        name = lineage.label if lineage is not None else None
        self.view.ensure_results().set_evaluation(evaluation, name)
        source = f"{name or 'the trained model'}, {evaluation.epochs} epochs"
        self.weights_view.set_stats(evaluation.weights, source)
