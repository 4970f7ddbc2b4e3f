"""The `keras` source: the datasets of `keras.datasets`, downloaded once into the Keras cache.

Keras keeps them in $KERAS_HOME/datasets (default ~/.keras/datasets). When a
file is missing and cannot be downloaded, the error says which file Keras
wanted, from where, and where to put it by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from layerlab.core.data.errors import DataError
from layerlab.core.data.section import KERAS_OPTIONS, get_choice, get_int, require

_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The files each loader asks keras.utils.get_file for, relative to the cache folder, and their origin.
FILES: dict[str, list[tuple[str, str]]] = {
    "mnist": [("datasets/mnist.npz", _GCS + "mnist.npz")],
    "fashion_mnist": [(f"datasets/fashion-mnist/{f}", _GCS + f) for f in (
        "train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")],
    "cifar10": [("datasets/cifar-10-batches-py-target_archive", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz")],
    "cifar100": [("datasets/cifar-100-python-target_archive",
                  "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz")],
    "imdb": [("datasets/imdb.npz", _GCS + "imdb.npz")],
    "reuters": [("datasets/reuters.npz", _GCS + "reuters.npz")],
    "boston_housing": [("datasets/boston_housing.npz", _GCS + "boston_housing.npz")],
    "california_housing": [("datasets/california_housing.npz", _GCS + "california_housing.npz")],
}
NAMES = tuple(FILES)
SEQUENCE_DATASETS = ("imdb", "reuters")

CLASS_NAMES: dict[str, list[str]] = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "imdb": ["negative", "positive"],
}


def cache_dir() -> Path:
    """The folder Keras downloads into (the same choice keras.utils.get_file makes)."""
    try:
        from keras.src.backend.config import keras_home

        home = keras_home()
    except ImportError:  # pragma: no cover - a Keras without the private accessor
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    home = os.path.expanduser(home)
    if not os.access(home, os.W_OK):  # get_file falls back to /tmp/.keras for a read-only home
        home = os.path.join("/tmp", ".keras")
    return Path(home)


def dataset_name(section: dict) -> str:
    name = require(section, "name")
    if name not in FILES:
        raise DataError(f"dataset \"name\": the keras source has no dataset {name!r}; choose one of: "
                        f"{', '.join(NAMES)}")
    return name


def loader_options(section: dict, name: str) -> dict:
    """The options passed through to keras.datasets.<name>.load_data (maxlen and padding are ours)."""
    opts = {}
    for key in KERAS_OPTIONS[name]:
        if key in ("maxlen", "padding") or key not in section:
            continue
        value = section[key]
        if key == "label_mode":
            value = get_choice(section, key, ("fine", "coarse"), "fine")
        elif key == "version":
            value = get_choice(section, key, ("large", "small"), "large")
        elif key == "test_split":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise DataError(f"dataset: \"test_split\" must be a fraction from 0 up to (not including) 1; "
                                f"got {value!r}")
        else:
            value = get_int(section, key, minimum=0)
        opts[key] = value
    return opts


def load(section: dict, base_dir: Path):
    """Load a `keras` dataset section (before preprocessing)."""
    from layerlab.core.data import Dataset
    from layerlab.core.kerasenv import keras

    name = dataset_name(section)
    opts = loader_options(section, name)
    maxlen = get_int(section, "maxlen", minimum=1)
    padding = get_choice(section, "padding", ("pre", "post"), "pre")
    k = keras()
    module = getattr(k.datasets, name)
    cache = cache_dir()
    present = {rel for rel, _ in FILES[name] if (cache / rel).exists()}
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data(**opts)
    except Exception as exc:  # a failed download, a corrupt file, a bad option: say which and where
        raise DataError(_explain_failure(name, cache, present, exc)) from None
    class_names = CLASS_NAMES.get(name)
    if name == "reuters":
        class_names = list(module.get_label_names())
    if name in SEQUENCE_DATASETS:  # ragged lists of word indices -> one padded int32 matrix
        longest = maxlen or max(max((len(s) for s in x), default=0) for x in (x_train, x_test))
        pad = k.utils.pad_sequences
        x_train = pad(list(x_train), maxlen=longest, padding=padding, truncating=padding)
        x_test = pad(list(x_test), maxlen=longest, padding=padding, truncating=padding)
    return Dataset(np.asarray(x_train), np.asarray(y_train), np.asarray(x_test), np.asarray(y_test),
                   class_names=class_names, source="keras", meta={"keras_dataset": name})


def _explain_failure(name: str, cache: Path, present: set[str], exc: Exception) -> str:
    from layerlab.core.keras_errors import friendly_error

    reason = friendly_error(exc)
    if reason.startswith("URL fetch failure on") and " -- " in reason:  # the URL is named already
        reason = reason.split(" -- ", 1)[1]
    for rel, origin in FILES[name]:
        target = cache / rel
        if rel not in present:
            return (f"keras dataset '{name}': Keras could not download {origin} ({reason}). Without network "
                    f"access, download that file on another machine and put it at {target}")
        if not target.exists():  # it was there: Keras found its checksum wrong and failed to fetch it again
            return (f"keras dataset '{name}': the cached file {target} did not match Keras's checksum, and "
                    f"downloading it again from {origin} failed ({reason}); put a good copy there")
    return f"keras dataset '{name}': Keras could not load it from {cache / 'datasets'} ({reason})"
