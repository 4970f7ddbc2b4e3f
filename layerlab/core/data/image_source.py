"""The `images` source: one folder per class, read with keras.utils.image_dataset_from_directory.

The folder is listed here first, the way Keras lists it (class folders in
sorted order, image files found recursively), so that an empty or
misshapen folder gets a clear message, and so that the preview can count
classes without decoding a single image.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from layerlab.core.data.errors import DataError, DataFileError
from layerlab.core.data.section import get_choice, resolve_path

FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # keras.utils.image_dataset_from_directory's allowlist
COLOR_MODES = {"rgb": 3, "grayscale": 1}
DEFAULT_SIZE = (256, 256)  # Keras's default image_size


def options(section: dict) -> tuple[tuple[int, int], str]:
    size = section.get("image_size", list(DEFAULT_SIZE))
    if (not isinstance(size, (list, tuple)) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)):
        raise DataError(f"dataset \"image_size\": give [height, width] in pixels; got {size!r}")
    color_mode = get_choice(section, "color_mode", tuple(COLOR_MODES), "rgb")
    return (int(size[0]), int(size[1])), color_mode


def list_images(folder: Path, label: str) -> tuple[list[str], list[tuple[str, int]]]:
    """(class names, [(file path, class index)]) in Keras's order, without reading any image."""
    classes = sorted(d for d in os.listdir(folder) if (folder / d).is_dir() and not d.startswith("."))
    if not classes:
        raise DataError(f"dataset \"path\": {label} has no class folders; put the images of each class in a "
                        "folder of its own (for example cats/ and dogs/)")
    files = []
    for index, name in enumerate(classes):
        for root, _, names in sorted(os.walk(folder / name), key=lambda w: w[0]):
            files.extend((os.path.join(root, f), index) for f in sorted(names) if f.lower().endswith(FORMATS))
    if not files:
        raise DataError(f"dataset \"path\": {label} has class folders ({', '.join(classes[:10])}) but no images "
                        f"in them; LayerLab reads {', '.join(FORMATS)} files")
    return classes, files


def image_dataset(section: dict, base_dir: Path, batch_size: int | None = 64):
    """(tf.data.Dataset of (image, label), class names, files), in file order (never shuffled here)."""
    from layerlab.core.kerasenv import keras

    folder = resolve_path(section, "path", base_dir, folder=True)
    size, color_mode = options(section)
    classes, files = list_images(folder, section["path"])
    try:
        ds = keras().utils.image_dataset_from_directory(
            str(folder), labels="inferred", label_mode="int", color_mode=color_mode, batch_size=batch_size,
            image_size=size, shuffle=False, verbose=False)
    except ValueError as exc:
        raise DataError(f"dataset \"path\": {section['path']}: {exc}") from None
    return ds, classes, files


def to_numpy(ds, files: list, label: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    try:
        for x, y in ds.as_numpy_iterator():
            xs.append(x)
            ys.append(y)
    except Exception as exc:  # a file that is not an image after all: find which one
        raise DataFileError(f"{label}: {_culprit(files) or 'an image'} cannot be decoded ({exc})") from None
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int32)


def _culprit(files: list) -> str | None:
    import tensorflow as tf

    for path, _ in files:
        try:
            tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
        except Exception:
            return path
    return None


def load(section: dict, base_dir: Path):
    """Load an `images` dataset section (before preprocessing): float32 pixels 0-255, int32 labels."""
    from layerlab.core.data import Dataset

    ds, classes, files = image_dataset(section, base_dir)
    x, y = to_numpy(ds, files, section["path"])
    return Dataset(x, y, class_names=classes, source="images", meta={"files": len(files)})
