"""The trained model and the project: which run the weights are from, saving them, restoring them.

A mixin of TrainingController (controller.py). The model lives in a worker
process (a WorkerSession is the handle): Save asks that worker to write the
weights and the project (core's `save_trained`); opening a trained project
loads its saved weights in a new worker. The project names the run its saved
weights come from (`weights_run`), so that the epoch count, the metrics and
the run shown agree after reopening.
"""

from __future__ import annotations

from pathlib import Path

from layerlab.core.training.errors import TrainedStateError
from layerlab.core.training.messages import ERROR, INFO, READY

KEEP_EARLIER = 1  # earlier models kept alive (each in its worker) after a newer one, so that they can be picked


class TrainedState:
    """The trained session and the project's saved weights (mixed into TrainingController).

    `self.session` holds the model whose weights are kept (Save, Export and Continue use it);
    `self.earlier` the models it replaced, newest last, still alive in their workers.
    """

    def keep_earlier(self, session) -> None:
        """A newer model replaces `session`: keep it alive a while (it can be picked back), end the oldest."""
        if session is None or not session.usable:
            return
        self.earlier.append(session)
        while len(self.earlier) > KEEP_EARLIER:
            self.runner.release(self.earlier.pop(0))

    def keep_run(self, lineage_id: str) -> bool:
        """Keep the weights of the run `lineage_id` (an earlier model still held) instead of the current ones."""
        if self.busy:
            return False
        for session in list(self.earlier):
            lineage = self._lineage_of_run(session.weights_run) if session.weights_run else None
            if lineage is not None and lineage.id == lineage_id and session.usable:
                self.earlier.remove(session)
                current, self.session = self.session, session
                self.keep_earlier(current)
                self.weights_unsaved = True
                if session.evaluation is not None:
                    self.set_evaluation(session.evaluation)
                self.run_panel.show_message(INFO, f"Kept the weights of {lineage.label} ({session.epochs_done} "
                                                  "epochs): Save, Export and Continue use them.")
                self.refresh_runs()
                self.unsavedChanged.emit()
                self._update_actions()
                return True
        return False

    def refresh_runs(self) -> None:
        """The runs list, with the run whose weights are kept in bold and the ones that can be picked."""
        runs = self.view.runs
        current = self._lineage_of_session() if self.trained_session() is not None else None
        runs.weights_lineage = current.id if current is not None else None
        lineages = [self._lineage_of_run(s.weights_run) for s in self.earlier if s.usable and s.weights_run]
        runs.keepable = {lin.id for lin in lineages if lin is not None}
        runs.refresh()

    def release_models(self) -> None:
        """End every worker holding a model of this window (another project is shown)."""
        for session in [self.session, *self.earlier]:
            self.runner.release(session)
        self.session, self.earlier = None, []

    def weights_source(self) -> str | None:
        """Which run the trained model's weights come from, in words ("Run 2, 15 epochs")."""
        session = self.trained_session()
        if session is None:
            return None
        lineage = self._lineage_of_session()
        return f"{lineage.label}, {session.epochs_done} epochs" if lineage is not None else \
            f"the trained model, {session.epochs_done} epochs"

    def _lineage_of_session(self):
        """The lineage the current session's weights belong to."""
        if self.session is None:
            return None
        run = getattr(self.session, "weights_run", None)
        if run is not None:
            found = self._lineage_of_run(run)
            if found is not None:
                return found
        records = getattr(self.session, "records", [])
        for lineage in reversed(self.history.lineages):
            if any(r in lineage.records for r in records):
                return lineage
        end = self.session.epochs_done
        return next((lin for lin in reversed(self.history.lineages) if lin.last_epoch == end), None)

    def _lineage_of_run(self, run_id: str):
        return next((lin for lin in self.history.lineages if any(r.id == run_id for r in lin.records)), None)

    def _lineage_of_saved_weights(self):
        """The lineage the project's saved weights belong to (by the run the project names, else by epochs)."""
        from layerlab.core.training import state
        from layerlab.core.training.jobs import saved_weights_run

        saved = saved_weights_run(self.project)
        if saved is not None:
            found = self._lineage_of_run(saved[0])
            if found is not None:
                return found
        end = saved[1] if saved is not None else state.epochs_trained(self.project)
        return next((lin for lin in reversed(self.history.lineages) if lin.last_epoch == end), None)

    def _saved_weights(self) -> Path | None:
        if self.project.path is None:
            return None
        from layerlab.core.weights import weights_path_for

        path = weights_path_for(self.project.path)
        return path if path.is_file() else None

    def project_loaded(self) -> None:
        """The window shows another project: its runs, its data, and (if saved) its trained weights."""
        from layerlab.core.training import state

        self.release_models()
        self.evaluation = None
        self.unsaved_records = []
        self.weights_unsaved = False
        self.data_problems = []
        self.data_panel.columns = []
        try:
            self.history.load(state.runs(self.project))
            note = ""
        except TrainedStateError as exc:
            self.history.clear()
            note = str(exc)
        self.store.reload()
        self.refresh_runs()
        if self.view.plots is not None or self.history.lineages:
            self.view.ensure_plots().rebuild()
        if self.view.results is not None:
            self.view.results.set_evaluation(None)
        self.weights_view.set_stats(None)
        self.run_panel.show_progress(0.0, "")
        self.run_panel.show_message(ERROR if note else INFO, note or (
            f"{len(self.history.lineages)} earlier run(s) shown; Continue trains the saved model further."
            if self.history.lineages else READY))
        self.request_data(force=True)
        self._update_actions()
        if self._saved_weights() is not None and not self.busy:
            self._restore()

    def _restore(self) -> None:
        """Load the saved weights in a worker: the results and the inspector show them, Continue trains them."""
        self.session_revision = self.document.revision
        if self.runner.submit(self._job(restore=True, train=False)):
            self._restoring = True
            self.run_panel.show_message(INFO, "Loading the trained weights…")
            self._update_actions()
            self.busyChanged.emit(True)

    def save_project(self, path: Path) -> str:
        """Write the project to `path`, with the trained weights beside it and the runs in it.

        The worker that holds the model sends its weights by file; they are written here, under the project's
        lock that the window holds (core's `commit_trained`).
        Returns a note for the status bar ('' when everything was written). Raises OSError or
        LayerLabError when nothing could be saved.
        """
        from layerlab.core.engine.connection import EngineDied, EngineError
        from layerlab.core.training import state
        from layerlab.core.training.errors import StateWriteError, TrainedStateError
        from layerlab.core.training.jobs import WEIGHTS_RUN_KEY, mark_weights_run
        from layerlab.core.weights import OptimizerState

        note = ""
        session = self.trained_session()
        records = list(self.unsaved_records)
        if self.training:  # the run in progress is saved when it has ended
            note = "The weights of the model in training are not saved yet: save again when the run ends."
            session = None
        state.add_runs(self.project, records)
        if session is not None and self.weights_unsaved:
            named = self.project.extra.get(WEIGHTS_RUN_KEY)
            mark_weights_run(self.project, session)
            try:
                trained = session.call("save", {})  # the worker's model, by file; written here, under our lock
                optimizer = trained.get("optimizer")
                state.commit_trained(self.project, trained["arrays"],
                                     OptimizerState(optimizer["optimizer"], optimizer["arrays"]) if optimizer else None,
                                     records, path)
            except TrainedStateError as exc:
                self._name_weights_run(named)  # NaN weights: keep the project and the runs, not the weights
                state.save_project(self.project, records, path)
                note = f"Saved without the weights: {exc}."
            except EngineError as exc:
                if exc.kind == "StateWriteError":
                    raise StateWriteError(str(exc)) from None
                if exc.kind != "TrainedStateError":
                    raise
                self._name_weights_run(named)
                state.save_project(self.project, records, path)
                note = f"Saved without the weights: {exc}."
            except EngineDied as exc:
                self._name_weights_run(named)
                state.save_project(self.project, records, path)
                note = f"Saved without the weights: the training worker {exc.reason}."
            else:
                self.weights_unsaved = False
        else:
            state.save_project(self.project, records, path)
        self.unsaved_records = [r for r in self.unsaved_records if r not in records]
        self._update_actions()
        return note

    def _name_weights_run(self, named) -> None:
        """The weights were not written: the project names the run of the weights on disk, as before."""
        from layerlab.core.training.jobs import WEIGHTS_RUN_KEY

        if named is None:
            self.project.extra.pop(WEIGHTS_RUN_KEY, None)
        else:
            self.project.extra[WEIGHTS_RUN_KEY] = named

    def _on_session_lost(self, session, reason: str) -> None:
        if session in self.earlier:
            self.earlier.remove(session)
            self.refresh_runs()
        if session is not self.session:
            return
        self.session = None
        self.weights_unsaved = False
        text = (f"The training worker holding the trained model {reason}. The model is lost; the project and its "
                "saved weights are as they were.")
        if self.training:  # another run goes on in its own worker: its progress keeps the run panel
            self.window.statusBar().showMessage(text, 30_000)
        else:
            self.run_panel.show_message(ERROR, text)
        self._update_actions()
