"""Training in worker processes: a reopened headless-trained project trains by clicks, a killed worker
fails its run and nothing else, Stop becomes Kill when the worker does not stop.

Real Keras in real worker processes, on small data; signals are waited for, never sleeps.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from layerlab.core import project as project_io
from layerlab.core.engine.executor import LocalExecutor
from layerlab.core.engine.train_role import IGNORE_STOP_ENV
from layerlab.core.training import FAILED, FINISHED, STOPPED
from layerlab.core.training.jobs import WEIGHTS_RUN_KEY
from layerlab.core.training.messages import RESTORED
from layerlab.core.weights import weights_path_for
from layerlab.gui.training import worker as worker_module

from .test_training import ROOT, RUN_TIMEOUT_MS, make_window, open_digits, run  # noqa: F401

BINARY_CSV = ROOT / "resources" / "examples" / "binary_csv.layerlab"


def headless_trained_csv_project(folder: Path, epochs: int, capsys) -> Path:
    """binary_csv.layerlab copied with its data, trained and saved by `layerlab train --save`.

    The command runs in this process (its own process would add a Python start and a TensorFlow import):
    what matters is the file it leaves, which the editor's workers read in theirs.
    """
    from layerlab.cli import main

    (folder / "data").mkdir()
    shutil.copy(BINARY_CSV.parent / "data" / "breast_cancer.csv", folder / "data" / "breast_cancer.csv")
    path = folder / "binary_csv.layerlab"
    shutil.copy(BINARY_CSV, path)
    code = main(["train", str(path), "--epochs", str(epochs), "--save"])
    assert code == 0, capsys.readouterr().err
    return path


def test_a_csv_project_trained_headless_reopens_and_trains_and_continues_by_clicks(qtbot, make_window, tmp_path,
                                                                                   capsys):
    """The crash of issue 11: reopen a project saved by `layerlab train --save`, then Continue and Train."""
    window = make_window()
    controller, panel = window.training, window.training.run_panel
    controller.runner.warm()  # as the window does after its first paint: the worker loads while the command trains
    path = headless_trained_csv_project(tmp_path, epochs=3, capsys=capsys)
    saved = project_io.load(path)
    [saved_run] = saved.extra["runs"]
    assert saved.extra[WEIGHTS_RUN_KEY] == {"id": saved_run["id"], "epochs": 3}

    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as restored:
        assert window.open_path(path, ask=False)
    restored = restored.args[0]
    assert restored.status == RESTORED, restored.reason
    assert "trained 3 epochs" in panel.message.text()
    assert restored.evaluation.epochs == 3 and restored.evaluation.run_id == saved_run["id"]
    [lineage] = controller.history.lineages
    assert lineage.last_epoch == 3
    results = controller.view.results
    assert results.note.text().startswith(f"The weights of {lineage.label} after 3 epochs")

    panel.more_epochs.setValue(2)
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as continued:
        QTest.mouseClick(panel.continue_button, Qt.MouseButton.LeftButton)
    continued = continued.args[0]
    assert continued.status == FINISHED, continued.reason
    assert continued.record.initial_epoch == 3 and continued.session.epochs_done == 5
    assert continued.session is restored.session  # the worker that loaded the weights trained them further
    assert lineage.records[-1] is continued.record

    controller.store.set_field("training", "epochs", 2)  # not the project's 50: two prove a fresh run as well
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as trained:
        QTest.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    trained = trained.args[0]
    assert trained.status == FINISHED, trained.reason
    assert trained.record.epochs_run == 2 and trained.session is not restored.session  # a fresh model
    assert controller.earlier == [restored.session] and restored.session.alive  # kept a while: it can be picked
    assert window.isVisible() and not controller.locked

    assert window.save_as(path)  # the new run's weights, saved by its worker, and the project names that run
    again = project_io.load(path)
    assert again.extra[WEIGHTS_RUN_KEY] == {"id": trained.record.id, "epochs": 2}
    assert [r["id"] for r in again.extra["runs"]][-1] == trained.record.id


def test_a_worker_killed_mid_run_fails_the_run_and_train_trains_again(qtbot, make_window, tmp_path):
    window = make_window()
    open_digits(window, epochs=500)
    controller = window.training
    path = tmp_path / "digits.layerlab"
    assert window.save_as(path)
    before = path.read_bytes(), (window.document.nodes(), window.document.edges())
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    assert controller.locked
    pid = controller.runner.running.client.pid
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as failed:
        os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
    failed = failed.args[0]
    assert failed.status == FAILED
    assert "was killed (SIGKILL, signal 9)" in failed.reason and "Press Train to start again" in failed.reason
    assert "was killed (SIGKILL, signal 9)" in controller.run_panel.message.text()
    assert window.isVisible() and not controller.locked and controller.train_action.isEnabled()
    assert window.inspector.isEnabled()
    assert (path.read_bytes(), (window.document.nodes(), window.document.edges())) == before
    assert not weights_path_for(path).exists()
    assert controller.session is None and not controller.continue_action.isEnabled()

    section = controller.store.get("training")
    section["epochs"] = 1
    controller.store.edit("training", section)
    trained = run(qtbot, window)
    assert trained.status == FINISHED and controller.continue_action.isEnabled()
    folder = trained.session.client.arrays.folder
    assert not list(folder.glob("*.npy"))  # the evaluation's arrays were read, then removed

    with qtbot.waitSignal(controller.runner.sessionLost, timeout=RUN_TIMEOUT_MS):
        os.kill(trained.session.client.pid, signal.SIGKILL)  # the idle worker holding the model dies
    assert controller.session is None and not controller.continue_action.isEnabled()
    assert "holding the trained model was killed" in controller.run_panel.message.text()


def test_stop_turns_into_kill_when_the_worker_does_not_stop(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(worker_module, "STOP_GRACE_S", 0.2)
    window = make_window()
    open_digits(window, epochs=100_000)
    controller, panel = window.training, window.training.run_panel
    controller.runner.executor = LocalExecutor(env={IGNORE_STOP_ENV: "1"})  # a worker that never passes Stop on
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    assert panel.stop_button.text().replace("&", "") == "Stop"
    with qtbot.waitSignal(controller.runner.stopUnanswered, timeout=RUN_TIMEOUT_MS):
        QTest.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert controller.training  # still running: the worker ignored Stop
    assert panel.stop_button.text().replace("&", "") == "Kill" and panel.stop_button.isEnabled()
    assert "does not answer Stop" in panel.message.text()
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as killed:
        QTest.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    killed = killed.args[0]
    assert killed.status == FAILED and killed.reason.startswith("Killed: the training worker did not answer Stop")
    assert panel.stop_button.text().replace("&", "") == "Stop" and not panel.stop_button.isEnabled()
    assert not controller.locked and controller.train_action.isEnabled()

    controller.runner.executor = None
    section = controller.store.get("training")
    section["epochs"] = 1
    controller.store.edit("training", section)
    assert run(qtbot, window).status == FINISHED


def test_after_stop_continue_offers_to_finish_the_run(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=400)
    controller, panel = window.training, window.training.run_panel
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as stopped:
        controller.stop()
    stopped = stopped.args[0]
    assert stopped.status == STOPPED
    left = 400 - stopped.record.epochs_run
    assert panel.more_epochs.value() == left and f"remaining {left} epochs" in panel.more_epochs.toolTip()


def test_a_stop_sent_while_the_worker_starts_is_not_lost(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=100_000)
    controller = window.training
    controller.runner.executor = LocalExecutor()  # a cold worker: Stop arrives before it has begun the run
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as stopped:
        assert controller.train()
        controller.stop()
    assert stopped.args[0].status == STOPPED


def test_the_weights_of_an_earlier_run_can_be_kept_saved_and_exported(qtbot, make_window, tmp_path):
    import keras
    import numpy as np

    window = make_window()
    open_digits(window, epochs=1)
    controller = window.training
    first = run(qtbot, window)
    second = run(qtbot, window)  # a newer model: Save, Export and Continue use it, the first is kept alive
    assert controller.session is second.session and first.session.alive
    old, new = controller.history.lineages
    runs = controller.view.runs
    assert runs.weights_lineage == new.id and runs.keepable == {old.id}
    [keep] = runs.context_menu(old.id).actions()
    assert keep.text() == "Keep this run's weights" and keep.isEnabled()
    keep.trigger()
    assert controller.session is first.session and runs.weights_lineage == old.id
    assert f"Kept the weights of {old.label}" in controller.run_panel.message.text()
    assert controller.view.results.note.text().startswith(f"The weights of {old.label} after 1 epoch")
    assert not runs.context_menu(old.id).actions()[0].isEnabled()  # already kept

    out = tmp_path / "kept.keras"
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        assert window.export_model(out) is not None
    exported = keras.models.load_model(out)
    kept = [np.asarray(w) for w in first.session.call("weights")["weights"]]
    assert all(np.array_equal(a, b) for a, b in zip(exported.get_weights(), kept))
    path = tmp_path / "digits.layerlab"
    assert window.save_as(path)
    assert project_io.load(path).extra[WEIGHTS_RUN_KEY] == {"id": first.record.id, "epochs": 1}
