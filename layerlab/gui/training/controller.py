"""The training side of the main window: panels, Run actions, runs in worker processes, trained state.

`TrainingController` is created by the MainWindow and owns:

- the Data and Training panels (project sections, edited through undo commands),
- the DataService (preview and arrays, loaded in the background) and the
  data's problems against the graph (listed with the graph's, with fixes),
- the Train / Stop (Kill) / Continue actions and the TrainingRunner (runs in worker processes, on this
  computer or on a Ray cluster, as the Training panel's "Run on" says: run_target.py),
- the RunHistory behind the runs list and the live plots,
- the results view and the weights shown in the inspector,
- the lock that keeps the graph read-only during a run,
- the trained session (the worker process that holds the model): saved with the project (weights beside
  it, runs in it), exported by that worker, restored in a new worker when a trained project is opened.

Data flows one way: job -> worker process -> event messages -> runner signals ->
this controller -> RunHistory -> plots (redrawn by their own timer). The editor
never imports TensorFlow: the model and the data stay in the worker.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from layerlab.core.data.sources import file_filter
from layerlab.core.document import NODE_MOVED
from layerlab.core.errors import LayerLabError
from layerlab.core.training.messages import ERROR, INFO, READY
from layerlab.core.training.progress import RunProgress
from layerlab.core.training.series import RunHistory
from layerlab.gui import icons
from layerlab.gui.dialogs import CANCEL
from layerlab.gui.training import collector
from layerlab.gui.training.adapting import Adapter
from layerlab.gui.training.data_panel import DataPanel
from layerlab.gui.training.data_service import DataService
from layerlab.gui.training.fixes import apply_fixes
from layerlab.gui.training.lock import EditLock, LockBanner
from layerlab.gui.training.run_panel import RunPanel
from layerlab.gui.training.run_reports import RunReports
from layerlab.gui.training.run_target import RunTargetBox
from layerlab.gui.training.sections import SectionStore
from layerlab.gui.training.settings_panel import TrainingSettingsPanel
from layerlab.gui.training.trained_state import TrainedState
from layerlab.gui.training.view import TrainingView
from layerlab.gui.training.weights import WeightsView
from layerlab.gui.training.worker import TrainingRunner, WorkerJob

STOP_AND_CLOSE = "stop and close"
WARM_DELAY_MS = 500  # after the first paint, a worker starts importing Keras for the first Train
LOCKED_ACTIONS = ("new", "open", "import_model", "revert", "cut", "paste", "duplicate", "delete", "auto_layout",
                  "undo", "redo", "export.keras", "export.h5")


class TrainingController(RunReports, TrainedState, QObject):
    """Signals: busyChanged(bool), outcomeReady(TrainOutcome), unsavedChanged(), dataProblemsChanged(list)."""

    busyChanged = Signal(bool)  # noqa: N815 - Qt naming
    outcomeReady = Signal(object)  # noqa: N815
    unsavedChanged = Signal()  # noqa: N815
    dataProblemsChanged = Signal(list)  # noqa: N815

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.document = window.document
        self.store = SectionStore(window.project, window.undo_stack, self)
        self.data_service = DataService(self, engine=window.check_service.engine)
        self.runner = TrainingRunner(self)
        self.history = RunHistory()
        self.progress = RunProgress()
        self.session = None  # the WorkerSession holding the trained (or restored) model; Continue goes on with it
        self.earlier: list = []  # models a newer one replaced, still held by their workers (one can be picked)
        self.session_revision = -1  # the document revision the session's model was built from
        self.evaluation = None
        self.unsaved_records: list = []  # runs not yet written into the project
        self.weights_unsaved = False
        self.data_problems: list = []
        self.lineage = None  # the lineage being trained
        self._close_after = False
        self._stopping = False
        self._killable = False  # Stop went unanswered: the Stop button kills
        self._restoring = False
        self._progress_shown = 0.0

        self.train_action = self._action("train", "&Train", self.train, "F5", "Train the model from scratch")
        self.stop_action = self._action("stop", "&Stop", self.stop, "Shift+F5",
                                        "Stop after the current batch (the model keeps what it learned)")
        self.continue_action = self._action("continue", "&Continue", self.continue_training, "F6",
                                            "Train the model further, for the number of epochs set beside")
        self.run_panel = RunPanel(self.train_action, self.stop_action, self.continue_action)
        self.data_panel = DataPanel(self.store, self.document)
        self.settings_panel = TrainingSettingsPanel(self.store, self.document)
        self.run_target = RunTargetBox(window.settings)
        self.settings_panel.add_run_target(self.run_target)
        self.view = TrainingView(self.history, self.run_panel, self._ask_save_path)
        self.weights_view = WeightsView(self.document)
        self.banner = LockBanner()
        self.lock = EditLock(window.canvas, self._lock_targets, self.banner, self)
        collector.follow(self.lock.changed, self)  # no full garbage collection during a run
        self._check_timer = QTimer(self)  # a burst of changes re-checks the data once
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self.recheck_data)

        self.runner.started.connect(self._on_started)
        self.runner.batch.connect(self._on_batch)
        self.runner.epoch.connect(self._on_epoch)
        self.runner.phase.connect(lambda text: self.run_panel.show_message(INFO, text))
        self.runner.fitEnded.connect(self._on_fit_ended)
        self.runner.finished.connect(self._on_finished)
        self.runner.stopUnanswered.connect(self._offer_kill)
        self.runner.sessionLost.connect(self._on_session_lost)
        window.firstShown.connect(lambda: QTimer.singleShot(WARM_DELAY_MS, self._warm))
        self.data_service.loading.connect(self.data_panel.show_loading)
        self.data_service.previewReady.connect(self.data_panel.show_preview)
        self.data_service.datasetReady.connect(lambda _ds: self._schedule_check())
        self.data_service.failed.connect(self._on_data_failed)
        self.data_service.cleared.connect(self._schedule_check)
        self.data_panel.fixesRequested.connect(self.apply_fixes)
        self.data_panel.browseRequested.connect(self._browse)
        self.adapter = Adapter(self.project.to_json, self.document, window.undo_stack, self.data_service, self)
        self.data_panel.adapt_box.adaptRequested.connect(lambda ids: None if self.locked else self.adapter.adapt(ids))
        self.adapter.busyChanged.connect(self.data_panel.adapt_box.set_busy)
        self.adapter.finished.connect(self.data_panel.adapt_box.show_message)
        window.inspector.adaptRequested.connect(lambda n: None if self.locked else self.adapter.adapt([n]))
        self.adapter.finished.connect(lambda text, error: window.statusBar().showMessage(text, 8000))
        self.store.changed.connect(self._on_section_changed)
        self.view.runs.visibilityChanged.connect(lambda: self.view.ensure_plots().rebuild())
        self.view.runs.keepRequested.connect(self.keep_run)
        window.check_service.reportReady.connect(lambda _r: self._schedule_check())
        from layerlab.gui import theme

        theme.notifier().changed.connect(self._on_theme_changed)
        self._unsubscribe = self.document.subscribe(self._on_graph_change)
        self._update_actions()

    def _warm(self) -> None:
        """A local worker made ready for the first Train, unless runs go to a cluster."""
        if not self.run_target.on_cluster:
            self.runner.warm()

    # -- construction helpers -------------------------------------------------------------------------
    def _action(self, icon: str, text: str, slot, shortcut: str, tip: str) -> QAction:
        action = QAction(icons.icon(icon), text, self)
        action.setObjectName(f"run.{icon}")
        action.setProperty("iconName", icon)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    def _lock_targets(self) -> list:
        w = self.window
        actions = [w.menu_actions.get(name) for name in LOCKED_ACTIONS]
        menus = [m.menuAction() for m in (getattr(w, "recent_menu", None), getattr(w, "examples_menu", None)) if m]
        return [w.palette_panel, w.inspector, w.welcome, self.data_panel, self.settings_panel, *actions, *menus]

    @property
    def actions(self) -> list[QAction]:
        return [self.train_action, self.stop_action, self.continue_action]

    @property
    def busy(self) -> bool:
        return self.runner.busy

    @property
    def training(self) -> bool:
        """A run (not just restoring saved weights) is in progress."""
        return self.runner.busy and self.runner.job is not None and self.runner.job.train

    @property
    def locked(self) -> bool:
        return self.lock.locked

    @property
    def unsaved(self) -> bool:
        return bool(self.unsaved_records) or self.weights_unsaved

    def trained_session(self):
        """The WorkerSession holding the model trained (or restored) in this window, or None."""
        return self.session if self.session is not None and self.session.usable else None

    def _update_actions(self) -> None:
        busy = self.busy
        has_model = self.trained_session() is not None
        can_restore = self._saved_weights() is not None
        self.train_action.setEnabled(not busy)
        self.stop_action.setEnabled(self.training and (not self._stopping or self._killable))
        self.continue_action.setEnabled(not busy and (has_model or can_restore))
        tip = "Train the model further, for the number of epochs set beside (F6)"
        if has_model and self.session_revision != self.document.revision:
            tip += ". The graph changed since: Continue trains the model as it was; Train uses the edited graph"
        elif not has_model and not can_restore:
            tip = "Train first: Continue trains a trained model further (F6)"
        self.continue_action.setToolTip(tip)

    def _on_theme_changed(self) -> None:
        for action in self.actions:
            action.setIcon(icons.icon(action.property("iconName")))
        if self.view.plots is not None:
            self.view.plots.restyle()
        if self.view.results is not None:
            self.view.results.restyle()
        self.weights_view.show_nodes(self.weights_view.node_ids)

    # -- Run actions -----------------------------------------------------------------------------------
    def train(self) -> bool:
        """Start a new run: a fresh model from the graph, the data and the training settings."""
        if self.busy:
            return False
        if self.window.exporter.task is not None:
            self.run_panel.show_message(ERROR, "An export is still running: train when it has finished.")
            return False
        self._commit_focused_edit()
        if not (self.store.get("dataset") or None):
            self.run_panel.show_no_data()
            self.show_runs_tab()  # F5 from the canvas: the reason must be on screen, not behind another tab
            return False
        self.session_revision = self.document.revision
        return self._start(self._job(), None)

    def _job(self, **kwargs) -> WorkerJob:
        """A job for a new worker: the project as it is now (graph, sections, saved runs)."""
        path = self.project.path
        return WorkerJob(project=self.project.to_json(), path=str(path) if path else None,
                         base_dir=str(self.project.base_dir), training=self.store.get("training") or None,
                         report=self.window.check_service.report_json(), **kwargs)

    def continue_training(self, epochs: int | None = None) -> bool:
        """Train the current model `epochs` more epochs (the run bar's number by default)."""
        if self.busy:
            return False
        epochs = int(epochs if epochs is not None else self.run_panel.more_epochs.value())
        if self.trained_session() is not None:
            job = WorkerJob(session=self.session, epochs=epochs, training=self.store.get("training") or None)
            continuing = self._lineage_of_session()
            return self._start(job, continuing)
        saved = self._saved_weights()
        if saved is None:
            self.run_panel.show_message(INFO, "Train first: Continue trains a trained model further.")
            return False
        self.session_revision = self.document.revision
        continuing = self._lineage_of_saved_weights()
        return self._start(self._job(restore=True, epochs=epochs), continuing)

    def stop(self) -> None:
        """Stop after the current batch; the model keeps what it learned. Once Stop went unanswered: kill."""
        if not self.training:
            return
        if self._killable:
            self.run_panel.show_message(INFO, "Killing the training worker…")
            self.runner.kill()
            return
        self._stopping = True
        self.runner.request_stop()
        self.run_panel.show_message(INFO, "Stopping after the current batch…")
        self._update_actions()

    def _offer_kill(self) -> None:
        """The worker did not stop in time (stuck in a long call): the Stop button becomes Kill."""
        if not self.training:
            return
        self._killable = True
        self.stop_action.setText("&Kill")
        self.stop_action.setToolTip("The worker did not stop: end it now (the model in training is lost)")
        self.run_panel.show_message(ERROR, "The training worker does not answer Stop. Kill ends it now; the model "
                                           "in training is lost, the project and its saved weights are not.")
        self._update_actions()

    def _reset_stop(self) -> None:
        self._stopping = self._killable = False
        self.stop_action.setText("&Stop")
        self.stop_action.setToolTip("Stop after the current batch (the model keeps what it learned) (Shift+F5)")

    def _start(self, job: WorkerJob, continuing) -> bool:
        where = ""
        if job.session is None:  # a new worker: where "Run on" says
            problem = self.run_target.problem()
            if problem:
                self.run_panel.show_message(ERROR, problem)
                return False
            self.runner.cluster = self.run_target.executor()
            if self.runner.cluster is not None:
                where = f" on {self.runner.cluster.describe()}"
        try:
            if not self.runner.submit(job):
                return False
        except (LayerLabError, OSError) as exc:  # a data file that cannot travel to the cluster
            self.run_panel.show_message(ERROR, f"Cannot train{where}: {exc}")
            return False
        self._reset_stop()
        self.progress.reset()
        self.lock.lock()
        self.lineage = self.history.start(continuing)
        self.lineage.config = self.lineage.config or dict(job.training or {})
        self.run_panel.set_busy(True)
        self.run_panel.show_progress(0.0, "")
        self.run_panel.show_message(INFO, f"Starting{where}…")
        self.show_runs_tab()
        plots = self.view.ensure_plots()
        plots.rebuild()
        plots.prepare(plot_count(job.training, len(self.document.output_ids())))  # made while the worker starts
        self.view.runs.refresh()
        self.busyChanged.emit(True)
        self._update_actions()
        return True

    def show_runs_tab(self) -> None:
        """Bring the Runs tab forward, tall enough for the plots."""
        w = self.window
        w.bottom_dock.show()
        w.bottom_tabs.setCurrentWidget(self.view)
        if w.bottom_dock.height() < 340 and not w.bottom_dock.isFloating():
            w.resizeDocks([w.bottom_dock], [max(340, int(w.height() * 0.5))], Qt.Orientation.Vertical)

    def _commit_focused_edit(self) -> None:
        """A value typed but not yet committed (F5 pressed in a field) counts."""
        from PySide6.QtWidgets import QApplication, QLineEdit

        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and focus.isModified():
            focus.editingFinished.emit()

    # -- the data against the graph ---------------------------------------------------------------------
    def _on_section_changed(self, key: str) -> None:
        if key == "dataset":
            if self.run_panel.data_button.isVisibleTo(self.run_panel) and not self.busy:
                self.run_panel.show_message(INFO, READY)  # "no data to train on" is no longer true
            self.request_data()
        self._schedule_check()

    def _on_graph_change(self, change) -> None:
        if change.kind != NODE_MOVED:
            self._update_actions()

    def request_data(self, force: bool = False) -> None:
        """Load the project's dataset section (preview and arrays) in the background."""
        section = self.store.get("dataset") or None
        source = (section or {}).get("source")
        if section and source in ("csv", "npz", "images", "text_csv") and not section.get("path"):
            self.data_service.request(None, self.project.base_dir)
            self.data_panel.preview.show_message("Choose the file to read the data from.")
            return
        missing = [k for k in (("text", "target") if source == "text_csv" else ("target",) if source == "csv" else ())
                   if section.get(k) is None]
        if missing:  # the columns to choose from come from the file's first line
            self.data_service.request(None, self.project.base_dir)
            try:
                self.data_panel.set_columns(csv_columns(section, self.project.base_dir))
            except LayerLabError as exc:
                self.data_panel.show_error(str(exc))
                return
            self.data_panel.preview.show_message(
                f"Choose the {' and the '.join(missing)} column{'s' if len(missing) > 1 else ''} "
                "under Inputs and outputs.")
            return
        self.data_service.request(section, self.project.base_dir, force=force)

    def _on_data_failed(self, text: str) -> None:
        self.data_panel.show_error(text)
        self._schedule_check()

    def _schedule_check(self) -> None:
        if not self._check_timer.isActive():
            self._check_timer.start()

    def recheck_data(self) -> None:
        """The data's problems against the graph, from the loaded arrays and the latest shape check."""
        from layerlab.core.data.checks import DataProblem

        service, checks = self.data_service, self.window.check_service
        if not self.store.raw("dataset") or service.key is None:
            problems = []
        elif service.error:
            problems = [DataProblem(service.error)]
        elif service.dataset is None or checks.report is None or checks.report_revision != self.document.revision:
            return  # not known yet: the next report or dataset brings a check
        else:  # the check engine holds the arrays and the checked graph: it compares them
            revision = self.document.revision
            service.check(checks.key, self._loss_section(),
                          lambda found: self.set_data_problems(found) if revision == self.document.revision else None)
            return
        self.set_data_problems(problems)

    def _loss_section(self) -> dict | None:
        from layerlab.core.training.config import TrainingConfig

        section = self.store.get("training") or None
        try:
            return TrainingConfig.from_section(section, document=self.document, dataset=self.data_service.dataset,
                                               report=self.window.check_service.report).compile_section(self.document)
        except LayerLabError:
            return section

    def set_data_problems(self, problems: list) -> None:
        self.data_problems = list(problems)
        self.data_panel.set_problems(self.data_problems)
        self.window.problems.set_data_problems(self.data_problems)
        self.dataProblemsChanged.emit(self.data_problems)

    def apply_fixes(self, fixes: list) -> int:
        """Apply data fixes to the graph as one undo step (refused while the model is locked)."""
        if self.locked:
            return 0
        return apply_fixes(self.window.undo_stack, self.document, list(fixes))

    def _browse(self, source: str, field) -> None:
        start = str(self.window.start_folder())
        if source == "images":
            chosen = QFileDialog.getExistingDirectory(self.window, "Choose the image folder", start)
        else:
            chosen = self.window.dialogs.open_file(self.window, "Choose the data file", start,
                                                   file_filter(source))
        if chosen:
            from layerlab.gui import allowed

            allowed.remember_choice(self.window.settings, chosen, self.project.base_dir if self.project.path else None)
            field.choose(self.data_panel.path_for(chosen, self.project.base_dir if self.project.path else None))

    def _ask_save_path(self, caption: str, name: str, filters: str) -> str | None:
        folder = self.window.start_folder()
        return self.window.dialogs.save_file(self.window, caption, str(folder / name), filters)

    # -- closing ----------------------------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """Closing the window: True when it may close now. During a run, ask; then stop and close when done."""
        if not self.busy:
            return True
        if not self.training:  # only restoring saved weights: not worth a question
            self._close_after = True
            return False
        answer = self.window.dialogs.ask(
            self.window, "Training in progress", "A model is being trained. Stop the run and close?",
            (STOP_AND_CLOSE, CANCEL), "The run stops after its current batch; then the window closes "
            "(and asks about unsaved work).")
        if answer != STOP_AND_CLOSE:
            return False
        self._close_after = True
        self.stop()
        return False

    def shutdown(self) -> None:
        """Stop everything: the workers end, the data thread is waited for (the window is closing)."""
        self._unsubscribe()
        self._check_timer.stop()
        self.session, self.earlier = None, []
        self.runner.shutdown()
        self.data_service.shutdown()
        collector.release(self)


def plot_count(training: dict | None, outputs: int) -> int:
    """About how many metrics a run with this training section reports (one plot each).

    The loss, each output's loss when there are several, and the metrics: an estimate, for the plots made ahead.
    """
    metrics = (training or {}).get("metrics")
    if isinstance(metrics, dict):
        count = sum(len(v) if isinstance(v, list) else 1 for v in metrics.values())
    elif isinstance(metrics, list):
        count = sum(len(v) if isinstance(v, list) else 1 for v in metrics)
    else:  # unset: picked from the model, usually one per output
        count = max(1, outputs)
    return 1 + (outputs if outputs > 1 else 0) + count


def csv_columns(section: dict, base_dir: Path) -> list[str]:
    """The column names of a CSV dataset's file, from its first line (one line is read)."""
    from layerlab.core.data.csv_table import check_delimiter, read_header
    from layerlab.core.data.section import resolve_path

    path = resolve_path(section, "path", base_dir)
    header = section.get("header", True) is not False
    return read_header(path, str(section.get("path")), check_delimiter(section.get("delimiter", ",")), header)


def anchored_dataset(section: dict | None, folder: Path) -> dict | None:
    """A dataset section whose relative paths are made absolute against `folder`.

    An example opened as an untitled copy has no folder of its own; its data
    files stay where the example is.
    """
    if not section:
        return section
    out = copy.deepcopy(section)
    for key in ("path", "test_path"):
        value = out.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            out[key] = str((Path(folder) / value).resolve())
    return out

