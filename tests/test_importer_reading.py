"""Unreadable model files get one clear error (ModelFileError, exit code 2) naming the file, never a traceback.

These files are written with h5py, zipfile and json directly: no Keras needed.
"""

import json
import zipfile

import h5py
import numpy as np
import pytest

from layerlab.core.errors import LayerLabError
from layerlab.core.importer import ModelFileError, import_model

SEQUENTIAL = {"module": "keras", "class_name": "Sequential", "config": {"name": "small", "layers": [
    {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 3], "dtype": "float32",
                                                                      "name": "x"}},
    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2}}]}}


def _keras_zip(path, config=SEQUENTIAL, weights=b"", extra=None):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        if config is not None:
            zf.writestr("config.json", config if isinstance(config, (str, bytes)) else json.dumps(config))
        if weights is not None:
            zf.writestr("model.weights.h5", weights)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def _h5(path, model_config=None, **attrs):
    with h5py.File(path, "w") as f:
        if model_config is not None:
            f.attrs["model_config"] = model_config if isinstance(model_config, (str, bytes)) \
                else json.dumps(model_config)
        for k, v in attrs.items():
            f.attrs[k] = v
        f.create_dataset("model_weights/d/d/kernel", data=np.ones((3, 2), "float32"))
    return path


def _error(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        import_model(path)
    assert info.value.exit_code == 2
    assert isinstance(info.value, LayerLabError)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    return info.value


def test_missing_empty_and_folder(tmp_path):
    _error(tmp_path / "nope.keras", "no such file")
    (tmp_path / "empty.h5").write_bytes(b"")
    _error(tmp_path / "empty.h5", "empty")
    _error(tmp_path, "folder, not a model file")


@pytest.mark.parametrize("name,expected", [("junk.h5", "not an HDF5 model file"), ("junk.keras", "not a .keras"),
                                           ("junk.bin", "neither")])
def test_random_bytes(tmp_path, name, expected):
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    _error(path, expected)


def test_truncated_hdf5(tmp_path):
    path = _h5(tmp_path / "model.h5", SEQUENTIAL)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _error(path, "truncated or corrupt")


def test_hdf5_without_model_config_is_a_weights_file(tmp_path):
    path = _h5(tmp_path / "weights.h5", None, layer_names=[b"d"])
    _error(path, "no model architecture.*weights-only")


@pytest.mark.parametrize("config,expected", [
    ("{not json", "not valid JSON"),
    (b"\xff\xfe garbage", "not UTF-8|not valid JSON"),
    ("[1, 2, 3]", "not a Keras model configuration"),
    (json.dumps({"class_name": "Dense", "config": {"units": 3}}), "single Dense layer, not a model"),
    (json.dumps({"class_name": "Functional"}), "not a Keras model configuration"),
])
def test_model_config_that_is_not_a_model(tmp_path, config, expected):
    _error(_h5(tmp_path / "bad.h5", config), expected)
    _error(_keras_zip(tmp_path / "bad.keras", config), expected)


def test_cut_off_zip(tmp_path):
    path = _keras_zip(tmp_path / "model.keras", weights=np.random.default_rng(1).bytes(20000))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])
    _error(path, "damaged .keras archive")


def test_zip_without_config(tmp_path):
    _error(_keras_zip(tmp_path / "model.keras", config=None), "no config.json")


def test_corrupt_weights_member(tmp_path):
    path = _keras_zip(tmp_path / "model.keras", weights=b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    _error(path, "weights cannot be read")


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: c["config"].update(layers="dense"), "no valid list of layers"),
    (lambda c: c["config"]["layers"][1].update(inbound_nodes=[[["ghost", 0, 0, {}]]]), "unknown layer 'ghost'"),
    (lambda c: c["config"]["layers"][1].update(inbound_nodes=[[["b", 0, 0, {}]]]), "cannot be resolved"),
    (lambda c: c["config"].update(output_layers=[["zzz", 0, 0]]), "unknown layer 'zzz'"),
    (lambda c: c["config"]["layers"][0]["config"].pop("batch_input_shape"), "has no shape"),
])
def test_inconsistent_functional_graph(tmp_path, mutate, expected):
    config = {"class_name": "Functional", "config": {
        "name": "m", "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]], "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"name": "x", "batch_input_shape": [None, 3]}},
            {"class_name": "Dense", "name": "a", "inbound_nodes": [[["x", 0, 0, {}]]],
             "config": {"name": "a", "units": 2}},
            {"class_name": "Dense", "name": "b", "inbound_nodes": [[["a", 0, 0, {}]]],
             "config": {"name": "b", "units": 2}}]}}
    mutate(config)
    _error(_h5(tmp_path / "broken.h5", config), expected)


def test_archive_folder_and_archive_without_weights_import(tmp_path):
    """A .keras saved unzipped (a folder) is read the same way; missing weights are a note, not an error."""
    folder = tmp_path / "unzipped.keras"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(SEQUENTIAL))
    result = import_model(folder)
    assert [n.type for n in result.project.document.nodes()] == ["Input", "Dense"]
    assert result.weights == {}
    assert any("no weights" in note for note in result.notes)


def test_deeply_nested_config_is_an_error_not_a_crash(tmp_path):
    # Written by hand: json.dumps itself would recurse too deeply on such a value.
    nested = '{"x": ' * 5000 + "1" + "}" * 5000
    text = ('{"class_name": "Sequential", "config": {"name": "deep", "layers": ['
            + json.dumps(SEQUENTIAL["config"]["layers"][0])
            + ', {"class_name": "Dense", "config": {"name": "d", "units": 2, "kernel_constraint": ' + nested + "}}]}}")
    _error(_keras_zip(tmp_path / "deep.keras", text), "nested too deeply")
