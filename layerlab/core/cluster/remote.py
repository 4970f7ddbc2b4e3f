"""The editor's or the CLI's side of one training job on an executor: send it, relay its events, take its result.

:func:`run_job` starts a training worker (the `train` engine, op `run`) with any executor (this computer,
a Ray cluster), sends the project and its files, calls a
:class:`~layerlab.core.training.listener.TrainingListener` for each event,
and returns a :class:`JobResult`: the run's record, the test metrics and the
weights file's bytes. :func:`keep_result` puts that into the project the way
a local run's ``--save`` does: the weights file beside it, the run in it,
each written atomically (weights first).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from layerlab.core.cluster.bundle import job_spec
from layerlab.core.engine.executor import Executor
from layerlab.core.training.listener import TrainingListener

ROLE, OP = "train", "run"  # the training worker the editor uses, its one-job operation
READY_TIMEOUT = 300.0  # seconds for a fresh engine to import Keras (a cold cluster node is slow)


@dataclass
class JobResult:
    record: dict  # RunRecord.to_json()
    test: dict | None
    weights: bytes | None  # the .weights.h5 file (weights and optimizer state)
    model: bytes | None = None  # the .keras / .h5 file, when asked for
    where: str = ""
    weights_run: dict | None = None  # {"id", "epochs"}: the run the weights come from

    @property
    def status(self) -> str:
        return str(self.record.get("status", ""))

    @property
    def reason(self) -> str:
        return str(self.record.get("reason", ""))


class JobHandle:
    """A job in flight: `stop()` (after the current batch), `kill()`, `wait()` -> JobResult."""

    def __init__(self, connection, future):
        self.connection = connection
        self.future = future

    def stop(self) -> None:
        self.connection.stop()

    def kill(self) -> None:
        self.connection.kill()

    def wait(self, timeout: float | None = None) -> JobResult:
        try:
            result = self.future.result(timeout)
            arrays = self.connection.arrays
            return JobResult(record=result["record"], test=result.get("test"),
                             weights=_bytes(arrays, result.get("weights")), model=_bytes(arrays, result.get("model")),
                             where=getattr(self.connection.transport, "node", "") or "",
                             weights_run=result.get("weights_run"))
        finally:
            self.connection.shutdown()


def start_job(executor: Executor, project, listener: TrainingListener | None = None, overrides: dict | None = None,
              model_file: str | None = None, ready: threading.Event | None = None, weights: bool = False) -> JobHandle:
    """Start `project`'s training job on `executor`; events go to `listener` (on a reader thread)."""
    listener = listener or TrainingListener()

    def on_event(message: dict) -> None:
        data = message.get("data") or {}
        name = message.get("event")
        if name == "started":
            listener.on_start(data.get("epochs"), data.get("steps"), data.get("samples"))
        elif name == "batches":  # the worker groups its batch reports (train_role.EventListener)
            for epoch, batch, logs in data.get("items") or []:
                listener.on_batch(epoch, batch, logs or {})
        elif name == "batch":
            listener.on_batch(data.get("epoch"), data.get("batch"), data.get("logs") or {})
        elif name == "epoch":
            listener.on_epoch(data.get("epoch"), data.get("logs") or {})
        elif name == "fit_ended":
            listener.on_end(data.get("status"), data.get("reason"))

    connection = executor.start(ROLE, on_event=on_event)
    try:
        spec = job_spec(project, connection.arrays, overrides, model_file, weights=weights)
    except Exception as exc:
        if not connection.died_during(exc):
            connection.kill()  # the job cannot start (no saved weights, a file refused): no engine is left behind
            raise
        spec = {}  # the request below fails with EngineDied, saying how the engine ended
    connection.wait_ready(READY_TIMEOUT)
    if ready is not None:
        ready.set()
    return JobHandle(connection, connection.request(OP, spec))


def run_job(executor: Executor, project, listener: TrainingListener | None = None, overrides: dict | None = None,
            model_file: str | None = None) -> JobResult:
    return start_job(executor, project, listener, overrides, model_file).wait()


def keep_result(project, result: JobResult) -> Path:
    """Save `result` into `project` as a local `layerlab train --save` does; the project path written."""
    from layerlab.core import project as project_io
    from layerlab.core.project import atomic_write_bytes
    from layerlab.core.training.jobs import WEIGHTS_RUN_KEY
    from layerlab.core.training.run import RunRecord
    from layerlab.core.training.state import add_runs
    from layerlab.core.weights import weights_path_for

    if result.weights is None:
        raise ValueError("the job has no trained weights to keep")
    atomic_write_bytes(weights_path_for(project.path), result.weights)
    add_runs(project, [RunRecord.from_json(result.record)])
    run = result.weights_run or {}
    if isinstance(run.get("id"), str):  # which run (and epoch count) the weights belong to, as a local --save
        project.extra[WEIGHTS_RUN_KEY] = {"id": run["id"], "epochs": int(run.get("epochs") or 0)}
    return project_io.save(project, project.path)


def _bytes(arrays, ref) -> bytes | None:
    return None if ref is None else arrays.get(ref).tobytes()
