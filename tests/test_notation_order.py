"""core.notation (shapes and dtype sizes, written once) and core.order (the model order)."""

import numpy as np
import pytest

from layerlab.core.document import GraphDocument
from layerlab.core.notation import dtype_size, format_shape, shapes_text
from layerlab.core.order import model_order


@pytest.mark.parametrize("shape", [(None, 12), (3,), (None, 28, 28, 1), ()])
def test_a_shape_is_written_as_python_and_keras_write_tuples(shape):
    assert format_shape(shape) == str(tuple(shape))


def test_several_shapes_and_named_ones():
    assert shapes_text(None) == "?"
    assert shapes_text([(None, 2), (None, 3)]) == "(None, 2), (None, 3)"
    assert shapes_text({"a": [4], "b": [2, 2]}) == "a: (4,), b: (2, 2)"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "int32", "int64"])
def test_dtype_sizes_are_numpys(dtype):
    assert dtype_size(dtype) == np.dtype(dtype).itemsize


def test_bfloat16_and_the_default():
    assert dtype_size("bfloat16") == 2 and dtype_size(None) == 4


def _chain(*ids) -> GraphDocument:
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id=ids[0])
    for node in ids[1:]:
        doc.add_node("Dense", {"units": 2}, node_id=node)
    return doc


def test_the_model_order_is_kerass_layer_order():
    from layerlab.core.build import build_model

    doc = _chain("x", "late", "early", "head")
    for a, b in [("x", "early"), ("early", "late"), ("late", "head")]:
        doc.add_edge(a, b)
    assert model_order(doc) == [layer.name for layer in build_model(doc).layers]  # Keras is the oracle


def test_a_cycle_and_what_it_feeds_come_last_in_node_order():
    doc = _chain("x", "a", "b", "after", "free")
    for s, t in [("a", "b"), ("b", "a"), ("b", "after"), ("x", "free")]:
        doc.add_edge(s, t)
    assert model_order(doc) == ["x", "free", "a", "b", "after"]
