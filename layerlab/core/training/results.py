"""A trained model, measured on held-out samples: metrics, confusion matrix, sample rows, weight statistics.

Evaluation uses the dataset's test set; without one, the validation split
(the last fraction of the training data, exactly the samples Keras held out);
without that either, the training data, and the results say which.
Runs where the model is (a training worker, or `layerlab train`).
"""

from __future__ import annotations

import math

import numpy as np

from layerlab.core.document import GraphDocument
from layerlab.core.training.outcome import Evaluation, SampleRows

CLASSIFIER_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                     "categorical_focal_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge",
                     "categorical_hinge")
SAMPLES_SHOWN = 24
MAX_TABLE_COLUMNS = 8

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
