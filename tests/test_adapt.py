"""Adapting preprocessing nodes to data: the same vocabularies and statistics as layer.adapt, kept as params,
and carried by exports to .keras and .h5 (Keras's own .h5 writer drops an adapted vocabulary)."""

import numpy as np
import pytest

from layerlab.core.adapt import AdaptError, adapt_node
from layerlab.core.kerasenv import keras


def _one_layer(type_name, params, shape, dtype):
    from layerlab.core.project import from_json

    data = {"format": "layerlab", "version": 1, "graph": {
        "nodes": [{"id": "x", "type": "Input", "params": {"shape": shape, "dtype": dtype}},
                  {"id": "pre", "type": type_name, "params": params}],
        "edges": [{"source": "x", "target": "pre", "port": 0, "source_port": 0}]}}
    return from_json(data)


CASES = [
    ("StringLookup", {}, [1], "string", np.array([["b"], ["a"], ["b"], ["c"], ["b"], ["a"]]),
     np.array([["a"], ["b"], ["zzz"]])),
    ("IntegerLookup", {}, [1], "int64", np.array([[7], [3], [7], [9]]), np.array([[3], [7], [42]])),
    ("TextVectorization", {"output_sequence_length": 4}, [1], "string",
     np.array([["the cat sat"], ["the dog"], ["a cat"]]), np.array([["the cat ran"], ["dog"]])),
    ("Normalization", {}, [3], "float32", np.arange(30, dtype="float32").reshape(10, 3) ** 1.5,
     np.ones((2, 3), "float32")),
    ("Discretization", {"num_bins": 3}, [2], "float32", np.linspace(0, 1, 40, dtype="float32").reshape(20, 2),
     np.array([[0.1, 0.5], [0.9, 0.4]], "float32")),
]


@pytest.mark.parametrize("type_name, params, shape, dtype, data, probe", CASES, ids=[c[0] for c in CASES])
def test_adapt_matches_keras_and_travels_in_exports(tmp_path, type_name, params, shape, dtype, data, probe):
    from layerlab.core.export import export_project

    project = _one_layer(type_name, params, shape, dtype)
    new = adapt_node(project.document, "pre", data)
    assert project.document.params("pre") == new
    reference = getattr(keras().layers, type_name)(**params)
    reference.adapt(data)
    expected = np.asarray(reference(probe))
    for suffix in (".keras", ".h5"):
        path = export_project(project, tmp_path / f"adapted{suffix}").path
        again = keras().models.load_model(path, compile=False)
        np.testing.assert_allclose(np.asarray(again(probe)), expected, atol=1e-5)


def test_adapted_keras_archive_imports_with_its_vocabulary(tmp_path):
    from layerlab.core.build import build_model
    from layerlab.core.importer import import_model

    k = keras()
    lookup = k.layers.StringLookup(name="lookup")
    lookup.adapt(np.array(["x", "y", "y", "z", "z", "z"]))
    inp = k.Input((1,), dtype="string", name="word")
    model = k.Model(inp, lookup(inp))
    model.save(tmp_path / "adapted.keras")
    result = import_model(tmp_path / "adapted.keras")
    assert result.project.document.params("lookup")["vocabulary"] == ["z", "y", "x"]
    rebuilt = build_model(result.project.document)
    probe = np.array([["z"], ["q"], ["y"]])
    np.testing.assert_array_equal(np.asarray(rebuilt(probe)), np.asarray(model(probe)))


def test_adapting_what_cannot_be_adapted_says_so():
    project = _one_layer("Dense", {"units": 2}, [3], "float32")
    with pytest.raises(AdaptError, match="cannot be adapted"):
        adapt_node(project.document, "pre", np.ones((4, 3)))
    with pytest.raises(AdaptError, match="no node 'ghost'"):
        adapt_node(project.document, "ghost", np.ones((4, 3)))
