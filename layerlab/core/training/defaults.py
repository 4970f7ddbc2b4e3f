"""Training defaults that fit the model and the data, and the choices the editor offers.

The rule lives here once: the Training panel shows what it picks ("from the
data") and `layerlab train` uses it for whatever the training section leaves
unset. A value the section sets is always kept.

The loss and metrics of each output come from its activation and units, and
from its targets when the data is loaded:

- sigmoid, 1 unit (two classes): binary_crossentropy + accuracy;
- softmax, N units: sparse_categorical_crossentropy + accuracy, or
  categorical_crossentropy when the targets are one-hot rows;
- anything else (linear): mse + mae.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layerlab.core import catalog
from layerlab.core.document import GraphDocument

DEFAULT_OPTIMIZER = "adam"
DEFAULT_EPOCHS = 10
DEFAULT_BATCH_SIZE = 32
DEFAULT_VALIDATION_SPLIT = 0.2
VALIDATION_SPLIT_MAX = 1.0  # exclusive: a split of 1 would leave nothing to train on
FALLBACK_LOSS = "mse"  # without a document to look at
DEFAULT_LEARNING_RATE = {"sgd": 0.01}  # every other optimizer's Keras default is 0.001
KERAS_LEARNING_RATE = 0.001

# What the editor offers (the engine accepts every name of build.LOSSES / build.METRICS).
LOSS_CHOICES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy", "mse", "mae",
                "huber", "log_cosh", "mape", "msle", "kl_divergence", "poisson", "hinge", "squared_hinge",
                "categorical_hinge", "binary_focal_crossentropy", "categorical_focal_crossentropy",
                "cosine_similarity")
METRIC_CHOICES = ("accuracy", "mae", "mse", "rmse", "auc", "precision", "recall", "top_k_categorical_accuracy",
                  "sparse_top_k_categorical_accuracy", "r2_score")
PICKED = ("loss", "metrics")  # the keys picked from the model and the data when unset


@dataclass(frozen=True)
class Pick:
    """One output's loss and metrics, and why (for the editor to show)."""

    loss: str
    metrics: tuple[str, ...]
    why: str


def learning_rate_default(optimizer: str) -> float:
    return DEFAULT_LEARNING_RATE.get(str(optimizer).lower(), KERAS_LEARNING_RATE)


def output_activation(document: GraphDocument, node: str) -> str | None:
    """The activation an output node ends with (None: linear, or not known)."""
    kind = document.node_type(node)
    if kind == "Softmax":
        return "softmax"
    spec = catalog.get(kind)
    if spec is None or spec.param("activation") is None:
        return None
    value = document.params(node).get("activation", spec.param("activation").default)
    return str(value).lower() if value else None


def output_units(document: GraphDocument, node: str, report=None) -> int | None:
    """Values per sample of an output: from the shape check when known, else its `units` parameter."""
    result = report.results.get(node) if report is not None else None
    if result is not None and result.shapes and len(result.shapes[0]) >= 2:
        last = result.shapes[0][-1]
        return int(last) if isinstance(last, int) else None
    units = document.params(node).get("units")
    return units if isinstance(units, int) and not isinstance(units, bool) else None


def target_facts(dataset) -> list[dict]:
    """What the defaults need of each target array: small, so the check engine can send it for data it holds.

    Per target: ``one_hot_flag`` (the section one-hot encodes it), ``one_hot_cols`` (its width when its rows
    are one-hot, else None) and ``classes`` (for integer labels, else None).
    """
    from layerlab.core.data.preprocess import as_list, num_classes

    flags = (dataset.meta or {}).get("one_hot") or []
    facts = []
    for i, raw in enumerate(as_list(dataset.y_train)):
        y = np.asarray(raw)
        one_hot = (y.ndim == 2 and y.shape[1] >= 2 and y.size > 0
                   and bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)))
        labels = (y.size and (np.issubdtype(y.dtype, np.integer) or y.dtype == bool) and np.min(y) >= 0
                  and (y.ndim <= 1 or (y.ndim == 2 and y.shape[1] == 1)))
        facts.append({"one_hot_flag": bool(i < len(flags) and flags[i]),
                      "one_hot_cols": int(y.shape[1]) if one_hot else None,
                      "classes": int(num_classes(dataset, i)) if labels else None})
    return facts


def _facts(dataset) -> list[dict]:
    known = getattr(dataset, "targets", None)  # data summarized by the check engine (the editor's LoadedData)
    return known if known is not None else target_facts(dataset)


def _one_hot_targets(dataset, index: int, units: int | None) -> bool:
    if isinstance(dataset, dict):  # a dataset section, not loaded (an export): its "one_hot" says
        flag = dataset.get("one_hot")
        return bool(flag[index]) if isinstance(flag, list) and index < len(flag) else flag is True
    facts = _facts(dataset)
    if index >= len(facts):
        return False
    cols = facts[index]["one_hot_cols"]
    return facts[index]["one_hot_flag"] or (cols is not None and (units is None or cols == units))


def _classes(dataset, index: int) -> int | None:
    if isinstance(dataset, dict):
        return None
    facts = _facts(dataset)
    return facts[index]["classes"] if index < len(facts) else None


def pick_for_output(activation: str | None, units: int | None, one_hot: bool = False,
                    classes: int | None = None) -> Pick:
    """The loss and metrics for one output with this activation and units, and these targets."""
    with_classes = f", {classes} classes" if classes else ""
    if activation == "sigmoid" and (units in (1, None)):
        return Pick("binary_crossentropy", ("accuracy",), f"sigmoid, 1 unit{with_classes}")
    if activation == "sigmoid":
        return Pick("binary_crossentropy", ("accuracy",), f"sigmoid, {units} units (one yes/no per unit)")
    if activation == "softmax":
        n = f"{units} units" if units else "softmax"
        if one_hot:
            return Pick("categorical_crossentropy", ("accuracy",), f"softmax, {n}, one-hot targets")
        return Pick("sparse_categorical_crossentropy", ("accuracy",), f"softmax, {n}{with_classes}")
    return Pick("mse", ("mae",), f"{activation or 'linear'} output: values, not classes")


def pick(document: GraphDocument, dataset=None, report=None) -> dict[str, Pick]:
    """Each output's pick, by output node id (in output order).

    `dataset` is a loaded Dataset, or a dataset section (only its "one_hot" is read), or None.
    """
    out: dict[str, Pick] = {}
    for i, node in enumerate(document.output_ids()):
        units = output_units(document, node, report)
        one_hot = dataset is not None and _one_hot_targets(dataset, i, units)
        classes = _classes(dataset, i) if dataset is not None else None
        out[node] = pick_for_output(output_activation(document, node), units, one_hot, classes)
    return out


def picked_section(document: GraphDocument, dataset=None, report=None) -> dict:
    """{"loss": ..., "metrics": ...} as a training section writes them (one value, or one per output)."""
    picks = pick(document, dataset, report)
    if not picks:
        return {}
    losses = {node: p.loss for node, p in picks.items()}
    metrics = {node: list(p.metrics) for node, p in picks.items()}
    same_loss = len(set(losses.values())) == 1
    same_metrics = len({tuple(m) for m in metrics.values()}) == 1
    return {"loss": next(iter(losses.values())) if same_loss else losses,
            "metrics": next(iter(metrics.values())) if same_metrics else metrics}


def with_defaults(section: dict | None, document: GraphDocument, dataset=None, report=None) -> dict | None:
    """The section with its unset loss and metrics picked from the model and the data (others untouched)."""
    section = dict(section or {})
    missing = [key for key in PICKED if section.get(key) is None]
    if not missing:
        return section
    picked = picked_section(document, dataset, report)
    for key in missing:
        if key in picked:
            section[key] = picked[key]
    return section or None
