"""What a training job hands back: its outcome, the trained model's evaluation, and both as messages.

Plain data (no Qt, no Keras). A training worker sends an outcome to the
editor as JSON with its arrays (predictions, confusion matrix, sample images,
weight histograms) in an ArrayFolder; :func:`outcome_to_json` and
:func:`outcome_from_json` are the two ends. The model and the data stay in
the worker: the editor gets `has_model` and `epochs_done`, never the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RESTORED = "restored"  # a reopened project's saved weights were loaded (no training)

_OOM_MARKERS = ("ResourceExhaustedError", "OOM when allocating", "MemoryError", "out of memory")
_OOM_NODE = re.compile(r"Detected at node '?(?:[^/\s']+/)?([^/\s']+)/")


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
    run_id: str | None = None  # the run whose weights were measured (None: not known)


@dataclass
class TrainOutcome:
    status: str  # FINISHED, STOPPED, FAILED or RESTORED
    reason: str
    record: Any = None  # the RunRecord of the run (None when it never started)
    session: Any = None  # keep it to continue (in the editor: the worker's handle, see gui/training/worker.py)
    dataset: Any = None  # in the process that trained; None in the editor
    evaluation: Evaluation | None = None
    data_problems: list = field(default_factory=list)  # DataProblems, when the data does not fit
    duration: float = 0.0
    epochs_done: int = 0  # epochs the session's model has been trained, in all
    has_model: bool = False  # the session holds a usable model (Continue, Save and Export can use it)
    weights_run: str | None = None  # the id of the run the session's weights come from


# -- out of memory, in words ------------------------------------------------------------------------------
def is_out_of_memory(reason: str) -> bool:
    return any(marker in reason for marker in _OOM_MARKERS)


def out_of_memory_message(reason: str, layer_names: dict[str, str] | None = None) -> str:
    """'Out of memory in layer ...: ...' with the node that asked for the memory when TensorFlow names it.

    Args:
        reason: the engine's reason (an exception's text).
        layer_names: Keras layer name -> node id, to name the node as the canvas shows it.
    """
    where = ""
    match = _OOM_NODE.search(reason)
    if match:
        layer = match.group(1)
        names = layer_names or {}
        node = names.get(layer) or names.get(re.sub(r"_\d+$", "", layer), layer)  # TF may number the scope
        where = f" in layer '{node}'"
    return (f"Out of memory{where}: the run needs more memory than this machine can give. "
            "Try a smaller batch size, smaller layers or smaller inputs.")


# -- as messages ------------------------------------------------------------------------------------------
def outcome_to_json(outcome: TrainOutcome, arrays) -> dict:
    """The outcome as a JSON-able dict; its arrays are written to `arrays` (an ArrayFolder)."""
    return {"status": outcome.status, "reason": outcome.reason,
            "record": outcome.record.to_json() if outcome.record is not None else None,
            "evaluation": evaluation_to_json(outcome.evaluation, arrays) if outcome.evaluation else None,
            "data_problems": [_problem_to_json(p) for p in outcome.data_problems],
            "duration": outcome.duration, "epochs_done": outcome.epochs_done, "has_model": outcome.has_model,
            "weights_run": outcome.weights_run}


def outcome_from_json(data: dict, arrays) -> TrainOutcome:
    from layerlab.core.training.run import RunRecord

    record = RunRecord.from_json(data["record"]) if data.get("record") else None
    evaluation = evaluation_from_json(data["evaluation"], arrays) if data.get("evaluation") else None
    return TrainOutcome(str(data["status"]), str(data.get("reason", "")), record, evaluation=evaluation,
                        data_problems=[_problem_from_json(p) for p in data.get("data_problems") or []],
                        duration=float(data.get("duration", 0.0)), epochs_done=int(data.get("epochs_done", 0)),
                        has_model=bool(data.get("has_model")), weights_run=data.get("weights_run"))


def evaluation_to_json(ev: Evaluation, arrays) -> dict:
    stats = [s for layer in ev.weights.values() for s in layer]
    return {"split": ev.split, "note": ev.note, "samples": ev.samples, "metrics": ev.metrics,
            "class_names": ev.class_names, "epochs": ev.epochs, "output": ev.output, "run_id": ev.run_id,
            "confusion": arrays.put(ev.confusion, "confusion") if ev.confusion is not None else None,
            "predictions": arrays.put(ev.predictions, "predictions") if ev.predictions is not None else None,
            "shown": _rows_to_json(ev.shown, arrays), "mistakes": _rows_to_json(ev.mistakes, arrays),
            "weights": _stats_to_json(stats, arrays)}


def evaluation_from_json(data: dict, arrays) -> Evaluation:
    def array(key):
        return arrays.get(data[key]) if data.get(key) is not None else None

    weights: dict[str, list] = {}
    for s in _stats_from_json(data.get("weights"), arrays):
        weights.setdefault(s.layer, []).append(s)
    return Evaluation(str(data["split"]), str(data["note"]), int(data["samples"]),
                      {str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
                      class_names=data.get("class_names"), confusion=array("confusion"),
                      predictions=array("predictions"), shown=_rows_from_json(data.get("shown"), arrays),
                      mistakes=_rows_from_json(data.get("mistakes"), arrays), weights=weights,
                      epochs=int(data.get("epochs", 0)), output=data.get("output"), run_id=data.get("run_id"))


def _rows_to_json(rows: SampleRows | None, arrays) -> dict | None:
    if rows is None:
        return None
    out = {"indices": rows.indices, "predicted": rows.predicted, "true": rows.true, "correct": rows.correct,
           "confidence": rows.confidence, "columns": rows.columns, "rows": rows.rows, "images": None}
    if rows.images:  # one file for the lot when they share a shape (they do for a dataset's images)
        if len({img.shape for img in rows.images}) == 1:
            out["images"] = arrays.put(np.stack(rows.images), "images")
        else:
            out["images"] = [arrays.put(img, "image") for img in rows.images]
    return out


def _rows_from_json(data: dict | None, arrays) -> SampleRows | None:
    if data is None:
        return None
    images = data.get("images")
    if isinstance(images, list):
        images = [arrays.get(ref) for ref in images]
    elif images is not None:
        images = list(arrays.get(images))
    return SampleRows([int(i) for i in data["indices"]], list(data["predicted"]), list(data["true"]),
                      list(data["correct"]), list(data["confidence"]), images=images or [],
                      columns=list(data.get("columns") or []), rows=list(data.get("rows") or []))


def _stats_to_json(stats: list, arrays) -> dict:
    """Weight statistics: the numbers inline, histograms as two arrays (one row per weight array)."""
    if not stats:
        return {"items": []}
    items = [{"layer": s.layer, "name": s.name, "shape": list(s.shape), "min": s.min, "max": s.max,
              "mean": s.mean, "std": s.std} for s in stats]
    bins = {len(s.counts) for s in stats}
    if len(bins) == 1:
        return {"items": items, "counts": arrays.put(np.stack([s.counts for s in stats]), "counts"),
                "edges": arrays.put(np.stack([s.edges for s in stats]), "edges")}
    for item, s in zip(items, stats):
        item["counts"], item["edges"] = arrays.put(s.counts, "counts"), arrays.put(s.edges, "edges")
    return {"items": items}


def _stats_from_json(data: dict | None, arrays) -> list:
    from layerlab.core.training.evaluation import WeightStats

    if not data or not data.get("items"):
        return []
    items = data["items"]
    if "counts" in data:
        counts, edges = arrays.get(data["counts"]), arrays.get(data["edges"])
    else:
        counts = [arrays.get(i["counts"]) for i in items]
        edges = [arrays.get(i["edges"]) for i in items]
    return [WeightStats(str(i["layer"]), str(i["name"]), tuple(int(d) for d in i["shape"]), float(i["min"]),
                        float(i["max"]), float(i["mean"]), float(i["std"]), np.asarray(c), np.asarray(e))
            for i, c, e in zip(items, counts, edges)]


def _problem_to_json(p) -> dict:
    fix = getattr(p, "fix", None)
    return {"message": p.message, "node": p.node, "level": p.level,
            "fix": None if fix is None else {"node": fix.node, "name": fix.name, "value": fix.value,
                                             "label": fix.label}}


def _problem_from_json(data: dict):
    from layerlab.core.data.checks import DataProblem, SetParam

    fix = data.get("fix")
    return DataProblem(str(data["message"]), data.get("node"), str(data.get("level", "error")),
                       fix=SetParam(fix["node"], fix["name"], fix["value"], fix.get("label", "")) if fix else None)
