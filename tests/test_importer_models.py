"""Importing real Keras-saved models: structure, training section, weights, and Keras as the oracle.

Every model is saved both as .keras and as legacy .h5 by Keras itself, imported,
checked, built by LayerLab and compared with plain Keras loading the same file:
parameter counts, per-layer configs and predictions on a random batch.
"""

import json

import h5py
import numpy as np
import pytest
from test_importer_support import assert_same_as_keras, keras, predictions, random_inputs, save_both

from layerlab.core.importer import import_model
from layerlab.core.shapes import check_document

FORMATS = [".keras", ".h5"]


def _save(model, tmp_path, suffix, compile_args=None):
    if compile_args:
        model.compile(**compile_args)
    keras_path, h5_path = save_both(model, tmp_path, model.name)
    return keras_path if suffix == ".keras" else h5_path


def _nodes(result):
    return {n.id: n for n in result.project.document.nodes()}


@pytest.mark.parametrize("suffix", FORMATS)
def test_sequential_model_with_training_config(tmp_path, suffix):
    k = keras()
    model = k.Sequential([k.Input((8,)), k.layers.Dense(12, activation="relu"), k.layers.Dropout(0.2),
                          k.layers.Dense(1, activation="sigmoid")], name="binary")
    path = _save(model, tmp_path, suffix, dict(optimizer=k.optimizers.Adam(0.003),
                                               loss=k.losses.BinaryCrossentropy(), metrics=["accuracy"]))
    result = import_model(path)
    doc = result.project.document
    assert [n.type for n in doc.nodes()] == ["Input", "Dense", "Dropout", "Dense"]
    assert doc.node(doc.input_ids()[0]).params == {"shape": [8], "dtype": "float32"}
    assert result.project.name == "binary"
    assert result.project.training == {"optimizer": "adam", "learning_rate": 0.003,
                                       "loss": "binary_crossentropy", "metrics": ["accuracy"]}
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_nested_model_is_flattened_and_clashing_names_are_renamed(tmp_path, suffix):
    k = keras()
    inner_in = k.Input((6,))
    inner = k.Model(inner_in, k.layers.Dense(5, activation="tanh", name="dense")(inner_in), name="inner")
    block = k.Sequential([k.layers.Dense(4, name="block_dense"), k.layers.BatchNormalization(name="block_bn")],
                         name="block")
    x = k.Input((6,), name="features")
    h = k.layers.Dense(6, name="dense")(x)
    out = k.layers.Dense(2, name="head")(block(inner(h)))
    model = k.Model(x, out, name="outer")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    nodes = _nodes(result)
    assert set(nodes) == {"features", "dense", "inner_dense", "block_dense", "block_bn", "head"}
    edges = {(e.source, e.target) for e in result.project.document.edges()}
    assert edges == {("features", "dense"), ("dense", "inner_dense"), ("inner_dense", "block_dense"),
                     ("block_dense", "block_bn"), ("block_bn", "head")}
    assert any("inner_dense" in note for note in result.notes)
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_shared_layer_stays_one_layer(tmp_path, suffix):
    k = keras()
    a, b = k.Input((4,), name="left"), k.Input((4,), name="right")
    shared = k.layers.Dense(3, activation="relu", name="encoder")
    diff = k.layers.Subtract(name="diff")([shared(a), shared(b)])
    model = k.Model([a, b], k.layers.Dense(1, name="score")(diff), name="siamese")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    nodes = _nodes(result)
    calls = [n for n in nodes.values() if n.id == "encoder" or n.shares == "encoder"]
    assert len(calls) == 2 and [n.shares for n in calls].count("encoder") == 1
    ports = {(e.source, e.port) for e in result.project.document.in_edges("diff")}
    second = next(n.id for n in calls if n.shares)
    assert ports == {("encoder", 0), (second, 1)}  # Subtract's order kept: left - right
    assert list(result.weights) == ["encoder", "score"]
    built = assert_same_as_keras(path, result)
    dense_layers = [layer for layer in built.layers if isinstance(layer, k.layers.Dense)]
    assert len(dense_layers) == 2  # the shared Dense is one layer object, its weights counted once


@pytest.mark.parametrize("suffix", FORMATS)
def test_multi_output_model_keeps_per_output_losses(tmp_path, suffix):
    k = keras()
    x = k.Input((5,), name="x")
    h = k.layers.Dense(8, activation="relu", name="trunk")(x)
    out_a = k.layers.Dense(1, activation="sigmoid", name="out_a")(h)
    out_b = k.layers.Dense(3, activation="softmax", name="out_b")(h)
    model = k.Model(x, [out_a, out_b], name="two_heads")
    path = _save(model, tmp_path, suffix, dict(
        optimizer=k.optimizers.SGD(0.05, momentum=0.9),
        loss={"out_a": k.losses.BinaryCrossentropy(), "out_b": k.losses.SparseCategoricalCrossentropy()},
        loss_weights={"out_a": 0.9, "out_b": 0.1}))
    result = import_model(path)
    doc = result.project.document
    assert doc.output_ids() == ["out_a", "out_b"]
    assert result.project.training == {"optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9,
                                       "loss": ["binary_crossentropy", "sparse_categorical_crossentropy"],
                                       "loss_weights": [0.9, 0.1]}
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_lstm_states_feed_two_consumers_through_source_ports(tmp_path, suffix):
    k = keras()
    x = k.Input((5, 3), name="seq")
    _, h, c = k.layers.LSTM(4, return_state=True, name="lstm")(x)
    hidden = k.layers.Dense(2, name="from_h")(h)
    both = k.layers.Concatenate(name="h_and_c")([h, c])
    model = k.Model(x, [hidden, both], name="states")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    edges = {(e.source, e.target, e.port, e.source_port) for e in result.project.document.edges()}
    assert edges == {("seq", "lstm", 0, 0), ("lstm", "from_h", 0, 1), ("lstm", "h_and_c", 0, 1),
                     ("lstm", "h_and_c", 1, 2)}
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_attention_and_wrappers_keep_ports_and_weights(tmp_path, suffix):
    k = keras()
    q, v = k.Input((4, 6), name="query_in"), k.Input((3, 6), name="value_in")
    key = k.layers.Dense(6, name="key_proj")(v)
    att = k.layers.MultiHeadAttention(2, 3, name="mha")(q, v, key)
    seq = k.layers.Bidirectional(k.layers.GRU(3, return_sequences=True), name="bigru")(att)
    out = k.layers.TimeDistributed(k.layers.Dense(2), name="per_step")(seq)
    model = k.Model([q, v], k.layers.GlobalAveragePooling1D(name="pool")(out), name="attention")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    ports = {e.port: e.source for e in result.project.document.in_edges("mha")}
    assert ports == {0: "query_in", 1: "value_in", 2: "key_proj"}
    assert [a.shape for a in result.weights["mha"]] == [w.shape for w in model.get_layer("mha").get_weights()]
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_serialized_initializers_regularizers_constraints_are_accepted_back(tmp_path, suffix):
    k = keras()
    x = k.Input((6,), name="x")
    y = k.layers.Dense(4, name="custom_init", kernel_initializer=k.initializers.RandomNormal(stddev=0.02, seed=3),
                       bias_initializer=k.initializers.Constant(0.1), kernel_regularizer=k.regularizers.L2(0.01),
                       activity_regularizer=k.regularizers.L1(0.001), kernel_constraint=k.constraints.MaxNorm(2.0),
                       bias_constraint=k.constraints.NonNeg())(x)
    y = k.layers.Dense(3, name="defaults", kernel_initializer="he_normal", trainable=False)(y)
    y = k.layers.BatchNormalization(name="frozen_bn", trainable=False, gamma_regularizer=k.regularizers.L1L2(
        0.01, 0.02), beta_constraint=k.constraints.MinMaxNorm(0.0, 1.0))(y)
    model = k.Model(x, y, name="objects")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    nodes = _nodes(result)
    assert nodes["defaults"].params["kernel_initializer"] == "he_normal"
    assert nodes["defaults"].params["trainable"] is False
    assert isinstance(nodes["custom_init"].params["kernel_regularizer"], dict)  # Keras's JSON form, kept
    built = assert_same_as_keras(path, result)  # compares every layer's get_config with the original's
    assert len(built.trainable_weights) == len(model.trainable_weights)


@pytest.mark.parametrize("suffix", FORMATS)
def test_output_that_also_feeds_a_layer_goes_through_identity(tmp_path, suffix):
    k = keras()
    x = k.Input((4,), name="x")
    first = k.layers.Dense(3, name="first")(x)
    second = k.layers.Dense(2, name="second")(first)
    model = k.Model(x, [first, second], name="tapped")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    doc = result.project.document
    outputs = doc.output_ids()
    assert len(outputs) == 2 and outputs[1] == "second"
    assert doc.node_type(outputs[0]) == "Identity" and doc.in_edges(outputs[0])[0].source == "first"
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_nested_model_called_twice_shares_its_layers(tmp_path, suffix):
    k = keras()
    enc_in = k.Input((4,))
    encoder = k.Model(enc_in, k.layers.Dense(3, name="enc_dense")(enc_in), name="encoder")
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    joined = k.layers.Concatenate(name="joined")([encoder(a), encoder(b)])
    model = k.Model([a, b], joined, name="twin")
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    nodes = _nodes(result)
    assert nodes["enc_dense"].shares is None
    sharers = [n.id for n in nodes.values() if n.shares == "enc_dense"]
    assert len(sharers) == 1
    assert {(e.source, e.port) for e in result.project.document.in_edges("joined")} == {
        ("enc_dense", 0), (sharers[0], 1)}
    assert_same_as_keras(path, result)


def test_exported_project_predicts_like_the_original(tmp_path):
    from layerlab.core import project as project_io
    from layerlab.core.export import export_project

    k = keras()
    x = k.Input((10,), name="x")
    h = k.layers.Dense(8, activation="relu", name="h")(x)
    h = k.layers.BatchNormalization(name="bn")(h)
    out = k.layers.Dense(3, activation="softmax", name="out")(h)
    model = k.Model(x, out, name="exported")
    model.compile(optimizer="adam", loss=k.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    source = tmp_path / "source.keras"
    model.save(source)
    project_path, weights_path = import_model(source).save(tmp_path / "imported.layerlab")
    assert weights_path is not None and weights_path.is_file()
    exported = export_project(project_io.load(project_path), tmp_path / "exported.h5").path
    again = k.models.load_model(exported)
    xs = random_inputs(model)
    np.testing.assert_allclose(predictions(again, xs)[0], predictions(model, xs)[0], atol=1e-5, rtol=0)
    assert again.count_params() == model.count_params()


def test_keras2_legacy_h5_config_and_weights(tmp_path):
    """A file in Keras 2's layout (list-style inbound nodes, batch_input_shape, "kernel:0" weight names)."""
    k = keras()
    rng = np.random.default_rng(1)

    def dense(name, units, inbound):
        return {"class_name": "Dense", "name": name, "inbound_nodes": [[[src, 0, 0, {}] for src in inbound]],
                "config": {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": "relu",
                           "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform",
                                                                    "config": {"seed": None}},
                           "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                           "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                           "bias_constraint": None}}

    config = {"class_name": "Functional", "config": {
        "name": "model", "input_layers": [["input_1", 0, 0]], "output_layers": [["concatenate", 0, 0]],
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "input_1"}},
            dense("dense", 3, ["input_1"]), dense("dense_1", 2, ["input_1"]),
            {"class_name": "Concatenate", "name": "concatenate", "inbound_nodes": [[["dense", 0, 0, {}],
                                                                                     ["dense_1", 0, 0, {}]]],
             "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1}}]}}
    training = {"loss": "mse", "metrics": ["mae"], "loss_weights": None,
                "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.01}}}
    weights = {"dense": [rng.normal(size=(4, 3)), rng.normal(size=3)],
               "dense_1": [rng.normal(size=(4, 2)), rng.normal(size=2)]}
    path = tmp_path / "keras2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps(training)
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [n.encode() for n in ("input_1", "dense", "dense_1", "concatenate")]
        for name in ("input_1", "dense", "dense_1", "concatenate"):
            g = group.create_group(name)
            arrays = weights.get(name, [])
            g.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w in ("kernel", "bias")][: len(arrays)]
            for w, array in zip(("kernel", "bias"), arrays):
                g.create_dataset(f"{name}/{w}:0", data=array.astype("float32"))
    result = import_model(path)
    assert result.project.training == {"optimizer": "adam", "learning_rate": 0.01, "loss": "mse", "metrics": ["mae"]}
    ports = {e.port: e.source for e in result.project.document.in_edges("concatenate")}
    assert ports == {0: "dense", 1: "dense_1"}
    original = k.models.load_model(path, compile=False)  # Keras 3 reads Keras 2 files too: the oracle
    assert_same_as_keras(path, result, original=original)


def test_keras2_nested_models_count_calls_from_one():
    """Keras 2 numbered a nested model's calls from 1 (its own first node) in every reference."""
    from layerlab.core.importer.convert import Converter

    def ref(name, node=0):
        return [[name, node, 0, {}]]

    inner = {"class_name": "Sequential", "name": "seq", "inbound_nodes": [ref("input_1")],
             "config": {"name": "seq", "layers": [
                 {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "name": "seq_input"}},
                 {"class_name": "Dense", "config": {"name": "inner_dense", "units": 2}}]}}
    config = {"class_name": "Functional", "config": {
        "name": "model", "input_layers": [["input_1", 0, 0]], "output_layers": [["head", 0, 0]],
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "name": "input_1"}},
            inner,
            {"class_name": "Dense", "name": "head", "inbound_nodes": [ref("seq", 1)],
             "config": {"name": "head", "units": 1}}]}}
    conversion = Converter().convert(config)
    assert [(e.source, e.target) for e in conversion.edges] == [("input_1", "inner_dense"), ("inner_dense", "head")]


def test_weights_only_the_architecture_when_asked(tmp_path):
    k = keras()
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2)], name="tiny")
    path = tmp_path / "tiny.keras"
    model.save(path)
    result = import_model(path, weights=False)
    assert result.weights == {}
    assert check_document(result.project.document).total_params == model.count_params()


@pytest.mark.parametrize("suffix", FORMATS)
def test_nested_models_as_outputs_and_inside_a_sequential(tmp_path, suffix):
    k = keras()
    inner_in = k.Input((4,))
    inner = k.Model(inner_in, [k.layers.Dense(2, name="left")(inner_in), k.layers.Dense(3, name="right")(inner_in)],
                    name="two_outputs")
    tail = k.Sequential([k.layers.Dense(2, name="tail_dense")], name="tail")
    x = k.Input((4,), name="x")
    left, right = inner(x)
    model = k.Model(x, [left, tail(right)], name="outer")  # a nested model's output is a model output
    path = _save(model, tmp_path, suffix)
    result = import_model(path)
    assert result.project.document.output_ids() == ["left", "tail_dense"]
    assert_same_as_keras(path, result)

    part_in = k.Input((4,))
    part = k.Model(part_in, k.layers.Dense(3, name="mid")(part_in), name="part")
    seq = k.Sequential([k.Input((4,)), part, k.layers.Dense(1, name="end")], name="seq_of_model")
    path = _save(seq, tmp_path, suffix)
    result = import_model(path)
    assert [n.id for n in result.project.document.nodes()][1:] == ["mid", "end"]
    assert_same_as_keras(path, result)


@pytest.mark.parametrize("suffix", FORMATS)
def test_training_settings_that_cannot_be_kept_are_noted(tmp_path, suffix):
    k = keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3)], name="logits")
    schedule = k.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    path = _save(model, tmp_path, suffix, dict(
        optimizer=k.optimizers.RMSprop(schedule, clipnorm=1.0),
        loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[k.metrics.SparseCategoricalAccuracy(), k.metrics.SparseTopKCategoricalAccuracy(k=2)]))
    result = import_model(path)
    assert result.project.training == {"optimizer": "rmsprop", "loss": "sparse_categorical_crossentropy",
                                       "metrics": ["sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"]}
    notes = " ".join(result.notes)
    assert "learning-rate schedule" in notes and "clipnorm" in notes and "from_logits=True" in notes
