"""Training defaults picked from the model's outputs and the data (core.training.defaults)."""

import numpy as np
import pytest

from layerlab.core.data import Dataset
from layerlab.core.document import GraphDocument
from layerlab.core.training import defaults
from layerlab.core.training.config import TrainingConfig


def model(units: int, activation: str | None, outputs: int = 1) -> GraphDocument:
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dense", {"units": 8, "activation": "relu"}, node_id="hidden")
    doc.add_edge("x", "hidden")
    for i in range(outputs):
        node = "out" if outputs == 1 else f"out{i}"
        params = {"units": units} if activation is None else {"units": units, "activation": activation}
        doc.add_node("Dense", params, node_id=node)
        doc.add_edge("hidden", node)
        if i == 0:
            units, activation = 1, None  # the second output (if any) is a regression
    return doc


def data(y) -> Dataset:
    y = np.asarray(y)
    return Dataset(x_train=np.zeros((len(y), 4), "float32"), y_train=y)


@pytest.mark.parametrize("units, activation, y, loss, metrics", [
    (1, "sigmoid", [0, 1, 1, 0], "binary_crossentropy", ["accuracy"]),
    (3, "softmax", [0, 2, 1, 1], "sparse_categorical_crossentropy", ["accuracy"]),
    (3, "softmax", np.eye(3, dtype="float32")[[0, 2, 1, 1]], "categorical_crossentropy", ["accuracy"]),
    (1, None, [0.5, 1.5, 2.0, 3.0], "mse", ["mae"]),
    (1, "linear", [0.5, 1.5, 2.0, 3.0], "mse", ["mae"]),
])
def test_the_loss_and_metrics_fit_the_output_and_its_targets(units, activation, y, loss, metrics):
    picked = defaults.picked_section(model(units, activation), data(y))
    assert picked == {"loss": loss, "metrics": metrics}


def test_without_data_the_output_alone_decides():
    assert defaults.picked_section(model(10, "softmax"))["loss"] == "sparse_categorical_crossentropy"
    assert defaults.picked_section(model(1, "sigmoid"))["loss"] == "binary_crossentropy"


def test_the_why_names_the_activation_units_and_classes():
    (pick,) = defaults.pick(model(1, "sigmoid"), data([0, 1, 1, 0])).values()
    assert pick.why == "sigmoid, 1 unit, 2 classes"


def test_several_outputs_get_one_pick_each_by_id():
    picked = defaults.picked_section(model(3, "softmax", outputs=2))
    assert picked == {"loss": {"out0": "sparse_categorical_crossentropy", "out1": "mse"},
                      "metrics": {"out0": ["accuracy"], "out1": ["mae"]}}


def test_what_the_section_sets_is_kept():
    section = {"loss": "mae", "epochs": 3}
    filled = defaults.with_defaults(section, model(1, "sigmoid"), data([0, 1, 0, 1]))
    assert filled == {"loss": "mae", "epochs": 3, "metrics": ["accuracy"]}
    assert section == {"loss": "mae", "epochs": 3}  # not changed in place


def test_the_config_uses_the_pick_only_with_a_document():
    doc = model(1, "sigmoid")
    assert TrainingConfig.from_section({}).loss == "mse"
    cfg = TrainingConfig.from_section({}, document=doc, dataset=data([0, 1, 1, 0]))
    assert (cfg.loss, cfg.metrics, cfg.epochs, cfg.validation_split) == ("binary_crossentropy", ["accuracy"], 10, 0.2)


def test_the_picked_settings_train_in_keras():
    """Keras is the oracle: the pick compiles and learns a separable two-class problem."""
    from layerlab.core.training.run import TrainingSession

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    session = TrainingSession(model(1, "sigmoid"), Dataset(x_train=x, y_train=y), {"seed": 1, "epochs": 3})
    record = session.run()
    assert session.config.loss == "binary_crossentropy"
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(record.history)


def test_an_export_reads_one_hot_from_the_dataset_section():
    doc = model(3, "softmax")
    assert defaults.picked_section(doc, {"source": "npz", "one_hot": True})["loss"] == "categorical_crossentropy"
    assert defaults.picked_section(doc, {"source": "npz"})["loss"] == "sparse_categorical_crossentropy"
