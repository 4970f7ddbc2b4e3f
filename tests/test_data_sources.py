"""The sklearn, images and text_csv sources, each checked against the library it claims to match."""

import numpy as np
import pytest
from datafixtures import image_folder, png_bytes, write_csv

from layerlab.core.data import encode_texts, load_dataset
from layerlab.core.data.errors import DataError, DataFileError
from layerlab.core.data.section import SKLEARN_NAMES
from layerlab.core.data.tokenizer import fit_word_index, texts_to_sequences
from layerlab.core.kerasenv import keras


@pytest.mark.parametrize("name", SKLEARN_NAMES)
def test_sklearn_datasets_match_scikit_learn(tmp_path, name):
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, f"load_{name}")()
    ds = load_dataset({"source": "sklearn", "name": name}, tmp_path)
    np.testing.assert_array_equal(ds.x_train, bunch.data.astype(np.float32))
    np.testing.assert_array_equal(ds.y_train, bunch.target.astype(ds.y_train.dtype))
    if name == "diabetes":
        assert ds.class_names is None and ds.y_train.dtype == np.float32
    else:
        assert ds.class_names == [str(n) for n in bunch.target_names] and ds.y_train.dtype == np.int32
    assert not ds.has_test and ds.feature_names == [str(f) for f in bunch.feature_names]


def test_sklearn_unknown_name(tmp_path):
    with pytest.raises(DataError, match="no dataset 'mnist'; choose one of: digits, iris"):
        load_dataset({"source": "sklearn", "name": "mnist"}, tmp_path)


def test_image_folders_give_pixels_labels_and_class_names(tmp_path):
    written = image_folder(tmp_path / "pics", {"cats": 3, "dogs": 2}, size=(6, 5))
    ds = load_dataset({"source": "images", "path": "pics", "image_size": [6, 5]}, tmp_path)
    assert ds.class_names == ["cats", "dogs"]
    assert ds.x_train.shape == (5, 6, 5, 3) and ds.x_train.dtype == np.float32
    expected = [pixels for _, (pixels, _) in sorted(written.items())]
    np.testing.assert_array_equal(ds.x_train, np.stack(expected).astype(np.float32))
    assert ds.y_train.tolist() == [0, 0, 0, 1, 1]


def test_grayscale_and_resizing(tmp_path):
    image_folder(tmp_path / "pics", {"a": 2, "b": 2}, size=(8, 8), rgb=False)
    ds = load_dataset({"source": "images", "path": "pics", "image_size": [4, 4], "color_mode": "grayscale",
                       "scale": 255}, tmp_path)
    assert ds.x_train.shape == (4, 4, 4, 1) and 0 <= ds.x_train.min() and ds.x_train.max() <= 1


def test_image_folder_errors(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "x.png").write_bytes(png_bytes(np.zeros((3, 3), np.uint8)))
    (tmp_path / "empty" / "cats").mkdir(parents=True)
    (tmp_path / "bad" / "cats").mkdir(parents=True)
    (tmp_path / "bad" / "cats" / "broken.png").write_bytes(b"not a png at all")
    cases = [
        ({"path": "flat"}, DataError, "flat has no class folders"),
        ({"path": "empty"}, DataError, "empty has class folders (cats) but no images"),
        ({"path": "nowhere"}, DataFileError, "nowhere: no such folder"),
        ({"path": "flat/x.png"}, DataFileError, "is a file, not a folder"),
        ({"path": "flat", "image_size": [0, 3]}, DataError, "\"image_size\": give [height, width]"),
        ({"path": "flat", "color_mode": "cmyk"}, DataError, "\"color_mode\" must be one of rgb, grayscale"),
        ({"path": "bad", "image_size": [3, 3]}, DataFileError, "broken.png cannot be decoded"),
    ]
    for section, error, words in cases:
        with pytest.raises(error) as err:
            load_dataset({"source": "images", **section}, tmp_path)
        assert words in str(err.value), section


REVIEWS = [
    ("A great, GREAT movie!", "pos"), ("Terrible plot; terrible acting.", "neg"), ("great acting\tand plot", "pos"),
    ("I want my money back...", "neg"), ("A movie: great fun (really)", "pos"), ("plot? what plot", "neg"),
]


def test_tokenizer_matches_keras_legacy_tokenizer():
    from keras.src.legacy.preprocessing.text import Tokenizer  # Keras's own copy of the old Tokenizer

    texts = [t for t, _ in REVIEWS] + ["unseen words only", "Great! great? GREAT."]
    for num_words in (None, 1, 4, 9, 1000):
        tok = Tokenizer(num_words=num_words)
        tok.fit_on_texts(texts[:6])
        index = fit_word_index(texts[:6], num_words)
        assert index == {w: i for w, i in tok.word_index.items() if num_words is None or i < num_words}
        assert texts_to_sequences(texts, index, num_words) == tok.texts_to_sequences(texts)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_text_csv_is_the_tokenizer_and_pad_sequences_workflow(tmp_path, padding):
    from keras.src.legacy.preprocessing.text import Tokenizer

    write_csv(tmp_path / "reviews.csv", ["review", "label"], REVIEWS)
    section = {"source": "text_csv", "path": "reviews.csv", "text": "review", "target": "label", "num_words": 6,
               "maxlen": 3, "padding": padding}
    ds = load_dataset(section, tmp_path)
    tok = Tokenizer(num_words=6)
    texts = [t for t, _ in REVIEWS]
    tok.fit_on_texts(texts)
    expected = keras().utils.pad_sequences(tok.texts_to_sequences(texts), maxlen=3, padding=padding,
                                           truncating=padding)
    np.testing.assert_array_equal(ds.x_train, expected)
    assert ds.class_names == ["neg", "pos"] and ds.y_train.tolist() == [1, 0, 1, 0, 1, 0]
    assert ds.meta["word_index"] == {w: i for w, i in tok.word_index.items() if i < 6}
    new = ["great plot, great acting", "nothing known here"]
    np.testing.assert_array_equal(
        encode_texts(new, ds.meta),
        keras().utils.pad_sequences(tok.texts_to_sequences(new), maxlen=3, padding=padding, truncating=padding))


def test_text_csv_defaults_and_errors(tmp_path):
    write_csv(tmp_path / "reviews.csv", ["review", "label"], REVIEWS)
    ds = load_dataset({"source": "text_csv", "path": "reviews.csv", "text": "review", "target": "label"}, tmp_path)
    assert ds.x_train.shape == (6, 80) and ds.meta["num_words"] == 10000
    with pytest.raises(DataError, match="has no column 'text'"):
        load_dataset({"source": "text_csv", "path": "reviews.csv", "text": "text", "target": "label"}, tmp_path)
    with pytest.raises(DataError, match="\"maxlen\" must be at least 1"):
        load_dataset({"source": "text_csv", "path": "reviews.csv", "text": 0, "target": 1, "maxlen": 0}, tmp_path)
    with pytest.raises(DataError, match="\"text\" is required"):
        load_dataset({"source": "text_csv", "path": "reviews.csv", "target": 1}, tmp_path)
