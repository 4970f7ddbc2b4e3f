"""A training run: document + dataset + training section -> a trained model, reported to a listener.

Qt-free and safe to drive from a worker thread. :class:`TrainingSession`
holds the model between runs, so a run can be continued for more epochs with
the optimizer state intact and epoch numbers counting on. `run` never raises:
every failure, including a failure to build the model, reaches the listener as
``on_end("failed", reason)`` and is kept in the run's record.

Keras itself is the training loop; LayerLab adds one callback that forwards
metrics, honours stop requests (``model.stop_training``, so the current batch
finishes) and stops on a NaN loss. Keras already converts the batch logs to
Python floats before any callback sees them, so the NaN check and the stop
check cost a few attribute reads per batch, not a device sync.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from layerlab.core.build import build_model, compile_model
from layerlab.core.document import GraphDocument
from layerlab.core.errors import LayerLabError
from layerlab.core.kerasenv import keras
from layerlab.core.training import arrays
from layerlab.core.training.callbacks import CallbackSpec, make_callbacks
from layerlab.core.training.config import TrainingConfig
from layerlab.core.training.distribute import make_strategy
from layerlab.core.training.errors import TrainingConfigError
from layerlab.core.training.listener import FAILED, FINISHED, NAN_REASON, STOPPED, BatchThrottle, TrainingListener


@dataclass
class RunRecord:
    """One run as it is kept with the project: its config, metrics per epoch, how it ended and when."""

    config: dict
    initial_epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)  # metric -> one value per epoch
    status: str = ""
    reason: str = ""
    started: str = ""  # ISO 8601, UTC
    duration: float = 0.0  # seconds
    samples: int = 0
    distribute: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])  # saving twice never adds a run twice

    @property
    def epochs_run(self) -> int:
        return max((len(v) for v in self.history.values()), default=0)

    def add_epoch(self, logs: dict) -> None:
        n = self.epochs_run
        for key, value in logs.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):  # skip anything not a number
                self.history.setdefault(key, [math.nan] * n).append(float(value))
        for values in self.history.values():  # a metric missing this epoch (rare) stays aligned
            if len(values) < n + 1:
                values.append(math.nan)

    def to_json(self) -> dict:
        out = {"id": self.id, "config": self.config, "initial_epoch": self.initial_epoch, "epochs_run": self.epochs_run,
               "status": self.status, "reason": self.reason, "started": self.started,
               "duration": round(self.duration, 3), "samples": self.samples,
               "history": {k: [json_number(v) for v in vals] for k, vals in self.history.items()}}
        if self.distribute:
            out["distribute"] = self.distribute
        return out

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        history = {str(k): [math.nan if v is None else float(v) for v in vals]
                   for k, vals in (data.get("history") or {}).items()}
        return cls(config=dict(data.get("config") or {}), initial_epoch=int(data.get("initial_epoch", 0)),
                   history=history, status=str(data.get("status", "")), reason=str(data.get("reason", "")),
                   started=str(data.get("started", "")), duration=float(data.get("duration", 0.0)),
                   samples=int(data.get("samples", 0)), distribute=data.get("distribute"),
                   id=str(data.get("id") or uuid.uuid4().hex[:12]))


def json_number(v: float) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    return float(v) if math.isfinite(v) else None


class TrainingSession:
    """A model being trained, run after run.

    Args:
        document: the graph (copied, so the editor may change it during a run).
        dataset: a layerlab.core.data.Dataset.
        training: the project's training section, or a TrainingConfig.
        listener: receives progress; a no-op listener when None.
        base_dir: the project folder, for callback paths.
        distribute: None, "mirrored" or "multi-worker".
        name: the Keras model name.
        extra_callbacks: CallbackSpecs added to the section's (e.g. the CLI's --tensorboard).

    Raises:
        TrainingConfigError: the training section has an unknown key or a bad value.
    """

    def __init__(self, document: GraphDocument, dataset, training: dict | TrainingConfig | None = None,
                 listener: TrainingListener | None = None, base_dir: str | Path = ".", distribute: str | None = None,
                 name: str | None = None, extra_callbacks: tuple[CallbackSpec, ...] = ()):
        self.document = document.copy()
        self.dataset = dataset
        self.config = training if isinstance(training, TrainingConfig) else TrainingConfig.from_section(training)
        self.listener = listener or TrainingListener()
        self.base_dir = Path(base_dir)
        self.distribute = distribute
        self.name = name
        self.extra_callbacks = tuple(extra_callbacks)
        self.model = None
        self.strategy = None
        self.records: list[RunRecord] = []
        self.epochs_done = 0
        self.weights_run: str | None = None  # the id of the run the model's weights come from
        self._x = self._y = None
        self._stop = threading.Event()

    # -- control (any thread) -------------------------------------------
    def request_stop(self) -> None:
        """Ask the run to stop after its current batch. Thread-safe.

        A request made just before a run starts stops that run after its first batch; each run ends by
        clearing the request.
        """
        self._stop.set()

    def withdraw_stop(self) -> None:
        """Forget a stop request that came too late for the run it was meant for (the run had ended)."""
        self._stop.clear()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # -- the work (one thread at a time) -------------------------------------
    def prepare(self):
        """Seed, build and compile the model (once), and shape the data for it.

        Raises LayerLabError naming what is wrong; `run` calls this and reports such errors as a failure.
        """
        if self.model is not None:
            return self.model
        self._x = arrays.model_inputs(self.document, self.dataset.x_train)
        self._y = arrays.model_targets(self.document, self.dataset.y_train)
        if self.config.seed is not None:
            keras().utils.set_random_seed(self.config.seed)
        self.strategy = make_strategy(self.distribute)
        compile_args = self.config.compile_section(self.document)
        if self.strategy is None:
            model = compile_model(build_model(self.document, self.name), compile_args)
        else:
            with self.strategy.scope():  # variables must be created under the strategy
                model = compile_model(build_model(self.document, self.name), compile_args)
        make_callbacks(self.config.callbacks + self.extra_callbacks, self.base_dir)  # fail early on a bad one
        self.model = model
        return model

    def run(self, epochs: int | None = None) -> RunRecord:
        """Train `epochs` more epochs (the config's on the first run); never raises.

        Returns:
            The run's record, also appended to `records`.
        """
        epochs = self.config.epochs if epochs is None else epochs
        record = RunRecord(config=self.config.to_section(), initial_epoch=self.epochs_done,
                           started=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           distribute=self.distribute)
        record.config["epochs"] = epochs
        self.records.append(record)
        began = time.monotonic()
        monitor = None
        try:
            if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
                raise TrainingConfigError(f"a run needs a whole number of epochs >= 1, not {epochs!r}")
            self.prepare()
            monitor = _monitor_class()(self, record)
            callbacks = make_callbacks(self.config.callbacks + self.extra_callbacks, self.base_dir,
                                       continuing=self.epochs_done > 0)
            fit = self.config.fit_kwargs()
            fit["epochs"] = self.epochs_done + epochs
            self.model.fit(self._x, self._y, initial_epoch=self.epochs_done, callbacks=[*callbacks, monitor],
                           verbose=0, **fit)
            record.status, record.reason = self._outcome(monitor, callbacks)
        except KeyboardInterrupt:  # Ctrl-C in a command-line run: keep what was learned
            record.status, record.reason = STOPPED, "interrupted"
        except LayerLabError as exc:
            record.status, record.reason = FAILED, str(exc)
        except Exception as exc:  # a Keras/TF error mid-run: report it, never raise into the host thread
            from layerlab.core.keras_errors import friendly_error

            record.status, record.reason = FAILED, f"{type(exc).__name__}: {friendly_error(exc)}"
        if monitor is not None and monitor.nan_at is not None and record.status != FAILED:
            record.status, record.reason = FAILED, monitor.nan_message()
        record.duration = time.monotonic() - began
        self._stop.clear()  # the request is used up; the next run starts afresh
        try:
            self.listener.on_end(record.status, record.reason)
        except Exception:  # a broken listener must not take the host thread down either
            pass
        return record

    def continue_for(self, epochs: int) -> RunRecord:
        """Train `epochs` more epochs on the same model; epoch numbers count on."""
        return self.run(epochs)

    @property
    def history(self) -> dict[str, list[float]]:
        """Metrics per epoch over every run of this session."""
        out: dict[str, list[float]] = {}
        done = 0
        for record in self.records:
            n = record.epochs_run
            for key, values in record.history.items():
                out.setdefault(key, [math.nan] * done).extend(values)
            done += n
            for values in out.values():
                values.extend([math.nan] * (done - len(values)))
        return out

    def _outcome(self, monitor, callbacks) -> tuple[str, str]:
        done = self.epochs_done - monitor.record.initial_epoch
        if monitor.nan_at is not None:
            return FAILED, monitor.nan_message()
        if self._stop.is_set():
            return STOPPED, f"stop requested; the model keeps what it learned in {_epochs(done)}"
        if self.model.stop_training:
            for cb in callbacks:
                if type(cb).__name__ == "EarlyStopping" and cb.stopped_epoch:
                    return FINISHED, (f"EarlyStopping ended the run after epoch {cb.stopped_epoch + 1} "
                                      f"({cb.monitor} stopped improving)")
            return FINISHED, f"a callback ended the run after {_epochs(done)}"
        return FINISHED, f"trained {_epochs(done)}"


def _epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


_MONITOR = None


def _monitor_class():
    """The Keras callback class, defined on first use (Keras is imported lazily)."""
    global _MONITOR
    if _MONITOR is None:
        base = keras().callbacks.Callback

        class _Monitor(base):
            """Forwards progress to the session's listener; stops on request or on a NaN loss."""

            def __init__(self, session: TrainingSession, record: RunRecord):
                super().__init__()
                self.session, self.record = session, record
                self.listener = session.listener
                self.stop_event = session._stop
                self.throttle = BatchThrottle()
                self.epoch = record.initial_epoch
                self.nan_at: tuple[int, int] | None = None

            def on_train_begin(self, logs=None):
                steps = int(self.params.get("steps") or 0)
                cfg = self.session.config
                n = arrays.num_samples(self.session._x)
                samples = int(math.floor(n * (1.0 - cfg.validation_split))) if cfg.validation_split else n
                self.record.samples = samples
                self.listener.on_start(int(self.params.get("epochs") or 0), steps, samples)
                if self.stop_event.is_set():
                    self.model.stop_training = True

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch
                if self.stop_event.is_set():
                    self.model.stop_training = True

            def on_train_batch_end(self, batch, logs=None):
                loss = logs.get("loss") if logs else None
                if isinstance(loss, float) and not math.isfinite(loss):
                    if self.nan_at is None:
                        self.nan_at = (self.epoch, batch)
                    self.model.stop_training = True
                elif self.stop_event.is_set():
                    self.model.stop_training = True
                if self.throttle.ready():
                    self.listener.on_batch(self.epoch, batch, dict(logs or {}))

            def on_epoch_end(self, epoch, logs=None):
                logs = dict(logs or {})
                self.record.add_epoch(logs)
                self.session.epochs_done = epoch + 1
                loss = logs.get("loss")
                if isinstance(loss, float) and not math.isfinite(loss) and self.nan_at is None:
                    self.nan_at = (epoch, -1)
                    self.model.stop_training = True
                self.listener.on_epoch(epoch, logs)

            def nan_message(self) -> str:
                epoch, batch = self.nan_at
                where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch >= 0 else "")
                return (f"{NAN_REASON}: the loss became NaN or infinite at {where}; training stopped. "
                        "A lower learning rate or scaled inputs usually help.")

        _MONITOR = _Monitor
    return _MONITOR
