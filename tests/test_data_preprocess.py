"""Preprocessing keys: scale, standardize, reshape, one_hot, shuffle_seed, in that order."""

import numpy as np
import pytest

from layerlab.core.data import load_dataset
from layerlab.core.data.errors import DataError
from layerlab.core.kerasenv import keras


@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (20, 4, 3)).astype(np.uint8), "y_train": np.arange(20) % 4,
              "x_test": rng.integers(0, 256, (6, 4, 3)).astype(np.uint8), "y_test": np.array([0, 1, 2, 3, 3, 3])}
    arrays["x_train"][:, 0, 0] = 7  # a constant feature
    np.savez(tmp_path / "d.npz", **arrays)
    return tmp_path, arrays


def _load(base, **keys):
    return load_dataset({"source": "npz", "path": "d.npz", **keys}, base)


def test_scale_divides_features_only(npz):
    base, a = npz
    ds = _load(base, scale=255)
    assert ds.x_train.dtype == np.float32
    np.testing.assert_array_equal(ds.x_test, a["x_test"].astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(ds.y_train, a["y_train"])


def test_standardize_uses_training_statistics_only(npz):
    base, a = npz
    ds = _load(base, standardize=True)
    train = a["x_train"].astype(np.float32)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = 1
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x_test, (a["x_test"] - mean) / std, rtol=1e-5)
    assert np.all(ds.x_train[:, 0, 0] == 0)  # the constant feature: divided by 1, not by 0


def test_reshape_and_its_error(npz):
    base, _ = npz
    assert _load(base, reshape=[12]).x_test.shape == (6, 12)
    assert _load(base, reshape=[-1, 2]).x_train.shape == (20, 6, 2)
    with pytest.raises(DataError, match=r"\"reshape\": \[5\] does not fit samples of shape \(4, 3\) \(12 values"):
        _load(base, reshape=[5])
    with pytest.raises(DataError, match="\"reshape\": give the shape of one sample"):
        _load(base, reshape=[-1, -1])


def test_one_hot_is_keras_to_categorical(npz):
    base, a = npz
    ds = _load(base, one_hot=True)
    np.testing.assert_array_equal(ds.y_train, keras().utils.to_categorical(a["y_train"], 4))
    assert ds.y_test.shape == (6, 4) and ds.meta["num_classes"] == [4]


def test_one_hot_counts_classes_from_class_names(tmp_path):
    # class 'c' occurs in no row of the training file but is named by the test file: 3 columns everywhere
    (tmp_path / "tr.csv").write_text("f,y\n1,a\n2,b\n")
    (tmp_path / "te.csv").write_text("f,y\n3,c\n")
    ds = load_dataset({"source": "csv", "path": "tr.csv", "test_path": "te.csv", "target": "y", "one_hot": True},
                      tmp_path)
    assert ds.y_train.tolist() == [[1, 0, 0], [0, 1, 0]] and ds.y_test.tolist() == [[0, 0, 1]]


def test_one_hot_per_output_and_its_errors(tmp_path):
    (tmp_path / "d.csv").write_text("f,cls,price\n1,0,1.5\n2,1,2.5\n3,2,0.5\n")
    ds = load_dataset({"source": "csv", "path": "d.csv", "target": ["cls", "price"], "one_hot": [True, False]},
                      tmp_path)
    assert ds.y_train[0].shape == (3, 3) and ds.y_train[1].shape == (3,)
    with pytest.raises(DataError, match=r"\"one_hot\" \(output 2\): the training targets are not class labels"):
        load_dataset({"source": "csv", "path": "d.csv", "target": ["cls", "price"], "one_hot": True}, tmp_path)
    with pytest.raises(DataError, match="or a list of 2 of them"):
        load_dataset({"source": "csv", "path": "d.csv", "target": ["cls", "price"], "one_hot": [True]}, tmp_path)


def test_shuffle_keeps_pairs_and_is_repeatable(npz):
    base, a = npz
    one, two, other = _load(base, shuffle_seed=3), _load(base, shuffle_seed=3), _load(base, shuffle_seed=4)
    np.testing.assert_array_equal(one.x_train, two.x_train)
    assert not np.array_equal(one.y_train, other.y_train)
    order = np.random.default_rng(3).permutation(20)
    np.testing.assert_array_equal(one.x_train, a["x_train"][order])
    np.testing.assert_array_equal(one.y_train, a["y_train"][order])
    np.testing.assert_array_equal(one.x_test, a["x_test"])  # the test split keeps its order


def test_all_keys_together_follow_the_documented_order(npz):
    base, a = npz
    ds = _load(base, scale=2, standardize=True, reshape=[12], one_hot=True, shuffle_seed=1)
    x = a["x_train"].astype(np.float32) / np.float32(2)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1
    x = ((x - mean) / std).reshape(20, 12)
    order = np.random.default_rng(1).permutation(20)
    np.testing.assert_allclose(ds.x_train, x[order], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ds.y_train, keras().utils.to_categorical(a["y_train"], 4)[order])


def test_multi_input_reshape(tmp_path):
    np.savez(tmp_path / "d.npz", a=np.zeros((4, 6)), b=np.zeros((4, 2)), y=np.arange(4))
    section = {"source": "npz", "path": "d.npz", "x": {"img": "a", "side": "b"}, "y": "y"}
    ds = load_dataset({**section, "reshape": {"img": [2, 3]}}, tmp_path)
    assert ds.x_train["img"].shape == (4, 2, 3) and ds.x_train["side"].shape == (4, 2)
    with pytest.raises(DataError, match="several inputs; give {input node id: shape}"):
        load_dataset({**section, "reshape": [2, 3]}, tmp_path)
    with pytest.raises(DataError, match="no input 'image' in the data"):
        load_dataset({**section, "reshape": {"image": [2, 3]}}, tmp_path)


@pytest.mark.parametrize("keys, words", [
    ({"scale": 0}, "\"scale\": must be a positive number"),
    ({"scale": True}, "\"scale\": must be a positive number"),
    ({"standardize": "yes"}, "\"standardize\": must be true or false"),
    ({"shuffle_seed": -1}, "\"shuffle_seed\": must be a whole number >= 0"),
])
def test_bad_preprocessing_values(npz, keys, words):
    base, _ = npz
    with pytest.raises(DataError) as err:
        _load(base, **keys)
    assert words in str(err.value)
