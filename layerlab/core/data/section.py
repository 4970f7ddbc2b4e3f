"""Reading a project's `dataset` section: which keys each source takes, typed getters, paths.

Unknown keys are errors (with a suggestion), so that a typo such as
"fetures" is reported instead of silently ignored.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from layerlab.core.data.errors import DataError, DataFileError

PREPROCESS_KEYS = ("scale", "standardize", "one_hot", "reshape", "shuffle_seed")

SOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "csv": ("path", "target", "features", "test_path", "delimiter", "header"),
    "npz": ("path", "x", "y", "x_test", "y_test"),
    "keras": ("name",),  # plus the options of the chosen dataset (KERAS_OPTIONS)
    "sklearn": ("name",),
    "images": ("path", "image_size", "color_mode"),
    "text_csv": ("path", "text", "target", "num_words", "maxlen", "padding"),
}

SOURCES = tuple(SOURCE_KEYS)

# Options passed through to keras.datasets.<name>.load_data, per dataset. "maxlen" and
# "padding" are LayerLab's own for the sequence datasets: pad_sequences after loading.
KERAS_OPTIONS: dict[str, tuple[str, ...]] = {
    "mnist": (),
    "fashion_mnist": (),
    "cifar10": (),
    "cifar100": ("label_mode",),
    "imdb": ("num_words", "skip_top", "seed", "start_char", "oov_char", "index_from", "maxlen", "padding"),
    "reuters": ("num_words", "skip_top", "test_split", "seed", "start_char", "oov_char", "index_from", "maxlen",
                "padding"),
    "boston_housing": ("test_split", "seed"),
    "california_housing": ("version", "test_split", "seed"),
}

SKLEARN_NAMES = ("digits", "iris", "wine", "breast_cancer", "diabetes")


def source_of(section: Any) -> str:
    """The section's source, after checking that the section is an object with a known source."""
    if not isinstance(section, dict):
        raise DataError("dataset: the dataset section must be an object with a \"source\" key")
    source = section.get("source")
    if source not in SOURCE_KEYS:
        raise DataError(f"dataset: \"source\" must be one of {', '.join(SOURCES)}; got {source!r}")
    return source


def allowed_keys(section: dict) -> tuple[str, ...]:
    source = source_of(section)
    keys = ("source", *SOURCE_KEYS[source], *PREPROCESS_KEYS)
    if source == "keras":
        keys += KERAS_OPTIONS.get(section.get("name"), ())
    return keys


def check_keys(section: dict) -> str:
    """Validate the key names of `section`; return its source."""
    source = source_of(section)
    allowed = allowed_keys(section)
    for key in section:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean \"{close[0]}\"?)" if close else ""
            what = f"{source} source" if source != "keras" else f"keras dataset {section.get('name')!r}"
            raise DataError(f"dataset: unknown key \"{key}\" for the {what}{hint}; "
                            f"allowed keys: {', '.join(allowed)}")
    return source


def require(section: dict, key: str) -> Any:
    if section.get(key) is None:
        raise DataError(f"dataset ({section.get('source')}): \"{key}\" is required")
    return section[key]


def get_int(section: dict, key: str, default: int | None = None, minimum: int | None = None) -> int | None:
    value = section.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"dataset: \"{key}\" must be a whole number; got {value!r}")
    if minimum is not None and value < minimum:
        raise DataError(f"dataset: \"{key}\" must be at least {minimum}; got {value}")
    return value


def get_bool(section: dict, key: str, default: bool = False) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise DataError(f"dataset: \"{key}\" must be true or false; got {value!r}")
    return value


def get_choice(section: dict, key: str, choices: tuple, default: Any) -> Any:
    value = section.get(key, default)
    if value not in choices:
        raise DataError(f"dataset: \"{key}\" must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def resolve_path(section: dict, key: str, base_dir: Path, folder: bool = False) -> Path:
    """The file (or folder) named by `section[key]`, relative to the project's folder.

    Raises PathOutsideError (layerlab.core.confine) before anything is read when the path leaves
    the project's folder and every folder the user allowed.
    """
    from layerlab.core.confine import resolve

    raw = require(section, key)
    if not isinstance(raw, str) or not raw:
        raise DataError(f"dataset: \"{key}\" must be a file path; got {raw!r}")
    path = resolve(raw, base_dir, "dataset", key)
    if not path.exists():
        raise DataFileError(f"dataset \"{key}\": {raw}: no such {'folder' if folder else 'file'} ({path})")
    if folder and not path.is_dir():
        raise DataFileError(f"dataset \"{key}\": {raw}: is a file, not a folder of class folders")
    if not folder and path.is_dir():
        raise DataFileError(f"dataset \"{key}\": {raw}: is a folder, not a file")
    return path
