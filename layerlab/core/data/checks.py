"""Checking a dataset against the graph before training, with fixes the editor can offer.

Inputs: each Input's shape against the features' per-sample shape.
Outputs: each output's shape against its targets, read with the loss in mind
(class labels, one-hot rows, or plain values). A fix is a small object
describing one document edit; `apply_fix` performs it through document
methods only, so that the GUI can wrap the same fix in an undo command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from layerlab.core import catalog
from layerlab.core.data.errors import DataError
from layerlab.core.data.preprocess import as_list, num_classes
from layerlab.core.document import GraphDocument
from layerlab.core.errors import Problem, ProblemKind
from layerlab.core.notation import format_shape

SPARSE_LOSSES = ("sparse_categorical_crossentropy",)
ONE_HOT_LOSSES = ("categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge")
BINARY_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge")
_PROBABILITY_LOSSES = {"sparse_categorical_crossentropy": "softmax", "categorical_crossentropy": "softmax",
                       "categorical_focal_crossentropy": "softmax", "binary_crossentropy": "sigmoid",
                       "binary_focal_crossentropy": "sigmoid"}


@dataclass(frozen=True)
class SetParam:
    """A fix: set one parameter of one node."""

    node: str
    name: str
    value: Any
    label: str = ""


@dataclass(frozen=True)
class DataProblem(Problem):
    """A mismatch between data and graph; `fix`, when present, resolves it."""

    kind: ProblemKind = ProblemKind.DATA
    fix: SetParam | None = None


def apply_fix(fix: SetParam, document: GraphDocument) -> None:
    """Apply a fix to the document (through its methods, so that listeners hear of it)."""
    if fix.node not in document:
        raise DataError(f"the fix \"{fix.label}\" no longer applies: node '{fix.node}' is gone")
    document.set_param(fix.node, fix.name, fix.value)


def check_data(dataset, document: GraphDocument, report=None, training: dict | None = None) -> list[DataProblem]:
    """Problems between `dataset` and the graph.

    Args:
        dataset: a loaded Dataset (after preprocessing).
        document: the graph.
        report: the shape checker's CheckReport for the document; outputs are
            only checked when it knows their shapes.
        training: the project's training section; its "loss" decides how
            targets are read. Without it, integer targets are taken as class labels.
    """
    return _check_inputs(dataset, document, report) + _check_outputs(dataset, document, report, training)


# -- inputs ---------------------------------------------------------------------

def _input_shape(document: GraphDocument, node: str, report) -> tuple | None:
    result = report.results.get(node) if report is not None else None
    if result is not None and result.shapes:
        return tuple(result.shapes[0][1:])
    shape = document.params(node).get("shape")
    return tuple(shape) if isinstance(shape, (list, tuple)) else None


def _check_inputs(ds, document: GraphDocument, report) -> list[DataProblem]:
    inputs = document.input_ids()
    if not inputs:
        return []  # the shape checker already says the model has no Input
    problems: list[DataProblem] = []
    x = ds.x_train
    if isinstance(x, dict):
        for key in x:
            if key not in inputs:
                problems.append(DataProblem(
                    f"The data has features for input '{key}', but the model has no Input node with that id "
                    f"(its inputs: {', '.join(inputs)})."))
        pairs = []
        for node in inputs:
            if node in x:
                pairs.append((node, x[node]))
            else:
                problems.append(DataProblem(
                    f"Input '{node}' gets no data: the dataset's features are for {', '.join(map(str, x))}.",
                    node=node))
    else:
        if len(inputs) > 1:
            problems.append(DataProblem(
                f"The model has {len(inputs)} inputs ({', '.join(inputs)}), the data gives one array of features; "
                "name the features of each input, as {input id: [columns]} (csv) or {input id: array} (npz)."))
            return problems
        pairs = [(inputs[0], x)]
    for node, array in pairs:
        given = tuple(np.shape(array)[1:])
        expected = _input_shape(document, node, report)
        if expected is None or _fits(expected, given):
            continue
        shown = format_shape(given)
        problems.append(DataProblem(
            f"Input '{node}' expects {format_shape(expected)}, the data gives {shown}.", node=node,
            fix=SetParam(node, "shape", [int(d) for d in given], f"Set Input '{node}' shape to {shown}")))
    return problems


def _fits(expected: tuple, given: tuple) -> bool:
    return len(expected) == len(given) and all(e is None or e == g for e, g in zip(expected, given))


# -- outputs --------------------------------------------------------------------

def _loss_for(training: dict | None, index: int, n_outputs: int) -> str | None:
    loss = (training or {}).get("loss")
    if isinstance(loss, list):
        loss = loss[index] if len(loss) == n_outputs else None
    return str(loss).lower() if isinstance(loss, str) else None


def _target_kind(ds, y: np.ndarray, index: int, loss: str | None) -> str:
    """'onehot', 'labels' (class indices, one per sample) or 'values'."""
    flags = ds.meta.get("one_hot") or []
    if index < len(flags) and flags[index]:
        return "onehot"
    one_per_sample = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)
    if not one_per_sample or not y.size:
        return "values"
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return "labels" if np.min(y) >= 0 else "values"
    if loss in SPARSE_LOSSES and np.all(y == np.round(y)) and np.min(y) >= 0:
        return "labels"
    return "values"


def _check_outputs(ds, document: GraphDocument, report, training) -> list[DataProblem]:
    outputs = document.output_ids()
    ys = as_list(ds.y_train)
    if not outputs:
        return []
    if len(ys) != len(outputs):
        many = "targets" if len(ys) > 1 else "target"
        return [DataProblem(f"The model has {len(outputs)} outputs ({', '.join(outputs)}), the data gives "
                            f"{len(ys)} {many}; give one target per output, in the order of the outputs.")]
    problems: list[DataProblem] = []
    for i, (node, y) in enumerate(zip(outputs, ys)):
        result = report.results.get(node) if report is not None else None
        if result is None or not result.shapes:
            continue
        out = tuple(result.shapes[0][1:])
        loss = _loss_for(training, i, len(outputs))
        y = np.asarray(y)
        kind = _target_kind(ds, y, i, loss)
        problems.extend(_check_output(ds, document, node, out, y, kind, i, loss))
        problems.extend(_check_activation(document, node, loss))
    return problems


def _units_fix(document: GraphDocument, node: str, units: int, out: tuple) -> SetParam | None:
    spec = catalog.get(document.node_type(node))
    if spec is None or spec.param("units") is None or len(out) != 1 or document.shares(node):
        return None
    return SetParam(node, "units", int(units), f"Set '{node}' units to {units}")


def _check_output(ds, document, node, out, y, kind, i, loss) -> list[DataProblem]:
    where = f"Output '{node}'"
    if kind == "onehot" and loss in SPARSE_LOSSES:
        return [DataProblem(
            f"Loss {loss} expects class labels, but the targets of {where} are one-hot rows "
            f"{format_shape(y.shape[1:])}: use categorical_crossentropy, or remove \"one_hot\" from the dataset.",
            node=node)]
    if kind == "labels" and loss in ONE_HOT_LOSSES:
        return [DataProblem(
            f"Loss {loss} expects one-hot targets, but the targets of {where} are class labels "
            f"{format_shape(y.shape[1:])}: set \"one_hot\": true in the dataset, or use "
            "sparse_categorical_crossentropy.", node=node)]
    if kind == "labels" and (loss is None or loss in SPARSE_LOSSES or loss in BINARY_LOSSES):
        return _check_classes(ds, document, node, out, i, loss)
    return _check_same_shape(document, node, out, y)


def _check_classes(ds, document, node, out, i, loss) -> list[DataProblem]:
    k = num_classes(ds, i)
    where = f"Output '{node}'"
    if len(out) != 1:
        return [DataProblem(f"{where} gives {format_shape(out)} per sample, but its targets are one class label "
                            f"per sample ({k} classes).", node=node)]
    units = out[0]
    if loss in BINARY_LOSSES:
        if k > 2:
            return [DataProblem(f"Loss {loss} is for two classes, the data has {k}: use "
                                f"sparse_categorical_crossentropy with {k} output units.", node=node)]
        if units != 1:
            return [DataProblem(f"{where} gives {units} values per sample, loss {loss} needs 1 for two classes.",
                                node=node, fix=_units_fix(document, node, 1, out))]
        return []
    if units is None or units == k or (units == 1 and k <= 2 and loss is None):
        return []
    fix = _units_fix(document, node, k, out)
    if units < k:
        noun = "value" if units == 1 else "values"
        return [DataProblem(f"{where} gives {units} {noun} per sample, the data has {k} classes.", node=node,
                            fix=fix)]
    return [DataProblem(f"{where} gives {units} values per sample, the data has only {k} classes.", node=node,
                        level="warning", fix=fix)]


def _check_same_shape(document, node, out, y) -> list[DataProblem]:
    target = tuple(y.shape[1:])
    if _same(out, target):
        return []
    fix = _units_fix(document, node, target[-1], out) if len(target) == len(out) and target else None
    return [DataProblem(f"Output '{node}' gives {format_shape(out)}, the targets have shape {format_shape(target)}.",
                        node=node, fix=fix)]


def _same(out: tuple, target: tuple) -> bool:
    # Keras's losses treat a target of shape (n,) like (n, 1)
    if target == () and out in ((1,), (None,)):
        return True
    return len(out) == len(target) and all(o is None or o == t for o, t in zip(out, target))


def _check_activation(document: GraphDocument, node: str, loss: str | None) -> list[DataProblem]:
    wanted = _PROBABILITY_LOSSES.get(loss or "")
    spec = catalog.get(document.node_type(node))
    if wanted is None or spec is None or spec.param("activation") is None or document.shares(node):
        return []
    current = document.params(node).get("activation", spec.param("activation").default)
    if current in (wanted, "sigmoid" if wanted == "softmax" else "softmax"):
        return []  # softmax or sigmoid both give probabilities
    return [DataProblem(f"Loss {loss} expects probabilities, but '{node}' has activation "
                        f"{current or 'None (linear)'}; use '{wanted}'.", node=node, level="warning",
                        fix=SetParam(node, "activation", wanted, f"Set '{node}' activation to {wanted}"))]
