"""`layerlab train P --save` continues from P's saved weights and optimizer state; `--fresh` starts over.

Keras is the oracle: two saved epochs then one continued give the losses of one plain Keras fit of
three epochs (same seed, same batches).
"""

import numpy as np
import pytest
from test_train_cli import make_project, train
from test_training_support import CLASSIFY

from layerlab.core import project as project_io
from layerlab.core.kerasenv import keras
from layerlab.core.training.state import runs


def _keras_losses(tmp_path, epochs):
    k = keras()
    k.utils.set_random_seed(1)
    inp = k.Input((4,), name="x")
    hidden = k.layers.Dense(8, activation="relu", name="hidden")(inp)
    out = k.layers.Dense(3, activation="softmax", name="out")(hidden)
    model = k.Model(inp, out, name="blobs")
    model.compile(optimizer=k.optimizers.Adam(0.01), loss=k.losses.SparseCategoricalCrossentropy(),
                  metrics=[k.metrics.SparseCategoricalAccuracy(name="accuracy")])
    data = np.load(tmp_path / "blobs.npz")
    return model.fit(data["x_train"], data["y_train"], epochs=epochs, batch_size=16, shuffle=False,
                     verbose=0).history["loss"]


def test_save_continues_where_the_saved_runs_left_off_and_fresh_starts_over(tmp_path, capsys):
    path = make_project(tmp_path, training=dict(CLASSIFY, seed=1, shuffle=False), test=False)
    code, out, err = train(capsys, path, "--save", "--epochs", 2)
    assert code == 0, err
    assert "Continuing" not in out  # nothing saved yet: a first run starts fresh
    assert "Trained on: CPU" in out
    code, out, err = train(capsys, path, "--save", "--epochs", 1)
    assert code == 0, err
    assert "Continuing from epoch 2 with the weights in" in out and "optimizer state restored" in out
    assert "Epoch 3/3" in out
    first, second = runs(project_io.load(path))
    assert (first.initial_epoch, second.initial_epoch) == (0, 2)
    assert second.devices == ["CPU"]
    ours = first.history["loss"] + second.history["loss"]
    assert ours == pytest.approx(_keras_losses(tmp_path, 3), rel=1e-4)  # the loss goes on, it does not restart
    code, out, err = train(capsys, path, "--save", "--fresh", "--epochs", 1)
    assert code == 0, err
    assert "Continuing" not in out
    kept = runs(project_io.load(path))
    assert [r.initial_epoch for r in kept] == [0, 2, 0]  # the history keeps every run
    assert kept[2].history["loss"][0] == pytest.approx(first.history["loss"][0], rel=1e-4)


def test_a_damaged_weights_file_is_a_clear_error_before_training(tmp_path, capsys):
    path = make_project(tmp_path)
    (tmp_path / "blobs.weights.h5").write_bytes(b"not hdf5")
    code, out, err = train(capsys, path, "--save", "--epochs", 1)
    assert code == 1 and "--fresh" in err and "Traceback" not in err
    assert "Epoch 1" not in out
