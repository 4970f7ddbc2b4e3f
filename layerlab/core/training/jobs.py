"""The work of one training job, as plain functions: load and check the data, build, restore, fit, evaluate.

Shared by the training worker (layerlab/core/engine/train_role.py) and
`layerlab train`. Never touches Qt: progress goes to the TrainingListener
passed in, phases ("Loading the data…") to a callback, and the result is a
plain `TrainOutcome`. Every failure, of any step, becomes a FAILED outcome
with a message; nothing is raised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlab.core.document import GraphDocument
from layerlab.core.errors import LayerLabError
from layerlab.core.project import Project
from layerlab.core.training.listener import FAILED, STOPPED, TrainingListener
from layerlab.core.training.outcome import (
    RESTORED,
    TrainOutcome,
    is_out_of_memory,
    out_of_memory_message,
)
from layerlab.core.training.results import evaluate_session

WEIGHTS_RUN_KEY = "weights_run"  # project key: {"id", "epochs"} of the run the saved weights come from


class NoDataError(LayerLabError):
    """The project has no dataset section to train on."""

    exit_code = 1


@dataclass
class TrainJob:
    """What a training job is asked to do.

    A new run gets a snapshot of the document and the sections; `session`
    continues an earlier run; `restore` (a saved project) starts a new session
    from the project's saved weights; `train` False only restores and evaluates.
    """

    document: GraphDocument | None = None
    training: dict | None = None
    dataset_section: dict | None = None
    base_dir: Path = Path(".")
    name: str | None = None
    epochs: int | None = None  # None: the training section's
    dataset: Any = None  # already loaded for this dataset section, else loaded here
    session: Any = None  # a TrainingSession to continue
    restore: Project | None = None
    report: Any = None  # the shape check's CheckReport of `document`, when known already
    train: bool = True
    evaluate: bool = True  # False when the editor is closing: no time for it
    stop: threading.Event = field(default_factory=threading.Event)


class Current:
    """The session a job is running, published so that a stop request from elsewhere reaches it."""

    def __init__(self) -> None:
        self.session = None


def run_job(job: TrainJob, listener: TrainingListener | None = None, phase: Callable[[str], None] | None = None,
            current: Current | None = None) -> TrainOutcome:
    """Do `job`; never raises. `phase(text)` is told what is happening between the listener's reports."""
    began = time.monotonic()
    phase = phase or (lambda _text: None)
    current = current if current is not None else Current()
    try:
        outcome = _run(job, listener, phase, current)
    except LayerLabError as exc:
        outcome = TrainOutcome(FAILED, str(exc), dataset=job.dataset, session=job.session)
    except MemoryError as exc:
        outcome = TrainOutcome(FAILED, out_of_memory_message(f"MemoryError: {exc}"), session=job.session)
    except Exception as exc:  # the caller must get an answer, whatever happened
        from layerlab.core.keras_errors import friendly_error

        outcome = TrainOutcome(FAILED, f"{type(exc).__name__}: {friendly_error(exc)}", session=job.session)
    outcome.duration = time.monotonic() - began
    session = outcome.session
    if session is not None:
        outcome.epochs_done = session.epochs_done
        outcome.has_model = session.model is not None and outcome.status != FAILED
        outcome.weights_run = session.weights_run
    return outcome


def _run(job: TrainJob, listener: TrainingListener | None, phase, current: Current) -> TrainOutcome:
    from layerlab.core.training.run import TrainingSession

    session = job.session
    dataset = session.dataset if session is not None else job.dataset
    problems: list = []
    if session is None:
        if dataset is None:
            if not job.dataset_section:
                raise NoDataError("The project has no data to train on: choose a source in the Data panel.")
            phase("Loading the data…")
            from layerlab.core.data import load_dataset

            dataset = load_dataset(job.dataset_section, job.base_dir)
        if job.stop.is_set():
            return TrainOutcome(STOPPED, "stopped before training began", dataset=dataset)
        phase("Checking the model and the data…")
        problems = check_model_and_data(job.document, dataset, job.training, job.report)
        errors = [p for p in problems if p.level == "error"]
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            fix = " The Problems list offers a fix." if any(getattr(p, "fix", None) for p in errors) else ""
            return TrainOutcome(FAILED, f"The data does not fit the model: {errors[0].message}{more}{fix}",
                                dataset=dataset, data_problems=problems)
        phase("Building the model…")
        session = TrainingSession(job.document, dataset, job.training, listener, base_dir=job.base_dir,
                                  name=job.name)
        if job.restore is not None:
            from layerlab.core.training.state import restore_session

            phase("Loading the saved weights…")
            restore_session(session, job.restore)
            saved = saved_weights_run(job.restore)
            if saved is not None:  # the saved weights say which run (and epoch) they are from: they win
                session.weights_run, session.epochs_done = saved
    elif listener is not None:  # a continued session reports to this job's listener
        session.listener = listener
    current.session = session  # published before the stop flag is read: a stop is never lost
    if not job.train:
        session.prepare()
        status, reason, record = RESTORED, _restored_text(session), None
    elif job.stop.is_set():
        return TrainOutcome(STOPPED, "stopped before training began", session=session, dataset=dataset)
    else:
        record = session.run(job.epochs)
        status, reason = record.status, record.reason
        if record.epochs_run:
            session.weights_run = record.id
        if status == FAILED and is_out_of_memory(reason):
            reason = out_of_memory_message(reason, _layer_names(session.document))
    evaluation = None
    if session.model is not None and status != FAILED and job.evaluate:
        phase("Evaluating…")
        evaluation = evaluate_session(session, dataset)
        evaluation.run_id = session.weights_run
    return TrainOutcome(status, reason, record, session, dataset, evaluation, problems)


def saved_weights_run(project: Project) -> tuple[str, int] | None:
    """(run id, epochs) the project's saved weights come from, when the project says so."""
    value = project.extra.get(WEIGHTS_RUN_KEY)
    if isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("epochs"), int):
        return value["id"], value["epochs"]
    return None


def mark_weights_run(project: Project, session) -> None:
    """Write into the project which run (and epoch count) the weights about to be saved come from."""
    run_id = session.weights_run
    if run_id is not None:
        project.extra[WEIGHTS_RUN_KEY] = {"id": run_id, "epochs": int(session.epochs_done)}
    else:
        project.extra.pop(WEIGHTS_RUN_KEY, None)


def _restored_text(session) -> str:
    n = session.epochs_done
    return f"Loaded the saved weights (trained {n} epoch{'s' if n != 1 else ''}); Continue trains them further."


def _layer_names(document: GraphDocument) -> dict[str, str]:
    return {document.node(n).layer_name: n for n in document.node_ids()}


def check_model_and_data(document: GraphDocument, dataset, training: dict | None, report=None) -> list:
    """The graph's errors (as a failure) and the data's problems against it (returned).

    `report` is the document's CheckReport if known; else it is computed.
    """
    from layerlab.core.data import check_data
    from layerlab.core.export import InvalidProjectError
    from layerlab.core.shapes import check_document
    from layerlab.core.training.config import TrainingConfig

    report = report if report is not None else check_document(document)
    if not report.valid:
        raise InvalidProjectError(report.errors, "the model")
    config = TrainingConfig.from_section(training)
    return check_data(dataset, document, report, training=config.compile_section(document))
