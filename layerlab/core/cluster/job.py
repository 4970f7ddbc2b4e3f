"""One training job in, live metrics out, the trained state back as files: the `train` engine's `run`.

The training worker (:mod:`layerlab.core.engine.train_role`, the same
process the editor trains in) runs this operation wherever a job runs on its
own: a sweep's trials on this computer, and `layerlab train --on ray:…` and
trials on a Ray cluster (through :mod:`.ray_executor` or a Ray Tune trial).
``run`` takes :func:`.bundle.job_spec`'s arguments, checks the project (shapes, then
data against the model), trains it with the project's training section (and
the overrides), from scratch or, when the job carries the saved weights file,
continuing from those weights and that optimizer state as a local
``train --save`` does, and answers with the run's record, the test
metrics, and the weights file (weights and optimizer state, the file a
local run saves beside the project) as a byte array. Its events are the
worker's own (``phase``, ``started``, ``batch``, ``epoch``, ``fit_ended``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from layerlab.core.cluster.bundle import unbundle
from layerlab.core.engine.serve import Context
from layerlab.core.engine.train_role import EventListener
from layerlab.core.errors import LayerLabError
from layerlab.core.training.listener import FAILED

PROJECT_FILE = "job.layerlab"


class JobError(LayerLabError):
    """The job's project or data is invalid; the message names what and where."""


def run(args: dict, ctx: Context) -> dict:
    """The `train` engine's `run` operation: one job, from its bundle to its trained state as files."""
    folder = Path(tempfile.mkdtemp(prefix="layerlab-job-"))
    try:
        return _train_in(args, ctx, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _train_in(args: dict, ctx: Context, folder: Path) -> dict:
    from layerlab.core import project as project_io
    from layerlab.core.training.config import TrainingConfig
    from layerlab.core.training.jobs import Current, TrainJob, run_job

    path = unbundle(args, ctx.arrays, folder, PROJECT_FILE)
    project = project_io.from_json(args.get("project"), path)
    over = args.get("overrides") or {}
    config = TrainingConfig.from_section(project.training).with_overrides(
        epochs=over.get("epochs"), batch_size=over.get("batch_size"), seed=over.get("seed"))
    if not project.dataset:
        raise JobError('the project has no "dataset" section to train on')
    # The job code the editor's workers and `layerlab train` run (core/training/jobs.py).
    job = TrainJob(document=project.document, training=config.to_section(), dataset_section=project.dataset,
                   base_dir=project.base_dir, name=args.get("name") or project.name, evaluate=False,
                   restore=project if args.get("weights") is not None else None)
    current = Current()

    def stop() -> None:
        job.stop.set()
        if current.session is not None:
            current.session.request_stop()

    ctx.on_stop(stop)
    outcome = run_job(job, EventListener(ctx), lambda text: ctx.emit("phase", {"text": text}), current)
    record = outcome.record.to_json() if outcome.record is not None else {"status": FAILED, "reason": outcome.reason}
    record["status"], record["reason"] = outcome.status, outcome.reason
    out: dict = {"record": record, "test": None, "weights": None, "model": None,
                 "weights_run": {"id": outcome.weights_run, "epochs": outcome.epochs_done}}
    session = outcome.session
    if outcome.status == FAILED or session is None or session.model is None:
        return out
    if outcome.dataset is not None and outcome.dataset.has_test:
        from layerlab.core.training.evaluation import evaluate

        out["test"] = _numbers(evaluate(session.model, session.document, outcome.dataset,
                                        batch_size=config.batch_size))
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
