"""After training: test metrics, predictions, a confusion matrix, and weight statistics for histograms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layerlab.core.document import GraphDocument
from layerlab.core.training import arrays
from layerlab.core.training.errors import TrainingDataError


def evaluate(model, document: GraphDocument, dataset, batch_size: int | None = None) -> dict[str, float]:
    """Every compiled metric on the dataset's test set, named as Keras reports them."""
    if not dataset.has_test:
        raise TrainingDataError("the dataset has no test set to evaluate on")
    x = arrays.model_inputs(document, dataset.x_test, "test")
    y = arrays.model_targets(document, dataset.y_test, "test")
    result = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    return {k: float(v) for k, v in result.items()}


def predict(model, document: GraphDocument, x, indices=None, batch_size: int | None = None):
    """The model's outputs for the rows `indices` of `x` (all rows when None).

    Returns:
        One array for a single-output model, else a list with one per output.
    """
    inputs = arrays.model_inputs(document, x, "prediction")
    n = arrays.num_samples(inputs)
    if indices is not None:
        idx = np.asarray(indices, dtype=int).reshape(-1)
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise TrainingDataError(f"sample {int(bad[0])} does not exist (the data has {n} samples)")
        inputs = arrays.take(inputs, idx)
    out = model.predict(inputs, batch_size=batch_size, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)


def class_indices(values, threshold: float = 0.5) -> np.ndarray:
    """Class labels from labels or model outputs.

    Integer labels stay as they are; one-hot rows and softmax outputs become their argmax; a single
    column of probabilities (a sigmoid output) becomes 1 above `threshold`, else 0.
    """
    a = np.asarray(values)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim == 1:
        if np.issubdtype(a.dtype, np.integer) or (np.all(np.mod(a, 1) == 0) and a.max(initial=0) > 1):
            return a.astype(int)
        return (a > threshold).astype(int)
    if a.ndim == 2:
        return np.argmax(a, axis=1)
    raise TrainingDataError(f"cannot read class labels from an array of shape {a.shape}")


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts `m[t, p]` of samples of true class `t` predicted as `p`.

    Args:
        y_true: integer labels, or one-hot rows.
        y_pred: predicted labels, class probabilities, or a sigmoid column.
        num_classes: the matrix size; by default, one more than the largest class seen.
    """
    t, p = class_indices(y_true), class_indices(y_pred)
    if t.shape != p.shape:
        raise TrainingDataError(f"{t.shape[0]} true labels but {p.shape[0]} predictions")
    if np.any(t < 0) or np.any(p < 0):
        raise TrainingDataError("class labels must be >= 0")
    k = num_classes or int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (t, p), 1)
    return m


def confusion_on_test_set(model, document: GraphDocument, dataset, output: int = 0) -> np.ndarray:
    """The confusion matrix of one output of a classifier on the test set."""
    if not dataset.has_test:
        raise TrainingDataError("the dataset has no test set")
    pred = predict(model, document, dataset.x_test)
    y = dataset.y_test
    pred, y = (pred[output], y[output]) if isinstance(pred, list) else (pred, y)
    width = np.shape(pred)[-1] if np.ndim(pred) == 2 else 1
    classes = width if width > 1 else 2
    if dataset.class_names and output == 0:
        classes = max(classes, len(dataset.class_names))
    return confusion_matrix(y, pred, classes)


@dataclass(frozen=True)
class WeightStats:
    """One weight array of one layer, summarised for a histogram."""

    layer: str
    name: str  # the variable's name, e.g. "kernel" or "bias"
    shape: tuple[int, ...]
    min: float
    max: float
    mean: float
    std: float
    counts: np.ndarray  # histogram counts, len(edges) - 1 of them
    edges: np.ndarray  # bin edges

    def to_json(self) -> dict:
        return {"layer": self.layer, "name": self.name, "shape": list(self.shape), "min": self.min,
                "max": self.max, "mean": self.mean, "std": self.std, "counts": self.counts.tolist(),
                "edges": self.edges.tolist()}


def weight_stats(model, bins: int = 30) -> list[WeightStats]:
    """Statistics and a histogram of every weight array, layer by layer in model order."""
    out = []
    for layer in model.layers:
        for var in layer.weights:
            a = np.asarray(var.numpy() if hasattr(var, "numpy") else var, dtype=np.float64)
            finite = a[np.isfinite(a)]
            if finite.size:
                counts, edges = np.histogram(finite, bins=bins)
                stats = (float(finite.min()), float(finite.max()), float(finite.mean()), float(finite.std()))
            else:
                counts, edges = np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1)
                stats = (float("nan"),) * 4
            name = getattr(var, "name", "") or ""
            out.append(WeightStats(layer.name, name.rsplit("/", 1)[-1], tuple(a.shape), *stats, counts, edges))
    return out
