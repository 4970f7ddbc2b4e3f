"""Training runs in worker processes: the editor's side (the work itself: core/engine/train_role.py).

`TrainingRunner` lives on the GUI thread. Each new run (Train, or a saved
project's weights loaded) goes to a worker process of its own, taken warm
from a spare kept ready (Keras already imported), so that Train does not
wait for TensorFlow's import. The worker keeps its model after the run:
Continue, Save and Export of the trained model are requests to that worker
(a :class:`WorkerSession` is the editor's handle on it). The worker's events
become the runner's signals, delivered on the GUI thread.

Stop is a message, honoured after the current batch. When no answer comes
within `STOP_GRACE_S` seconds, `stopUnanswered` is emitted (the window offers
Kill). A worker that dies (a crash, the out-of-memory killer, `kill -9`)
ends its run as failed with the reason its exit gives; nothing in the editor
depends on it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from layerlab.core.engine.connection import EngineDied
from layerlab.core.engine.executor import Executor
from layerlab.core.errors import LayerLabError
from layerlab.core.training.listener import FAILED
from layerlab.core.training.outcome import TrainOutcome, outcome_from_json
from layerlab.gui.engine import EngineClient

ROLE = "train"
STOP_GRACE_S = 5.0  # a worker that has not ended its run this long after Stop is offered to be killed
CALL_TIMEOUT_S = 600.0  # Save and Export of a trained model: writing a big model takes a while


@dataclass
class WorkerJob:
    """A run to start: a new one from a project snapshot, or `session` continued."""

    project: dict | None = None  # the project's JSON (graph, dataset and training sections, runs)
    path: str | None = None  # the project's file (its saved weights are beside it)
    base_dir: str | None = None  # where the dataset's relative paths are read from
    training: dict | None = None  # the training section (shown with the run)
    epochs: int | None = None  # None: the training section's
    restore: bool = False  # start from the project's saved weights
    train: bool = True  # False: only load the saved weights and evaluate them
    evaluate: bool = True
    session: WorkerSession | None = None  # continue the model this worker holds
    report: dict | None = None  # the check engine's report of the project's graph (JSON), when known

    def args(self) -> dict:
        if self.session is not None:
            return {"continue": True, "epochs": self.epochs, "evaluate": self.evaluate}
        return {"project": self.project, "path": self.path, "base_dir": self.base_dir, "epochs": self.epochs,
                "restore": self.restore, "train": self.train, "evaluate": self.evaluate, "report": self.report}


class WorkerSession:
    """The editor's handle on a model trained (or restored) in a worker process."""

    def __init__(self, client: EngineClient):
        self.client = client
        self.epochs_done = 0
        self.records: list = []  # the RunRecords of the runs this worker trained
        self.weights_run: str | None = None  # the run its weights come from
        self.has_model = False
        self.lost: str | None = None  # why the worker is gone, once it is
        self.evaluation = None  # the latest Evaluation of its model
        self.remote = False  # it runs on another machine (a Ray cluster): files come back by array

    @property
    def alive(self) -> bool:
        return self.client.alive

    @property
    def usable(self) -> bool:
        """It holds a model and its worker is alive."""
        return self.has_model and self.alive

    def call(self, op: str, args: dict | None = None, timeout: float = CALL_TIMEOUT_S) -> Any:
        """A request to the worker, waited for (Save, Export: the worker is idle then).

        Raises EngineError (the worker refused) or EngineDied (it is gone).
        """
        result = self.client.connection.call(op, args, timeout)
        arrays = self.client.arrays
        if arrays is None:
            return result
        value = arrays.unpack(result)
        arrays.remove(result)  # a long-lived worker's folder must not fill up
        return value

    def release(self) -> None:
        """The editor no longer needs this model: the worker ends."""
        self.has_model = False
        self.client.close()


class _Spares:
    """One warm worker per editor process, shared by its windows: Train takes it, a new one warms up."""

    def __init__(self) -> None:
        self.client: EngineClient | None = None

    def warm(self) -> None:
        if self.client is None or not self.client.alive:
            self.client = EngineClient(ROLE)

    def take(self) -> EngineClient:
        client, self.client = self.client, None
        if client is None or not client.alive:
            client = EngineClient(ROLE)
        return client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


spares = _Spares()


class TrainingRunner(QObject):
    """Runs one job at a time in a worker process.

    Signals (all on the GUI thread):
        started(epochs, steps, samples), batch(epoch, batch, logs), epoch(epoch, logs),
        fitEnded(status, reason), phase(text), finished(TrainOutcome), stopUnanswered().
    """

    started = Signal(int, int, int)
    batch = Signal(int, int, object)
    epoch = Signal(int, object)
    fitEnded = Signal(str, str)  # noqa: N815
    phase = Signal(str)
    finished = Signal(object)
    stopUnanswered = Signal()  # noqa: N815 - Stop was not honoured in time: the worker may be killed
    sessionLost = Signal(object, str)  # noqa: N815 - an idle worker holding a model died: (session, reason)

    def __init__(self, parent: QObject | None = None, executor: Executor | None = None):
        super().__init__(parent)
        self.executor = executor  # None: local workers, with a warm spare
        self.cluster: Executor | None = None  # set: new jobs go there instead (the Training panel's "Run on")
        self.job: WorkerJob | None = None
        self.running: WorkerSession | None = None
        self.request_id: int | None = None
        self.stop_requested = False
        self.killed = False
        self._begun = False  # the worker has begun the running request (an event of it came)
        self._echo_stop = False  # Stop came before that: send it again once the request has begun
        self._closed = False
        self._sessions: list[WorkerSession] = []
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self._on_grace_over)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        _live.add(self)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def warm(self) -> None:
        """Have a worker ready (Keras imported) for the next Train; call once the window is painted."""
        if not self._closed and self.executor is None and self.cluster is None:
            spares.warm()

    def submit(self, job: WorkerJob) -> bool:
        """Start `job` in a worker; False (and nothing started) while another job runs, or the worker is gone.

        A new job on another executor (a Ray cluster) carries its data files and, to restore, the saved
        weights (a LayerLabError, and nothing started, when one cannot travel).
        """
        if self.busy or self._closed:
            return False
        if job.session is not None:
            if not job.session.usable:
                return False
            session = job.session
        else:
            executor = self.cluster or self.executor
            client = spares.take() if executor is None else EngineClient(ROLE, executor)
            remote = executor is not None and executor.name != "local"  # a worker on another machine
            try:
                args = remote_args(job, client.arrays) if remote else job.args()
            except (LayerLabError, OSError) as exc:
                if not client.connection.died_during(exc):
                    client.close()
                    raise
                args = job.args()  # the call below fails as the worker's death, with its reason
            session = WorkerSession(client)
            session.remote = remote
            client.exited.connect(lambda reason, _code, s=session: self._on_exited(s, reason))
            client.event.connect(lambda message, s=session: self._on_event(s, message))
            self._sessions.append(session)
        if job.session is not None:
            args = job.args()
        self.job, self.running = job, session
        self.stop_requested = self.killed = self._begun = self._echo_stop = False
        future = session.client.call("train", args, lambda result, s=session: self._on_result(s, result),
                                     lambda error, s=session: self._on_error(s, error))
        self.request_id = future.request_id
        return True

    def request_stop(self) -> None:
        """Stop the job in progress after its current batch (the model keeps what it learned)."""
        if self.job is None or self.running is None:
            return
        self.stop_requested = True
        self._echo_stop = not self._begun
        self.running.client.stop()
        if not self._grace.isActive():
            self._grace.start(int(STOP_GRACE_S * 1000))

    def kill(self) -> None:
        """End the worker of the job in progress now; the run ends as failed and its model is lost."""
        if self.running is not None and self.job is not None:
            self.killed = True
            self.running.client.kill()

    def _on_grace_over(self) -> None:
        if self.job is not None:
            self.stopUnanswered.emit()

    # -- the worker's messages ---------------------------------------------------------------------------
    def _on_event(self, session: WorkerSession, message: dict) -> None:
        if session is not self.running or message.get("id") != self.request_id:
            return
        name, data = message.get("event"), message.get("data") or {}
        self._begun = True
        if self._echo_stop:
            # a Stop sent before the worker began this request (it was still starting) reached no run: again
            self._echo_stop = False
            session.client.stop()
        if name == "batches":  # the batch reports of the last quarter second (train_role.EventListener)
            for epoch, batch, logs in data.get("items") or ():
                self.batch.emit(int(epoch), int(batch), logs or {})
        elif name == "batch":  # one report (a worker that does not group them)
            self.batch.emit(int(data["epoch"]), int(data["batch"]), data.get("logs") or {})
        elif name == "epoch":
            self.epoch.emit(int(data["epoch"]), data.get("logs") or {})
        elif name == "started":
            self.started.emit(int(data["epochs"]), int(data["steps"]), int(data["samples"]))
        elif name == "fit_ended":
            self.fitEnded.emit(str(data["status"]), str(data["reason"]))
        elif name == "phase":
            self.phase.emit(str(data.get("text", "")))

    def _on_result(self, session: WorkerSession, result: dict) -> None:
        try:
            outcome = outcome_from_json(result, session.client.arrays)
            session.client.arrays.remove(result)  # read: a long-lived worker's folder must not fill up
        except (KeyError, TypeError, ValueError, LayerLabError) as exc:  # a worker of another version, or a bug
            outcome = TrainOutcome(FAILED, f"The training worker's answer could not be read: {exc}")
        outcome.session = session
        if outcome.record is not None:
            session.records.append(outcome.record)
        session.epochs_done = outcome.epochs_done
        session.weights_run = outcome.weights_run
        session.has_model = outcome.has_model
        if outcome.evaluation is not None:
            session.evaluation = outcome.evaluation
        self._finish(session, outcome)

    def _on_error(self, session: WorkerSession, error: Exception) -> None:
        if isinstance(error, EngineDied):
            reason = error.reason
            session.lost = reason
            session.has_model = False
            if self.killed and session.remote:
                text = ("Killed: the run on the Ray cluster did not answer Stop, so it was ended; the model it was "
                        "training is lost (the project and its saved weights are as they were).")
            elif self.killed:
                text = ("Killed: the training worker did not answer Stop, so it was ended; the model it was "
                        "training is lost (the project and its saved weights are as they were).")
            elif session.remote:
                text = (f"The run on the Ray cluster failed: {reason}. The model it was training is lost (its "
                        "curves stay in the list, marked failed); the project and its saved weights are as they were. "
                        "Press Train to start again.")
            else:
                text = (f"The training worker {reason}. The model it was training is lost (its curves stay in the "
                        "list, marked failed); the project and its saved weights are as they were. Press Train to "
                        "start again.")
        else:
            text = str(error)
        self._finish(session, TrainOutcome(FAILED, text, session=session))

    def _finish(self, session: WorkerSession, outcome: TrainOutcome) -> None:
        if session is not self.running:
            return
        self._grace.stop()
        self.job, self.running, self.request_id = None, None, None
        if not session.has_model and session.alive:
            self.release(session)  # a worker with nothing to keep is of no more use
        self.warm()  # the next Train starts at once
        self.finished.emit(outcome)

    def _on_exited(self, session: WorkerSession, reason: str) -> None:
        if session in self._sessions:
            self._sessions.remove(session)
        if self._closed:
            return
        if session is not self.running and session.has_model:
            session.lost = reason
            session.has_model = False
            self.sessionLost.emit(session, reason)

    def release(self, session: WorkerSession | None) -> None:
        """End a worker whose model the editor no longer needs (a newer run replaced it)."""
        if session is None or session is self.running:
            return
        session.release()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """End every worker of this runner: a run still going is killed, the others end cleanly."""
        if self._closed:
            return True
        self._closed = True
        self._grace.stop()
        running, self.running, self.job = self.running, None, None  # nothing of theirs is reported any more
        for session in list(self._sessions):
            if session is running:
                session.client.kill()
            else:
                session.client.close()
        return True


_live: weakref.WeakSet = weakref.WeakSet()


def remote_args(job: WorkerJob, arrays) -> dict:
    """`job`'s request for a worker on another machine: its data files (and saved weights) go along."""
    from layerlab.core.cluster.bundle import bundle

    args = job.args()
    weights_from = job.path if job.restore and job.path else None
    args.update(bundle(job.project or {}, job.base_dir or ".", arrays, weights_from=weights_from))
    return args
