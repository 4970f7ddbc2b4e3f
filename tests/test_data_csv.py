"""The csv source: columns, targets, several inputs and outputs, test files, and errors that say where."""

import numpy as np
import pytest
from datafixtures import iris_like_csv, write_csv

from layerlab.core.data import Dataset, load_dataset
from layerlab.core.data.errors import DataError, DataFileError
from layerlab.core.errors import LayerLabError


def test_text_target_becomes_sorted_class_labels_and_other_columns_are_features(tmp_path):
    path, x, species = iris_like_csv(tmp_path / "iris.csv")
    ds = load_dataset({"source": "csv", "path": "iris.csv", "target": "species"}, tmp_path)
    assert isinstance(ds, Dataset) and ds.source == "csv"
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape == (30, 4)
    np.testing.assert_allclose(ds.x_train, x.astype(np.float32))
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert [ds.class_names[i] for i in ds.y_train] == species
    assert ds.y_train.dtype == np.int32
    assert ds.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert not ds.has_test and ds.num_train == 30


def test_columns_by_index_and_chosen_features(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    ds = load_dataset({"source": "csv", "path": "iris.csv", "target": -1, "features": [2, "sepal_length"]}, tmp_path)
    full = load_dataset({"source": "csv", "path": "iris.csv", "target": 4}, tmp_path)
    np.testing.assert_array_equal(ds.x_train, full.x_train[:, [2, 0]])
    np.testing.assert_array_equal(ds.y_train, full.y_train)


def test_several_inputs_and_outputs(tmp_path):
    rows = [[i, i * 2, i * 3, i % 2, i * 0.5] for i in range(10)]
    write_csv(tmp_path / "wd.csv", ["a", "b", "c", "cls", "price"], rows)
    ds = load_dataset({"source": "csv", "path": "wd.csv", "target": ["price", "cls", "price"],
                       "features": {"wide": ["a", "b"], "deep": ["b", "c"]}}, tmp_path)
    assert set(ds.x_train) == {"wide", "deep"}
    np.testing.assert_array_equal(ds.x_train["deep"], np.array([[r[1], r[2]] for r in rows], np.float32))
    assert isinstance(ds.y_train, list) and len(ds.y_train) == 3
    assert ds.y_train[0].dtype == np.float32 and ds.y_train[1].dtype == np.int32
    np.testing.assert_array_equal(ds.y_train[0], ds.y_train[2])
    assert ds.num_train == 10


def test_no_header_other_delimiter_and_a_test_file(tmp_path):
    write_csv(tmp_path / "tr.csv", None, [[1, 2, "no"], [3, 4, "yes"], [5, 6, "no"]], delimiter=";")
    write_csv(tmp_path / "te.csv", None, [[7, 8, "maybe"], [9, 1, "yes"]], delimiter=";")
    ds = load_dataset({"source": "csv", "path": str(tmp_path / "tr.csv"), "test_path": "te.csv", "target": 2,
                       "header": False, "delimiter": ";"}, tmp_path)
    assert ds.has_test
    assert ds.class_names == ["maybe", "no", "yes"]  # the mapping covers both files
    assert ds.y_train.tolist() == [1, 2, 1] and ds.y_test.tolist() == [0, 2]
    np.testing.assert_array_equal(ds.x_test, [[7, 8], [9, 1]])


def test_whole_number_targets_stay_numbers(tmp_path):
    write_csv(tmp_path / "d.csv", ["f", "y"], [[0.5, 1], [1.5, 0], [2.5, 1]])
    ds = load_dataset({"source": "csv", "path": "d.csv", "target": "y"}, tmp_path)
    assert ds.y_train.tolist() == [1, 0, 1] and ds.class_names is None


@pytest.mark.parametrize("rows, target, words", [
    ([[1, "x", 0], [2, 3, 1]], "y", "d.csv, row 2, column 'b': 'x' is not a finite number"),
    ([[1, 2, 0], [2, "", 1]], "y", "d.csv, row 3, column 'b': an empty cell is not a finite number"),
    ([[1, 2, 0], [2, "nan", 1]], "y", "row 3, column 'b': 'nan' is not a finite number"),
    ([[1, 2, 0], [2, 3, 1], [2, 3, "n/a"]], "y", "row 4, column 'y': 'n/a' is not a number, while most"),
    ([[1, 2, 0], [2, 3, ""]], "y", "row 3, column 'y': the target cell is empty"),
    ([[1, 2, 0], [2, 3]], "y", "d.csv, row 3: has 2 cells, but the header has 3"),
    ([[1, 2, 0]], "lable", "d.csv has no column 'lable'"),
    ([[1, 2, 0]], 7, "d.csv has no column 7; it has 3 columns"),
])
def test_bad_cells_and_columns_are_named(tmp_path, rows, target, words):
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    with pytest.raises(DataError) as err:
        load_dataset({"source": "csv", "path": "d.csv", "target": target}, tmp_path)
    assert words in str(err.value)
    assert err.value.exit_code == 1


def test_a_row_number_counts_blank_lines_like_a_spreadsheet(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,0\n\n2,1\nzz,1\n")
    with pytest.raises(DataError, match=r"row 5, column 'a': 'zz'"):
        load_dataset({"source": "csv", "path": "d.csv", "target": "y"}, tmp_path)


def test_suggestions_for_typos(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    with pytest.raises(DataError, match="did you mean 'species'"):
        load_dataset({"source": "csv", "path": "iris.csv", "target": "specis"}, tmp_path)
    with pytest.raises(DataError, match='unknown key "fetures".*did you mean "features"'):
        load_dataset({"source": "csv", "path": "iris.csv", "target": "species", "fetures": [0]}, tmp_path)


def test_section_errors(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    cases = [
        ({"source": "excel"}, "\"source\" must be one of"),
        ({"source": "csv", "path": "iris.csv"}, "\"target\" is required"),
        ({"source": "csv", "path": "iris.csv", "target": "species", "features": ["species"]},
         "column 'species' of iris.csv is both a feature and a target"),
        ({"source": "csv", "path": "iris.csv", "target": "species", "delimiter": ";;"}, "one character"),
        ({"source": "csv", "path": "iris.csv", "target": "species", "header": "yes"}, "true or false"),
        ({"source": "csv", "path": "iris.csv", "target": "species", "features": {"a": []}}, "input 'a' needs"),
    ]
    for section, words in cases:
        with pytest.raises(DataError) as err:
            load_dataset(section, tmp_path)
        assert words in str(err.value), section


def test_unreadable_files_exit_2(tmp_path):
    with pytest.raises(DataFileError) as err:
        load_dataset({"source": "csv", "path": "nope.csv", "target": 0}, tmp_path)
    assert "nope.csv: no such file" in str(err.value) and err.value.exit_code == 2
    assert isinstance(err.value, LayerLabError)
    (tmp_path / "latin.csv").write_bytes(b"a,y\n1,caf\xe9\n")
    with pytest.raises(DataFileError, match="latin.csv: not UTF-8"):
        load_dataset({"source": "csv", "path": "latin.csv", "target": "y"}, tmp_path)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        load_dataset({"source": "csv", "path": "empty.csv", "target": 0}, tmp_path)
    (tmp_path / "hdr.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="hdr.csv: has a header but no data rows"):
        load_dataset({"source": "csv", "path": "hdr.csv", "target": 0}, tmp_path)


def test_a_test_file_missing_a_column(tmp_path):
    iris_like_csv(tmp_path / "iris.csv")
    write_csv(tmp_path / "test.csv", ["sepal_length", "species"], [[1, "setosa"]])
    with pytest.raises(DataError, match="test.csv has no column 'sepal_width'"):
        load_dataset({"source": "csv", "path": "iris.csv", "target": "species", "test_path": "test.csv"}, tmp_path)
