"""Whatever `check` accepts as a node id, training, saving and export accept too; deep JSON is one line."""

import json
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.data import Dataset
from layerlab.core.export import export_project
from layerlab.core.kerasenv import keras
from layerlab.core.names import keras_name
from layerlab.core.shapes import check_document
from layerlab.core.training import TrainingSession
from layerlab.core.training.state import restore_model, save_trained

TRICKY = ["隠れ層", "\u200fשכבה\u200f", "a\u202eb", ".", "..", "dense 1", "a/b", "x" * 300, "_x", "-", " ", "ü",
          "relu>out", "dense_1"]
ids = st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=120))


def _project(tmp_path, hidden_id: str, out_id: str):
    data = {"format": "layerlab", "version": 1, "name": "名前 ✓",
            "graph": {"nodes": [{"id": "in", "type": "Input", "params": {"shape": [3]}},
                                {"id": hidden_id, "type": "Dense", "params": {"units": 2}},
                                {"id": out_id, "type": "Dense", "params": {"units": 1}}],
                      "edges": [{"source": "in", "target": hidden_id}, {"source": hidden_id, "target": out_id}]},
            "training": {"loss": "mse", "epochs": 1, "batch_size": 4, "seed": 0}}
    path = tmp_path / "names.layerlab"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def test_keras_names_are_stable_plain_and_distinct():
    assert keras_name("dense_1") == "dense_1"  # plain ids keep their name, so old weights files still fit
    mapped = {i: keras_name(i) for i in TRICKY}
    assert len(set(mapped.values())) == len(TRICKY)
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", n) and len(n) <= 100 for n in mapped.values())
    assert keras_name("隠れ層") == mapped["隠れ層"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hidden=ids, out=ids)
def test_any_id_check_accepts_trains_saves_and_exports(tmp_path, hidden, out):
    if len({"in", hidden, out}) < 3:
        return
    path = _project(tmp_path, hidden, out)
    project = project_io.load(path)
    if not check_document(project.document).valid:  # only what check accepts must go on working
        return
    rng = np.random.default_rng(0)
    ds = Dataset(rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32"))
    session = TrainingSession(project.document, ds, project.training, name=project.name)
    record = session.run()
    assert record.status == "finished", record.reason
    save_trained(project, session.model, [record])
    model, report = restore_model(project_io.load(path))
    assert not report.skipped and len(report.loaded) == 2
    x = ds.x_train
    trained = np.asarray(session.model(x, training=False))  # a plain call: predict() would trace a function
    np.testing.assert_allclose(np.asarray(model(x, training=False)), trained, rtol=1e-6)
    result = export_project(project_io.load(path), tmp_path / "m.keras")
    reloaded = keras().saving.load_model(result.path)
    np.testing.assert_allclose(np.asarray(reloaded(x, training=False)), trained, rtol=1e-6)


def test_100k_deep_json_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "deep.layerlab"
    path.write_text('{"format": "layerlab", "version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code = cli.main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"layerlab: {path}: the JSON is nested too deeply to be a project"


def test_a_model_of_tricky_ids_checks_trains_saves_and_exports(tmp_path, capsys):
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [3]}}]
    nodes += [{"id": i, "type": "Dense", "params": {"units": 2}} for i in TRICKY]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    data = {"format": "layerlab", "version": 1, "graph": {"nodes": nodes, "edges": edges},
            "training": {"loss": "mse", "epochs": 1, "batch_size": 4, "seed": 0}}
    path = tmp_path / "tricky.layerlab"
    path.write_text(json.dumps(data, ensure_ascii=False))
    assert cli.main(["check", str(path)]) == 0
    project = project_io.load(path)
    rng = np.random.default_rng(0)
    ds = Dataset(rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32"))
    session = TrainingSession(project.document, ds, project.training)
    record = session.run()
    assert record.status == "finished", record.reason
    save_trained(project, session.model, [record])
    _, report = restore_model(project_io.load(path))
    assert len(report.loaded) == len(TRICKY) and not report.skipped
    for suffix in (".keras", ".h5", ".py"):
        assert export_project(project_io.load(path), tmp_path / f"m{suffix}").path.is_file()
    capsys.readouterr()
