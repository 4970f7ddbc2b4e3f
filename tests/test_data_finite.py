"""NaN and infinity in arrays are data errors naming the array, the index and the key; non-finite weights fail a run."""

import math
from pathlib import Path

import numpy as np
import pytest
from datafixtures import keras_datasets_dir
from test_data_keras import keras_home  # noqa: F401 - a fixture
from test_train_cli import make_project, train
from test_training_support import CLASSIFY, Recorder, blob_dataset, mlp

from layerlab.core.data import load_dataset
from layerlab.core.data.errors import DataError
from layerlab.core.training import TrainingSession


def _npz(tmp_path, **arrays):
    rng = np.random.default_rng(0)
    base = {"x_train": rng.normal(size=(10, 4)).astype("float32"), "y_train": np.arange(10) % 3,
            "x_test": rng.normal(size=(5, 4)).astype("float32"), "y_test": np.arange(5) % 3}
    base.update(arrays)
    np.savez(tmp_path / "d.npz", **base)
    return base


def test_a_nan_in_an_npz_array_names_array_index_and_key(tmp_path):
    x = _npz(tmp_path)["x_train"]
    x[3, 1] = np.nan
    _npz(tmp_path, x_train=x)
    with pytest.raises(DataError) as err:
        load_dataset({"source": "npz", "path": "d.npz"}, tmp_path)
    assert str(err.value).startswith('dataset (npz) "x": x_train has a NaN at index [3, 1] (sample 4)')


def test_an_infinite_test_target_is_named_too(tmp_path):
    y = np.array([0.0, 1.0, np.inf, 0.0, 1.0])
    _npz(tmp_path, y_test=y)
    with pytest.raises(DataError, match=r'"y_test": y_test has an infinite value at index \[2\] \(sample 3\)'):
        load_dataset({"source": "npz", "path": "d.npz"}, tmp_path)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_preprocessing_that_overflows_is_caught_after_it(tmp_path):
    _npz(tmp_path, x_train=np.full((10, 4), 100.0, "float32"))
    with pytest.raises(DataError, match=r"x_train has an infinite value at index \[0, 0\] .*after preprocessing"):
        load_dataset({"source": "npz", "path": "d.npz", "scale": 1e-45}, tmp_path)


def test_a_keras_dataset_with_a_nan_is_an_error(keras_home):  # noqa: F811 - the fixture
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 13))
    x[7, 2] = np.nan
    np.savez(keras_datasets_dir(keras_home) / "boston_housing.npz", x=x, y=rng.uniform(5, 50, size=20))
    with pytest.raises(DataError) as err:
        load_dataset({"source": "keras", "name": "boston_housing", "test_split": 0.25}, Path("."))
    assert 'dataset (keras) "name":' in str(err.value) and "has a NaN at index [" in str(err.value)


def test_train_refuses_nan_data_and_writes_no_model(tmp_path, capsys):
    path = make_project(tmp_path)
    data = dict(np.load(tmp_path / "blobs.npz"))
    data["x_train"][5, 0] = np.nan
    np.savez(tmp_path / "blobs.npz", **data)
    code, out, err = train(capsys, path, "-o", tmp_path / "m.keras", "--save")
    assert code == 1 and "x_train has a NaN at index [5, 0] (sample 6)" in err
    assert "Epoch 1" not in out
    assert not (tmp_path / "m.keras").exists() and not (tmp_path / "blobs.weights.h5").exists()


class _Corrupting(Recorder):
    """After the last epoch, a weight becomes infinite while the loss stayed finite."""

    session = None

    def on_epoch(self, epoch, logs):
        super().on_epoch(epoch, logs)
        if epoch + 1 == self.session.config.epochs:
            layer = self.session.model.get_layer("hidden")
            kernel = layer.get_weights()
            kernel[0][0, 0] = np.inf
            layer.set_weights(kernel)


def test_a_run_whose_weights_are_not_finite_has_failed():
    listener = _Corrupting()
    session = TrainingSession(mlp(), blob_dataset(), dict(CLASSIFY, epochs=1, seed=0), listener)
    listener.session = session
    record = session.run()
    assert all(math.isfinite(v) for v in record.history["loss"])
    assert record.status == "failed"
    assert record.reason.startswith("NaN weights: layer 'hidden' has NaN or infinite weights")
