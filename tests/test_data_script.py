"""The standalone `load_data()` source: run in a fresh Python, it gives the arrays load_dataset gives."""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from datafixtures import image_folder, iris_like_csv, write_csv, write_fashion_mnist

from layerlab.core.data import load_dataset, loader_source
from layerlab.core.data.errors import DataError


def _flatten(prefix, value, out):
    if value is None:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        out[prefix] = np.asarray(value)


def _cases(tmp_path):
    rng = np.random.default_rng(0)
    iris_like_csv(tmp_path / "iris.csv", n=24)
    rows = [[i, i * 2.5, (i * 7) % 5, ["lo", "mid", "hi"][i % 3], i * 0.25] for i in range(15)]
    write_csv(tmp_path / "wd.csv", ["a", "b", "c", "cls", "v"], rows)
    write_csv(tmp_path / "wd_test.csv", ["a", "b", "c", "cls", "v"], rows[:4])
    write_csv(tmp_path / "nohead.csv", None, [[i, i + 1, i + 2, i + 3, i % 2] for i in range(8)], delimiter=";")
    np.savez(tmp_path / "d.npz", x_train=rng.integers(0, 256, (10, 6)).astype(np.uint8), y_train=np.arange(10) % 3,
             x_test=rng.integers(0, 256, (4, 6)).astype(np.uint8), y_test=np.array([0, 1, 2, 2]))
    write_csv(tmp_path / "reviews.csv", ["review", "label"],
              [["A great film, great!", "pos"], ["dull; dull and long", "neg"], ["great cast", "pos"]])
    image_folder(tmp_path / "pics", {"a": 2, "b": 2}, size=(3, 4))
    return {
        "csv": {"source": "csv", "path": "iris.csv", "target": "species", "standardize": True, "one_hot": True,
                "shuffle_seed": 5},
        "csv_multi": {"source": "csv", "path": "wd.csv", "test_path": "wd_test.csv", "target": ["cls", "v"],
                      "features": {"wide": ["a", "b"], "deep": ["b", "c"]}, "standardize": True,
                      "one_hot": [True, False], "shuffle_seed": 2, "reshape": {"deep": [2, 1]}},
        "csv_nohead": {"source": "csv", "path": "nohead.csv", "target": 4, "header": False, "delimiter": ";",
                       "scale": 4, "reshape": [2, 2]},
        "npz": {"source": "npz", "path": "d.npz", "scale": 255, "reshape": [2, 3], "one_hot": True,
                "shuffle_seed": 1},
        "sklearn": {"source": "sklearn", "name": "wine", "standardize": True, "one_hot": True, "shuffle_seed": 0},
        "sklearn_reg": {"source": "sklearn", "name": "diabetes"},
        "text": {"source": "text_csv", "path": "reviews.csv", "text": "review", "target": "label", "num_words": 4,
                 "maxlen": 4, "padding": "post"},
        "images": {"source": "images", "path": "pics", "image_size": [3, 4], "scale": 255, "one_hot": True},
        "keras": {"source": "keras", "name": "fashion_mnist", "scale": 255, "reshape": [784], "one_hot": True},
    }


DRIVER = textwrap.dedent("""
    import importlib.util, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    from test_data_script import _flatten
    folder = sys.argv[2]
    for name in sys.argv[3:]:
        spec = importlib.util.spec_from_file_location("loader_" + name, f"{folder}/loader_{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = {}
        _flatten("r", module.load_data(), out)
        np.savez(f"{folder}/{name}_out.npz", **out)
""")


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    from layerlab.core.kerasenv import keras

    keras()
    from keras.src.backend import config

    home = tmp_path / "keras_home"
    monkeypatch.setattr(config, "_KERAS_DIR", str(home))
    write_fashion_mnist(home)
    return home


def test_exported_loaders_give_the_same_arrays(tmp_path, keras_home):
    cases = _cases(tmp_path)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for name, section in cases.items():
        (scripts / f"loader_{name}.py").write_text(loader_source(section, tmp_path))
    env = {**os.environ, "KERAS_HOME": str(keras_home)}
    run = subprocess.run([sys.executable, "-c", DRIVER, str(Path(__file__).parent), str(scripts), *cases],
                         capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    for name, section in cases.items():
        ds = load_dataset(section, tmp_path)
        expected = {}
        _flatten("r", ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)), expected)
        with np.load(scripts / f"{name}_out.npz") as got:
            assert sorted(got.files) == sorted(expected), name
            for key, value in expected.items():
                assert got[key].dtype == value.dtype, (name, key)
                np.testing.assert_array_equal(got[key], value, err_msg=f"{name} {key}")


def test_only_numpy_and_keras_at_top_level(tmp_path):
    cases = _cases(tmp_path)
    for name, section in cases.items():
        tree = ast.parse(loader_source(section, tmp_path))
        top = [a.name for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
               for a in node.names]
        assert top == ["numpy", "keras"], name
        assert any(isinstance(n, ast.FunctionDef) and n.name == "load_data" for n in tree.body)
    source = loader_source(cases["sklearn"], tmp_path)
    assert "    from sklearn.datasets import load_wine" in source


def test_bad_sections_are_refused(tmp_path):
    with pytest.raises(DataError, match="\"source\" must be one of"):
        loader_source({"source": "parquet"}, tmp_path)
    with pytest.raises(DataError, match="no such file"):
        loader_source({"source": "npz", "path": "missing.npz"}, tmp_path)
