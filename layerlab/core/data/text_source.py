"""The `text_csv` source: a text column tokenized into padded integer sequences, and a target column.

This is the Tokenizer -> pad_sequences workflow: the word index is fitted on
the file's texts and kept in Dataset.meta, so that new texts can be encoded
the same way for predictions (:func:`encode_texts`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from layerlab.core.data.csv_table import read_header, read_table, resolve_column
from layerlab.core.data.section import get_choice, get_int, require, resolve_path
from layerlab.core.data.targets import encode_target
from layerlab.core.data.tokenizer import FILTERS, fit_word_index, texts_to_sequences

DEFAULT_NUM_WORDS = 10000
DEFAULT_MAXLEN = 80


def options(section: dict) -> tuple[int, int, str]:
    """(num_words, maxlen, padding) with their defaults."""
    num_words = get_int(section, "num_words", DEFAULT_NUM_WORDS, minimum=1)
    maxlen = get_int(section, "maxlen", DEFAULT_MAXLEN, minimum=1)
    padding = get_choice(section, "padding", ("pre", "post"), "pre")
    return num_words, maxlen, padding


def encode_texts(texts: list[str], meta: dict) -> np.ndarray:
    """Encode new texts with a dataset's fitted word index: int32 of shape (len(texts), maxlen)."""
    from layerlab.core.kerasenv import keras

    seqs = texts_to_sequences(texts, meta["word_index"], meta["num_words"])
    return keras().utils.pad_sequences(seqs, maxlen=meta["maxlen"], padding=meta["padding"],
                                       truncating=meta["padding"], dtype="int32")


def load(section: dict, base_dir: Path):
    """Load a `text_csv` dataset section (before preprocessing)."""
    from layerlab.core.data import Dataset

    num_words, maxlen, padding = options(section)
    text_ref, target_ref = require(section, "text"), require(section, "target")
    path = resolve_path(section, "path", base_dir)
    names = read_header(path, section["path"], ",", True)
    text_col = resolve_column(names, text_ref, section["path"], "text")
    target_col = resolve_column(names, target_ref, section["path"], "target")
    table = read_table(path, section["path"], text=sorted({text_col, target_col}))
    texts = table.cells[text_col]
    y, _, class_names = encode_target(table, target_col)
    word_index = fit_word_index(texts, num_words)
    meta = {"word_index": word_index, "num_words": num_words, "maxlen": maxlen, "padding": padding,
            "filters": FILTERS, "lower": True, "text_column": table.columns[text_col], "class_names": [class_names]}
    x = encode_texts(texts, meta)
    return Dataset(x, y, class_names=class_names, feature_names=[table.columns[text_col]], source="text_csv",
                   meta=meta)
