"""The editor's preview: first rows or images, labels, shapes (as load_dataset gives them), class counts."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from datafixtures import image_folder, iris_like_csv, write_csv

from layerlab.core.data import load_dataset, preview
from layerlab.core.data.errors import DataError

HERE = Path(__file__).parent


def _shape(value):
    if isinstance(value, dict):
        return {k: np.shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [np.shape(v) for v in value]
    return np.shape(value)


def _same_shapes_as_loading(section, base):
    """The preview's shapes are those of the loaded, preprocessed data."""
    pv = preview(section, base, rows=3)
    ds = load_dataset(section, base)
    assert pv.x_shape == _shape(ds.x_train)
    assert pv.y_shape == _shape(ds.y_train)
    assert pv.num_train == ds.num_train
    return pv, ds


def test_csv_preview_rows_labels_counts_and_shapes(tmp_path):
    iris_like_csv(tmp_path / "iris.csv", n=31)
    section = {"source": "csv", "path": "iris.csv", "target": "species", "one_hot": True, "reshape": [2, 2]}
    pv, _ = _same_shapes_as_loading(section, tmp_path)
    assert pv.columns == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    assert len(pv.rows) == 3 and pv.rows[0][4] == "setosa" and pv.labels == ["setosa", "versicolor", "virginica"]
    assert pv.x_shape == (31, 2, 2) and pv.y_shape == (31, 3)
    assert pv.class_counts == {"setosa": 11, "versicolor": 10, "virginica": 10}
    assert pv.images == [] and pv.num_test is None


def test_csv_preview_with_several_inputs_outputs_and_a_test_file(tmp_path):
    rows = [[i, i * 2, i % 3, i * 0.5] for i in range(9)]
    write_csv(tmp_path / "d.csv", ["a", "b", "cls", "v"], rows)
    write_csv(tmp_path / "t.csv", ["a", "b", "cls", "v"], [[1, 2, 5, 0.1]])
    section = {"source": "csv", "path": "d.csv", "test_path": "t.csv", "target": ["cls", "v"],
               "features": {"p": ["a"], "q": ["a", "b"]}, "one_hot": [True, False]}
    pv, ds = _same_shapes_as_loading(section, tmp_path)
    assert pv.y_shape == [(9, 6), (9,)]  # class 5 appears only in the test file
    assert pv.class_counts == {"0": 3, "1": 3, "2": 3} and pv.num_test == 1


def test_csv_preview_reports_the_same_errors(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    with pytest.raises(DataError, match="did you mean 'species'"):
        preview({"source": "csv", "path": "iris.csv", "target": "specis"}, tmp_path)
    with pytest.raises(DataError, match=r"\[7\] does not fit samples of shape \(4,\)"):
        preview({"source": "csv", "path": "iris.csv", "target": "species", "reshape": [7]}, tmp_path)


def test_large_csv_preview_keeps_only_what_it_shows(tmp_path):
    n = 20000
    with open(tmp_path / "big.csv", "w") as fh:
        fh.write("a,b,c,label\n")
        for i in range(n):
            fh.write(f"{i},{i * 0.5},{-i},{'yes' if i % 4 else 'no'}\n")
    pv = preview({"source": "csv", "path": "big.csv", "target": "label"}, tmp_path, rows=5)
    assert len(pv.rows) == 5 and pv.rows[4] == ["4", "2.0", "-4", "no"]
    assert pv.num_train == n and pv.x_shape == (n, 3) and pv.class_counts == {"no": 5000, "yes": 15000}


def test_npz_preview_reads_headers_and_first_rows(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (50, 6, 7)).astype(np.uint8)
    y = np.arange(50) % 5
    np.savez_compressed(tmp_path / "d.npz", x_train=x, y_train=y, x_test=x[:4], y_test=y[:4])
    section = {"source": "npz", "path": "d.npz", "reshape": [6, 7, 1], "one_hot": True}
    pv, _ = _same_shapes_as_loading(section, tmp_path)
    assert len(pv.images) == 3 and pv.images[0].dtype == np.uint8
    np.testing.assert_array_equal(pv.images[2], x[2])
    assert pv.labels == ["0", "1", "2"] and pv.class_counts == {str(k): 10 for k in range(5)}
    assert pv.num_test == 4


def test_npz_table_preview(tmp_path):
    np.savez(tmp_path / "t.npz", x_train=np.arange(12.0).reshape(4, 3), y_train=np.array([0.5, 1, 2, 3]))
    pv, _ = _same_shapes_as_loading({"source": "npz", "path": "t.npz"}, tmp_path)
    assert pv.columns == ["0", "1", "2"] and pv.rows[1] == [3.0, 4.0, 5.0]
    assert pv.labels == ["0.5", "1", "2"] and pv.class_counts is None


def test_sklearn_preview(tmp_path):
    pv, ds = _same_shapes_as_loading({"source": "sklearn", "name": "iris", "one_hot": True}, tmp_path)
    assert pv.columns[0] == "sepal length (cm)" and len(pv.rows) == 3
    assert pv.class_counts == {"setosa": 50, "versicolor": 50, "virginica": 50} and pv.labels[0] == "setosa"
    digits = preview({"source": "sklearn", "name": "digits"}, tmp_path, rows=4)
    assert len(digits.images) == 4 and digits.images[0].shape == (8, 8) and digits.images[0].max() > 200


def test_images_preview_counts_files_and_decodes_only_the_first(tmp_path):
    written = image_folder(tmp_path / "pics", {"ants": 2, "bees": 3}, size=(4, 6))
    section = {"source": "images", "path": "pics", "image_size": [4, 6]}
    pv, _ = _same_shapes_as_loading(section, tmp_path)
    assert pv.class_counts == {"ants": 2, "bees": 3} and pv.labels == ["ants", "ants", "bees"]
    first = sorted(written)[:3]
    for image, path in zip(pv.images, first):
        np.testing.assert_array_equal(image, written[path][0])


def test_text_csv_preview(tmp_path):
    write_csv(tmp_path / "r.csv", ["review", "label"], [["good film", "pos"], ["bad", "neg"], ["fine", "pos"]])
    section = {"source": "text_csv", "path": "r.csv", "text": "review", "target": "label", "maxlen": 5}
    pv, _ = _same_shapes_as_loading(section, tmp_path)
    assert pv.rows[0] == ["good film", "pos"] and pv.class_counts == {"neg": 1, "pos": 2}


def test_previews_of_csv_npz_and_sklearn_never_import_keras(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    np.savez(tmp_path / "d.npz", x_train=np.zeros((3, 2)), y_train=np.arange(3))
    write_csv(tmp_path / "r.csv", ["review", "label"], [["good film", "pos"]])
    code = textwrap.dedent(f"""
        import json, sys
        from layerlab.core.data import preview
        base = {str(tmp_path)!r}
        for section in ({{"source": "csv", "path": "iris.csv", "target": "species", "one_hot": True}},
                        {{"source": "npz", "path": "d.npz", "one_hot": True}},
                        {{"source": "sklearn", "name": "digits", "one_hot": True}},
                        {{"source": "text_csv", "path": "r.csv", "text": "review", "target": "label"}}):
            preview(section, base)
        print(json.dumps(sorted(m for m in ("keras", "tensorflow") if m in sys.modules)))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=HERE.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []
