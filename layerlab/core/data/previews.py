"""A quick look at a dataset for the editor: first rows or images, shapes, and class counts.

The table or images show the data as stored (before preprocessing); the
shapes are those the model will see (after preprocessing). Class counts are
over the training split, for the first output. CSV, text CSV, npz and
sklearn sources never import Keras here: a CSV is read once, keeping only
the first rows and the target column; an npz file gives shapes from its array
headers and only its first rows are read.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from layerlab.core.data import csv_table, npz_source, preprocess
from layerlab.core.data.csv_source import parse_columns, resolve
from layerlab.core.data.errors import DataError, DataFileError
from layerlab.core.data.section import check_keys, get_bool, resolve_path

MAX_COLUMNS = 100  # a wider sample is cut in the table (the shapes still tell the truth)


@dataclass
class Preview:
    """What the dataset editor shows."""

    source: str
    columns: list[str] = field(default_factory=list)  # table header; empty when showing images
    rows: list[list] = field(default_factory=list)  # the first rows, as stored
    images: list[np.ndarray] = field(default_factory=list)  # the first images, uint8 (h, w) or (h, w, c)
    labels: list[str] = field(default_factory=list)  # the target of each row or image
    x_shape: tuple | dict | None = None  # with the number of samples first; a dict for several inputs
    y_shape: tuple | list | None = None  # a list for several outputs
    class_counts: dict[str, int] | None = None  # class -> training samples, for class labels
    num_train: int = 0
    num_test: int | None = None


def preview(section: dict, base_dir: Path, rows: int = 20) -> Preview:
    """Preview a dataset section (see the module docstring for what is read)."""
    source = check_keys(section)
    preprocess.validate(section)
    base_dir = Path(base_dir)
    if source == "csv":
        return _csv(section, base_dir, rows)
    if source == "text_csv":
        return _text_csv(section, base_dir, rows)
    if source == "npz":
        return _npz(section, base_dir, rows)
    if source == "sklearn":
        return _sklearn(section, rows)
    if source == "images":
        return _images(section, base_dir, rows)
    return _keras(section, base_dir, rows)


# -- shapes after preprocessing, computed without running it ------------------

def model_shapes(section: dict, n: int, x_sample, y_samples: list[tuple], classes: list[int | None]):
    """(x shape, y shape) with `n` samples, after reshape and one_hot."""
    spec = section.get("reshape")
    if isinstance(x_sample, dict):
        if spec is not None and not isinstance(spec, dict):
            raise DataError("dataset \"reshape\": the data has several inputs; give {input node id: shape}")
        x_shape = {k: (n, *_reshaped(s, (spec or {}).get(k), k)) for k, s in x_sample.items()}
    else:
        if isinstance(spec, dict):
            raise DataError("dataset \"reshape\": the data has one input; give a shape such as [28, 28, 1]")
        x_shape = (n, *_reshaped(x_sample, spec, None))
    flags = section.get("one_hot", False)
    flags = [flags] * len(y_samples) if isinstance(flags, bool) else flags
    if not isinstance(flags, list) or len(flags) != len(y_samples):
        raise DataError(f"dataset \"one_hot\": must be true or false, or a list of {len(y_samples)} of them")
    y_shapes = [(n, classes[i]) if flags[i] and classes[i] else (n, *s) for i, s in enumerate(y_samples)]
    return x_shape, (y_shapes[0] if len(y_shapes) == 1 else y_shapes)


def _reshaped(sample: tuple, spec, key) -> tuple:
    if spec is None:
        return tuple(sample)
    where = f" ('{key}')" if key else ""
    shape = preprocess.check_shape(spec, where)
    size = int(np.prod(sample, dtype=np.int64))
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    if (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
        raise DataError(f"dataset \"reshape\"{where}: {list(shape)} does not fit samples of shape "
                        f"{tuple(sample)} ({size} values each)")
    return tuple(size // known if d == -1 else d for d in shape)


# -- csv and text csv: one streaming pass --------------------------------------

@dataclass
class _Scan:
    columns: list[str]
    rows: list[list[str]]
    targets: list[list[str]]  # per target column: every cell of the file
    count: int


def _scan(path: Path, label: str, delimiter: str, header: bool, refs: list[tuple], rows: int) -> _Scan:
    """Read the first `rows` records, and every cell of the columns `refs` ((column, key) pairs) names."""
    records = csv_table.iter_records(path, label, delimiter)
    first = next(records, None)
    if first is None:
        raise DataError(f"{label}: the file is empty")
    columns = [c.strip() for c in first[1]] if header else [str(i) for i in range(len(first[1]))]
    cols = [csv_table.resolve_column(columns, ref, label, key, header) for ref, key in refs]
    shown: list[list[str]] = [] if header else [first[1]]
    targets: list[list[str]] = [[] if header else [first[1][c]] for c in cols]
    count = 0 if header else 1
    for row, record in records:
        if len(record) != len(columns):
            raise DataError(f"{label}, row {row}: has {len(record)} cells, but "
                            f"{'the header has' if header else 'the first row has'} {len(columns)}")
        if len(shown) < rows:
            shown.append(record)
        for cells, c in zip(targets, cols):
            cells.append(record[c].strip())
        count += 1
    if not count:
        raise DataError(f"{label}: has a header but no data rows")
    return _Scan(columns, shown[:rows], targets, count)


def _classes(train_cells: list[str], test_cells: list[str] | None):
    """(class names or None, number of classes or None, counts over training) for one target column."""
    all_cells = train_cells + (test_cells or [])
    if csv_table.is_numeric(all_cells):
        values = np.array(all_cells, dtype=np.float64)
        if np.all(values == np.round(values)) and np.min(values) >= 0:
            counts = Counter(str(int(float(c))) for c in train_cells)
            ordered = dict(sorted(counts.items(), key=lambda kv: int(kv[0])))
            return None, int(values.max()) + 1, ordered
        return None, None, None
    names = sorted(set(all_cells))
    counts = Counter(train_cells)
    return names, len(names), {name: counts.get(name, 0) for name in names}


def _csv(section: dict, base_dir: Path, rows: int) -> Preview:
    delimiter = csv_table.check_delimiter(section.get("delimiter", ","))
    header = get_bool(section, "header", True)
    columns = parse_columns(section)
    path = resolve_path(section, "path", base_dir)
    label = section["path"]
    scan = _scan(path, label, delimiter, header, [(t, "target") for t in columns.targets], rows)
    t_idx, f_idx = resolve(columns, scan.columns, label, header)
    test = None
    if section.get("test_path") is not None:
        names = [(scan.columns[i], "target") for i in t_idx]
        test = _scan(resolve_path(section, "test_path", base_dir), section["test_path"], delimiter, header, names, 0)
    per_target = [_classes(cells, test.targets[k] if test else None) for k, cells in enumerate(scan.targets)]
    x_sample = {n: (len(idx),) for n, idx in f_idx.items()} if isinstance(f_idx, dict) else (len(f_idx),)
    x_shape, y_shape = model_shapes(section, scan.count, x_sample, [()] * len(t_idx), [c[1] for c in per_target])
    return Preview("csv", columns=scan.columns, rows=scan.rows, labels=[r[t_idx[0]].strip() for r in scan.rows],
                   x_shape=x_shape, y_shape=y_shape, class_counts=per_target[0][2], num_train=scan.count,
                   num_test=test.count if test else None)


def _text_csv(section: dict, base_dir: Path, rows: int) -> Preview:
    from layerlab.core.data.text_source import options

    _, maxlen, _ = options(section)
    for key in ("text", "target"):
        if section.get(key) is None:
            raise DataError(f"dataset (text_csv): \"{key}\" is required")
    path = resolve_path(section, "path", base_dir)
    label = section["path"]
    scan = _scan(path, label, ",", True, [(section["text"], "text"), (section["target"], "target")], rows)
    target = csv_table.resolve_column(scan.columns, section["target"], label, "target")
    _, k, counts = _classes(scan.targets[1], None)
    x_shape, y_shape = model_shapes(section, scan.count, (maxlen,), [()], [k])
    return Preview("text_csv", columns=scan.columns, rows=scan.rows, labels=[r[target].strip() for r in scan.rows],
                   x_shape=x_shape, y_shape=y_shape, class_counts=counts, num_train=scan.count)


# -- arrays: npz, sklearn, keras, images -----------------------------------------

def _peek(path: Path, label: str, name: str, rows: int):
    """(shape, dtype, first rows) of one array of an .npz file, reading its header and first rows only."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = name + ".npy"
            if member not in archive.namelist():
                return None
            with archive.open(member) as fh:
                version = np.lib.format.read_magic(fh)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(fh)
                if fortran or dtype.hasobject or not shape:
                    return shape, dtype, None
                per_row = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
                count = min(rows, shape[0])
                data = fh.read(per_row * count)
                first = np.frombuffer(data, dtype=dtype, count=count * int(np.prod(shape[1:], dtype=np.int64)))
                return shape, dtype, first.reshape((count, *shape[1:]))
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataFileError(f"{label}: not a readable .npz file ({exc})") from None


def _npz(section: dict, base_dir: Path, rows: int) -> Preview:
    path = resolve_path(section, "path", base_dir)
    label = section["path"]
    specs = {k: npz_source.key_spec(section, k) for k in npz_source.DEFAULT_KEYS}
    with npz_source.open_npz(path, label) as archive:  # checks the file, and lists its arrays
        names = archive.files
        ys = [npz_source.read_array(archive, n, label, "y") for n in preprocess.as_list(specs["y"])]
    x_names = specs["x"] if isinstance(specs["x"], dict) else {None: specs["x"]}
    peeks = {}
    for node, name in x_names.items():
        if name not in names:
            raise DataError(f"dataset \"x\": {label} has no array '{name}'; its arrays are: {', '.join(names)}")
        peeks[node] = _peek(path, label, name, rows)
        if peeks[node][1].hasobject:
            raise DataError(f"{label}: array '{name}' holds Python objects, which LayerLab does not load "
                            "(unpickling can run code); save numeric arrays instead")
    n = len(ys[0])
    x_sample = {k: tuple(p[0][1:]) for k, p in peeks.items()}
    first = {k: p[2] for k, p in peeks.items()}
    if None in x_sample:
        x_sample, first = x_sample[None], first[None]
    test_name = specs["y_test"] if isinstance(specs["y_test"], str) else None
    num_test = _peek(path, label, test_name, 0)[0][0] if test_name and test_name in names else None
    classes = [_label_classes(y, None) for y in ys]
    x_shape, y_shape = model_shapes(section, n, x_sample, [tuple(y.shape[1:]) for y in ys], classes)
    pv = Preview("npz", x_shape=x_shape, y_shape=y_shape, num_train=n, num_test=num_test,
                 class_counts=class_counts(ys[0], None))
    _show(pv, first, ys[0][:rows], None)
    return pv


def _sklearn(section: dict, rows: int) -> Preview:
    from layerlab.core.data import sklearn_source

    name = sklearn_source.dataset_name(section)
    bunch = sklearn_source.load_bunch(name)
    x, y = np.asarray(bunch.data), np.asarray(bunch.target)
    names = None if name in sklearn_source.REGRESSION else [str(t) for t in bunch.target_names]
    x_shape, y_shape = model_shapes(section, len(x), tuple(x.shape[1:]), [()], [len(names) if names else None])
    pv = Preview("sklearn", x_shape=x_shape, y_shape=y_shape, num_train=len(x),
                 class_counts=class_counts(y, names))
    if hasattr(bunch, "images"):  # digits: show the 8x8 pictures, brightened from 0-16 to 0-255
        images = np.asarray(bunch.images[:rows])
        _show(pv, (images * (255.0 / max(float(images.max()), 1.0))).astype(np.uint8), y[:rows], names)
    else:
        _show(pv, x[:rows], y[:rows], names)
        pv.columns = [str(f) for f in bunch.feature_names]
    return pv


def _keras(section: dict, base_dir: Path, rows: int) -> Preview:
    from layerlab.core.data import keras_source

    ds = keras_source.load(section, base_dir)
    return _from_dataset(ds, section, rows, "keras")


def _images(section: dict, base_dir: Path, rows: int) -> Preview:
    from layerlab.core.data import image_source

    size, color_mode = image_source.options(section)
    folder = resolve_path(section, "path", base_dir, folder=True)
    classes, files = image_source.list_images(folder, section["path"])
    counts = Counter(index for _, index in files)
    x_shape, y_shape = model_shapes(section, len(files), (*size, image_source.COLOR_MODES[color_mode]), [()],
                                    [len(classes)])
    pv = Preview("images", x_shape=x_shape, y_shape=y_shape, num_train=len(files),
                 class_counts={name: counts.get(i, 0) for i, name in enumerate(classes)})
    if rows > 0:
        ds, _, _ = image_source.image_dataset(section, base_dir, batch_size=None)
        x, y = image_source.to_numpy(ds.take(rows).batch(rows), files[:rows], section["path"])
        _show(pv, x, y, classes)
    return pv


def _from_dataset(ds, section: dict, rows: int, source: str) -> Preview:
    ys = preprocess.as_list(ds.y_train)
    x_sample = ({k: tuple(v.shape[1:]) for k, v in ds.x_train.items()} if isinstance(ds.x_train, dict)
                else tuple(ds.x_train.shape[1:]))
    classes = [_label_classes(y, ds.class_names if i == 0 else None) for i, y in enumerate(ys)]
    x_shape, y_shape = model_shapes(section, ds.num_train, x_sample, [tuple(np.shape(y)[1:]) for y in ys], classes)
    pv = Preview(source, x_shape=x_shape, y_shape=y_shape, num_train=ds.num_train,
                 num_test=len(preprocess.as_list(ds.y_test)[0]) if ds.y_test is not None else None,
                 class_counts=class_counts(ys[0], ds.class_names))
    first = {k: v[:rows] for k, v in ds.x_train.items()} if isinstance(ds.x_train, dict) else ds.x_train[:rows]
    _show(pv, first, np.asarray(ys[0])[:rows], ds.class_names)
    return pv


def _is_labels(y: np.ndarray) -> bool:
    y = np.asarray(y)
    return (y.size > 0 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1))
            and (np.issubdtype(y.dtype, np.integer) or y.dtype == bool) and np.min(y) >= 0)


def _label_classes(y, names) -> int | None:
    if names:
        return len(names)
    return int(np.max(y)) + 1 if _is_labels(y) else None


def class_counts(y, names: list[str] | None) -> dict[str, int] | None:
    """{class: samples} for class labels, in class order; None for other targets."""
    y = np.asarray(y)
    if not _is_labels(y):
        return None
    values, counts = np.unique(y.reshape(-1), return_counts=True)
    found = {int(v): int(c) for v, c in zip(values, counts)}
    if names:
        return {name: found.get(i, 0) for i, name in enumerate(names)}
    return {str(v): c for v, c in found.items()}


def _label_text(value, names) -> str:
    v = np.asarray(value).reshape(-1)
    if v.size != 1:
        return str(v.tolist())
    item = v[0].item()
    if names and isinstance(item, int) and 0 <= item < len(names):
        return names[item]
    return f"{item:.4g}" if isinstance(item, float) else str(item)


def _image_like(a: np.ndarray) -> bool:
    return a.ndim == 3 or (a.ndim == 4 and a.shape[-1] in (1, 3, 4))


def _to_uint8(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    a = a.astype(np.float64)
    top = float(a.max()) if a.size else 0.0
    if top <= 1.0:
        a = a * 255.0
    elif top > 255.0:
        a = a * (255.0 / top)
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def _show(pv: Preview, first, y_first, names) -> None:
    """Fill the table or the images from the first samples."""
    if first is None:
        return
    pv.labels = [_label_text(v, names) for v in y_first]
    if not isinstance(first, dict) and _image_like(first):
        pv.images = [img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img for img in _to_uint8(first)]
        return
    parts = first.items() if isinstance(first, dict) else [(None, first)]
    columns, blocks = [], []
    for key, a in parts:
        flat = np.asarray(a).reshape(len(a), -1)[:, :MAX_COLUMNS]
        prefix = f"{key}:" if key is not None else ""
        columns += [f"{prefix}{j}" for j in range(flat.shape[1])]
        blocks.append(flat)
    pv.columns = columns
    pv.rows = np.concatenate(blocks, axis=1).tolist() if blocks else []
