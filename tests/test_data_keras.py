"""The keras source: the real keras.datasets loaders, reading small files from a temporary Keras cache.

No test touches the network. Files are written in exactly the formats the
loaders read (see datafixtures). The real files' checksums cannot be matched
by small fixtures, so the in-process tests turn off keras.utils.get_file's
hash check (only that) for files the fixtures wrote; the subprocess test sets
KERAS_HOME the way a user would and needs no patch at all (fashion_mnist has
no checksum), and checks what happens without the file and without network.
"""

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from datafixtures import write_boston_housing, write_cifar10, write_cifar100, write_imdb, write_mnist

from layerlab.core.data import load_dataset
from layerlab.core.data.errors import DataError
from layerlab.core.data.section import KERAS_OPTIONS
from layerlab.core.kerasenv import keras

HERE = Path(__file__).parent


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """A temporary Keras cache for this test; Keras trusts the fixture files' contents."""
    keras()
    from keras.src.backend import config
    from keras.src.utils import file_utils

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)
    return tmp_path


def test_mnist_as_keras_loads_it_with_preprocessing(keras_home):
    arrays = write_mnist(keras_home)
    ds = load_dataset({"source": "keras", "name": "mnist", "scale": 255, "reshape": [784], "one_hot": True},
                      Path("."))
    np.testing.assert_allclose(ds.x_train, arrays["x_train"].reshape(12, 784) / np.float32(255), rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, keras().utils.to_categorical(arrays["y_test"], 10))
    assert ds.class_names == [str(i) for i in range(10)] and ds.x_test.shape == (5, 784)


def test_imdb_options_and_padding(keras_home):
    arrays = write_imdb(keras_home)
    ds = load_dataset({"source": "keras", "name": "imdb", "num_words": 20, "maxlen": 10, "padding": "post"},
                      Path("."))
    # the oracle: Keras's own loader with the same options, then pad_sequences as documented
    (x_tr, y_tr), (x_te, _) = keras().datasets.imdb.load_data(num_words=20)
    expected = keras().utils.pad_sequences(list(x_tr), maxlen=10, padding="post", truncating="post")
    np.testing.assert_array_equal(ds.x_train, expected)
    np.testing.assert_array_equal(ds.y_train, y_tr)
    assert ds.x_train.shape == (8, 10) and ds.x_test.shape == (6, 10) and ds.x_train.max() < 20
    # index_from=3 shifts every word; start_char=1 opens each review that fits
    longest = max(len(s) for s in arrays["x_train"])
    full = load_dataset({"source": "keras", "name": "imdb"}, Path("."))
    assert full.x_train.shape[1] == max(longest, max(len(s) for s in arrays["x_test"])) + 1
    assert all(row[row > 0][0] == 1 for row in full.x_train)


def test_regression_and_archive_datasets(keras_home):
    write_boston_housing(keras_home)
    ds = load_dataset({"source": "keras", "name": "boston_housing", "test_split": 0.25}, Path("."))
    assert ds.x_train.shape == (15, 13) and ds.x_test.shape == (5, 13) and ds.class_names is None
    cifar = write_cifar100(keras_home)
    ds = load_dataset({"source": "keras", "name": "cifar100", "label_mode": "coarse"}, Path("."))
    data, _, coarse = cifar["train"]
    np.testing.assert_array_equal(ds.x_train, data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert ds.y_train.ravel().tolist() == coarse


def test_cifar10_images_come_out_channels_last_with_their_class_names(keras_home):
    written = write_cifar10(keras_home)
    ds = load_dataset({"source": "keras", "name": "cifar10"}, Path("."))
    assert ds.x_train.shape == (50_000, 32, 32, 3) and ds.x_test.shape == (10_000, 32, 32, 3)
    data, labels = written["data_batch_2"]  # the second file's rows follow the first's
    np.testing.assert_array_equal(ds.x_train[10_000:10_004], data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert ds.y_train.ravel()[10_000:20_000].tolist() == labels
    test_data, test_labels = written["test_batch"]
    np.testing.assert_array_equal(ds.x_test[:4], test_data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert ds.y_test.ravel().tolist() == test_labels
    assert ds.class_names[:3] == ["airplane", "automobile", "bird"] and len(ds.class_names) == 10


def test_keras_section_errors():
    cases = [
        ({"source": "keras", "name": "mnistt"}, "no dataset 'mnistt'; choose one of: mnist"),
        ({"source": "keras", "name": "mnist", "num_words": 5}, "unknown key \"num_words\" for the keras dataset"),
        ({"source": "keras", "name": "imdb", "num_words": "many"}, "\"num_words\" must be a whole number"),
        ({"source": "keras", "name": "imdb", "padding": "middle"}, "\"padding\" must be one of pre, post"),
        ({"source": "keras", "name": "boston_housing", "test_split": 1}, "\"test_split\" must be a fraction"),
        ({"source": "keras", "name": "cifar100", "label_mode": "medium"}, "\"label_mode\" must be one of"),
    ]
    for section, words in cases:
        with pytest.raises(DataError) as err:
            load_dataset(section, Path("."))
        assert words in str(err.value), section


def test_option_table_matches_the_keras_loaders():
    for name, options in KERAS_OPTIONS.items():
        params = set(inspect.signature(getattr(keras().datasets, name).load_data).parameters) - {"path", "kwargs"}
        ours = set(options) - {"maxlen", "padding"}  # ours: pad_sequences after loading
        assert ours <= params, name
        assert params - ours <= {"maxlen"}, name  # Keras's own maxlen (drop long reviews) is replaced by ours


def test_keras_home_from_the_environment_and_missing_files_without_network(tmp_path):
    from datafixtures import write_fashion_mnist

    arrays = write_fashion_mnist(tmp_path)
    write_mnist(tmp_path)  # a file whose checksum cannot match the real one
    code = textwrap.dedent("""
        import json, sys
        from pathlib import Path
        import numpy as np
        from layerlab.core.data import load_dataset
        from layerlab.core.data.errors import DataError
        ds = load_dataset({"source": "keras", "name": "fashion_mnist"}, Path("."))
        out = {"x": ds.x_train.tolist(), "y": ds.y_test.tolist(), "names": ds.class_names}
        for name in ("imdb", "mnist"):
            try:
                load_dataset({"source": "keras", "name": name}, Path("."))
            except DataError as exc:
                out[name] = str(exc)
        print(json.dumps(out))
    """)
    # a proxy on a closed local port: every download fails at once, network or not
    env = {**os.environ, "KERAS_HOME": str(tmp_path), "https_proxy": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "no_proxy": "",
           "PYTHONPATH": str(HERE.parent)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(np.array(out["x"], np.uint8), arrays["x_train"])
    assert out["y"] == arrays["y_test"].tolist() and out["names"][9] == "Ankle boot"
    missing = out["imdb"]
    assert "could not download https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz" in missing
    assert f"put it at {tmp_path / 'datasets' / 'imdb.npz'}" in missing
    assert "did not match Keras's checksum" in out["mnist"] and str(tmp_path / "datasets" / "mnist.npz") in out["mnist"]
