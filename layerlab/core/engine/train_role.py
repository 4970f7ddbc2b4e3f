"""The `train` engine: a training worker. One per run; it keeps its model between Stop and Continue.

Operations (arguments and results are JSON; arrays go by the engine's ArrayFolder):

- ``train``: a job. ``{"project": <project JSON>, "path": the project file or null, "base_dir",
  "epochs", "restore": start from the project's saved weights, "train": False only restores and
  evaluates, "evaluate", "continue": go on with the session this worker holds, "report": the check
  engine's report of the graph (check_messages JSON; optional: the worker checks the graph itself
  without it)}``; a job bundled for a worker on another machine (core/cluster/bundle.py) also carries
  "files", "allow" and "weights". Events while it runs: ``phase {"text"}``, ``started {"epochs", "steps",
  "samples"}``, ``batches {"items": [[epoch, batch, logs], ...]}`` (batch reports, at most ~20 a second,
  sent in groups every BATCH_GROUP_S), ``epoch {"epoch", "logs"}``, ``fit_ended {"status", "reason"}``.
  A ``stop`` control message stops it after the current batch. The result is the outcome
  (core/training/outcome.py: status, reason, run record, evaluation, data problems).
- ``run``: one job on its own, from a bundle (a sweep's trial, `train --on ray:…`): checked, trained,
  its record, test metrics and weights file sent back (core/cluster/job.py). The same events.
- ``save``: ``{"project": <project JSON>, "path"}``: the held model's weights (and optimizer state)
  and the project, written by ``core.training.state.save_trained``.
- ``export``: ``{"path", "send"}``: the held model as .keras or .h5 (``core.export.save_model``); with
  ``send`` (a worker on another machine) the file's bytes come back as an array instead.
- ``state``: what the worker holds (epochs, optimizer steps, the run its weights come from).
- ``weights`` / ``predict``: the model's weights, and its outputs for ``{"x": array}`` (arrays by file).

Test hook: with ``LAYERLAB_TEST_IGNORE_STOP=1`` in its environment the worker never passes a stop on
(a worker stuck in a long C call), so that the editor's Stop -> Kill path can be tested.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

from layerlab.core.engine.serve import Context, Role
from layerlab.core.errors import LayerLabError
from layerlab.core.training.listener import FAILED, TrainingListener

IGNORE_STOP_ENV = "LAYERLAB_TEST_IGNORE_STOP"
BATCH_GROUP_S = 0.25  # batch reports are sent in groups this often (see EventListener)


class NoModelError(LayerLabError):
    """The worker holds no trained model (it never trained one, or its run failed)."""


class _Held:
    session = None  # the TrainingSession this worker trains; Continue goes on with it


_held = _Held()


class EventListener(TrainingListener):
    """The session's reports, as events of the running request.

    Batch reports (at most ~20 a second) go out in groups, one ``batches`` message every BATCH_GROUP_S:
    each message wakes the editor (its reader thread, then its GUI thread), and on two cores every
    wake-up is time taken from training. The editor redraws twice a second, so nothing shows later;
    an epoch's end and the run's end send what is held first.
    """

    def __init__(self, ctx: Context, clock=time.monotonic):
        self.ctx = ctx
        self._clock = clock
        self._held: list[list] = []
        self._sent = clock()

    def on_start(self, epochs: int, steps_per_epoch: int, samples: int) -> None:
        self.ctx.emit("started", {"epochs": epochs, "steps": steps_per_epoch, "samples": samples})

    def on_batch(self, epoch: int, batch: int, logs: dict) -> None:
        self._held.append([epoch, batch, _numbers(logs)])
        if self._clock() - self._sent >= BATCH_GROUP_S:
            self._send()

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self._send()
        self.ctx.emit("epoch", {"epoch": epoch, "logs": _numbers(logs)})

    def on_end(self, status: str, reason: str) -> None:
        self._send()
        self.ctx.emit("fit_ended", {"status": status, "reason": reason})

    def _send(self) -> None:
        if self._held:
            self.ctx.emit("batches", {"items": self._held})
            self._held = []
        self._sent = self._clock()


def _numbers(logs: dict) -> dict:
    return {str(k): float(v) for k, v in (logs or {}).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _train(args: dict, ctx: Context) -> dict:
    from layerlab.core import project as project_io
    from layerlab.core.training.jobs import Current, TrainJob, run_job
    from layerlab.core.training.outcome import outcome_to_json

    epochs = args.get("epochs")
    if args.get("continue"):
        if _held.session is None or _held.session.model is None:
            raise NoModelError("this worker holds no trained model to continue")
        job = TrainJob(session=_held.session, epochs=epochs)
    else:
        path, base_dir = _job_files(args, ctx)
        project = project_io.from_json(args["project"], path)
        base_dir = base_dir or project.base_dir
        report = None
        if isinstance(args.get("report"), dict):  # the editor's check engine checked this graph: not again here
            from layerlab.core.engine.check_messages import report_from_json

            report = report_from_json(args["report"])
        job = TrainJob(document=project.document, training=project.training, dataset_section=project.dataset,
                       base_dir=base_dir, name=project.name, epochs=epochs, report=report,
                       restore=project if args.get("restore") else None, train=bool(args.get("train", True)))
    job.evaluate = bool(args.get("evaluate", True))
    current = Current()
    lock, running = threading.Lock(), [True]
    if os.environ.get(IGNORE_STOP_ENV) != "1":
        def stop() -> None:
            with lock:
                if not running[0]:
                    return
                job.stop.set()  # set before the session is read: run_job publishes it before reading the flag
                if current.session is not None:
                    current.session.request_stop()

        ctx.on_stop(stop)
    outcome = run_job(job, EventListener(ctx), lambda text: ctx.emit("phase", {"text": text}), current)
    with lock:  # a stop that came after the run ended (while evaluating) must not stop the next one
        running[0] = False
        if current.session is not None:
            current.session.withdraw_stop()
    if outcome.session is not None and outcome.status != FAILED and outcome.session.model is not None:
        _held.session = outcome.session
    elif outcome.status == FAILED and outcome.session is not None and outcome.session is _held.session:
        _held.session = None  # a continuation that diverged: its weights are NaN, nothing to go on with
    return outcome_to_json(outcome, ctx.arrays)


def _job_files(args: dict, ctx: Context) -> tuple[str | None, Path | None]:
    """The project's path and data folder: the editor's own, or a folder of this worker's.

    A job bundled for another machine (a Ray cluster's node) has its files and saved weights written there.
    """
    from layerlab.core.cluster.bundle import is_bundle, unbundle

    if not is_bundle(args):
        return args.get("path"), Path(args["base_dir"]) if args.get("base_dir") else None
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="layerlab-job-"))  # kept while the worker lives: Continue reads it
    atexit.register(shutil.rmtree, folder, True)
    name = Path(str(args.get("path") or "job.layerlab")).name
    path = unbundle(args, ctx.arrays, folder, name)
    return str(path), folder


def _session():
    if _held.session is None or _held.session.model is None:
        raise NoModelError("this worker holds no trained model")
    return _held.session


def _save(args: dict, ctx: Context) -> dict:
    """The trained weights and the optimizer's state, by file; the editor writes them under the project's lock."""
    from layerlab.core import weights

    session = _session()
    arrays = weights.model_arrays(session.model)
    optimizer = weights.optimizer_state(session.model)
    return {"arrays": ctx.arrays.pack(arrays, "w"),
            "optimizer": None if optimizer is None else {"optimizer": optimizer.optimizer,
                                                         "arrays": ctx.arrays.pack(optimizer.arrays, "o")},
            "epochs": session.epochs_done, "run": session.weights_run}


def _export(args: dict, ctx: Context) -> dict:
    from layerlab.core.export import export_format, save_model

    session = _session()
    out = {"params": int(session.model.count_params()), "epochs": session.epochs_done, "run": session.weights_run}
    if args.get("send"):  # a worker on another machine: the file comes back by array, the editor writes it
        import shutil
        import tempfile

        import numpy as np

        folder = Path(tempfile.mkdtemp(prefix="layerlab-export-"))
        try:
            path = save_model(session.model, folder / Path(args["path"]).name)
            data = ctx.arrays.put(np.frombuffer(path.read_bytes(), dtype=np.uint8), "export")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return {**out, "path": args["path"], "format": export_format(path), "file": data}
    path = save_model(session.model, args["path"])
    return {**out, "path": str(path), "format": export_format(path)}


def _state(args: dict, ctx: Context) -> dict:
    session = _held.session
    if session is None or session.model is None:
        return {"has_model": False}
    optimizer = getattr(session.model, "optimizer", None)
    steps = int(optimizer.iterations.numpy()) if optimizer is not None and hasattr(optimizer, "iterations") else 0
    return {"has_model": True, "epochs_done": session.epochs_done, "run": session.weights_run,
            "optimizer_steps": steps, "records": [r.id for r in session.records]}


def _weights(args: dict, ctx: Context) -> dict:
    return {"weights": [ctx.arrays.put(w, "w") for w in _session().model.get_weights()]}


def _predict(args: dict, ctx: Context) -> dict:
    from layerlab.core.training.evaluation import predict

    session = _session()
    out = predict(session.model, session.document, ctx.arrays.get(args["x"]),
                  batch_size=session.config.batch_size)
    return {"predictions": ctx.arrays.pack(out, "pred")}


def warm_up() -> None:
    """Import Keras and train a tiny model once: the worker's first real fit pays no first-use costs."""
    from layerlab.core.kerasenv import keras

    k = keras()
    # One tiny fit, so that the first real one does not pay for Keras's and TensorFlow's first-use setup
    # (tracing machinery, kernels, the optimizer's code): a warm worker trains at once.
    import numpy as np

    import layerlab.core.build  # noqa: F401 - what the first job needs, imported before it is asked for
    import layerlab.core.training.run  # noqa: F401

    x = np.zeros((8, 4), dtype="float32")
    y = np.zeros((8,), dtype="int32")
    inputs = k.Input((4,))
    model = k.Model(inputs, k.layers.Dense(2, activation="softmax")(k.layers.Dense(4, activation="relu")(inputs)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=4, epochs=1, validation_split=0.25, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    del model
    k.backend.clear_session()
    gc.collect()

    # Everything alive now (TensorFlow's and Keras's modules: hundreds of thousands of objects, kept for
    # good) is moved out of the collector's reach; otherwise a full collection mid-run holds the GIL for
    # ~300 ms. Models made later stay collectable.
    gc.freeze()


def _run(args: dict, ctx: Context) -> dict:
    from layerlab.core.cluster.job import run

    return run(args, ctx)


ROLE = Role("train", {"train": _train, "run": _run, "save": _save, "export": _export, "state": _state,
                      "weights": _weights, "predict": _predict}, warm_up=warm_up)
