"""The check engine's values as JSON: nodes and edges, check reports, problems, verdicts, previews.

Plain data both ways, nothing that runs: a reader builds the core's own
dataclasses back (CheckReport, NodeResult, Problem, DataProblem, Verdict,
Preview). Problems are carried field by field, so a field added to
:class:`~layerlab.core.errors.Problem` travels without a change here; a field
the reading side does not know is dropped. Shapes are lists in JSON and
tuples again when read (None stays None: the batch dimension).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from layerlab.core.document import Edge, Node
from layerlab.core.errors import Problem, ProblemKind
from layerlab.core.shapes import CheckReport, NodeResult
from layerlab.core.verdicts import Verdict


# -- the document -------------------------------------------------------------------------------------
def node_to_json(node: Node) -> dict:
    return {"id": node.id, "type": node.type, "params": node.params, "shares": node.shares}


def node_from_json(data: dict) -> Node:
    return Node(str(data["id"]), str(data["type"]), dict(data.get("params") or {}), None, data.get("shares"))


def edge_to_json(edge: Edge) -> list:
    return [edge.source, edge.target, edge.port, edge.source_port]


def edge_from_json(data: list) -> Edge:
    source, target, port, source_port = data
    return Edge(str(source), str(target), int(port), int(source_port))


# -- shapes and reports ---------------------------------------------------------------------------------
def _shape_from_json(shape) -> tuple:
    return tuple(_shape_from_json(d) if isinstance(d, list) else d for d in shape)


def result_to_json(result: NodeResult) -> dict:
    return {"shapes": None if result.shapes is None else [list(s) for s in result.shapes],
            "dtypes": None if result.dtypes is None else list(result.dtypes),
            "params": result.params, "trainable_params": result.trainable_params, "error": result.error}


def result_from_json(data: dict) -> NodeResult:
    shapes = data.get("shapes")
    dtypes = data.get("dtypes")
    return NodeResult(shapes=None if shapes is None else tuple(_shape_from_json(s) for s in shapes),
                      dtypes=None if dtypes is None else tuple(dtypes), params=data.get("params"),
                      trainable_params=data.get("trainable_params"), error=data.get("error"))


def problem_to_json(problem: Problem) -> dict:
    """Every field of the problem (a DataProblem's fix too), and which class it is."""
    data = {f.name: plain(getattr(problem, f.name)) for f in dataclasses.fields(problem)}
    data["$class"] = type(problem).__name__
    return data


def problem_from_json(data: dict) -> Problem:
    cls: type = Problem
    if data.get("$class") == "DataProblem":
        from layerlab.core.data.checks import DataProblem, SetParam

        cls = DataProblem
        fix = data.get("fix")
        data = {**data, "fix": SetParam(**_known(SetParam, fix)) if isinstance(fix, dict) else None}
    elif data.get("$class") == "PathProblem":
        from layerlab.core.confine import PathProblem

        cls = PathProblem
    if "kind" in data:  # a kind this reader does not know is a general problem
        kinds = {k.value for k in ProblemKind}
        data = {**data, "kind": ProblemKind(data["kind"]) if data["kind"] in kinds else ProblemKind.GENERAL}
    return cls(**_known(cls, data))


def report_to_json(report: CheckReport) -> dict:
    return {"results": {n: result_to_json(r) for n, r in report.results.items()},
            "problems": [problem_to_json(p) for p in report.problems]}


def report_from_json(data: dict, previous: CheckReport | None = None) -> CheckReport:
    """A report; results equal to `previous`'s are `previous`'s own objects (the canvas redraws what changed)."""
    before = previous.results if previous is not None else {}
    results = {}
    for node, raw in (data.get("results") or {}).items():
        result = result_from_json(raw)
        old = before.get(node)
        results[node] = old if old == result else result
    return CheckReport(results, [problem_from_json(p) for p in data.get("problems") or []])


# -- verdicts on candidate wires ---------------------------------------------------------------------------
def verdict_to_json(verdict: Verdict) -> dict:
    shape = verdict.shape
    if isinstance(shape, list):
        shape = {"several": [list(s) for s in shape]}
    elif shape is not None:
        shape = list(shape)
    return {"ok": verdict.ok, "message": verdict.message, "shape": shape}


def verdict_from_json(data: dict) -> Verdict:
    shape = data.get("shape")
    if isinstance(shape, dict):
        shape = [_shape_from_json(s) for s in shape.get("several") or []]
    elif shape is not None:
        shape = _shape_from_json(shape)
    return Verdict(data.get("ok"), str(data.get("message") or ""), shape)


# -- data previews -------------------------------------------------------------------------------------------
def preview_to_json(preview, arrays) -> dict:
    """A Preview; its images go as .npy files through `arrays` (an ArrayFolder)."""
    data = {f.name: plain(getattr(preview, f.name)) for f in dataclasses.fields(preview) if f.name != "images"}
    data["images"] = [arrays.put(image, "preview") for image in preview.images]
    return data


def preview_from_json(data: dict, arrays):
    from layerlab.core.data.previews import Preview

    data = dict(data)
    images = [arrays.take(ref) for ref in data.pop("images", None) or []]
    for key in ("x_shape", "y_shape"):
        data[key] = _shapes_back(data.get(key))
    return Preview(images=images, **_known(Preview, data))


def _shapes_back(value):
    if isinstance(value, dict):
        return {k: _shape_from_json(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [_shape_from_json(v) for v in value]  # several outputs
    if isinstance(value, list):
        return _shape_from_json(value)
    return value


# -- helpers -------------------------------------------------------------------------------------------------
def _known(cls, data: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def plain(value: Any) -> Any:
    """A JSON-able copy: dataclasses as dicts, tuples as lists, numpy numbers as Python numbers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()  # a numpy scalar
    return value
