"""The check engine's operations, run in this process (no engine started), and its messages both ways."""

import json

import numpy as np

from layerlab.core.confine import PathProblem
from layerlab.core.data.checks import DataProblem, SetParam
from layerlab.core.data.previews import Preview
from layerlab.core.document import Edge, GraphDocument
from layerlab.core.engine import check_messages as msg
from layerlab.core.engine import check_role
from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.serve import Context
from layerlab.core.errors import Problem, ProblemKind
from layerlab.core.shapes import CheckReport, NodeResult, ShapeChecker
from layerlab.core.verdicts import EdgeProber, Verdict


def _ctx(tmp_path, events: list) -> Context:
    return Context(events.append, ArrayFolder(tmp_path))


def _through_json(value):
    return json.loads(json.dumps(value))


def _doc() -> GraphDocument:
    d = GraphDocument()
    d.add_node("Input", {"shape": [6]}, node_id="x")
    d.add_node("Dense", {"units": 4}, node_id="h")
    d.add_node("Dense", {"units": 2}, node_id="y")
    d.add_edge("x", "h")
    d.add_edge("h", "y")
    return d


def _load(doc: GraphDocument) -> dict:
    return {"nodes": [msg.node_to_json(n) for n in doc.nodes()], "edges": [msg.edge_to_json(e) for e in doc.edges()]}


def test_reports_problems_and_verdicts_survive_json():
    report = CheckReport(
        {"a": NodeResult(((None, 3),), ("float32",), 12, 12), "b": NodeResult(((None, 2), (None, 5, 4)),
                                                                             ("float32", "int32"), 0, 0),
         "c": NodeResult(error="bad units")},
        [Problem("bad units", "c"), Problem("a warning", None, "warning"),
         DataProblem("expects 3 classes", "b", fix=SetParam("b", "units", 3, "Set units to 3"))])
    back = msg.report_from_json(_through_json(msg.report_to_json(report)))
    assert back.results == report.results and back.problems == report.problems
    assert isinstance(back.problems[2], DataProblem) and back.problems[2].fix.value == 3
    kept = msg.report_from_json(_through_json(msg.report_to_json(report)), previous=back)
    assert kept.results["a"] is back.results["a"]  # unchanged results stay the same objects: nothing redrawn
    for verdict in (Verdict(True, "", (None, 3)), Verdict(False, "no"), Verdict(True, "", [(None, 2), (None, 4)])):
        assert msg.verdict_from_json(_through_json(msg.verdict_to_json(verdict))) == verdict


def test_problem_fields_travel_whatever_they_are():
    data = _through_json(msg.problem_to_json(Problem("m", "n", "warning", kind=ProblemKind.NAME)))
    assert msg.problem_from_json(data) == Problem("m", "n", "warning", kind=ProblemKind.NAME)
    data["future_field"] = 1  # a field this reader does not know is dropped, not an error
    data["kind"] = "a-future-kind"  # and a kind it does not know is a general problem
    assert msg.problem_from_json(data) == Problem("m", "n", "warning", kind=ProblemKind.GENERAL)
    path = PathProblem("outside", kind=ProblemKind.PATH, key="dataset.path", path="/etc/passwd")
    assert msg.problem_from_json(_through_json(msg.problem_to_json(path))) == path


def test_previews_carry_their_images_by_file(tmp_path):
    arrays = ArrayFolder(tmp_path)
    image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    preview = Preview("sklearn", labels=["0"], images=[image], x_shape=(10, 8, 8), y_shape=[(10,), (10, 3)],
                      class_counts={"0": 10}, num_train=10)
    data = _through_json(msg.preview_to_json(preview, arrays))
    back = msg.preview_from_json(data, arrays)
    assert np.array_equal(back.images[0], image) and not list(tmp_path.glob("*.npy"))  # read once, then removed
    assert back.x_shape == (10, 8, 8) and back.y_shape == [(10,), (10, 3)] and back.class_counts == {"0": 10}


def test_checks_are_incremental_and_match_a_direct_check(tmp_path):
    doc, events = _doc(), []
    ctx = _ctx(tmp_path, events)
    first = check_role.check({"doc": "t1", "load": _load(doc)}, ctx)
    assert first["in_step"]
    assert msg.report_from_json(first["report"]).results == ShapeChecker(doc).check().results
    doc.set_param("h", "units", 7)
    after = check_role.check({"doc": "t1", "params": [msg.node_to_json(doc.node("h"))]}, ctx)
    assert msg.report_from_json(after["report"]).results == ShapeChecker(doc).check().results
    assert msg.report_from_json(after["report"]).results["y"].params == 7 * 2 + 2
    check_role.forget({"doc": "t1"}, ctx)
    try:
        check_role.check({"doc": "t1", "params": []}, ctx)
    except check_role.UnknownDocumentError as exc:
        assert "t1" in str(exc)
    else:
        raise AssertionError("a params update for a forgotten document must ask for a full load")


def test_probes_stream_keras_verdicts_and_stop(tmp_path):
    doc, events = _doc(), []
    doc.add_node("Dense", {"units": 3}, node_id="free")
    ctx = _ctx(tmp_path, events)
    check_role.check({"doc": "t2", "load": _load(doc)}, ctx)
    edges = [Edge("x", "free"), Edge("h", "free"), Edge("y", "free")] * 7  # 21: two batches
    result = check_role.probe({"doc": "t2", "edges": [msg.edge_to_json(e) for e in edges]}, ctx)
    assert result == {"done": 21, "stopped": False}
    pairs = [pair for e in events for pair in e["data"]]
    assert [len(e["data"]) for e in events] == [check_role.PROBE_BATCH, 21 - check_role.PROBE_BATCH]
    direct = EdgeProber()
    report = ShapeChecker(doc).check()
    for raw, verdict in pairs[:3]:
        assert msg.verdict_from_json(verdict) == direct.verdict(doc, report, msg.edge_from_json(raw))
    events.clear()
    ctx.stop.set()
    assert check_role.probe({"doc": "t2", "edges": [msg.edge_to_json(e) for e in edges]}, ctx)["stopped"]
    assert events == []


def test_a_queued_request_stopped_before_it_begins_starts_stopped(tmp_path):
    ctx = _ctx(tmp_path, [])
    ctx.begin(1)
    ctx.cancel(2)  # queued behind request 1
    assert not ctx.stop.is_set()
    ctx.begin(2)
    assert ctx.stop.is_set()
    ctx.begin(3)
    assert not ctx.stop.is_set()


def test_stop_by_id_reaches_a_queued_request_through_a_real_engine():
    from layerlab.core.engine.executor import LocalExecutor

    engine = LocalExecutor().start("selftest")
    try:
        assert engine.wait_ready(60)
        running = engine.request("count", {"n": 2000, "delay": 0.01})
        queued = engine.request("count", {"n": 2000, "delay": 0.01})
        engine.stop(queued.request_id)  # not begun yet: it begins stopped
        engine.stop(running.request_id)
        assert running.result(60)["stopped_at"] < 2000
        assert queued.result(60) == {"stopped_at": 0}
    finally:
        engine.shutdown()


def test_summary_and_the_data_panels_work_in_the_engine(tmp_path):
    ctx = _ctx(tmp_path, [])
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [64]}, node_id="x")
    doc.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="y")
    doc.add_edge("x", "y")
    check_role.check({"doc": "t3", "load": _load(doc)}, ctx)
    summary = _through_json(check_role.summary({"doc": "t3", "name": "m"}, ctx))
    assert [r["node"] for r in summary["rows"]] == ["x", "y"] and summary["total_params"] == 64 * 3 + 3
    assert "Total params: 195" in summary["text"]

    section = {"source": "sklearn", "name": "digits", "scale": 16}
    preview = msg.preview_from_json(_through_json(check_role.data_preview({"section": section, "base_dir": "."},
                                                                          ctx)), ctx.arrays)
    assert preview.images and preview.images[0].dtype == np.uint8 and preview.num_train == 1797
    facts = check_role.data_load({"key": "k", "section": section, "base_dir": "."}, ctx)
    assert facts["num_train"] == 1797 and facts["x_shape"] == [1797, 64]
    found = check_role.data_check({"key": "k", "doc": "t3", "training": {"loss": "sparse_categorical_crossentropy"}},
                                  ctx)
    problems = [msg.problem_from_json(p) for p in found["problems"]]
    assert any(isinstance(p, DataProblem) and p.fix is not None and p.fix.value == 10 for p in problems), problems
