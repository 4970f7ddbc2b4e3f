"""The kinds of model Keras's own examples write, built in plain Keras, imported, checked and exported back.

Each model is saved by Keras as .keras and .h5, imported, checked valid, built by
LayerLab with the imported weights (parameter count, configs and predictions equal
Keras loading the file), then exported by LayerLab to .keras and .h5 and loaded by
plain Keras again: same parameter count and predictions (atol 1e-4).
"""

import numpy as np
import pytest
from test_importer_support import assert_same_as_keras, keras, predictions, random_inputs, save_both

from layerlab.core.importer import import_model
from layerlab.core.importer.errors import ModelRefusedError

FORMATS = [".keras", ".h5"]


def _round_trip(model, tmp_path, suffix, inputs=None, operations=False, h5_loads=True, saved=None):
    """Import the saved model, compare with Keras, export it back in both formats and compare again.

    Keras cannot load keras.ops operations back from .h5 (its legacy loader knows layers only): with
    `operations`, the original is what Keras loads from the .keras file, and an .h5 export is refused.
    Without `h5_loads` (a Keras bug: its legacy loader cannot rebuild the model), .h5 files are imported and
    written but not loaded by Keras.
    """
    from layerlab.core import project as project_io
    from layerlab.core.export import ExportError, export_project

    keras_path, h5_path = saved or save_both(model, tmp_path, model.name)
    path = keras_path if suffix == ".keras" else h5_path
    result = import_model(path)
    original = keras().models.load_model(keras_path if operations or not h5_loads else path, compile=False)
    xs = inputs if inputs is not None else random_inputs(original)
    if inputs is None:
        assert_same_as_keras(path, result, atol=1e-4, original=original)
    project_path, _ = result.save(tmp_path / "imported.layerlab")
    project = project_io.load(project_path)
    expected = predictions(original, xs)
    for out_suffix in FORMATS:
        if operations and out_suffix == ".h5":
            with pytest.raises(ExportError, match="keras.ops operations"):
                export_project(project, tmp_path / f"exported{out_suffix}")
            continue
        exported = export_project(project, tmp_path / f"exported{out_suffix}").path
        if out_suffix == ".h5" and not h5_loads:
            continue
        again = keras().models.load_model(exported, compile=False)
        assert again.count_params() == original.count_params()
        for e, g in zip(expected, predictions(again, xs)):
            np.testing.assert_allclose(g, e, atol=1e-4, rtol=0)
    return result


@pytest.mark.parametrize("suffix", FORMATS)
def test_augmentation_block(tmp_path, suffix):
    k = keras()
    x = k.Input((16, 16, 3), name="image")
    aug = k.layers.RandomFlip("horizontal", name="flip")(x)
    aug = k.layers.RandomRotation(0.1, name="rotate")(aug)
    h = k.layers.Rescaling(1 / 255, name="scale")(aug)
    h = k.layers.Conv2D(4, 3, activation="relu", name="conv")(h)
    out = k.layers.Dense(2, name="head")(k.layers.GlobalAveragePooling2D(name="pool")(h))
    result = _round_trip(k.Model(x, out, name="augmented"), tmp_path, suffix)
    types = {n.id: n.type for n in result.project.document.nodes()}
    assert types["flip"] == "RandomFlip" and types["rotate"] == "RandomRotation"


@pytest.mark.parametrize("suffix", FORMATS)
def test_structured_data_lookups(tmp_path, suffix):
    k = keras()
    city = k.Input((1,), dtype="string", name="city")
    rooms = k.Input((1,), dtype="int64", name="rooms")
    city_idx = k.layers.StringLookup(vocabulary=["paris", "rome", "oslo"], output_mode="one_hot", name="city_lookup")
    rooms_idx = k.layers.IntegerLookup(vocabulary=[1, 2, 3, 4], output_mode="one_hot", name="rooms_lookup")
    features = k.layers.Concatenate(name="features")([city_idx(city), rooms_idx(rooms)])
    out = k.layers.Dense(1, name="price")(features)
    model = k.Model([city, rooms], out, name="structured")
    xs = [np.array([["rome"], ["oslo"], ["lima"]]), np.array([[2], [4], [9]], dtype="int64")]
    result = _round_trip(model, tmp_path, suffix, inputs=xs)
    params = {n.id: n.params for n in result.project.document.nodes()}
    assert params["city_lookup"]["vocabulary"] == ["paris", "rome", "oslo"]
    assert params["rooms_lookup"]["vocabulary"] == [1, 2, 3, 4]


@pytest.mark.parametrize("suffix", FORMATS)
def test_conv_lstm_video(tmp_path, suffix):
    k = keras()
    x = k.Input((3, 8, 8, 1), name="frames")
    h = k.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, name="convlstm")(x)
    out = k.layers.Conv3D(1, 3, padding="same", activation="sigmoid", name="next")(h)
    _round_trip(k.Model(x, out, name="video"), tmp_path, suffix)


@pytest.mark.parametrize("suffix", FORMATS)
def test_transformer_residual_written_with_operators(tmp_path, suffix):
    k = keras()
    inputs = k.Input((6, 8), name="tokens")
    x = k.layers.MultiHeadAttention(2, 4, name="mha")(inputs, inputs)
    x = k.layers.LayerNormalization(name="norm")(x + inputs)
    y = k.ops.mean(x * 0.5, axis=1)
    out = k.layers.Dense(2, name="head")(1.0 - y)
    result = _round_trip(k.Model(inputs, out, name="transformer"), tmp_path, suffix, operations=True)
    types = sorted(n.type for n in result.project.document.nodes() if n.type.startswith("ops."))
    assert types == ["ops.add", "ops.mean", "ops.multiply", "ops.subtract"]
    sub = next(n for n in result.project.document.nodes() if n.type == "ops.subtract")
    assert sub.params["constant"] == 1.0 and sub.params["constant_first"] is True


@pytest.mark.parametrize("suffix", FORMATS)
def test_seq2seq_with_initial_state(tmp_path, suffix):
    k = keras()
    enc_in = k.Input((None, 5), name="encoder_inputs")
    _, h, c = k.layers.LSTM(8, return_state=True, name="encoder")(enc_in)
    dec_in = k.Input((None, 6), name="decoder_inputs")
    dec = k.layers.LSTM(8, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = k.layers.Dense(6, activation="softmax", name="decoder_dense")(dec)
    result = _round_trip(k.Model([enc_in, dec_in], out, name="seq2seq"), tmp_path, suffix)
    edges = {(e.source, e.source_port, e.target, e.port) for e in result.project.document.edges()}
    assert {("encoder", 1, "decoder", 1), ("encoder", 2, "decoder", 2)} <= edges


@pytest.mark.parametrize("suffix", FORMATS)
def test_explicit_masks_on_keyword_ports(tmp_path, suffix):
    k = keras()
    seq, steps = k.Input((5, 3), name="seq"), k.Input((5,), dtype="bool", name="steps")
    q, v = k.Input((4, 6), name="q"), k.Input((5, 6), name="v")
    qm, vm = k.Input((4,), dtype="bool", name="qm"), k.Input((5,), dtype="bool", name="vm")
    h = k.layers.GRU(6, name="gru")(seq, mask=steps)
    att = k.layers.Attention(name="att")([q, v], mask=[qm, vm])
    model = k.Model([seq, steps, q, v, qm, vm], [h, att], name="masks")
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(3, 5, 3)).astype("float32"), rng.random((3, 5)) > 0.3,
          rng.normal(size=(3, 4, 6)).astype("float32"), rng.normal(size=(3, 5, 6)).astype("float32"),
          rng.random((3, 4)) > 0.3, rng.random((3, 5)) > 0.3]
    # Keras 3.15's .h5 loader cannot rebuild an Attention layer (its score_mode comes back as a function).
    result = _round_trip(model, tmp_path, suffix, inputs=xs, h5_loads=False)
    edges = {(e.source, e.target, e.port) for e in result.project.document.edges()}
    assert {("steps", "gru", 2), ("qm", "att", 3), ("vm", "att", 4)} <= edges


@pytest.fixture(scope="module")
def transfer(tmp_path_factory):
    """A frozen MobileNetV2 under a new head, saved as .keras and .h5 once for both formats' tests (read only)."""
    k = keras()
    base = k.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights=None, alpha=0.35)
    base.trainable = False
    x = k.Input((32, 32, 3), name="image")
    h = k.layers.RandomFlip("horizontal", name="flip")(x)
    h = k.applications.mobilenet_v2.preprocess_input(h)
    h = base(h, training=False)
    h = k.layers.GlobalAveragePooling2D(name="pool")(h)
    h = k.layers.Dropout(0.2, name="drop")(h)
    out = k.layers.Dense(1, name="head")(h)
    model = k.Model(x, out, name="transfer")
    return model, save_both(model, tmp_path_factory.mktemp("transfer"), model.name)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """A frozen MobileNetV2 named "base" under a head, saved as .keras and .h5 once for both formats' tests."""
    k = keras()
    base = k.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights=None, alpha=0.35,
                                      name="base")
    base.trainable = False
    x = k.Input((32, 32, 3), name="image")
    out = k.layers.Dense(2, name="head")(k.layers.GlobalAveragePooling2D(name="pool")(base(x)))
    model = k.Model(x, out, name="frozen")
    return model, base, save_both(model, tmp_path_factory.mktemp("frozen"), "frozen")


@pytest.mark.parametrize("suffix", FORMATS)
def test_transfer_learning_recipe(tmp_path, suffix, transfer):
    model, saved = transfer
    result = _round_trip(model, tmp_path, suffix, operations=True, saved=saved)
    types = [n.type for n in result.project.document.nodes()]
    assert "ops.true_divide" in types and "ops.subtract" in types


def test_operations_outside_the_curated_set_are_refused_by_name(tmp_path):
    k = keras()
    x = k.Input((4,), name="x")
    out = k.layers.Dense(2, name="head")(k.ops.cumsum(x, axis=1))
    path, _ = save_both(k.Model(x, out, name="cumsum"), tmp_path, "cumsum")
    with pytest.raises(ModelRefusedError) as info:
        import_model(path)
    assert "Cumsum" in str(info.value) and "curated" in str(info.value)


def _exported(result, tmp_path, suffix):
    from layerlab.core import project as project_io
    from layerlab.core.export import export_project

    project_path, _ = result.save(tmp_path / "nested.layerlab")
    path = export_project(project_io.load(project_path), tmp_path / f"nested_out{suffix}").path
    return keras().models.load_model(path, compile=False)


@pytest.mark.parametrize("suffix", FORMATS)
def test_shared_sequential_encoder_stays_one_model_called_twice(tmp_path, suffix):
    k = keras()
    enc = k.Sequential([k.Input((6,)), k.layers.Dense(5, activation="relu", name="enc_dense"),
                        k.layers.Dense(3, name="enc_out")], name="enc")
    a, b = k.Input((6,), name="a"), k.Input((6,), name="b")
    diff = k.layers.Subtract(name="diff")([enc(a), enc(b)])
    model = k.Model([a, b], k.layers.Dense(1, name="score")(diff), name="siamese_enc")
    result = _round_trip(model, tmp_path, suffix)
    doc = result.project.document
    models = [g for g in doc.groups() if g.model]
    assert [(g.label, g.extra.get("shares")) for g in models] == [("enc", None), ("enc", models[0].id)]
    assert set(models[0].nodes) == {"enc_dense", "enc_out"}
    again = _exported(result, tmp_path, suffix)
    nested = again.get_layer("enc")
    assert isinstance(nested, k.Model) and nested.count_params() == enc.count_params()
    assert sum(isinstance(layer, k.Model) for layer in again.layers) == 1  # one model, called twice
    xs = random_inputs(model)
    np.testing.assert_allclose(np.asarray(nested(xs[0])), np.asarray(enc(xs[0])), atol=1e-5)


@pytest.mark.parametrize("suffix", FORMATS)
def test_frozen_pretrained_base_is_one_frozen_sub_model(tmp_path, suffix, frozen):
    k = keras()
    model, base, saved = frozen
    path = saved[0 if suffix == ".keras" else 1]
    result = import_model(path)
    group = next(g for g in result.project.document.groups() if g.model)
    assert group.label == "base"
    doc = result.project.document
    assert all(doc.params(n).get("trainable") is False for n in doc.group_members(group.id))
    again = _exported(result, tmp_path, ".keras")
    nested = again.get_layer("base")
    assert isinstance(nested, k.Model) and not nested.trainable
    assert nested.count_params() == base.count_params() and not again.get_layer("base").trainable_weights
    xs = random_inputs(model)
    np.testing.assert_allclose(predictions(again, xs)[0], predictions(model, xs)[0], atol=1e-4)


def test_only_a_recorded_training_true_is_worth_a_note(tmp_path):
    """Keras records training=False on every plain Dropout call; only training=True (MC dropout) changes things."""
    k = keras()
    x = k.Input((4,), name="x")
    plain = k.Model(x, k.layers.Dropout(0.2, name="drop")(k.layers.Dense(3, name="d")(x)), name="plain")
    path, _ = save_both(plain, tmp_path, "plain")
    assert not any("training=" in note for note in import_model(path).notes)

    y = k.Input((4,), name="y")
    mc = k.Model(y, k.layers.Dropout(0.2, name="mc")(k.layers.Dense(3, name="d")(y), training=True), name="mc")
    path, _ = save_both(mc, tmp_path, "mc")
    assert any("'mc' was called with training=True" in note for note in import_model(path).notes)
