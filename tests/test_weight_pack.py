"""Weights between processes as one buffer per dtype: what goes in comes out, and a bad index is refused."""

import numpy as np
import pytest

from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.protocol import ProtocolError
from layerlab.core.engine.weight_pack import put_weights, take_weights


def test_weights_come_back_equal_in_dtype_shape_and_order_and_the_files_are_gone(tmp_path):
    rng = np.random.default_rng(0)
    weights = {
        "conv": [rng.normal(size=(3, 3, 2, 4)).astype("float32"), np.zeros(4, dtype="float32")],
        "bn": [np.arange(4, dtype=">f4"), np.float32(2.5) * np.ones((), dtype="float32")],
        "lookup": [np.array([5, -1, 7], dtype="int64"), np.array([True, False])],
        "empty": [np.zeros((0, 3), dtype="float16")],
        "half": [rng.normal(size=(2, 5)).astype("float16")],
    }
    folder = ArrayFolder(tmp_path)
    packed = put_weights(folder, weights)
    assert len(list(tmp_path.iterdir())) == len(packed["buffers"]) == 5  # one file per dtype, not per array
    back = take_weights(folder, packed)
    assert list(back) == list(weights)
    for layer, arrays in weights.items():
        assert len(back[layer]) == len(arrays)
        for got, expected in zip(back[layer], arrays):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("spoil", [
    lambda p: p["index"][0][1][0].__setitem__(1, 10**6),  # an offset past the buffer
    lambda p: p["index"][0][1][0].__setitem__(2, [1000]),  # a shape larger than what is left
    lambda p: p["index"][0][1][0].__setitem__(0, "<f8"),  # a dtype with no buffer
    lambda p: p.pop("index"),
])
def test_an_index_that_does_not_fit_its_buffers_is_a_protocol_error(tmp_path, spoil):
    folder = ArrayFolder(tmp_path)
    packed = put_weights(folder, {"dense": [np.ones((2, 3), dtype="float32"), np.ones(3, dtype="float32")]})
    spoil(packed)
    with pytest.raises(ProtocolError):
        take_weights(folder, packed)


def test_arrays_of_python_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="Python objects"):
        put_weights(ArrayFolder(tmp_path), {"x": [np.array(["a", None], dtype=object)]})
