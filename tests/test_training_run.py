"""A training run with a recording listener: real Keras, tiny data."""

import csv
import importlib.util
import math
import threading

import numpy as np
import pytest
from test_training_support import CLASSIFY, Recorder, blob_dataset, mlp

from layerlab.core.data import Dataset
from layerlab.core.document import GraphDocument
from layerlab.core.training import FAILED, FINISHED, NAN_REASON, STOPPED, TrainingSession
from layerlab.core.training.errors import MissingPackageError
from layerlab.core.training.listener import BatchThrottle


def test_a_run_reports_start_batches_epochs_with_val_metrics_and_end():
    rec = Recorder()
    session = TrainingSession(mlp(), blob_dataset(), dict(CLASSIFY, validation_split=0.25, seed=1), rec)
    record = session.run()
    assert record.status == FINISHED
    # 96 samples, a quarter held out for validation (Keras floors), batches of 16.
    assert rec.events[0] == ("start", 2, math.ceil(72 / 16), 72)
    epochs = rec.of("epoch")
    assert [e[1] for e in epochs] == [0, 1]
    assert set(epochs[0][2]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert rec.events[-1][:2] == ("end", FINISHED)
    assert rec.of("batch") and rec.of("batch")[0][1:3] == (0, 0)  # the first batch always gets through
    # The record keeps what Keras's own History saw.
    assert record.history == {k: [float(v) for v in vals] for k, vals in session.model.history.history.items()}
    assert record.samples == 72 and record.epochs_run == 2


def test_the_same_seed_gives_the_same_history_and_another_seed_does_not():
    def history(seed):
        section = dict(CLASSIFY, seed=seed, validation_split=0.2, epochs=1)
        return TrainingSession(mlp(dropout=0.3), blob_dataset(), section).run().history

    first, again, other = history(5), history(5), history(6)
    assert first == again
    assert first != other


def test_batch_reports_are_throttled_to_twenty_a_second():
    clock = iter([0.0, 0.01, 0.04, 0.05, 0.07, 0.11, 0.12])
    throttle = BatchThrottle(20, clock=lambda: next(clock))
    assert [throttle.ready() for _ in range(7)] == [True, False, False, True, False, True, False]

    rec = Recorder()
    TrainingSession(mlp(), blob_dataset(n_train=400), dict(CLASSIFY, batch_size=4, epochs=2), rec).run()
    times = [e[4] for e in rec.of("batch")]
    assert times and all(b - a >= 0.05 - 1e-9 for a, b in zip(times, times[1:]))
    assert len(times) < 2 * 100  # 100 batches per epoch; at most one report per 1/20 s ever gets through


def test_stop_from_another_thread_finishes_the_batch_and_keeps_the_model():
    rec = Recorder()
    session = TrainingSession(mlp(), blob_dataset(), dict(CLASSIFY, epochs=2000, batch_size=8), rec)
    session.prepare()
    before = [w.copy() for w in session.model.get_weights()]
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("record", session.run()))
    worker.start()
    assert rec.first_batch.wait(60)
    session.request_stop()
    worker.join(60)
    assert not worker.is_alive()
    record = result["record"]
    assert record.status == STOPPED and "stop requested" in record.reason
    assert 1 <= record.epochs_run < 2000  # the epoch in progress ends early, with its metrics
    assert rec.events[-1][:2] == ("end", STOPPED)
    after = session.model.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))  # trained so far, not reset


def test_continue_numbers_epochs_on_and_keeps_the_optimizer_state():
    rec = Recorder()
    ds = blob_dataset()
    session = TrainingSession(mlp(), ds, dict(CLASSIFY, epochs=2), rec)
    first = session.run()
    second = session.continue_for(1)
    assert [e[1] for e in rec.of("epoch")] == [0, 1, 2]
    assert [e[1] for e in rec.of("start")] == [2, 3]
    assert (first.initial_epoch, second.initial_epoch, session.epochs_done) == (0, 2, 3)
    assert int(session.model.optimizer.iterations) == 3 * math.ceil(96 / 16)
    assert len(session.history["loss"]) == 3
    assert session.history["loss"][2] == second.history["loss"][0]


def test_a_nan_loss_stops_the_run_and_says_where():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dense", {"units": 1}, node_id="y")
    doc.add_edge("x", "y")
    ds = blob_dataset()
    y = ds.y_train.astype("float32")
    y[20] = np.nan  # a missing target, in the second batch of 16 (no shuffling)
    rec = Recorder()
    section = {"loss": "mse", "epochs": 3, "batch_size": 16, "shuffle": False}
    record = TrainingSession(doc, Dataset(ds.x_train, y), section, rec).run()
    assert record.status == FAILED
    assert record.reason.startswith(NAN_REASON) and "epoch 1, batch 2" in record.reason
    assert record.epochs_run == 1  # stopped in the first epoch, not after three
    assert rec.events[-1] == ("end", FAILED, record.reason)


@pytest.mark.parametrize("case", ["listener", "data", "build"])
def test_failures_are_reported_never_raised(case):
    ds, doc = blob_dataset(), mlp()

    class Broken(Recorder):
        def on_epoch(self, epoch, logs):
            raise RuntimeError("the plot fell over")

    rec = Broken() if case == "listener" else Recorder()
    if case == "data":
        ds = Dataset(ds.x_train[:, :3], ds.y_train)  # 3 features for an Input of 4
    if case == "build":
        doc.set_param("hidden", "units", -4)
    record = TrainingSession(doc, ds, CLASSIFY, rec).run()
    assert record.status == FAILED
    assert rec.events[-1] == ("end", FAILED, record.reason)
    words = {"listener": "RuntimeError: the plot fell over", "data": "expected", "build": "node 'hidden'"}[case]
    assert words in record.reason


def test_the_document_is_copied_so_editing_it_does_not_touch_the_run():
    doc = mlp()
    session = TrainingSession(doc, blob_dataset(), dict(CLASSIFY, epochs=1))
    doc.set_param("hidden", "units", 3)
    session.run()
    assert session.model.get_layer("hidden").units == 8


def test_section_callbacks_run_with_project_relative_paths(tmp_path):
    callbacks = [
        {"type": "EarlyStopping", "params": {"monitor": "loss", "min_delta": 100, "patience": 0}},
        {"type": "CSVLogger", "params": {"filename": "logs/epochs.csv"}},
        {"type": "ModelCheckpoint", "params": {"filepath": "ckpt/last.keras", "monitor": "loss"}},
        {"type": "ReduceLROnPlateau", "params": {"monitor": "loss", "patience": 0, "min_delta": 100}},
        {"type": "TerminateOnNaN"},
    ]
    session = TrainingSession(mlp(), blob_dataset(), dict(CLASSIFY, epochs=5, callbacks=callbacks),
                              base_dir=tmp_path)
    record = session.run()
    # EarlyStopping: no improvement of 100 after the first epoch ends the run after the second.
    assert record.status == FINISHED and "EarlyStopping ended the run after epoch 2" in record.reason
    assert record.epochs_run == 2
    # ReduceLROnPlateau cut the rate at the end of epoch 2 (and Keras logs the rate it trained with).
    assert record.history["learning_rate"] == pytest.approx([0.01, 0.01])
    assert float(session.model.optimizer.learning_rate) == pytest.approx(0.001)
    assert (tmp_path / "ckpt/last.keras").is_file()
    session.continue_for(1)  # CSVLogger appends on a continued run
    with open(tmp_path / "logs/epochs.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]


def test_tensorboard_logs_or_a_clear_error_when_its_package_is_missing(tmp_path):
    section = dict(CLASSIFY, epochs=1, callbacks=[{"type": "TensorBoard", "params": {"log_dir": "tb"}}])
    session = TrainingSession(mlp(), blob_dataset(), section, base_dir=tmp_path)
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(MissingPackageError, match='need the "tensorboard" package'):
            session.prepare()
        assert session.run().status == FAILED
    else:
        assert session.run().status == FINISHED
        assert any((tmp_path / "tb").rglob("events.out.tfevents.*"))
