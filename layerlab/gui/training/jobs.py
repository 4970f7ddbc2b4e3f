"""The work of one training job, as plain functions: load and check the data, train, evaluate.

This runs on the training thread (worker.py) and never touches Qt: progress
goes to the TrainingListener passed in, phases ("Loading the data…") to a
callback, and the result is a plain `TrainOutcome`. Every failure, of any
step, becomes a FAILED outcome with a message; nothing is raised.

Evaluation uses the dataset's test set; without one, the validation split
(the last fraction of the training data, exactly the samples Keras held out);
without that either, the training data, and the results say which.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from layerlab.core.document import GraphDocument
from layerlab.core.errors import LayerLabError
from layerlab.core.project import Project
from layerlab.core.training.listener import FAILED, STOPPED, TrainingListener
from layerlab.gui.training.messages import RESTORED, is_out_of_memory, out_of_memory_message

CLASSIFIER_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                     "categorical_focal_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge",
                     "categorical_hinge")
SAMPLES_SHOWN = 24
MAX_TABLE_COLUMNS = 8


class NoDataError(LayerLabError):
    """The project has no dataset section to train on."""

    exit_code = 1


@dataclass
class TrainJob:
    """What the training thread is asked to do.

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
    dataset: Any = None  # already loaded (by the data panel) for this dataset section, else loaded here
    session: Any = None  # a TrainingSession to continue
    restore: Project | None = None
    report: Any = None  # the shape checker's CheckReport of `document`, when the editor has it already
    train: bool = True
    evaluate: bool = True  # False when the window is closing: no time for it
    stop: threading.Event = field(default_factory=threading.Event)


@dataclass
class SampleRows:
    """A few samples of the evaluation split with what the model made of them."""

    indices: list[int]
    predicted: list[str]
    true: list[str]
    correct: list[bool | None]  # None for regression
    confidence: list[float | None]
    images: list[np.ndarray] = field(default_factory=list)  # uint8 (h, w) or (h, w, c), for image data
    columns: list[str] = field(default_factory=list)  # for table data
    rows: list[list[float]] = field(default_factory=list)


@dataclass
class Evaluation:
    """The trained model, measured: what the results view and the inspector show."""

    split: str  # "test set", "validation split" or "training data"
    note: str  # one sentence saying which samples were used and why
    samples: int
    metrics: dict[str, float]
    class_names: list[str] | None = None
    confusion: np.ndarray | None = None  # m[true, predicted], for classifiers
    predictions: np.ndarray | None = None  # the first output's predictions on the whole split
    shown: SampleRows | None = None  # the first samples
    mistakes: SampleRows | None = None  # the first misclassified samples
    weights: dict[str, list] = field(default_factory=dict)  # layer name -> [WeightStats]
    epochs: int = 0  # epochs the model has been trained
    output: str | None = None  # the output node the confusion matrix and samples are for, when there are several


@dataclass
class TrainOutcome:
    status: str  # FINISHED, STOPPED, FAILED or RESTORED
    reason: str
    record: Any = None  # the RunRecord of the run (None when it never started)
    session: Any = None  # keep it to continue
    dataset: Any = None
    evaluation: Evaluation | None = None
    data_problems: list = field(default_factory=list)  # DataProblems, when the data does not fit
    duration: float = 0.0


class _Current:
    """The session a job is running, published so that a stop request from the GUI reaches it."""

    def __init__(self) -> None:
        self.session = None


def run_job(job: TrainJob, listener: TrainingListener | None = None, phase: Callable[[str], None] | None = None,
            current: _Current | None = None) -> TrainOutcome:
    """Do `job`; never raises. `phase(text)` is told what is happening between the listener's reports."""
    began = time.monotonic()
    phase = phase or (lambda _text: None)
    current = current if current is not None else _Current()
    try:
        outcome = _run(job, listener or TrainingListener(), phase, current)
    except LayerLabError as exc:
        outcome = TrainOutcome(FAILED, str(exc), dataset=job.dataset, session=job.session)
    except MemoryError as exc:
        outcome = TrainOutcome(FAILED, out_of_memory_message(f"MemoryError: {exc}"), session=job.session)
    except Exception as exc:  # the GUI must get an answer, whatever happened
        from layerlab.core.keras_errors import friendly_error

        outcome = TrainOutcome(FAILED, f"{type(exc).__name__}: {friendly_error(exc)}", session=job.session)
    outcome.duration = time.monotonic() - began
    return outcome


def _run(job: TrainJob, listener: TrainingListener, phase, current: _Current) -> TrainOutcome:
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
    current.session = session  # published before the stop flag is read: a stop is never lost
    if not job.train:
        session.prepare()
        status, reason, record = RESTORED, _restored_text(session), None
    elif job.stop.is_set():
        return TrainOutcome(STOPPED, "stopped before training began", session=session, dataset=dataset)
    else:
        record = session.run(job.epochs)
        status, reason = record.status, record.reason
        if status == FAILED and is_out_of_memory(reason):
            reason = out_of_memory_message(reason, _layer_names(session.document))
    evaluation = None
    if session.model is not None and status != FAILED and job.evaluate:
        phase("Evaluating…")
        evaluation = evaluate_session(session, dataset)
    return TrainOutcome(status, reason, record, session, dataset, evaluation, problems)


def _restored_text(session) -> str:
    n = session.epochs_done
    return f"Loaded the saved weights (trained {n} epoch{'s' if n != 1 else ''}); Continue trains them further."


def _layer_names(document: GraphDocument) -> dict[str, str]:
    return {document.node(n).layer_name: n for n in document.node_ids()}


def check_model_and_data(document: GraphDocument, dataset, training: dict | None, report=None) -> list:
    """The graph's errors (as a failure) and the data's problems against it (returned).

    `report` is the document's CheckReport if known (the editor's checker has it); else it is computed.
    """
    from layerlab.core.data import check_data
    from layerlab.core.export import InvalidProjectError
    from layerlab.core.shapes import check_document
    from layerlab.core.training.config import TrainingConfig

    report = report if report is not None else check_document(document)
    if not report.valid:
        raise InvalidProjectError(report.errors, "the model")
    config = TrainingConfig.from_section(training, document=document, dataset=dataset, report=report)
    return check_data(dataset, document, report, training=config.compile_section(document))


# -- evaluation ------------------------------------------------------------------------------------
def evaluation_split(dataset, validation_split: float):
    """(x, y, split name, note): the test set, else the validation split, else the training data."""
    if dataset.has_test:
        n = _rows(dataset.x_test)
        return dataset.x_test, dataset.y_test, "test set", f"the test set ({n:,} samples)"
    n = _rows(dataset.x_train)
    split_at = int(math.floor(n * (1.0 - validation_split))) if validation_split else n
    if 0 < split_at < n:  # the samples Keras held out: the last fraction, before any shuffling
        x, y = _rows_from(dataset.x_train, split_at), _rows_from(dataset.y_train, split_at)
        return x, y, "validation split", (f"the validation split: the last {validation_split:.0%} of the "
                                          f"training data ({n - split_at:,} samples); the data has no test set")
    return dataset.x_train, dataset.y_train, "training data", (
        f"the training data ({n:,} samples): the data has no test set and no validation split")


def _rows(x) -> int:
    first = next(iter(x.values())) if isinstance(x, dict) else (x[0] if isinstance(x, (list, tuple)) else x)
    return int(np.shape(first)[0])


def _rows_from(a, start: int):
    if isinstance(a, dict):
        return {k: np.asarray(v)[start:] for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [np.asarray(v)[start:] for v in a]
    return np.asarray(a)[start:]


def evaluate_session(session, dataset) -> Evaluation:
    """Test metrics, the confusion matrix, sample predictions and weight statistics of a session's model."""
    from layerlab.core.data import Dataset
    from layerlab.core.training import evaluation as ev

    model, document, config = session.model, session.document, session.config
    x, y, split, note = evaluation_split(dataset, config.validation_split)
    held = Dataset(x_train=x, y_train=y, x_test=x, y_test=y, class_names=dataset.class_names)
    metrics = ev.evaluate(model, document, held, batch_size=config.batch_size)
    predictions = ev.predict(model, document, x, batch_size=config.batch_size)
    first_pred = predictions[0] if isinstance(predictions, list) else predictions
    first_y = np.asarray(y[0] if isinstance(y, (list, tuple)) else y)
    names = dataset.class_names
    outputs = document.output_ids()
    result = Evaluation(split, note, _rows(x), metrics, class_names=names, predictions=first_pred,
                        epochs=session.epochs_done, output=outputs[0] if len(outputs) > 1 else None)
    if is_classifier(config, document):
        width = first_pred.shape[-1] if first_pred.ndim == 2 else 1
        classes = max(width if width > 1 else 2, len(names or []))
        result.confusion = ev.confusion_matrix(first_y, first_pred, classes)
        if not names or len(names) < classes:
            result.class_names = [str(i) for i in range(classes)]
    result.shown, result.mistakes = sample_rows(dataset, x, first_y, first_pred, result.confusion is not None,
                                                result.class_names)
    result.weights = weights_by_layer(ev.weight_stats(model))
    return result


def is_classifier(config, document: GraphDocument) -> bool:
    """Whether the first output is trained as a classifier (by its loss)."""
    loss = config.loss
    if isinstance(loss, dict):
        outputs = document.output_ids()
        loss = loss.get(outputs[0]) if outputs else None
    elif isinstance(loss, list):
        loss = loss[0] if loss else None
    return isinstance(loss, str) and loss.lower() in CLASSIFIER_LOSSES


def weights_by_layer(stats) -> dict[str, list]:
    out: dict[str, list] = {}
    for s in stats:
        out.setdefault(s.layer, []).append(s)
    return out


def sample_rows(dataset, x, y, pred, classifier: bool, names: list[str] | None,
                count: int = SAMPLES_SHOWN) -> tuple[SampleRows, SampleRows | None]:
    """The first `count` samples, and (for classifiers) the first `count` mistakes."""
    from layerlab.core.training.evaluation import class_indices

    n = int(np.shape(pred)[0])
    if classifier:
        t, p = class_indices(y), class_indices(pred)
        probs = np.asarray(pred, dtype=np.float64)
        conf = probs.max(axis=1) if probs.ndim == 2 and probs.shape[1] > 1 else np.where(
            p == 1, probs.reshape(n, -1)[:, 0], 1.0 - probs.reshape(n, -1)[:, 0])
        wrong = np.flatnonzero(t != p)[:count]
        first = np.arange(min(n, count))
        return (_rows_for(dataset, x, first, t, p, conf, names),
                _rows_for(dataset, x, wrong, t, p, conf, names))
    first = np.arange(min(n, count))
    flat_y = np.asarray(y, dtype=np.float64).reshape(n, -1)
    flat_p = np.asarray(pred, dtype=np.float64).reshape(n, -1)
    rows = SampleRows(indices=[int(i) for i in first], predicted=[_value_text(flat_p[i]) for i in first],
                      true=[_value_text(flat_y[i]) for i in first], correct=[None] * len(first),
                      confidence=[None] * len(first))
    _add_inputs(rows, dataset, x, first)
    return rows, None


def _rows_for(dataset, x, indices, t, p, conf, names) -> SampleRows:
    def label(i: int) -> str:
        return names[i] if names and 0 <= i < len(names) else str(i)

    rows = SampleRows(indices=[int(i) for i in indices], predicted=[label(int(p[i])) for i in indices],
                      true=[label(int(t[i])) for i in indices], correct=[bool(t[i] == p[i]) for i in indices],
                      confidence=[float(conf[i]) for i in indices])
    _add_inputs(rows, dataset, x, indices)
    return rows


def _value_text(values: np.ndarray) -> str:
    return ", ".join(f"{v:.4g}" for v in values[:4]) + (" …" if values.size > 4 else "")


def _add_inputs(rows: SampleRows, dataset, x, indices) -> None:
    """Images for image-like inputs (and scikit-learn's 8x8 digits), else the first feature columns."""
    if not len(indices):
        return
    if not isinstance(x, (dict, list, tuple)):
        a = np.asarray(x)[indices]
        if dataset.meta.get("sklearn_dataset") == "digits" and a.ndim == 2 and a.shape[1] == 64:
            a = a.reshape(-1, 8, 8)
        if a.ndim == 3 or (a.ndim == 4 and a.shape[-1] in (1, 3, 4)):
            rows.images = [img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img for img in to_uint8(a)]
            return
    parts = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, (list, tuple)) else [(None, x)]
    columns, blocks = [], []
    names = dataset.feature_names if not isinstance(x, (dict, list, tuple)) else None
    for key, a in parts:
        flat = np.asarray(a)[indices].reshape(len(indices), -1)[:, :MAX_TABLE_COLUMNS]
        if names and len(names) >= flat.shape[1] and key is None:
            columns += [str(names[j]) for j in range(flat.shape[1])]
        else:
            prefix = f"{key}:" if key is not None else ""
            columns += [f"{prefix}{j}" for j in range(flat.shape[1])]
        blocks.append(flat)
    rows.columns = columns[:MAX_TABLE_COLUMNS]
    rows.rows = np.concatenate(blocks, axis=1)[:, :MAX_TABLE_COLUMNS].astype(float).tolist()


def to_uint8(a: np.ndarray) -> np.ndarray:
    """Pixels for display: 0-1 floats and 0-255 values alike become uint8 0-255."""
    if a.dtype == np.uint8:
        return a
    a = np.nan_to_num(a.astype(np.float64))
    low, top = float(a.min(initial=0.0)), float(a.max(initial=0.0))
    if low < 0:  # standardized pixels: stretch to the full range
        a, top = a - low, top - low
    if top <= 1.0:
        a = a * 255.0
    elif top > 255.0:
        a = a * (255.0 / top)
    return np.clip(np.round(a), 0, 255).astype(np.uint8)
