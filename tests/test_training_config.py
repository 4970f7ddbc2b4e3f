"""The training section: checking (pure Python), and what it turns into (optimizers, callbacks)."""

import inspect

import numpy as np
import pytest
from test_training_support import CLASSIFY, mlp

from layerlab.core.build import build_model, compile_model
from layerlab.core.document import GraphDocument
from layerlab.core.kerasenv import keras
from layerlab.core.training.callbacks import CALLBACK_PARAMS, make_callbacks, parse_callbacks
from layerlab.core.training.config import TrainingConfig
from layerlab.core.training.errors import TrainingConfigError


def test_defaults_are_layerlabs_or_keras():
    cfg = TrainingConfig.from_section(None)
    sig = inspect.signature(keras().Model.fit).parameters
    assert (cfg.epochs, cfg.validation_split) == (10, 0.2)  # enough to see a curve, and its validation line
    assert cfg.shuffle == sig["shuffle"].default
    assert cfg.batch_size == 32  # Keras's documented default for a None batch_size


def test_a_section_that_sets_values_keeps_them():
    cfg = TrainingConfig.from_section({"epochs": 1, "validation_split": 0.0, "loss": "mae", "metrics": []},
                                      document=mlp(classes=1))
    assert (cfg.epochs, cfg.validation_split, cfg.loss, cfg.metrics) == (1, 0.0, "mae", [])


def test_a_full_section_round_trips_through_to_section():
    section = dict(CLASSIFY, momentum=0.9, optimizer="sgd", validation_split=0.25, shuffle=False, seed=7,
                   loss_weights=0.5, callbacks=[{"type": "EarlyStopping", "params": {"patience": 2}}])
    cfg = TrainingConfig.from_section(section)
    assert TrainingConfig.from_section(cfg.to_section()) == cfg
    assert cfg.fit_kwargs() == {"epochs": 2, "batch_size": 16, "validation_split": 0.25, "shuffle": False}


@pytest.mark.parametrize("section, words", [
    ({"epoch": 3}, 'unknown key "epoch"; did you mean "epochs"?'),
    ({"optimizer": "adamm"}, "training.optimizer: unknown optimizer 'adamm'"),
    ({"learning_rate": 0}, "training.learning_rate must be a number > 0"),
    ({"learning_rate": "fast"}, "training.learning_rate"),
    ({"momentum": 1.5}, "training.momentum must be a number from 0 to 1"),
    ({"loss": "crossentropy"}, "training.loss: unknown loss 'crossentropy'"),
    ({"loss": ["mse", "msee"]}, "training.loss[1]: unknown loss 'msee'"),
    ({"loss_weights": [1, -1]}, "training.loss_weights[1] must be a number >= 0"),
    ({"metrics": "accuracy"}, "training.metrics must be a list"),
    ({"metrics": ["accuracy", "acuracy"]}, "training.metrics[1]: unknown metric 'acuracy'"),
    ({"epochs": 0}, "training.epochs must be a whole number >= 1, not 0"),
    ({"epochs": 2.5}, "training.epochs"),
    ({"batch_size": True}, "training.batch_size must be a whole number"),
    ({"validation_split": 1.0}, "training.validation_split"),
    ({"shuffle": "yes"}, "training.shuffle must be true or false"),
    ({"seed": -1}, "training.seed"),
    ({"callbacks": {"type": "EarlyStopping"}}, "training.callbacks must be a list"),
    ({"callbacks": [{"type": "EarlyStop"}]}, "training.callbacks[0]: unknown callback type 'EarlyStop'"),
    ({"callbacks": [{"type": "EarlyStopping", "params": {"patiense": 1}}]},
     'training.callbacks[0] (EarlyStopping): unknown parameter "patiense"'),
    ({"callbacks": [{"type": "EarlyStopping", "params": {"patience": -1}}]},
     'training.callbacks[0] (EarlyStopping): "patience" must be a whole number >= 0'),
    ({"callbacks": [{"type": "ReduceLROnPlateau", "params": {"factor": 2}}]}, '"factor" must be a number between'),
    ({"callbacks": [{"type": "CSVLogger"}]}, '(CSVLogger): "filename" is required'),
    ({"callbacks": [{"type": "TensorBoard", "param": {}}]}, 'unknown key "param"'),
])
def test_bad_sections_are_errors_naming_the_key(section, words):
    with pytest.raises(TrainingConfigError) as err:
        TrainingConfig.from_section(section)
    assert words in str(err.value)
    assert err.value.exit_code == 1


def test_overrides_are_checked_too():
    cfg = TrainingConfig.from_section(CLASSIFY).with_overrides(epochs=5, seed=3)
    assert (cfg.epochs, cfg.seed, cfg.batch_size) == (5, 3, 16)
    with pytest.raises(TrainingConfigError, match="--batch-size"):
        cfg.with_overrides(batch_size=0)


def test_callback_parameters_are_real_keras_parameters():
    k = keras()
    for name, params in CALLBACK_PARAMS.items():
        accepted = set(inspect.signature(getattr(k.callbacks, name).__init__).parameters)
        assert set(params) <= accepted, (name, set(params) - accepted)


def test_callback_paths_are_relative_to_the_project(tmp_path):
    specs = parse_callbacks([
        {"type": "CSVLogger", "params": {"filename": "logs/run.csv"}},
        {"type": "model_checkpoint", "params": {"filepath": "ckpt/best.keras", "monitor": "loss"}},
    ])
    cbs = make_callbacks(specs, tmp_path, continuing=True)
    assert [type(c).__name__ for c in cbs] == ["CSVLogger", "ModelCheckpoint"]
    assert cbs[0].filename == str(tmp_path / "logs/run.csv") and cbs[0].append is True
    assert cbs[1].filepath == str(tmp_path / "ckpt/best.keras")


def test_keras_own_checks_become_errors_naming_the_callback(tmp_path):
    specs = parse_callbacks([{"type": "ModelCheckpoint", "params": {"filepath": "best.txt"}}])
    with pytest.raises(TrainingConfigError, match=r"training.callbacks\[0\] \(ModelCheckpoint\):"):
        make_callbacks(specs, tmp_path)


@pytest.mark.parametrize("name, cls", [("sgd", "SGD"), ("rmsprop", "RMSprop"), ("adam", "Adam"), ("adamw", "AdamW"),
                                       ("adagrad", "Adagrad"), ("adadelta", "Adadelta"), ("adamax", "Adamax"),
                                       ("nadam", "Nadam")])
def test_every_optimizer_compiles_with_its_learning_rate_and_trains(name, cls):
    cfg = TrainingConfig.from_section(dict(CLASSIFY, optimizer=name, learning_rate=0.05, momentum=0.5))
    doc = mlp()
    model = compile_model(build_model(doc), cfg.compile_section(doc))
    assert type(model.optimizer).__name__ == cls
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    if name == "sgd":
        assert model.optimizer.momentum == pytest.approx(0.5)
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(np.ones((4, 4), "float32"), np.array([0, 1, 2, 0]))
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def _two_outputs():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [3]}, node_id="x")
    doc.add_node("Dense", {"units": 1}, node_id="price")
    doc.add_node("Dense", {"units": 2, "activation": "softmax"}, node_id="kind")
    doc.add_edge("x", "price")
    doc.add_edge("x", "kind")
    return doc


def test_per_output_dicts_follow_the_output_order():
    doc = _two_outputs()
    cfg = TrainingConfig.from_section({"loss": {"kind": "sparse_categorical_crossentropy", "price": "mse"},
                                       "loss_weights": {"kind": 0.2, "price": 1.0},
                                       "metrics": {"kind": ["accuracy"]}})
    section = cfg.compile_section(doc)
    assert section["loss"] == ["mse", "sparse_categorical_crossentropy"]
    assert section["loss_weights"] == [1.0, 0.2]
    assert section["metrics"] == [[], ["accuracy"]]
    model = compile_model(build_model(doc), section)
    assert [type(loss).__name__ for loss in model.loss] == ["MeanSquaredError", "SparseCategoricalCrossentropy"]


@pytest.mark.parametrize("section, words", [
    ({"loss": ["mse"]}, "training.loss has 1 entries, one per output, but the model has 2 output(s): price, kind"),
    ({"loss": {"prize": "mse"}}, "training.loss: 'prize' is not an output of the model"),
    ({"loss": {"price": "mse"}}, "training.loss: no entry for output 'kind'"),
])
def test_per_output_mismatches_name_the_outputs(section, words):
    with pytest.raises(TrainingConfigError) as err:
        TrainingConfig.from_section(section).compile_section(_two_outputs())
    assert words in str(err.value)
