"""The npz source: Keras's key layout by default, custom keys, and files that must never run code."""

import numpy as np
import pytest

from layerlab.core.data import load_dataset
from layerlab.core.data.errors import DataError, DataFileError


def _arrays(n=12, m=4, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.normal(size=(n, 3, 2)).astype(np.float32), "y_train": np.arange(n) % 3,
            "x_test": rng.normal(size=(m, 3, 2)).astype(np.float32), "y_test": np.arange(m) % 3}


def test_default_keys_are_keras_layout(tmp_path):
    arrays = _arrays()
    np.savez(tmp_path / "d.npz", **arrays)
    ds = load_dataset({"source": "npz", "path": "d.npz"}, tmp_path)
    for key, value in (("x_train", ds.x_train), ("y_train", ds.y_train), ("x_test", ds.x_test),
                       ("y_test", ds.y_test)):
        np.testing.assert_array_equal(value, arrays[key])
    assert ds.has_test and ds.source == "npz"


def test_no_test_arrays_means_no_test_set_and_compressed_files_work(tmp_path):
    arrays = _arrays()
    np.savez_compressed(tmp_path / "d.npz", x_train=arrays["x_train"], y_train=arrays["y_train"])
    ds = load_dataset({"source": "npz", "path": "d.npz"}, tmp_path)
    assert not ds.has_test and ds.num_train == 12


def test_custom_keys_several_inputs_and_outputs(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "d.npz", a=rng.normal(size=(5, 2)), b=rng.normal(size=(5, 7)), t1=np.arange(5),
             t2=np.ones(5))
    ds = load_dataset({"source": "npz", "path": "d.npz", "x": {"wide": "a", "deep": "b"}, "y": ["t1", "t2"]},
                      tmp_path)
    assert ds.x_train["deep"].shape == (5, 7) and len(ds.y_train) == 2 and not ds.has_test


class _Gadget:
    """Unpickling this would create a file: proof that code from the data file ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_object_arrays_are_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    x = np.empty(3, dtype=object)
    x[:] = [_Gadget(marker)] * 3
    np.savez(tmp_path / "evil.npz", x_train=x, y_train=np.arange(3))
    with pytest.raises(DataError, match="array 'x_train' holds Python objects"):
        load_dataset({"source": "npz", "path": "evil.npz"}, tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("section, words", [
    ({"x": "inputs"}, "d.npz has no array 'inputs'; its arrays are: x_train, y_train, x_test, y_test"),
    ({"x_test": "nope"}, "dataset \"x_test\": d.npz has no array 'nope'"),
    ({"y": 3}, "dataset \"y\": give an array name"),
])
def test_key_errors_name_the_key(tmp_path, section, words):
    np.savez(tmp_path / "d.npz", **_arrays())
    with pytest.raises(DataError) as err:
        load_dataset({"source": "npz", "path": "d.npz", **section}, tmp_path)
    assert words in str(err.value)


def test_mismatched_arrays(tmp_path):
    a = _arrays()
    np.savez(tmp_path / "len.npz", x_train=a["x_train"], y_train=a["y_train"][:5])
    with pytest.raises(DataError, match="training arrays have different numbers of samples"):
        load_dataset({"source": "npz", "path": "len.npz"}, tmp_path)
    np.savez(tmp_path / "shape.npz", **{**a, "x_test": a["x_test"][:, :2]})
    with pytest.raises(DataError, match=r"training x has samples of shape \(3, 2\), the test x has \(2, 2\)"):
        load_dataset({"source": "npz", "path": "shape.npz"}, tmp_path)
    np.savez(tmp_path / "half.npz", x_train=a["x_train"], y_train=a["y_train"], x_test=a["x_test"])
    with pytest.raises(DataError, match="test array for one of x and y only: no array 'y_test'"):
        load_dataset({"source": "npz", "path": "half.npz"}, tmp_path)


def test_files_that_are_not_npz(tmp_path):
    np.save(tmp_path / "one.npy", np.arange(3))
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DataFileError, match="holds a single array"):
        load_dataset({"source": "npz", "path": "one.npy"}, tmp_path)
    with pytest.raises(DataFileError, match="text.npz: not a readable .npz file") as err:
        load_dataset({"source": "npz", "path": "text.npz"}, tmp_path)
    assert err.value.exit_code == 2
