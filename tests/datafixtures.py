"""Small data files in the format of each dataset source, written into a test's temporary folder.

The Keras cache helpers write files exactly as keras.datasets' loaders read
them (same names, same layout), only with a handful of samples.
"""

from __future__ import annotations

import csv
import gzip
import io
import pickle
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np


def write_csv(path: Path, header: list | None, rows: list[list], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def iris_like_csv(path: Path, n: int = 30, seed: int = 0) -> tuple[Path, np.ndarray, list[str]]:
    """A CSV with four numeric features and a text class column 'species'; returns (path, x, labels)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, 4)) * 3, 3)
    species = [["setosa", "versicolor", "virginica"][i % 3] for i in range(n)]
    rows = [[*map(str, xi), s] for xi, s in zip(x, species)]
    write_csv(path, ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], rows)
    return path, x, species


def png_bytes(image: np.ndarray) -> bytes:
    """A PNG file of a uint8 image of shape (h, w) (grayscale) or (h, w, 3) (RGB)."""
    image = np.asarray(image, dtype=np.uint8)
    color_type = 0 if image.ndim == 2 else 2
    height, width = image.shape[:2]
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def image_folder(root: Path, counts: dict[str, int], size=(6, 5), rgb: bool = True, seed: int = 0):
    """One folder per class with `counts[name]` random PNGs; returns {file path: (pixels, class name)}."""
    rng = np.random.default_rng(seed)
    written = {}
    for name, count in counts.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            shape = (*size, 3) if rgb else size
            pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
            path = folder / f"img_{i:02d}.png"
            path.write_bytes(png_bytes(pixels))
            written[str(path)] = (pixels, name)
    return written


# -- the Keras cache ($KERAS_HOME/datasets), in keras.datasets' own formats -------------------

def keras_datasets_dir(home: Path) -> Path:
    folder = Path(home) / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_mnist(home: Path, n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict:
    """mnist.npz: x_* uint8 (n, 28, 28), y_* uint8 (n,), as keras.datasets.mnist.load_data reads it."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }
    np.savez(keras_datasets_dir(home) / "mnist.npz", **arrays)
    return arrays


def _idx(data: np.ndarray, magic: int) -> bytes:
    """An IDX file as in the MNIST distribution: a big-endian header, then the uint8 data."""
    dims = struct.pack(">" + "I" * data.ndim, *data.shape)
    return struct.pack(">I", magic) + dims + data.astype(np.uint8).tobytes()


def write_fashion_mnist(home: Path, n_train: int = 10, n_test: int = 4, seed: int = 1) -> dict:
    """The four gzipped IDX files in datasets/fashion-mnist/ (labels at offset 8, images at 16)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) * 3 % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }
    folder = keras_datasets_dir(home) / "fashion-mnist"
    folder.mkdir(exist_ok=True)
    files = {"train-labels-idx1-ubyte.gz": _idx(arrays["y_train"], 2049),
             "train-images-idx3-ubyte.gz": _idx(arrays["x_train"], 2051),
             "t10k-labels-idx1-ubyte.gz": _idx(arrays["y_test"], 2049),
             "t10k-images-idx3-ubyte.gz": _idx(arrays["x_test"], 2051)}
    for name, data in files.items():
        with gzip.open(folder / name, "wb") as fh:
            fh.write(data)
    return arrays


def _ragged(sequences: list[list[int]]) -> np.ndarray:
    out = np.empty(len(sequences), dtype=object)
    for i, s in enumerate(sequences):
        out[i] = list(s)
    return out


def write_imdb(home: Path, n_train: int = 8, n_test: int = 6, vocab: int = 30, seed: int = 2) -> dict:
    """imdb.npz: x_* object arrays of word-rank lists (ragged), y_* int labels, as Keras stores them."""
    rng = np.random.default_rng(seed)

    def seqs(n):
        return [list(map(int, rng.integers(1, vocab, size=int(rng.integers(3, 15))))) for _ in range(n)]

    arrays = {"x_train": _ragged(seqs(n_train)), "y_train": (np.arange(n_train) % 2).astype(np.int64),
              "x_test": _ragged(seqs(n_test)), "y_test": (np.arange(n_test) % 2).astype(np.int64)}
    np.savez(keras_datasets_dir(home) / "imdb.npz", **arrays)
    return arrays


def write_boston_housing(home: Path, n: int = 20, seed: int = 3) -> dict:
    """boston_housing.npz: x (n, 13) float64, y (n,) float64; Keras shuffles and splits it."""
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.normal(size=(n, 13)), "y": rng.uniform(5, 50, size=n)}
    np.savez(keras_datasets_dir(home) / "boston_housing.npz", **arrays)
    return arrays


def write_cifar100(home: Path, n_train: int = 6, n_test: int = 3, seed: int = 4) -> dict:
    """The CIFAR-100 python archive: pickled dicts with bytes keys (data rows of 3072 uint8, label lists)."""
    rng = np.random.default_rng(seed)
    arrays = {}
    members = {}
    for split, n in (("train", n_train), ("test", n_test)):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = [int(v) for v in rng.integers(0, 100, n)]
        coarse = [int(v) for v in rng.integers(0, 20, n)]
        members[f"cifar-100-python/{split}"] = pickle.dumps(
            {b"data": data, b"fine_labels": fine, b"coarse_labels": coarse}, protocol=3)
        arrays[split] = (data, fine, coarse)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    (keras_datasets_dir(home) / "cifar-100-python-target_archive").write_bytes(buffer.getvalue())
    return arrays


def write_cifar10(home: Path, seed: int = 5) -> dict:
    """The CIFAR-10 python archive at full size (keras.datasets.cifar10 reads exactly 5 x 10,000 training rows).

    Rows are zero except a few random ones, so the pickles are 150 MB but made in a moment; the tar is not
    compressed (Keras's extraction reads plain tar too). Returns {split: (data, labels)} for the random rows.
    """
    rng = np.random.default_rng(seed)
    members, arrays = {}, {}
    for name, n in [*((f"data_batch_{i}", 10_000) for i in range(1, 6)), ("test_batch", 10_000)]:
        data = np.zeros((n, 3072), dtype=np.uint8)
        data[:4] = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, n)]
        members[f"cifar-10-batches-py/{name}"] = pickle.dumps({b"data": data, b"labels": labels}, protocol=4)
        arrays[name] = (data[:4].copy(), labels)
    path = keras_datasets_dir(home) / "cifar-10-batches-py-target_archive"
    with tarfile.open(path, mode="w") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return arrays
