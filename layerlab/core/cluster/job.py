"""The `trainjob` engine: one training job in, live metrics out, the trained state back as files.

Used wherever a job runs outside the editor's own process: a sweep's trials
on this computer, and runs and trials on a Ray cluster (through
:mod:`.ray_executor` or a Ray Tune trial). Its one operation, ``train``,
takes :func:`.bundle.job_spec`'s arguments, checks the project (shapes, then
data against the model), trains it from scratch with the project's training
section (and the overrides), and answers with the run's record, the test
metrics, and the weights file (weights and optimizer state, the file a
local run saves beside the project) as a byte array. Events: ``start``,
``batch``, ``epoch``, ``end``, with the arguments of the
:class:`~layerlab.core.training.listener.TrainingListener` method of that name.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from layerlab.core.cluster.bundle import unpack_files
from layerlab.core.engine.serve import Context, Role
from layerlab.core.errors import LayerLabError
from layerlab.core.training.listener import FAILED, TrainingListener

PROJECT_FILE = "job.layerlab"


class JobError(LayerLabError):
    """The job's project or data is invalid; the message names what and where."""


class _EventListener(TrainingListener):
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def on_start(self, epochs, steps_per_epoch, samples):
        self.ctx.emit("start", {"epochs": epochs, "steps_per_epoch": steps_per_epoch, "samples": samples})

    def on_batch(self, epoch, batch, logs):
        self.ctx.emit("batch", {"epoch": epoch, "batch": batch, "logs": _numbers(logs)})

    def on_epoch(self, epoch, logs):
        self.ctx.emit("epoch", {"epoch": epoch, "logs": _numbers(logs)})

    def on_end(self, status, reason):
        self.ctx.emit("end", {"status": status, "reason": reason})


def _train(args: dict, ctx: Context) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="layerlab-job-"))
    try:
        return _train_in(args, ctx, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _train_in(args: dict, ctx: Context, folder: Path) -> dict:
    from layerlab.core import project as project_io
    from layerlab.core.data import check_data, load_dataset
    from layerlab.core.export import InvalidProjectError, check_project
    from layerlab.core.training.config import TrainingConfig
    from layerlab.core.training.run import TrainingSession

    unpack_files(args, ctx.arrays, folder)
    project = project_io.from_json(args.get("project"), folder / PROJECT_FILE)
    over = args.get("overrides") or {}
    config = TrainingConfig.from_section(project.training).with_overrides(
        epochs=over.get("epochs"), batch_size=over.get("batch_size"), seed=over.get("seed"))
    if not project.dataset:
        raise JobError('the project has no "dataset" section to train on')
    report = check_project(project)
    dataset = load_dataset(project.dataset, project.base_dir)
    errors = [p for p in check_data(dataset, project.document, report,
                                    training=config.compile_section(project.document)) if p.level == "error"]
    if errors:
        raise InvalidProjectError(errors, "the project (with its data)")
    session = TrainingSession(project.document, dataset, config, _EventListener(ctx), base_dir=project.base_dir,
                              name=args.get("name") or project.name)
    session.prepare()
    ctx.on_stop(session.request_stop)
    record = session.run()
    out: dict = {"record": record.to_json(), "test": None, "weights": None, "model": None}
    if record.status == FAILED:
        return out
    if dataset.has_test:
        from layerlab.core.training.evaluation import evaluate

        out["test"] = _numbers(evaluate(session.model, session.document, dataset, batch_size=config.batch_size))
    out["weights"] = _weights_file(session.model, folder, ctx)
    if args.get("model_file"):
        from layerlab.core.export import save_model

        path = save_model(session.model, folder / f"model{args['model_file']}")
        out["model"] = ctx.arrays.put(np.frombuffer(path.read_bytes(), dtype=np.uint8), "model")
    return out


def _weights_file(model, folder: Path, ctx: Context) -> dict:
    """The weights file a local run writes beside its project (weights and optimizer state), as bytes."""
    from layerlab.core import weights

    arrays = weights.model_arrays(model)
    bad = [name for name, values in arrays.items() if any(not _finite(v) for v in values)]
    if bad:
        raise JobError(f"layer '{bad[0]}' has NaN or infinite weights; they were not kept")
    path = folder / "trained.weights.h5"
    weights.write_arrays(path, arrays, weights.optimizer_state(model))
    return ctx.arrays.put(np.frombuffer(path.read_bytes(), dtype=np.uint8), "weights")


def _finite(a) -> bool:
    a = np.asarray(a)
    return not np.issubdtype(a.dtype, np.floating) or bool(np.isfinite(a).all())


def _numbers(logs: dict) -> dict:
    from layerlab.core.training.run import json_number

    return {str(k): json_number(float(v)) for k, v in (logs or {}).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _warm_up() -> None:
    from layerlab.core.kerasenv import keras

    keras()


ROLE = Role("trainjob", {"train": _train}, warm_up=_warm_up)
