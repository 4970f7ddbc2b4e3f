"""Adapting preprocessing nodes to the project's data: the features flowing into each node, Keras as the oracle.

The check engine's `adapt` op runs exactly this (core.adapt_data) on the dataset it loaded for the Data panel.
"""

import numpy as np
import pytest

from layerlab.core.adapt import ADAPTABLE
from layerlab.core.adapt_data import adapt_to_dataset, adaptable_nodes, features_for, state_text
from layerlab.core.data import load_dataset
from layerlab.core.document import GraphDocument
from layerlab.core.kerasenv import keras

ROWS = [(1.5, 10.0, 3, "a"), (2.0, 30.0, 1, "b"), (4.0, 20.0, 3, "a"), (8.0, 60.0, 2, "b"), (16.0, 40.0, 3, "a")]


@pytest.fixture
def dataset(tmp_path):
    lines = ["x1,x2,code,label"] + [",".join(map(str, r)) for r in ROWS]
    (tmp_path / "small.csv").write_text("\n".join(lines) + "\n")
    return load_dataset({"source": "csv", "path": "small.csv", "target": "label",
                         "features": {"num": ["x1", "x2"], "cat": ["code"]}}, tmp_path)


def _document() -> GraphDocument:
    d = GraphDocument()
    d.add_node("Input", {"shape": [2]}, node_id="num")
    d.add_node("Input", {"shape": [1]}, node_id="cat")
    d.add_node("Normalization", {}, node_id="norm")
    d.add_node("Rescaling", {"scale": 0.5}, node_id="half")
    d.add_node("Discretization", {"num_bins": 3}, node_id="bins")
    d.add_node("IntegerLookup", {}, node_id="codes")
    d.add_node("Dense", {"units": 2}, node_id="dense")
    d.add_node("Normalization", {}, node_id="after_dense")
    d.add_node("StringLookup", {}, node_id="words")
    for s, t in [("num", "norm"), ("num", "half"), ("half", "bins"), ("cat", "codes"), ("num", "dense"),
                 ("dense", "after_dense"), ("cat", "words")]:
        d.add_edge(s, t)
    return d


def test_nodes_adapt_to_what_flows_into_them_as_keras_would(dataset):
    doc = _document()
    assert adaptable_nodes(doc) == ["norm", "bins", "codes", "after_dense", "words"]
    adapted, errors = adapt_to_dataset(doc, ["norm", "bins", "codes"], dataset)
    assert errors == {}
    num = np.array([r[:2] for r in ROWS], "float32")
    k = keras()
    norm = k.layers.Normalization()
    norm.adapt(num)
    np.testing.assert_allclose(adapted["norm"]["mean"], np.ravel(norm.mean), rtol=1e-6)
    np.testing.assert_allclose(adapted["norm"]["variance"], np.ravel(norm.variance), rtol=1e-6)
    bins = k.layers.Discretization(num_bins=3)
    bins.adapt(num * 0.5)  # through the Rescaling: what the layer sees
    np.testing.assert_allclose(adapted["bins"]["bin_boundaries"], bins.bin_boundaries, rtol=1e-6)
    codes = k.layers.IntegerLookup()
    codes.adapt(np.array([[r[2]] for r in ROWS]))
    assert adapted["codes"]["vocabulary"] == [int(v) for v in codes.get_vocabulary(include_special_tokens=False)]
    assert doc.params("norm") == {}  # the document is left as it is: the editor stores the result
    assert state_text("Normalization", adapted["norm"]) == "mean and variance of 2 values"
    assert state_text("IntegerLookup", adapted["codes"]) == "vocabulary of 3 tokens"
    assert state_text("Discretization", adapted["bins"]) == "2 bin boundaries (3 bins)"
    assert state_text("Normalization", {}) == "" and state_text("Dense", {"units": 1}) == ""


def test_what_cannot_be_adapted_is_said_clearly(dataset):
    doc = _document()
    _, errors = adapt_to_dataset(doc, ["after_dense", "words", "dense", "ghost"], dataset)
    assert "fed through layers with weights (dense)" in errors["after_dense"]
    assert "adapts to texts" in errors["words"] and "float32 numbers to input 'cat'" in errors["words"]
    assert "cannot be adapted" in errors["dense"] and "no node 'ghost'" in errors["ghost"]
    doc.add_node("Normalization", {}, node_id="loose")
    with pytest.raises(Exception, match="no input wired"):
        features_for(doc, "loose", dataset)
    with pytest.raises(Exception, match="no data is loaded"):
        features_for(doc, "norm", None)


def test_fractional_values_are_refused_by_an_integer_lookup(dataset):
    doc = _document()
    doc.add_node("IntegerLookup", {}, node_id="ids")
    doc.add_edge("num", "ids")
    _, errors = adapt_to_dataset(doc, ["ids"], dataset)
    assert "whole numbers" in errors["ids"]
    assert len(ADAPTABLE) == 5


def test_an_integer_lookup_adapts_to_the_token_ids_of_a_text_source(tmp_path):
    texts = ["the cat sat", "the dog ran far", "a cat ran", "the end"]
    (tmp_path / "texts.csv").write_text("text,label\n" + "".join(f"{t},{i % 2}\n" for i, t in enumerate(texts)))
    dataset = load_dataset({"source": "text_csv", "path": "texts.csv", "text": "text", "target": "label",
                            "maxlen": 5}, tmp_path)
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [5], "dtype": "int32"}, node_id="ids")
    doc.add_node("IntegerLookup", {"mask_token": 0}, node_id="lookup")
    doc.add_edge("ids", "lookup")
    adapted, errors = adapt_to_dataset(doc, ["lookup"], dataset)
    assert errors == {}
    reference = keras().layers.IntegerLookup(mask_token=0)
    reference.adapt(dataset.x_train)
    assert adapted["lookup"]["vocabulary"] == [int(v) for v in reference.get_vocabulary(include_special_tokens=False)]
    assert len(adapted["lookup"]["vocabulary"]) == 8  # the eight words, each by its id
