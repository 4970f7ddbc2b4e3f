"""`layerlab train`: end to end on small project files, exit codes, outputs."""

import json
import os
import pty
import signal
import sys
import threading
import time

import numpy as np
import pytest
from test_training_support import CLASSIFY, blobs

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.kerasenv import keras
from layerlab.core.training.state import RUNS_KEY, restore_model, runs
from layerlab.core.weights import weights_path_for

NODES = [{"id": "x", "type": "Input", "params": {"shape": [4]}},
         {"id": "hidden", "type": "Dense", "params": {"units": 8, "activation": "relu"}},
         {"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}}]
EDGES = [{"source": "x", "target": "hidden"}, {"source": "hidden", "target": "out"}]


def make_project(folder, nodes=NODES, training=None, dataset=None, test=True):
    x, y = blobs(126)
    arrays = {"x_train": x[:96], "y_train": y[:96]}
    if test:
        arrays.update(x_test=x[96:], y_test=y[96:])
    np.savez(folder / "blobs.npz", **arrays)
    data = {"format": "layerlab", "version": 1, "name": "blobs", "graph": {"nodes": nodes, "edges": EDGES},
            "dataset": dataset or {"source": "npz", "path": "blobs.npz"},
            "training": dict(CLASSIFY, seed=1) if training is None else training}
    path = folder / "blobs.layerlab"
    path.write_text(json.dumps(data))
    return path


def train(capsys, *argv):
    try:
        code = cli.main(["train", *map(str, argv)])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_train_prints_every_epoch_and_the_test_metrics_and_writes_history(tmp_path, capsys):
    path = make_project(tmp_path)
    code, out, err = train(capsys, path, "--epochs", 3, "--history", tmp_path / "h.json")
    assert code == 0, err
    lines = out.splitlines()
    epochs = [line for line in lines if line.startswith("Epoch ")]
    assert [line.split(" - ")[0] for line in epochs] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all("loss: " in line and "accuracy: " in line for line in epochs)
    assert "\r" not in out  # no progress bar when stdout is not a terminal
    history = json.loads((tmp_path / "h.json").read_text())
    assert set(history["history"]) == {"loss", "accuracy"}
    assert all(len(v) == 3 for v in history["history"].values())
    test_line = next(line for line in lines if line.startswith("Test - "))
    assert set(history["test"]) == {"loss", "accuracy"}
    assert f"loss: {history['test']['loss']:.4f}" in test_line


def test_history_matches_a_plain_keras_fit_with_the_same_seed(tmp_path, capsys):
    path = make_project(tmp_path, training=dict(CLASSIFY, seed=4, validation_split=0.25))
    code, _, err = train(capsys, path, "--history", tmp_path / "h.json")
    assert code == 0, err
    ours = json.loads((tmp_path / "h.json").read_text())["history"]
    # The same model written with Keras directly.
    k = keras()
    k.utils.set_random_seed(4)
    inp = k.Input((4,), name="x")
    hidden = k.layers.Dense(8, activation="relu", name="hidden")(inp)
    out = k.layers.Dense(3, activation="softmax", name="out")(hidden)
    model = k.Model(inp, out, name="blobs")
    model.compile(optimizer=k.optimizers.Adam(0.01), loss=k.losses.SparseCategoricalCrossentropy(),
                  metrics=[k.metrics.SparseCategoricalAccuracy(name="accuracy")])
    data = np.load(tmp_path / "blobs.npz")
    fit = model.fit(data["x_train"], data["y_train"], epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    assert set(ours) == set(fit.history)
    for key, values in fit.history.items():
        assert ours[key] == pytest.approx(values, rel=1e-5), key


def test_save_and_output_give_the_same_trained_model(tmp_path, capsys):
    path = make_project(tmp_path)
    code, out, err = train(capsys, path, "--save", "-o", tmp_path / "model.keras")
    assert code == 0, err
    exported = keras().saving.load_model(tmp_path / "model.keras")
    project = project_io.load(path)
    model, report = restore_model(project)
    assert not report.skipped
    x = np.load(tmp_path / "blobs.npz")["x_test"]
    np.testing.assert_array_equal(model.predict(x, verbose=0), exported.predict(x, verbose=0))
    [run] = runs(project)
    assert run.status == "finished" and run.epochs_run == 2 and run.config["seed"] == 1
    assert weights_path_for(path).is_file()
    # The project file keeps its graph and sections as they were.
    assert project.training == dict(CLASSIFY, seed=1)


def test_h5_output_reloads_in_keras(tmp_path, capsys):
    path = make_project(tmp_path, test=False)
    code, out, err = train(capsys, path, "--epochs", 1, "-o", tmp_path / "model.h5", "--history",
                           tmp_path / "h.json")
    assert code == 0, err
    assert "Test - " not in out
    assert "test" not in json.loads((tmp_path / "h.json").read_text())  # no test set, no "test" key
    model = keras().saving.load_model(tmp_path / "model.h5")
    assert model.output_shape == (None, 3)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temp files left behind


@pytest.mark.parametrize("case, words", [
    ("training key", 'unknown key "epoch"'),
    ("graph", "node 'hidden'"),
    ("data shape", "(5,)"),
    ("dataset key", "dataset"),
    ("no dataset", 'no "dataset" section'),
    ("nan", "NaN loss"),
])
def test_invalid_input_exits_1_with_a_message_not_a_traceback(tmp_path, capsys, case, words):
    nodes, training, dataset = NODES, None, None
    if case == "training key":
        training = {"epoch": 3}
    if case == "graph":
        nodes = [NODES[0], dict(NODES[1], params={"units": 0}), NODES[2]]
    if case == "data shape":
        nodes = [dict(NODES[0], params={"shape": [5]}), *NODES[1:]]
    if case == "dataset key":
        dataset = {"source": "npz", "path": "blobs.npz", "xx": "x_train"}
    if case == "nan":
        training = dict(CLASSIFY, optimizer="sgd", learning_rate=1e30)
    path = make_project(tmp_path, nodes=nodes, training=training, dataset=dataset)
    if case == "no dataset":
        data = json.loads(path.read_text())
        del data["dataset"]
        path.write_text(json.dumps(data))
    code, out, err = train(capsys, path, "--save", "--epochs", 1)
    assert code == 1, err
    assert words in err and "Traceback" not in err
    assert err.startswith("layerlab: ")
    assert not weights_path_for(path).exists()  # nothing saved from an invalid or failed run
    assert RUNS_KEY not in json.loads(path.read_text())


@pytest.mark.parametrize("argv, words", [
    (["missing.layerlab"], "no such file"),
    (["{p}", "--epochs", "0"], "must be 1 or more"),
    (["{p}", "--seed", "x"], "expected a whole number"),
    (["{p}", "-o", "model.txt"], "cannot export to a '.txt' file"),
    (["{p}", "-o", "model.py"], "-o saves the trained model as .keras or .h5"),
    (["{p}", "--distribute", "multi-worker"], "keras-team/keras#20585"),
    (["{p}", "--fresh"], "--fresh goes with --save"),
    (["{p}", "--allow-path", "{p}/nowhere"], "no such folder"),
    (["{p}", "--distribute", "tpu"], "invalid choice"),
    (["{bad}"], "not valid JSON"),
])
def test_unreadable_files_and_bad_usage_exit_2(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    path = make_project(tmp_path)
    (tmp_path / "bad.layerlab").write_text("{not json")
    argv = [a.format(p=path, bad=tmp_path / "bad.layerlab") for a in argv]
    code, out, err = train(capsys, *argv)
    assert code == 2, err
    assert words in err and "Traceback" not in err


def test_progress_bar_when_stdout_is_a_terminal(tmp_path, monkeypatch):
    path = make_project(tmp_path)
    master, slave = pty.openpty()
    chunks = []
    reader = threading.Thread(target=_drain, args=(master, chunks))
    reader.start()
    with os.fdopen(slave, "w") as terminal:
        monkeypatch.setattr(sys, "stdout", terminal)
        code = cli.main(["train", str(path), "--epochs", "2"])
    reader.join(60)
    os.close(master)
    out = b"".join(chunks).decode()
    assert code == 0
    assert "\r" in out and "/6 - loss: " in out and "[" in out  # the bar: 96 samples in batches of 16
    assert out.count("Epoch 2/2 - ") == 1


def _drain(fd, chunks):
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the terminal was closed
            return
        if not data:
            return
        chunks.append(data)


def test_ctrl_c_stops_after_the_batch_and_still_writes_the_outputs(tmp_path, capsys):
    from layerlab.commands.train import _StopOnCtrlC

    path = make_project(tmp_path, training=dict(CLASSIFY, epochs=2000), test=False)

    def press_ctrl_c_once_training_listens():
        for _ in range(6000):
            if isinstance(getattr(signal.getsignal(signal.SIGINT), "__self__", None), _StopOnCtrlC):
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)

    presser = threading.Thread(target=press_ctrl_c_once_training_listens, daemon=True)
    presser.start()
    code, out, err = train(capsys, path, "--history", tmp_path / "h.json", "--save")
    presser.join(5)
    assert code == 130, err
    assert "Stopping after this batch" in err and "Stopped: stop requested" in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was
    history = json.loads((tmp_path / "h.json").read_text())["history"]
    assert 1 <= len(history["loss"]) < 2000
    [run] = runs(project_io.load(path))
    assert run.status == "stopped" and run.epochs_run == len(history["loss"])
    assert weights_path_for(path).is_file()


def test_train_picks_the_loss_and_metrics_the_section_leaves_unset(tmp_path, capsys):
    """A softmax output and class labels: sparse_categorical_crossentropy + accuracy, without a word in the file."""
    training = {k: v for k, v in CLASSIFY.items() if k not in ("loss", "metrics", "validation_split")}
    path = make_project(tmp_path, training=dict(training, seed=1, epochs=1))
    code, out, err = train(capsys, path, "--history", tmp_path / "h.json")
    assert code == 0, err
    history = json.loads((tmp_path / "h.json").read_text())
    assert set(history["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
