"""The bundled examples: each is a valid v1 project that exports to files plain Keras reloads compiled.

Keras is the oracle for parameter counts, the summary table and the reloads.
"""

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from layerlab.core import project as projects
from layerlab.core.export import build_compiled_model, save_model
from layerlab.core.kerasenv import keras
from layerlab.core.shapes import check_document
from layerlab.core.summary import summarize

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.layerlab"))
REQUIRED = {"binary_csv", "mnist_mlp", "fashion_mlp", "wide_deep", "imdb_rnn", "small_cnn", "unet_small",
            "digits_mlp"}


def load(name):
    return projects.load(EXAMPLES / f"{name}.layerlab")


@pytest.fixture(scope="module")
def built():
    """One compiled Keras model per example, built by LayerLab (cached: building takes a while)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build_compiled_model(load(name), weights=False)
        return cache[name]

    return get


def test_every_required_example_is_there():
    assert REQUIRED <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_example_is_a_tidy_valid_project(name):
    path = EXAMPLES / f"{name}.layerlab"
    project = load(name)
    report = check_document(project.document, extra=project.load_problems)
    assert report.valid, [str(p) for p in report.problems]
    assert report.warnings == []
    assert project.name and project.training
    for n in project.document.nodes():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", n.id), n.id
        assert n.position is not None, n.id
    assert len({n.position for n in project.document.nodes()}) == len(project.document)  # no two on one spot
    assert projects.load(path).dumps() == path.read_text()  # saved by LayerLab: load -> save is identical


@pytest.mark.parametrize("name, expected", [("mnist_mlp", 407_050), ("fashion_mlp", 266_610), ("binary_csv", 221)])
def test_seed_parameter_counts(name, expected, built):
    report = check_document(load(name).document)
    assert built(name).count_params() == report.total_params == expected


def test_seed_models_keras_built_independently_agree():
    # The seeds' models written directly in Keras: the counts above are Keras's, not LayerLab's.
    k = keras()
    mnist = k.Sequential([k.Input((784,)), k.layers.Dense(512, activation="relu"), k.layers.Dropout(0.2),
                          k.layers.Dense(10, activation="softmax")])
    fashion = k.Sequential([k.Input((28, 28)), k.layers.Flatten(), k.layers.Dense(300, activation="relu"),
                            k.layers.Dense(100, activation="relu"), k.layers.Dense(10, activation="softmax")])
    binary = k.Sequential([k.Input((8,)), k.layers.Dense(12, activation="relu"), k.layers.Dense(8, activation="relu"),
                           k.layers.Dense(1, activation="sigmoid")])
    assert (mnist.count_params(), fashion.count_params(), binary.count_params()) == (407_050, 266_610, 221)


def targets_for(model):
    """Zero targets that fit each output and its loss (class indices for sparse losses)."""
    losses = model.loss if isinstance(model.loss, (list, tuple)) else [model.loss]
    out = []
    for tensor, loss in zip(model.outputs, losses):
        sparse = "Sparse" in type(loss).__name__
        out.append(np.zeros((4,), "int32") if sparse else np.zeros((4, *tensor.shape[1:]), "float32"))
    return out if len(out) > 1 else out[0]


def inputs_for(model, rng):
    xs = []
    for t in model.inputs:
        shape = (4, *t.shape[1:])
        xs.append(rng.integers(0, 100, size=shape).astype("int32") if "int" in str(t.dtype)
                  else rng.normal(size=shape).astype("float32"))
    return xs if len(xs) > 1 else xs[0]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", NAMES)
def test_example_exports_and_reloads_compiled(name, suffix, built, tmp_path):
    model = built(name)
    path = save_model(model, tmp_path / f"{name}{suffix}")
    reloaded = keras().models.load_model(path)  # plain Keras, no custom objects
    assert reloaded.compiled
    assert type(reloaded.optimizer).__name__ == type(model.optimizer).__name__
    assert reloaded.count_params() == model.count_params()
    rng = np.random.default_rng(0)
    x = inputs_for(model, rng)
    want, got = model.predict(x, verbose=0), reloaded.predict(x, verbose=0)
    for a, b in zip(want if isinstance(want, list) else [want], got if isinstance(got, list) else [got]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    scores = reloaded.evaluate(x, targets_for(reloaded), verbose=0, return_dict=True)
    assert scores and all(np.isfinite(v) for v in scores.values())
    assert set(scores) == set(model.evaluate(x, targets_for(model), verbose=0, return_dict=True))


@pytest.mark.parametrize("name", NAMES)
def test_summary_numbers_are_keras_numbers(name, built):
    project = load(name)
    model = built(name)
    summary = summarize(project.document, check_document(project.document))
    for row in summary.rows:
        assert row.params == model.get_layer(row.layer).count_params(), row.node
        assert list(row.shapes) == [tuple(t.shape) for t in _outputs_of(model.get_layer(row.layer))]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert summary.total_params == model.count_params()
    assert summary.trainable_params == trainable
    assert summary.non_trainable_params == model.count_params() - trainable
    assert len(summary.rows) == len(model.layers)


def _outputs_of(layer):
    out = layer.output
    return out if isinstance(out, (list, tuple)) else [out]


def test_unet_has_skip_connections_and_a_non_trainable_part():
    project = load("unet_small")
    doc = project.document
    merges = [n for n in doc.node_ids() if doc.node_type(n) == "Concatenate"]
    assert len(merges) == 2 and project.dataset is None
    summary = summarize(doc, check_document(doc))
    assert summary.non_trainable_params > 0  # BatchNormalization's moving statistics


def test_wide_and_deep_has_two_inputs_two_outputs_and_weighted_losses():
    project = load("wide_deep")
    doc = project.document
    assert doc.input_ids() == ["wide", "deep"]
    assert doc.output_ids() == ["main_output", "aux_output"]
    assert project.training["loss"] == ["mse", "mse"] and project.training["loss_weights"] == [0.9, 0.1]
    assert set(project.dataset["features"]) == {"wide", "deep"}
    shapes = {n: doc.params(n)["shape"] for n in doc.input_ids()}
    assert shapes == {n: [len(cols)] for n, cols in project.dataset["features"].items()}


def test_default_example_is_the_digits_mlp_of_the_makefile():
    makefile = (EXAMPLES.parent.parent / "Makefile").read_text()
    assert "resources/examples/digits_mlp.layerlab" in makefile
    project = load("digits_mlp")
    assert project.dataset == {"source": "sklearn", "name": "digits", "scale": 16}
    t = project.training
    assert (t["optimizer"], t["loss"], t["metrics"], t["epochs"], t["validation_split"]) == (
        "adam", "sparse_categorical_crossentropy", ["accuracy"], 20, 0.2)


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_bundled_csvs_hold_the_real_scikit_learn_data():
    from sklearn.datasets import load_breast_cancer, load_diabetes

    header, rows = read_csv(EXAMPLES / "data" / "breast_cancer.csv")
    bc = load_breast_cancer()
    assert header == [n.replace(" ", "_") for n in bc.feature_names[:8]] + ["diagnosis"]
    np.testing.assert_allclose(np.array([r[:8] for r in rows], float), bc.data[:, :8], rtol=1e-5)
    assert [r[8] for r in rows] == [str(bc.target_names[t]) for t in bc.target]

    header, rows = read_csv(EXAMPLES / "data" / "diabetes.csv")
    db = load_diabetes(scaled=False)
    assert header == list(db.feature_names) + ["progression"]
    np.testing.assert_allclose(np.array(rows, float), np.column_stack([db.data, db.target]), rtol=1e-5)


@pytest.mark.parametrize("name", [n for n in NAMES if n in ("binary_csv", "wide_deep", "digits_mlp", "small_cnn")])
def test_offline_datasets_fit_their_models(name, built):
    # The data engineer's loader, on the example's own dataset section: the arrays fit the model's inputs.
    from layerlab.core.data import load_dataset

    project = load(name)
    data = load_dataset(project.dataset, project.base_dir)
    model = built(name)
    x = data.x_train
    xs = [x[n] for n in project.document.input_ids()] if isinstance(x, dict) else [x]
    assert [a.shape[1:] for a in xs] == [tuple(t.shape[1:]) for t in model.inputs]
    ys = data.y_train if isinstance(data.y_train, list) else [data.y_train]
    assert len(ys) == len(model.outputs) and all(len(y) == len(xs[0]) for y in ys)
