"""Standalone Python source for a dataset section: `load_data()`, for the exported .py script.

The source imports only numpy and keras at top level (scikit-learn inside
the function, for the sklearn source) and repeats LayerLab's loading and
preprocessing step by step, so that the exported script gives the same
arrays as LayerLab. Paths are written out absolute. Helper functions are
prefixed `_data_` so that they do not collide with the exporter's names.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from layerlab.core.data import csv_source, npz_source
from layerlab.core.data.csv_table import check_delimiter, read_header, resolve_column
from layerlab.core.data.preprocess import check_shape, validate
from layerlab.core.data.section import check_keys, get_bool, resolve_path

HEADER = "import numpy as np\nimport keras\n"

_EACH = '''
def _data_each(x, fn):
    """Apply fn to the features: one array, or a dict {input name: array} for several inputs."""
    if x is None:
        return None
    return {k: fn(v) for k, v in x.items()} if isinstance(x, dict) else fn(x)
'''

_CSV = '''
def _data_read_csv(path, delimiter, header):
    """(column names, columns of text) of a CSV file; blank lines are skipped."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        records = [r for r in csv.reader(fh, delimiter=delimiter) if r and any(c.strip() for c in r)]
    names = [c.strip() for c in records[0]] if header else [str(i) for i in range(len(records[0]))]
    return names, [list(col) for col in zip(*(records[1:] if header else records))]


def _data_features(names, columns, wanted):
    return np.column_stack([np.array(columns[names.index(w)], dtype=np.float64) for w in wanted]).astype(np.float32)


def _data_target(parts):
    """Numbers stay numbers (int32 when all whole); text becomes class labels, classes sorted."""
    cells = [c for p in parts for c in p]
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        arrays = [np.array(p, dtype=np.float64) for p in parts]
        whole = all(np.all(a == np.round(a)) and np.all(np.abs(a) < 2**31) for a in arrays)
        return [a.astype(np.int32 if whole else np.float32) for a in arrays], None
    names = sorted({c.strip() for c in cells})
    index = {n: i for i, n in enumerate(names)}
    return [np.array([index[c.strip()] for c in p], dtype=np.int32) for p in parts], names
'''

_TOKENIZER = '''
_DATA_FILTERS = {filters!r}


def _data_words(text):
    """Keras's old Tokenizer: lowercase, filters become spaces, split on spaces."""
    table = str.maketrans({{c: " " for c in _DATA_FILTERS}})
    return [w for w in text.lower().translate(table).split(" ") if w]


def _data_word_index(texts, num_words):
    counts = {{}}
    for text in texts:
        for w in _data_words(text):
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)[: max(num_words - 1, 0)]
    return {{w: i for i, w in enumerate(ranked, start=1)}}


def _data_encode(texts, word_index, maxlen, padding):
    seqs = [[word_index[w] for w in _data_words(t) if w in word_index] for t in texts]
    return keras.utils.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=padding, dtype="int32")
'''

_STANDARDIZE = '''
def _data_standardize(x_train, x_test):
    """Per feature, with the mean and standard deviation of the training split (a constant feature: / 1)."""
    def one(a, b):
        a = np.asarray(a, dtype=np.float32)
        mean, std = a.mean(axis=0), a.std(axis=0)
        std = np.where(std == 0, np.float32(1), std).astype(np.float32)
        mean = mean.astype(np.float32)
        b = None if b is None else (np.asarray(b, dtype=np.float32) - mean) / std
        return (a - mean) / std, b

    if isinstance(x_train, dict):
        pairs = {k: one(v, None if x_test is None else x_test[k]) for k, v in x_train.items()}
        return {k: p[0] for k, p in pairs.items()}, (None if x_test is None else {k: p[1] for k, p in pairs.items()})
    return one(x_train, x_test)
'''


def loader_source(section: dict, base_dir: Path) -> str:
    """Python source defining `load_data()` -> ((x_train, y_train), (x_test, y_test)) for `section`.

    The test arrays are None when the dataset has none. Raises DataError for
    a section that load_dataset would refuse for its keys or paths.
    """
    source = check_keys(section)
    base_dir = Path(base_dir)
    helpers: list[str] = []
    body = _BODIES[source](section, base_dir, helpers)
    body += _preprocess_lines(section, helpers)
    body += ["if not multi_output:", "    y_train = y_train[0]", "    y_test = None if y_test is None else y_test[0]",
             "return (x_train, y_train), (x_test, y_test)"]
    doc = f'"""Load the {source} dataset as the LayerLab project does: ((x_train, y_train), (x_test, y_test))."""'
    func = "def load_data():\n" + textwrap.indent("\n".join([doc, *body]), "    ") + "\n"
    parts = [HEADER, *(h.strip("\n") + "\n" for h in dict.fromkeys(helpers)), func]
    return "\n\n".join(parts)


# -- one body per source: each sets x_train, y_train (a list, one per output), x_test, y_test,
#    class_names and multi_output ------------------------------------------------------

def _csv_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    helpers.append(_CSV)
    delimiter = check_delimiter(section.get("delimiter", ","))
    header = get_bool(section, "header", True)
    columns = csv_source.parse_columns(section)
    path = resolve_path(section, "path", base_dir)
    names = read_header(path, section["path"], delimiter, header)
    t_idx, f_idx = csv_source.resolve(columns, names, section["path"], header)
    targets = [names[i] for i in t_idx]
    features = ({n: [names[i] for i in idx] for n, idx in f_idx.items()} if isinstance(f_idx, dict)
                else [names[i] for i in f_idx])
    lines = [f"names, columns = _data_read_csv({str(path)!r}, {delimiter!r}, {header!r})"]
    test = section.get("test_path") is not None
    if test:
        test_path = resolve_path(section, "test_path", base_dir)
        lines.append(f"test_names, test_columns = _data_read_csv({str(test_path)!r}, {delimiter!r}, {header!r})")
    lines.append(f"features = {features!r}")
    lines.append(f"targets = {targets!r}")
    if isinstance(features, dict):
        lines.append("x_train = {k: _data_features(names, columns, v) for k, v in features.items()}")
        lines.append("x_test = {k: _data_features(test_names, test_columns, v) for k, v in features.items()}"
                     if test else "x_test = None")
    else:
        lines.append("x_train = _data_features(names, columns, features)")
        lines.append("x_test = _data_features(test_names, test_columns, features)" if test else "x_test = None")
    lines += [
        "y_train, y_test, all_class_names = [], [], []" if test else "y_train, y_test, all_class_names = [], None, []",
        "for t in targets:",
        "    parts = [columns[names.index(t)], test_columns[test_names.index(t)]]" if test
        else "    parts = [columns[names.index(t)]]",
        "    ys, names_t = _data_target(parts)",
        "    y_train.append(ys[0])",
        "    all_class_names.append(names_t)",
    ]
    if test:
        lines.append("    y_test.append(ys[1])")
    lines.append(f"multi_output = {not columns.single_target!r}")
    return lines


def _npz_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    path = resolve_path(section, "path", base_dir)
    specs = {k: npz_source.key_spec(section, k) for k in npz_source.DEFAULT_KEYS}
    with npz_source.open_npz(path, section["path"]) as archive:
        files = archive.files
    has_test = ("x_test" in section or "y_test" in section
                or all(not isinstance(specs[k], str) or specs[k] in files for k in ("x_test", "y_test")))

    def read_x(spec) -> str:
        if isinstance(spec, dict):
            return "{" + ", ".join(f"{k!r}: f[{v!r}]" for k, v in spec.items()) + "}"
        return f"f[{spec!r}]"

    def read_y(spec) -> str:  # always a list here, one array per output
        return "[" + ", ".join(f"f[{v!r}]" for v in (spec if isinstance(spec, list) else [spec])) + "]"

    lines = [f"with np.load({str(path)!r}, allow_pickle=False) as f:",
             f"    x_train, y_train = {read_x(specs['x'])}, {read_y(specs['y'])}"]
    if has_test:
        lines.append(f"    x_test, y_test = {read_x(specs['x_test'])}, {read_y(specs['y_test'])}")
    else:
        lines.append("    x_test = y_test = None")
    lines += ["all_class_names = [None] * len(y_train)", f"multi_output = {isinstance(specs['y'], list)!r}"]
    return lines


def _sklearn_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    from layerlab.core.data import sklearn_source

    name = sklearn_source.dataset_name(section)
    regression = name in sklearn_source.REGRESSION
    lines = [f"from sklearn.datasets import load_{name}", "", f"data = load_{name}()",
             "x_train = np.asarray(data.data, dtype=np.float32)"]
    if regression:
        lines += ["y_train = [np.asarray(data.target, dtype=np.float32)]", "all_class_names = [None]"]
    else:
        lines += ["y_train = [np.asarray(data.target, dtype=np.int32)]",
                  "all_class_names = [[str(n) for n in data.target_names]]"]
    return lines + ["x_test = y_test = None", "multi_output = False"]


def _keras_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    from layerlab.core.data import keras_source
    from layerlab.core.data.section import get_choice, get_int

    name = keras_source.dataset_name(section)
    opts = keras_source.loader_options(section, name)
    args = ", ".join(f"{k}={v!r}" for k, v in opts.items())
    lines = [f"(x_train, y_train), (x_test, y_test) = keras.datasets.{name}.load_data({args})"]
    if name in keras_source.SEQUENCE_DATASETS:
        maxlen = get_int(section, "maxlen", minimum=1)
        padding = get_choice(section, "padding", ("pre", "post"), "pre")
        if maxlen is None:
            lines.append("maxlen = max(max((len(s) for s in x), default=0) for x in (x_train, x_test))")
        else:
            lines.append(f"maxlen = {maxlen}")
        for split in ("x_train", "x_test"):
            lines.append(f"{split} = keras.utils.pad_sequences(list({split}), maxlen=maxlen, padding={padding!r}, "
                         f"truncating={padding!r})")
    if name == "reuters":
        names_expr = "list(keras.datasets.reuters.get_label_names())"
    else:
        names_expr = repr(keras_source.CLASS_NAMES.get(name))
    lines += ["x_train, x_test = np.asarray(x_train), np.asarray(x_test)",
              "y_train, y_test = [np.asarray(y_train)], [np.asarray(y_test)]",
              f"all_class_names = [{names_expr}]", "multi_output = False"]
    return lines


def _images_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    from layerlab.core.data import image_source

    folder = resolve_path(section, "path", base_dir, folder=True)
    size, color_mode = image_source.options(section)
    return [
        f"ds = keras.utils.image_dataset_from_directory({str(folder)!r}, labels=\"inferred\", label_mode=\"int\", "
        f"color_mode={color_mode!r}, batch_size=64, image_size={size!r}, shuffle=False, verbose=False)",
        "batches = list(ds.as_numpy_iterator())",
        "x_train = np.concatenate([b[0] for b in batches]).astype(np.float32)",
        "y_train = [np.concatenate([b[1] for b in batches]).astype(np.int32)]",
        "all_class_names = [list(ds.class_names)]",
        "x_test = y_test = None",
        "multi_output = False",
    ]


def _text_body(section: dict, base_dir: Path, helpers: list) -> list[str]:
    from layerlab.core.data import text_source
    from layerlab.core.data.section import require
    from layerlab.core.data.tokenizer import FILTERS

    helpers += [_CSV, _TOKENIZER.format(filters=FILTERS)]
    num_words, maxlen, padding = text_source.options(section)
    path = resolve_path(section, "path", base_dir)
    names = read_header(path, section["path"], ",", True)
    text = names[resolve_column(names, require(section, "text"), section["path"], "text")]
    target = names[resolve_column(names, require(section, "target"), section["path"], "target")]
    return [
        f"names, columns = _data_read_csv({str(path)!r}, \",\", True)",
        f"texts = columns[names.index({text!r})]",
        f"word_index = _data_word_index(texts, {num_words})",
        f"x_train = _data_encode(texts, word_index, {maxlen}, {padding!r})",
        f"ys, class_names = _data_target([columns[names.index({target!r})]])",
        "y_train, all_class_names = [ys[0]], [class_names]",
        "x_test = y_test = None",
        "multi_output = False",
    ]


_BODIES = {"csv": _csv_body, "npz": _npz_body, "sklearn": _sklearn_body, "keras": _keras_body,
           "images": _images_body, "text_csv": _text_body}


# -- preprocessing, in LayerLab's order ---------------------------------------------

def _preprocess_lines(section: dict, helpers: list) -> list[str]:
    validate(section)
    lines: list[str] = []
    scale = section.get("scale")
    if scale is not None:
        helpers.append(_EACH)
        for split in ("x_train", "x_test"):
            lines.append(f"{split} = _data_each({split}, lambda a: np.asarray(a, dtype=np.float32) / "
                         f"np.float32({scale!r}))")
    if section.get("standardize") is True:
        helpers.append(_STANDARDIZE)
        lines.append("x_train, x_test = _data_standardize(x_train, x_test)")
    reshape = section.get("reshape")
    if reshape is not None:
        if isinstance(reshape, dict):
            shapes = {k: check_shape(v, f" ('{k}')") for k, v in reshape.items()}
            lines.append(f"shapes = {shapes!r}")
            for split in ("x_train", "x_test"):
                lines.append(f"{split} = None if {split} is None else {{k: v.reshape((len(v), *shapes[k])) "
                             f"if k in shapes else v for k, v in {split}.items()}}")
        else:
            shape = check_shape(reshape, "")
            helpers.append(_EACH)
            for split in ("x_train", "x_test"):
                lines.append(f"{split} = _data_each({split}, lambda a: np.asarray(a).reshape((len(a), *{shape!r})))")
    one_hot = section.get("one_hot", False)
    if one_hot is not False:
        flags = repr(one_hot) if isinstance(one_hot, list) else f"[{one_hot!r}] * len(y_train)"
        lines += [
            f"flags = {flags}",
            "for i, flag in enumerate(flags):",
            "    if not flag:",
            "        continue",
            "    names_i = all_class_names[i]",
            "    parts = [y_train[i]] + ([y_test[i]] if y_test is not None else [])",
            "    k = len(names_i) if names_i else int(max(np.max(p) for p in parts if np.size(p))) + 1",
            "    y_train[i] = keras.utils.to_categorical(np.asarray(y_train[i]).reshape(-1), k).astype(np.float32)",
            "    if y_test is not None:",
            "        y_test[i] = keras.utils.to_categorical(np.asarray(y_test[i]).reshape(-1), k).astype(np.float32)",
        ]
    seed = section.get("shuffle_seed")
    if seed is not None:
        helpers.append(_EACH)
        lines += [
            "first = next(iter(x_train.values())) if isinstance(x_train, dict) else x_train",
            f"order = np.random.default_rng({seed}).permutation(len(first))",
            "x_train = _data_each(x_train, lambda a: np.asarray(a)[order])",
            "y_train = [np.asarray(y)[order] for y in y_train]",
        ]
    if lines:
        lines.insert(0, "# preprocessing, in LayerLab's order: scale, standardize, reshape, one_hot, shuffle_seed")
    return lines
