"""Training in the editor: real runs on the bundled digits data, driven through the window.

Each test trains a real Keras model for one to three epochs on scikit-learn's
digits (offline), in a training worker process, and waits for signals (never
sleeps); the tests that only look at a finished run share one (`trained_digits`).
Keras is the oracle wherever a number is claimed: the trained model is asked of
the worker (its weights, its predictions, or the model itself, exported by the
worker and loaded here with plain Keras).
"""

from __future__ import annotations

import gc
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication

from layerlab.core import project as project_io
from layerlab.core.training import FAILED, FINISHED, NAN_REASON, STOPPED
from layerlab.core.training.messages import RESTORED
from layerlab.core.weights import weights_path_for
from layerlab.gui import recovery
from layerlab.gui.dialogs import CANCEL, DISCARD, Dialogs
from layerlab.gui.main_window import MainWindow
from layerlab.gui.training.controller import STOP_AND_CLOSE
from layerlab.gui.training.lock import BANNER_TEXT

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "digits_mlp.layerlab"
RUN_TIMEOUT_MS = 240_000  # the first run imports TensorFlow on a busy 2-core machine


class Answers:
    """Plays the person in front of the dialogs."""

    def __init__(self):
        self.asked: list[str] = []
        self.replies: list[str] = []
        self.errors: list[str] = []
        self.save_to: str | None = None

    def dialogs(self) -> Dialogs:
        def ask(_parent, title, text, choices, informative=""):
            self.asked.append(text)
            return self.replies.pop(0) if self.replies else CANCEL

        return Dialogs(ask=ask, open_file=lambda *a: None, save_file=lambda *a: self.save_to,
                       error=lambda _p, title, text: self.errors.append(text), info=lambda *a: None)


def new_window(qtbot, folder: Path, settings_name: str, answers: Answers | None = None) -> MainWindow:
    """A shown editor window whose dialogs are answered by `answers`, its settings and recovery in `folder`."""
    answers = answers or Answers()
    settings = QSettings(str(folder / settings_name), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, dialogs=answers.dialogs(), recovery_folder=folder / "recovery",
                        warm_up_delay_ms=0)
    window.answers = answers
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def close_window(qtbot, window: MainWindow) -> None:
    """Close without questions: a run still going is stopped first, unsaved work is dropped."""
    training = window.training
    if training.busy:
        with qtbot.waitSignal(training.runner.finished, timeout=RUN_TIMEOUT_MS):
            training.runner.request_stop()
    window._restored = False
    window.undo_stack.setClean()
    training.unsaved_records, training.weights_unsaved = [], False
    window.close()
    training.shutdown()
    window.check_service.shutdown()


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    made: list[MainWindow] = []

    def make(answers: Answers | None = None) -> MainWindow:
        window = new_window(qtbot, tmp_path, f"settings{len(made)}.ini", answers)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        close_window(qtbot, window)


@pytest.fixture(scope="module")
def trained_digits(qapp, request, tmp_path_factory):
    """(window, outcome, watched): the digits example trained for 2 epochs, shared by the tests that only look
    at the run (its plots, as they were drawn during the run and after; the results; the inspector's weights;
    an export). None of them changes the run, the model, the plots or the window's data, so each passes or
    fails alone, in any order; one run instead of one each.
    """
    from pytestqt.qtbot import QtBot

    qtbot, folder = QtBot(request), tmp_path_factory.mktemp("trained_digits")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(recovery.ENV_DIR, str(folder / "recovery"))
        window = new_window(qtbot, folder, "settings.ini")
        try:
            open_digits(window, epochs=2)
            watched = watch_run(window)
            outcome = run(qtbot, window)
            yield window, outcome, watched
        finally:
            close_window(qtbot, window)


def watch_run(window: MainWindow) -> SimpleNamespace:
    """What a run shows while it goes: the loss points plotted at each epoch's end, and the batch reports."""
    controller = window.training
    watched = SimpleNamespace(seen_during_run=[], batches=[])

    def on_epoch(epoch, _logs):  # connected after the controller's slot: the lineage already has the epoch
        if controller.busy:
            watched.seen_during_run.append(len(curve_data(window, "loss")[1][1]))

    controller.runner.epoch.connect(on_epoch)
    controller.runner.batch.connect(lambda e, b, logs: watched.batches.append((e, b, dict(logs))))
    return watched


def open_digits(window: MainWindow, **training) -> None:
    """The bundled digits example (untitled copy) with some training settings changed."""
    assert window.open_example(EXAMPLE)
    section = window.training.store.get("training")
    section.update(training)
    window.training.store.edit("training", section)
    window.undo_stack.setClean()  # so that "modified" below means the training's own changes


def run(qtbot, window: MainWindow, start=None):
    """Start a run (Train by default) and wait for its outcome."""
    controller = window.training
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as blocker:
        assert (start or controller.train)()
    return blocker.args[0]


def digits_data():
    """The digits dataset as the example's section loads it (the editor itself never holds the arrays)."""
    from layerlab.core.data import load_dataset

    project = project_io.load(EXAMPLE)
    return load_dataset(project.dataset, project.base_dir)


def worker_weights(session) -> list[np.ndarray]:
    """The trained model's weights, from the worker that holds it."""
    return session.call("weights")["weights"]


def worker_predict(session, x) -> np.ndarray:
    return session.call("predict", {"x": session.client.arrays.put(np.asarray(x), "x")})["predictions"]


def worker_model(session, folder: Path):
    """The trained model as plain Keras loads it: written by the worker, read here."""
    import keras

    path = folder / f"trained-{session.epochs_done}.keras"
    session.call("export", {"path": str(path)})
    return keras.models.load_model(path)


def curve_data(window: MainWindow, metric: str, lineage=None):
    """(batch, train, val) data of the plot of `metric` for a lineage (the newest by default)."""
    plots = window.training.view.plots
    plots.flush()
    lineage = lineage or window.training.history.lineages[-1]
    batch, train, val = plots.cards[metric].curves[lineage.id]
    return [tuple(np.asarray(a, dtype=float).tolist() for a in c.getData()) for c in (batch, train, val)]


# -- a run streams its metrics into the plots -----------------------------------------------------------
def test_a_short_run_streams_metrics_into_the_plots(trained_digits):
    window, outcome, watched = trained_digits  # the run was watched as it went (see trained_digits)
    controller = window.training
    seen_during_run, batches = watched.seen_during_run, watched.batches

    assert outcome.status == FINISHED, outcome.reason
    assert seen_during_run == [1, 2]  # the points appeared while the model was training
    record = outcome.record
    assert list(window.training.view.plots.cards) == ["loss", "accuracy"]
    batch, train, val = curve_data(window, "loss")
    assert train == ([1.0, 2.0], pytest.approx(record.history["loss"]))
    assert val == ([1.0, 2.0], pytest.approx(record.history["val_loss"]))
    assert len(batch[0]) == len(batches) >= 2 and all(0 < x <= 2 for x in batch[0])
    assert batch[1] == pytest.approx([logs["loss"] for _e, _b, logs in batches])
    acc_train = curve_data(window, "accuracy")[1]
    assert acc_train[1] == pytest.approx(record.history["accuracy"])
    assert "Finished" in controller.run_panel.message.text()
    assert controller.run_panel.progress.value() == 1000
    assert "Epoch 2/2" in controller.run_panel.progress_text.text()
    assert "ETA" not in controller.run_panel.progress_text.text()  # nothing is left to wait for
    assert window.isWindowModified()  # a trained model and a run not yet saved


def test_the_window_keeps_responding_and_locks_the_model_during_a_run(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=200)
    controller = window.training
    before = (window.document.nodes(), window.document.edges())
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    assert controller.locked and controller.banner.isVisible() and controller.banner.label.text() == BANNER_TEXT
    assert not window.inspector.isEnabled() and not window.palette_panel.isEnabled()
    assert not controller.data_panel.isEnabled() and not controller.settings_panel.isEnabled()
    assert not window.menu_actions["undo"].isEnabled() and not window.menu_actions["delete"].isEnabled()
    assert window.menu_actions["save"].isEnabled()
    assert window.add_layer_at_center("Dense") is None  # palette double-click refused
    view = window.canvas
    refused = controller.lock.refused
    QTest.keyClick(view, Qt.Key.Key_Delete)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(0, 0)))
    QApplication.sendEvent(view, QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier))
    assert controller.lock.refused >= refused + 3
    assert (window.document.nodes(), window.document.edges()) == before
    assert gc.get_freeze_count() > 0  # the editor's objects are out of full garbage collections (collector.py)

    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as blocker:
        controller.stop()
    assert blocker.args[0].status == STOPPED
    assert not controller.locked and not controller.banner.isVisible()
    assert gc.get_freeze_count() == 0  # given back when the run ended
    assert window.inspector.isEnabled() and window.palette_panel.isEnabled() and controller.data_panel.isEnabled()
    assert window.menu_actions["undo"].isEnabled()  # as it was before the run (the settings edit can be undone)


# -- Stop and Continue ------------------------------------------------------------------------------------
def test_stop_keeps_the_model_and_continue_trains_it_further(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=500)
    controller = window.training
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        controller.train()
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as blocker:
        controller.stop()
    stopped = blocker.args[0]
    assert stopped.status == STOPPED and "stop requested" in stopped.reason
    done = stopped.record.epochs_run
    assert 1 <= done < 500
    assert "Stopped" in controller.run_panel.message.text()
    assert controller.continue_action.isEnabled() and not controller.stop_action.isEnabled()
    weights_before = worker_weights(controller.session)

    continued = run(qtbot, window, lambda: controller.continue_training(2))
    assert continued.status == FINISHED, continued.reason
    assert continued.session is stopped.session  # the same model, trained further
    assert continued.record.initial_epoch == stopped.session.epochs_done - 2 == done
    assert not all(np.array_equal(a, b) for a, b in zip(weights_before, worker_weights(controller.session)))
    [lineage] = controller.history.lineages
    assert lineage.records == [stopped.record, continued.record]
    _batch, train, _val = curve_data(window, "loss")
    assert train[0] == [float(x) for x in range(1, done + 3)]  # epochs number on across the continuation
    assert controller.view.runs.tree.topLevelItem(0).childCount() == 1


# -- faults -----------------------------------------------------------------------------------------------
def test_a_nan_loss_ends_the_run_with_a_clear_message_and_the_app_goes_on(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=3, optimizer="sgd", learning_rate=1e12)
    before = (window.document.nodes(), window.document.edges())
    outcome = run(qtbot, window)
    assert outcome.status == FAILED and outcome.reason.startswith(NAN_REASON)
    text = window.training.run_panel.message.text()
    assert text.startswith("NaN loss") and "press Train to start afresh" in text
    assert window.training.run_panel.message.property("role") == "error"
    assert (window.document.nodes(), window.document.edges()) == before
    assert window.training.session is None and not window.training.continue_action.isEnabled()
    assert not window.training.locked and window.training.train_action.isEnabled()
    assert not window.training.runner.busy  # Train works again at once
    assert len(window.training.history.lineages) == 1  # the failed run is kept, with its numbers


# -- after training ------------------------------------------------------------------------------------------
def test_the_confusion_matrix_is_right_on_a_known_case(qtbot):
    from layerlab.core.training.evaluation import confusion_matrix
    from layerlab.gui.training.confusion import ConfusionMatrixView

    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    y_true = np.array([0, 0, 1, 1, 1, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 1, 0, 2, 0]] * 0.8 + 0.05  # softmax-like rows: argmax 0 1 1 1 0 2 0
    matrix = confusion_matrix(y_true, probs, 3)
    view.set_matrix(matrix, ["cat", "dog", "owl"])
    expected = [[1, 1, 0], [1, 2, 0], [1, 0, 1]]
    assert matrix.tolist() == expected
    assert [[view.cell_text(t, p) for p in range(3)] for t in range(3)] == [[str(v) for v in r] for r in expected]
    image = view.image.image  # ImageItem [x = predicted, y = true]
    assert image.T.tolist() == expected
    ticks = view.plot.getAxis("bottom")._tickLevels[0]
    assert [name for _pos, name in ticks] == ["cat", "dog", "owl"]


def test_results_match_keras_on_the_held_out_samples(trained_digits, tmp_path):
    from sklearn.metrics import confusion_matrix as sk_confusion

    window, outcome, _watched = trained_digits
    evaluation = outcome.evaluation
    model, dataset = worker_model(outcome.session, tmp_path), digits_data()
    split = math.floor(dataset.num_train * 0.8)  # validation_split 0.2: Keras holds out the last 20%
    x_val, y_val = dataset.x_train[split:], dataset.y_train[split:]
    assert evaluation.split == "validation split" and evaluation.samples == len(y_val)
    keras_metrics = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
    assert evaluation.metrics == pytest.approx(keras_metrics, rel=1e-5)
    predicted = model.predict(x_val, verbose=0).argmax(axis=1)
    assert evaluation.confusion.tolist() == sk_confusion(y_val, predicted, labels=range(10)).tolist()
    results = window.training.view.results
    assert results.confusion.matrix.tolist() == evaluation.confusion.tolist()
    table = {results.metrics.item(r, 0).text(): float(results.metrics.item(r, 1).text())
             for r in range(results.metrics.rowCount())}
    assert table == pytest.approx(keras_metrics, abs=1e-4)
    shown = evaluation.shown
    assert len(shown.images) == 24 and shown.images[0].shape == (8, 8)
    assert shown.predicted == [str(p) for p in predicted[:24]]
    assert shown.true == [str(t) for t in y_val[:24]]
    assert results.predictions.images.count() == 24


def test_the_inspector_shows_the_selected_layers_trained_weights(trained_digits, tmp_path):
    window, outcome, _watched = trained_digits
    view = window.training.weights_view
    window.canvas.select_nodes(["hidden1"])
    assert view.isVisible() and view.shown == ["kernel", "bias"]
    kernel = worker_model(outcome.session, tmp_path).get_layer("hidden1").get_weights()[0]
    stats = view.stats["hidden1"][0]
    assert stats.shape == (64, 64) and stats.counts.sum() == kernel.size
    assert stats.mean == pytest.approx(float(kernel.mean()), rel=1e-5)
    curve = view.plots[0].getPlotItem().listDataItems()[0]
    xs, ys = curve.getData()
    assert len(xs) == len(ys) + 1 and ys.tolist() == stats.counts.tolist()  # a step histogram: edges and counts
    window.canvas.select_nodes(["dropout"])
    assert view.isVisible() and view.shown == [] and "no weights" in view.note.text()
    window.canvas.select_nodes([])
    assert not view.isVisible()


# -- saved with the project, restored when it is opened ----------------------------------------------------
def test_saving_and_reopening_a_trained_project_gives_the_same_predictions(qtbot, make_window, tmp_path):
    window = make_window()
    open_digits(window, epochs=2)
    first = run(qtbot, window)
    path = tmp_path / "digits.layerlab"
    assert window.save_as(path)
    assert not window.isWindowModified()
    assert weights_path_for(path).is_file()
    saved = project_io.load(path)
    [saved_run] = saved.extra["runs"]
    assert saved_run["id"] == first.record.id and saved_run["history"]["loss"] == pytest.approx(
        first.record.history["loss"])

    other = make_window()
    with qtbot.waitSignal(other.training.outcomeReady, timeout=RUN_TIMEOUT_MS) as blocker:
        assert other.open_path(path, ask=False)
    restored = blocker.args[0]
    assert restored.status == RESTORED, restored.reason
    assert np.allclose(restored.evaluation.predictions, first.evaluation.predictions, atol=1e-6)
    assert restored.evaluation.confusion.tolist() == first.evaluation.confusion.tolist()
    [lineage] = other.training.history.lineages
    assert lineage.records[0].id == first.record.id and lineage.last_epoch == 2
    other.training.view.plots.flush()
    assert curve_data(other, "loss", lineage)[1][1] == pytest.approx(first.record.history["loss"])
    other.canvas.select_nodes(["digit"])
    assert other.training.weights_view.shown == ["kernel", "bias"]
    assert not other.isWindowModified()
    steps = first.session.call("state")["optimizer_steps"]
    assert steps > 0 and restored.session.call("state")["optimizer_steps"] == steps  # Adam's state too

    continued = run(qtbot, other, lambda: other.training.continue_training(1))
    assert continued.status == FINISHED and continued.record.initial_epoch == 2
    assert other.training.history.lineages[0].records[-1] is continued.record


def test_export_writes_the_trained_model_as_h5(qtbot, trained_digits, tmp_path):
    import keras

    window, outcome, _watched = trained_digits
    out = tmp_path / "digits.h5"
    errors = len(window.answers.errors)
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        assert window.export_model(out) is not None
    assert window.answers.errors[errors:] == []
    loaded = keras.models.load_model(out)
    x = digits_data().x_train[:50]
    assert np.allclose(loaded.predict(x, verbose=0), worker_predict(outcome.session, x), atol=1e-6)


# -- closing during a run -------------------------------------------------------------------------------------
def test_closing_during_a_run_asks_stops_the_run_and_closes_cleanly(qtbot, make_window):
    answers = Answers()
    window = make_window(answers)
    open_digits(window, epochs=500)
    controller = window.training
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        controller.train()
    worker = controller.runner.running

    answers.replies = [CANCEL]
    assert not window.close()  # asked, and the answer was Cancel: the run goes on
    assert controller.training and window.isVisible()
    assert "Stop the run and close?" in answers.asked[-1]

    answers.replies = [STOP_AND_CLOSE, DISCARD]  # stop, then throw the unsaved run away
    assert not window.close()  # the window closes once the thread has stopped
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not worker.alive, timeout=RUN_TIMEOUT_MS)  # its worker process has ended too
    assert not controller.busy
    assert len(answers.asked) == 3 and "Save the changes" in answers.asked[-1]


# -- issue 6's walk-through, by clicks ---------------------------------------------------------------------
def test_a_new_user_trains_the_digits_example_stops_continues_and_exports_an_h5_keras_loads(qtbot, make_window,
                                                                                              tmp_path):
    """Welcome view -> Digits MLP -> Train -> curves -> Stop -> Continue -> confusion matrix -> .h5."""
    import keras
    from sklearn.metrics import confusion_matrix as sk_confusion

    window = make_window()
    controller, panel = window.training, window.training.run_panel
    [digits] = [b for b in window.welcome.findChildren(QAbstractButton) if b.text().strip() == "Digits MLP"]
    QTest.mouseClick(digits, Qt.MouseButton.LeftButton)  # the welcome view's example
    assert window.stack.currentWidget() is window.canvas and window.project.path is None  # an untitled copy
    section = controller.store.get("training")
    section["epochs"] = 400  # long enough to be stopped by hand
    controller.store.edit("training", section)

    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):  # the Runs tab's Train button
        QTest.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert controller.training and not panel.train_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(curve_data(window, "loss")[1][0]) >= 2, timeout=RUN_TIMEOUT_MS)  # epochs drawn
    batch, train, val = curve_data(window, "accuracy")
    assert batch[0] and train[0] and val[0]  # the batch line, training and validation points
    assert controller.view.runs.tree.topLevelItem(0).text(1) == "adam · batch 32 · seed 42"  # while it runs
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as stopped:
        QTest.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    stopped = stopped.args[0]
    assert stopped.status == STOPPED and 2 <= stopped.record.epochs_run < 400

    panel.more_epochs.setValue(2)
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as continued:
        QTest.mouseClick(panel.continue_button, Qt.MouseButton.LeftButton)
    continued = continued.args[0]
    assert continued.status == FINISHED and continued.session is stopped.session
    assert continued.session.epochs_done == stopped.record.epochs_run + 2
    assert curve_data(window, "loss")[1][0][-1] == continued.session.epochs_done  # the epochs number on

    controller.view.tabs.setCurrentIndex(1)  # Results
    model, dataset = worker_model(continued.session, tmp_path), digits_data()
    split = math.floor(dataset.num_train * 0.8)
    x_val, y_val = dataset.x_train[split:], dataset.y_train[split:]
    expected = sk_confusion(y_val, model.predict(x_val, verbose=0).argmax(axis=1), labels=range(10))
    assert controller.view.results.confusion.matrix.tolist() == expected.tolist()
    assert controller.view.results.confusion_box.isVisible()

    out = tmp_path / "digits.h5"
    window.answers.save_to = str(out)
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        window.menu_actions["export.h5"].trigger()  # File > Export > Legacy HDF5 Model (.h5)...
    assert window.answers.errors == [] and out.exists()
    loaded = keras.models.load_model(out)
    assert np.allclose(loaded.predict(x_val[:64], verbose=0), model.predict(x_val[:64], verbose=0), atol=1e-6)
    assert loaded.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        np.trace(expected) / len(y_val), abs=1e-6)  # compiled, with the metrics it was trained with
