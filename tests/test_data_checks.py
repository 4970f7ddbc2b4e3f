"""Checking data against the graph: mismatches named with both shapes, and fixes that resolve them."""

import numpy as np
import pytest

from layerlab.core.data import Dataset
from layerlab.core.data.checks import DataProblem, SetParam, apply_fix, check_data
from layerlab.core.data.errors import DataError
from layerlab.core.document import GraphDocument
from layerlab.core.shapes import check_document


def _mlp(input_shape=(8,), units=1, activation=None) -> GraphDocument:
    doc = GraphDocument()
    doc.add_node("Input", {"shape": list(input_shape)}, node_id="x")
    doc.add_node("Dense", {"units": 16, "activation": "relu"}, node_id="hidden")
    doc.add_node("Dense", {"units": units, "activation": activation}, node_id="out")
    doc.add_edge("x", "hidden")
    doc.add_edge("hidden", "out")
    return doc


def _check(ds, doc, training=None):
    return check_data(ds, doc, check_document(doc), training)


def _data(features=8, labels=None, n=12):
    rng = np.random.default_rng(0)
    y = rng.normal(size=n).astype(np.float32) if labels is None else (np.arange(n) % labels).astype(np.int32)
    return Dataset(rng.normal(size=(n, features)).astype(np.float32), y)


def test_matching_data_has_no_problem():
    assert _check(_data(), _mlp(), {"loss": "mse"}) == []


def test_input_shape_mismatch_names_both_shapes_and_the_fix_resolves_it():
    doc = _mlp()
    problems = _check(_data(features=30), doc)
    assert [p.message for p in problems] == ["Input 'x' expects (8,), the data gives (30,)."]
    fix = problems[0].fix
    assert isinstance(problems[0], DataProblem) and problems[0].node == "x" and problems[0].level == "error"
    assert fix == SetParam("x", "shape", [30], "Set Input 'x' shape to (30,)")
    seen = []
    doc.subscribe(seen.append)
    apply_fix(fix, doc)
    assert doc.params("x")["shape"] == [30] and seen  # through the document, so listeners hear it
    assert _check(_data(features=30), doc) == []


def test_ten_classes_against_one_unit():
    doc = _mlp(units=1, activation="softmax")
    problems = _check(_data(labels=10), doc, {"loss": "sparse_categorical_crossentropy"})
    assert [p.message for p in problems] == ["Output 'out' gives 1 value per sample, the data has 10 classes."]
    assert problems[0].fix.label == "Set 'out' units to 10"
    apply_fix(problems[0].fix, doc)
    assert _check(_data(labels=10), doc, {"loss": "sparse_categorical_crossentropy"}) == []


def test_without_a_loss_integer_targets_are_read_as_classes():
    problems = _check(_data(labels=10), _mlp(units=1))
    assert problems and problems[0].fix == SetParam("out", "units", 10, "Set 'out' units to 10")
    assert _check(_data(labels=2), _mlp(units=1)) == []  # two classes on one unit: a binary classifier


def test_too_many_units_is_a_warning():
    problems = _check(_data(labels=3), _mlp(units=5, activation="softmax"), {"loss": "sparse_categorical_crossentropy"})
    assert [(p.level, p.message) for p in problems] == [
        ("warning", "Output 'out' gives 5 values per sample, the data has only 3 classes.")]


def test_one_hot_against_sparse_loss_and_labels_against_categorical_loss():
    onehot = Dataset(np.zeros((4, 8), np.float32), np.eye(3, dtype=np.float32)[[0, 1, 2, 0]], meta={"one_hot": [True]})
    problems = _check(onehot, _mlp(units=3, activation="softmax"), {"loss": "sparse_categorical_crossentropy"})
    assert len(problems) == 1 and "expects class labels, but the targets of Output 'out' are one-hot" in \
        problems[0].message
    problems = _check(_data(labels=3), _mlp(units=3, activation="softmax"), {"loss": "categorical_crossentropy"})
    assert len(problems) == 1 and 'set "one_hot": true in the dataset' in problems[0].message
    assert _check(onehot, _mlp(units=3, activation="softmax"), {"loss": "categorical_crossentropy"}) == []
    problems = _check(onehot, _mlp(units=4, activation="softmax"), {"loss": "categorical_crossentropy"})
    assert problems[0].message == "Output 'out' gives (4,), the targets have shape (3,)."
    assert problems[0].fix.value == 3


def test_binary_loss_with_many_classes():
    problems = _check(_data(labels=4), _mlp(units=1, activation="sigmoid"), {"loss": "binary_crossentropy"})
    assert "Loss binary_crossentropy is for two classes, the data has 4" in problems[0].message


def test_regression_targets_of_the_wrong_width():
    ds = Dataset(np.zeros((5, 8), np.float32), np.zeros((5, 3), np.float32))
    problems = _check(ds, _mlp(units=1), {"loss": "mse"})
    assert problems[0].message == "Output 'out' gives (1,), the targets have shape (3,)."
    assert problems[0].fix.value == 3


def test_linear_output_with_a_probability_loss_is_a_warning_with_a_fix():
    doc = _mlp(units=3, activation=None)
    problems = _check(_data(labels=3), doc, {"loss": "sparse_categorical_crossentropy"})
    assert [p.level for p in problems] == ["warning"] and "activation None (linear)" in problems[0].message
    apply_fix(problems[0].fix, doc)
    assert doc.params("out")["activation"] == "softmax"


def test_several_inputs_and_outputs():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [3]}, node_id="wide")
    doc.add_node("Input", {"shape": [5]}, node_id="deep")
    doc.add_node("Concatenate", {}, node_id="cat")
    doc.add_node("Dense", {"units": 1}, node_id="main")
    doc.add_node("Dense", {"units": 1}, node_id="aux")
    doc.add_edge("wide", "cat", 0)
    doc.add_edge("deep", "cat", 1)
    doc.add_edge("cat", "main")
    doc.add_edge("deep", "aux")
    y = np.zeros(4, np.float32)
    good = Dataset({"wide": np.zeros((4, 3)), "deep": np.zeros((4, 5))}, [y, y])
    assert _check(good, doc, {"loss": ["mse", "mse"]}) == []
    wrong = Dataset({"wide": np.zeros((4, 3)), "dep": np.zeros((4, 5))}, [y])
    messages = [p.message for p in _check(wrong, doc)]
    assert any("features for input 'dep', but the model has no Input node with that id" in m for m in messages)
    assert any("Input 'deep' gets no data" in m for m in messages)
    assert any("The model has 2 outputs (main, aux), the data gives 1 target" in m for m in messages)
    single = Dataset(np.zeros((4, 8)), [y, y])
    assert "The model has 2 inputs (wide, deep), the data gives one array" in _check(single, doc)[0].message


def test_image_inputs_with_free_dimensions():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [None, None, 1]}, node_id="img")
    doc.add_node("GlobalAveragePooling2D", {}, node_id="pool")
    doc.add_node("Dense", {"units": 10, "activation": "softmax"}, node_id="out")
    doc.add_edge("img", "pool")
    doc.add_edge("pool", "out")
    ok = Dataset(np.zeros((2, 28, 28, 1)), np.array([1, 9]))
    assert _check(ok, doc, {"loss": "sparse_categorical_crossentropy"}) == []
    problems = _check(Dataset(np.zeros((2, 28, 28)), np.array([1, 9])), doc)
    assert problems[0].message == "Input 'img' expects (None, None, 1), the data gives (28, 28)."


def test_a_fix_for_a_removed_node():
    doc = _mlp()
    fix = _check(_data(features=30), doc)[0].fix
    doc.remove_node("x")
    with pytest.raises(DataError, match="no longer applies: node 'x' is gone"):
        apply_fix(fix, doc)
