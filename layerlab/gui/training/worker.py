"""The training thread: a QThread that runs jobs (jobs.py) and reports through queued signals.

`TrainingRunner` lives on the GUI thread and owns the thread. `submit(job)`
hands a job to `_Worker` (on the training thread) through a queued signal;
the engine's listener calls become signals too (`_SignalListener`), so the
GUI thread never waits for training and never touches the model while a job
runs. The engine already throttles batch reports to ~20 a second; the plots
coalesce further (plots.py).

`request_stop()` is safe at any moment: it sets the job's flag and asks the
session the job runs, whichever exists yet. `shutdown()` stops a job in
progress, then ends the thread and waits for it (closing the window calls it).
"""

from __future__ import annotations

import atexit
import gc
import weakref

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from layerlab.core.training.listener import TrainingListener
from layerlab.gui.training import jobs


class _SignalListener(TrainingListener):
    """Called on the training thread; each call becomes a signal (queued to the GUI thread)."""

    def __init__(self, worker: _Worker):
        self.worker = worker

    def on_start(self, epochs: int, steps_per_epoch: int, samples: int) -> None:
        self.worker.started.emit(epochs, steps_per_epoch, samples)

    def on_batch(self, epoch: int, batch: int, logs: dict) -> None:
        self.worker.batch.emit(epoch, batch, logs)

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self.worker.epoch.emit(epoch, logs)

    def on_end(self, status: str, reason: str) -> None:
        self.worker.fitEnded.emit(status, reason)


class _Worker(QObject):
    """Lives on the training thread."""

    started = Signal(int, int, int)  # epochs (Keras's: where the run ends), steps per epoch, samples
    batch = Signal(int, int, object)  # epoch, batch, logs
    epoch = Signal(int, object)  # epoch, logs
    fitEnded = Signal(str, str)  # noqa: N815 - the engine's on_end: status, reason
    phase = Signal(str)  # "Loading the data…", "Evaluating…"
    finished = Signal(object)  # TrainOutcome

    def __init__(self) -> None:
        super().__init__()
        self.listener = _SignalListener(self)
        self.current = jobs._Current()
        self.froze = False

    @Slot(object)
    def run(self, job: jobs.TrainJob) -> None:
        if not self.froze:
            # Before the first job, everything alive (TensorFlow's and Keras's modules: hundreds of thousands
            # of objects, kept for good) is moved out of the collector's reach. Otherwise a full collection,
            # triggered by the run's allocations, holds the GIL for ~300 ms and freezes the window mid-run
            # (bench/bench_gui_training.py). Only once: models made later must stay collectable.
            gc.freeze()
            self.froze = True
        self.current.session = job.session
        try:
            outcome = jobs.run_job(job, self.listener, self.phase.emit, self.current)
        except BaseException as exc:  # run_job never raises; this is the last guard for the thread
            outcome = jobs.TrainOutcome("failed", f"{type(exc).__name__}: {exc}", session=job.session)
        self.current.session = None
        self.finished.emit(outcome)


class TrainingRunner(QObject):
    """Owns the training thread; one job at a time.

    Signals (all delivered on the GUI thread):
        started(epochs, steps, samples), batch(epoch, batch, logs), epoch(epoch, logs),
        fitEnded(status, reason), phase(text), finished(TrainOutcome).
    """

    started = Signal(int, int, int)
    batch = Signal(int, int, object)
    epoch = Signal(int, object)
    fitEnded = Signal(str, str)  # noqa: N815
    phase = Signal(str)
    finished = Signal(object)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.job: jobs.TrainJob | None = None
        self._closed = False
        self._thread = QThread()
        self._thread.setObjectName("layerlab-train")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run, Qt.ConnectionType.QueuedConnection)
        queued = Qt.ConnectionType.QueuedConnection
        self._worker.started.connect(self.started, queued)
        self._worker.batch.connect(self.batch, queued)
        self._worker.epoch.connect(self.epoch, queued)
        self._worker.fitEnded.connect(self.fitEnded, queued)
        self._worker.phase.connect(self.phase, queued)
        self._worker.finished.connect(self._on_finished, queued)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        _live.add(self)

    @property
    def busy(self) -> bool:
        return self.job is not None

    @property
    def thread(self) -> QThread:
        return self._thread

    def submit(self, job: jobs.TrainJob) -> bool:
        """Start `job` on the training thread; False (and nothing started) while another job runs."""
        if self.busy or self._closed:
            return False
        self.job = job
        self._submit.emit(job)
        return True

    def request_stop(self) -> None:
        """Stop the job in progress after its current batch (the model keeps what it learned)."""
        job = self.job
        if job is None:
            return
        job.stop.set()  # set before the session is read: the worker publishes it before reading the flag
        session = self._worker.current.session
        if session is not None:
            session.request_stop()

    @Slot(object)
    def _on_finished(self, outcome) -> None:
        self.job = None
        self.finished.emit(outcome)

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop any job, end the thread and wait for it. True when the thread has finished."""
        if self._closed:
            return self._thread.isFinished()
        self._closed = True
        if self.job is not None:
            self.job.evaluate = False
        self.request_stop()
        self._thread.quit()
        done = self._thread.wait() if timeout_ms is None else self._thread.wait(timeout_ms)
        return bool(done)


_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    # a QThread still running when Python exits aborts the process: stop any runner left open
    for runner in list(_live):
        try:
            runner.shutdown()
        except RuntimeError:  # its Qt objects are already gone
            pass
