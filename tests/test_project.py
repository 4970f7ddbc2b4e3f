"""Project files: format v1 read/write, errors, atomic saves."""

import json
import os

import pytest

from layerlab.core import project
from layerlab.core.errors import ProjectFileError

MINIMAL = {
    "format": "layerlab", "version": 1,
    "graph": {"nodes": [{"id": "in", "type": "Input", "params": {"shape": [8]}},
                        {"id": "d1", "type": "Dense", "params": {"units": 12, "activation": "relu"},
                         "position": [220, 0]}],
              "edges": [{"source": "in", "target": "d1"}]},
}


def test_minimal_file_reads_with_defaults():
    p = project.from_json(MINIMAL)
    assert p.document.edges()[0].port == 0
    assert p.document.position("d1") == (220.0, 0.0)
    assert p.dataset is None and p.training is None


def test_save_load_save_is_identical_and_keeps_unknown_keys(tmp_path):
    data = json.loads(json.dumps(MINIMAL))
    data["dataset"] = {"source": "sklearn", "name": "iris"}
    data["training"] = {"optimizer": "adam", "epochs": 3}
    data["future_key"] = {"kept": True}
    data["graph"]["nodes"][1]["note"] = "mine"
    first = tmp_path / "a.layerlab"
    project.save(project.from_json(data), first)
    again = tmp_path / "b.layerlab"
    project.save(project.load(first), again)
    assert first.read_bytes() == again.read_bytes()
    reread = json.loads(first.read_text())
    assert reread["future_key"] == {"kept": True}
    assert reread["graph"]["nodes"][1]["note"] == "mine"
    assert reread["dataset"] == data["dataset"]


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON (line 1"),
    ("[]", "JSON object"),
    ('{"format": "other", "version": 1}', "not a LayerLab project"),
    ('{"format": "layerlab", "version": 7}', "version 7 is newer"),
    ('{"format": "layerlab", "version": 1, "graph": {"nodes": [{"id": 3, "type": "Dense"}]}}', "graph.nodes[0]"),
    ('{"format": "layerlab", "version": 1, "graph": {"nodes": [], "edges": [{"source": "a", "target": "b", '
     '"port": -1}]}}', '"port" must be a whole number'),
])
def test_unreadable_files_say_what_and_where(text, words):
    with pytest.raises(ProjectFileError) as err:
        project.loads(text, "x.layerlab")
    assert words in str(err.value)
    assert "x.layerlab" in str(err.value)


def test_duplicate_ids_and_dangling_edges_become_problems():
    data = json.loads(json.dumps(MINIMAL))
    data["graph"]["nodes"].append({"id": "d1", "type": "Dense", "params": {"units": 1}})
    data["graph"]["edges"].append({"source": "ghost", "target": "d1"})
    p = project.from_json(data)
    messages = [pr.message for pr in p.load_problems]
    assert any("Duplicate node id 'd1'" in m for m in messages)
    assert any("unknown node 'ghost'" in m for m in messages)
    assert len(p.document) == 2


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "p.layerlab"
    p = project.from_json(MINIMAL)
    project.save(p, target)
    before = target.read_bytes()

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    p.name = "changed"
    with pytest.raises(OSError):
        project.save(p, target)
    assert target.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["p.layerlab"]  # no temp file left behind


def test_missing_file_and_folder_errors(tmp_path):
    with pytest.raises(ProjectFileError, match="no such file"):
        project.load(tmp_path / "none.layerlab")
    with pytest.raises(ProjectFileError, match="is a folder"):
        project.load(tmp_path)
