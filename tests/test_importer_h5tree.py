"""H5Tree and read_array: the weights file's names listed once, arrays read as h5py's own reader gives them."""

import tempfile
import zipfile

import h5py
import numpy as np
import pytest

from layerlab.core.importer.h5tree import DATASET, GROUP, OTHER, H5Tree, read_array
from layerlab.core.importer.reading import read_model_file

ARRAYS = {
    "layers/dense/vars/0": np.arange(12, dtype="float32").reshape(3, 4),
    "layers/dense/vars/1": np.array([0.5, -1.5, 2.0, 3.25], dtype="float64"),
    "layers/bn/vars/0": np.arange(3, dtype=">f4"),  # big-endian stays big-endian, as np.asarray gives it
    "layers/bn/vars/1": np.float32(7.5),  # a scalar (0-d) array
    "layers/lookup/vars/0": np.array([3, 1, 2], dtype="int64"),
    "layers/lookup/vars/1": np.array([True, False]),
    "layers/empty/vars/0": np.zeros((0, 5), dtype="float16"),
    "layers/wrapper/forward/cell/vars/0": np.ones((2, 2), dtype="uint8"),
    "layers/names/vars/0": np.array([b"ab", b"cd"]),  # fixed-length bytes: through h5py's reader
    "layers/complex/vars/0": np.array([1 + 2j, 3 - 1j]),
}


def _write(path):
    with h5py.File(path, "w") as f:
        for name, value in ARRAYS.items():
            f[name] = value
        f["layers/strings/vars/0"] = "a variable-length string"
        f["layers/nothing/vars/0"] = h5py.Empty("f4")
        f.create_group("layers/activation/vars")  # a weightless layer: an empty vars group
        f.create_group("layers/rnn/cell/vars")
        f["layers/rnn/vars/0"] = np.zeros(2, dtype="float32")


def test_every_array_reads_as_h5py_s_own_reader_gives_it(tmp_path):
    path = tmp_path / "w.h5"
    _write(path)
    with h5py.File(path, "r") as f:
        tree = H5Tree(f)
        datasets, groups = [], []
        f.visititems(lambda name, obj: (datasets if isinstance(obj, h5py.Dataset) else groups).append(name))
        assert len(datasets) == len(ARRAYS) + 3
        for name in datasets:
            if f[name].shape is None:  # an empty (null) space: h5py has no array for it, nor does the tree
                with pytest.raises(ValueError, match="not an array"):
                    tree.read(name)
                continue
            expected = np.asarray(f[name])
            got = tree.read(name)
            assert tree.kind(name) == DATASET
            assert got.dtype == expected.dtype and got.shape == expected.shape, name
            np.testing.assert_array_equal(got, expected)
            np.testing.assert_array_equal(read_array(f.id, name), expected)
        for name in groups:
            assert tree.kind(name) == GROUP
            below = [d for d in datasets if d.startswith(f"{name}/")]
            assert tree.has_arrays(name) == bool(below), name
            assert tree.children(name) == sorted(f[name])
        assert tree.children("") == sorted(f) and tree.kind("/layers/dense/") == GROUP
        assert tree.kind("layers/nope") is None and tree.children("layers/dense/vars/0") == []
        with pytest.raises(ValueError, match="not an array"):
            tree.read("layers/dense/vars")
        with pytest.raises(ValueError, match="not an array"):
            tree.read("layers/missing")


def test_soft_and_external_links_are_never_weights(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["secret"] = np.arange(4.0)
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f["layers/dense/vars/0"] = np.ones(3)
        f["layers/soft/vars/0"] = h5py.SoftLink("/layers/dense/vars/0")
        f["layers/ext/vars/0"] = h5py.ExternalLink(str(other), "/secret")
        f["layers/extgroup"] = h5py.ExternalLink(str(other), "/")
    with h5py.File(path, "r") as f:
        tree = H5Tree(f)
        for name in ("layers/soft/vars/0", "layers/ext/vars/0", "layers/extgroup"):
            assert tree.kind(name) == OTHER
            with pytest.raises(ValueError, match="not an array"):
                tree.read(name)
        assert not tree.has_arrays("layers/ext") and not tree.has_arrays("layers/soft")
        assert tree.has_arrays("layers/dense")


def _weights_by_path(model_file):
    out = {}
    with model_file.open_weights() as root:
        root.visititems(lambda name, obj: out.__setitem__(name, np.asarray(obj))
                        if isinstance(obj, h5py.Dataset) and obj.shape is not None else None)
    return out


def test_an_archive_s_weights_read_alike_from_a_temporary_copy_a_folder_and_memory(tmp_path, monkeypatch):
    inner = tmp_path / "inner.h5"
    _write(inner)
    archive = tmp_path / "m.keras"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("config.json", '{"class_name": "Sequential", "config": {"name": "m", "layers": []}}')
        zf.write(inner, "model.weights.h5")
    folder = tmp_path / "folder"
    folder.mkdir()
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    with read_model_file(archive).open_weights():
        assert list(temporary.iterdir())  # read from a temporary copy...
    assert not list(temporary.iterdir())  # ... removed when done
    expected = _weights_by_path(read_model_file(archive))
    assert len(expected) == len(ARRAYS) + 2
    from_folder = _weights_by_path(read_model_file(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))  # no temporary copy possible
    in_memory = _weights_by_path(read_model_file(archive))
    for got in (from_folder, in_memory):
        assert got.keys() == expected.keys()
        for name, value in expected.items():
            np.testing.assert_array_equal(got[name], value)
