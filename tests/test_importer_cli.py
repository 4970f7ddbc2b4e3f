"""`layerlab import MODEL -o PROJECT.layerlab`: exit 0, 1 (refused) or 2 (unreadable, bad usage); one-line errors."""

import json

import h5py
import numpy as np
import pytest

from layerlab.cli import main
from layerlab.core import project as project_io
from layerlab.core.importer import ModelFileError
from layerlab.core.weights import read_arrays, weights_path_for


def _model_h5(path, lambda_layer=False):
    """A small model file in Keras 2's HDF5 layout, with weights (no Keras needed to write it)."""
    layers = [{"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
               "config": {"name": "x", "batch_input_shape": [None, 3], "dtype": "float32"}},
              {"class_name": "Dense", "name": "d", "inbound_nodes": [[["x", 0, 0, {}]]],
               "config": {"name": "d", "units": 2, "activation": "relu"}}]
    if lambda_layer:
        layers.append({"class_name": "Lambda", "name": "lam", "inbound_nodes": [[["d", 0, 0, {}]]],
                       "config": {"name": "lam", "function": ["Zm9v", None, None]}})
    config = {"class_name": "Functional", "config": {"name": "small", "layers": layers,
                                                     "input_layers": [["x", 0, 0]],
                                                     "output_layers": [[layers[-1]["name"], 0, 0]]}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"x", b"d"]
        g.create_group("x").attrs["weight_names"] = []
        d = g.create_group("d")
        d.attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        d.create_dataset("d/kernel:0", data=np.arange(6, dtype="float32").reshape(3, 2))
        d.create_dataset("d/bias:0", data=np.array([0.5, -0.5], "float32"))
    return path


def test_import_writes_project_and_weights(tmp_path, capsys):
    model = _model_h5(tmp_path / "small.h5")
    out = tmp_path / "proj" / "small.layerlab"
    assert main(["import", str(model), "-o", str(out)]) == 0
    assert f"Imported {model} to {out}" in capsys.readouterr().out
    project = project_io.load(out)
    assert [n.id for n in project.document.nodes()] == ["x", "d"]
    assert all(n.position is not None for n in project.document.nodes())
    arrays = read_arrays(weights_path_for(out))
    np.testing.assert_array_equal(arrays["d"][0], np.arange(6, dtype="float32").reshape(3, 2))


def test_default_output_is_beside_the_model_and_is_not_overwritten(tmp_path, capsys):
    model = _model_h5(tmp_path / "small.h5")
    assert main(["import", str(model)]) == 0
    assert (tmp_path / "small.layerlab").is_file() and (tmp_path / "small.weights.h5").is_file()
    capsys.readouterr()
    assert main(["import", str(model)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert main(["import", str(model), "--force"]) == 0


def test_refused_model_exits_1_with_one_line(tmp_path, capsys):
    model = _model_h5(tmp_path / "lam.h5", lambda_layer=True)
    out = tmp_path / "lam.layerlab"
    assert main(["import", str(model), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "'lam' (Lambda)" in err and "never runs code" in err
    assert not out.exists()


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, b"PK\x03\x04" + b"\x00" * 50])
def test_unreadable_file_exits_2(tmp_path, capsys, content):
    model = tmp_path / "broken.keras"
    model.write_bytes(content)
    assert main(["import", str(model), "-o", str(tmp_path / "b.layerlab")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and str(model) in err


def test_bad_usage_exits_2(tmp_path, capsys):
    model = _model_h5(tmp_path / "small.h5")
    assert main(["import", str(model), "-o", str(tmp_path / "out.json")]) == 2
    assert "must end in .layerlab" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["import"])
    assert info.value.code == 2


def test_debug_shows_the_traceback(tmp_path):
    model = tmp_path / "broken.h5"
    model.write_bytes(b"nope")
    with pytest.raises(ModelFileError):
        main(["--debug", "import", str(model), "-o", str(tmp_path / "b.layerlab")])


def test_check_option_checks_the_imported_project(tmp_path, capsys):
    model = _model_h5(tmp_path / "small.h5")
    assert main(["import", str(model), "-o", str(tmp_path / "s.layerlab"), "--check"]) == 0
    assert "valid, 8 parameters" in capsys.readouterr().out
