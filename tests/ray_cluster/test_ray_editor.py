"""The editor's Train on a real two-node Ray cluster (see conftest.py), driven through the window.

Run on: Ray cluster, Check connection (2 nodes), Train: the curves arrive, the run finishes, Save puts
its weights beside the project. A Ray worker killed mid-run fails the run with a clear reason and
leaves the project file as it was. The editor process never imports Ray (a relay process is the
driver), so the test process checks `sys.modules` too.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from projects import make_project
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from layerlab.core import project as project_io
from layerlab.core.cluster.relay import RelayProcess
from layerlab.core.training import FAILED, FINISHED, STOPPED
from layerlab.core.weights import read_arrays, weights_path_for
from layerlab.gui import check_engine, recovery
from layerlab.gui.dialogs import CANCEL, Dialogs
from layerlab.gui.main_window import MainWindow
from layerlab.gui.training import worker

RUN_TIMEOUT_MS = 300_000  # a fresh engine on a node imports TensorFlow on a busy 2-core machine


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    dialogs = Dialogs(ask=lambda *a, **k: CANCEL, open_file=lambda *a: None, save_file=lambda *a: None,
                      error=lambda *a: None, info=lambda *a: None)
    w = MainWindow(settings=settings, dialogs=dialogs, recovery_folder=tmp_path / "recovery", warm_up_delay_ms=0)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if w.training.busy:
        with qtbot.waitSignal(w.training.runner.finished, timeout=RUN_TIMEOUT_MS):
            w.training.runner.kill()
    w._restored = False
    w.undo_stack.setClean()
    # every worker this window started ends now, here and on the nodes (later tests count the engines)
    clients = [s.client for s in w.training.runner._sessions]
    if worker.spares.client is not None:
        clients.append(worker.spares.client)
    w.training.runner.shutdown()
    worker.spares.close()
    for client in clients:
        assert client.connection.ended.wait(60)


@pytest.fixture(scope="module", autouse=True)
def _shared_check_engine():
    yield
    check_engine.shutdown_shared()


def on_cluster(qtbot, window, address):
    """Choose Run on: Ray cluster at `address` and check the connection by clicks; the check's answer."""
    box = window.training.run_target
    box.choose(True, address)
    with qtbot.waitSignal(box.checked, timeout=120_000) as checked:
        QTest.mouseClick(box.check_button, Qt.MouseButton.LeftButton)
    return box, checked.args


def parent_command(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return Path(f"/proc/{ppid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_train_on_the_cluster_streams_curves_and_saves_weights_into_the_project(qtbot, window, cluster, tmp_path):
    path = make_project(tmp_path, {"epochs": 3})
    assert window.open_path(path, ask=False)
    box, (ok, text) = on_cluster(qtbot, window, cluster)
    assert ok, text
    assert text == f"{cluster}: 2 nodes, 2 CPUs, 0 GPUs"
    assert box.status.text() == f"Connected: {text}"
    assert window.settings.value("runOn/kind") == "ray" and window.settings.value("runOn/address") == cluster

    controller = window.training
    epochs: list[int] = []
    controller.runner.epoch.connect(lambda epoch, _logs: epochs.append(epoch))
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as done:
        QTest.mouseClick(controller.run_panel.train_button, Qt.MouseButton.LeftButton)
    outcome = done.args[0]
    assert outcome.status == FINISHED, outcome.reason
    session = outcome.session
    assert session.remote and session.usable
    assert "ray::" in parent_command(session.client.pid)  # the worker ran under a Ray actor, reached
    relay = session.client.connection.transport  # through a relay process of this editor: Ray's driver is there
    assert isinstance(relay, RelayProcess) and b"ray-relay" in Path(f"/proc/{relay.pid}/cmdline").read_bytes()
    assert len(epochs) == 3  # the live curves' points, one per epoch as it ended
    [lineage] = controller.history.lineages
    assert lineage.last_epoch == 3 and len(lineage.records[-1].history["loss"]) == 3
    assert "ray" not in sys.modules  # the editor never imported Ray (this file's tests run first here)

    assert window.save_as(path)  # the cluster's worker sends its weights; the editor writes them
    saved = read_arrays(weights_path_for(path))
    held = session.call("weights")["weights"]
    assert saved.keys() == {"hidden", "out"}
    np.testing.assert_array_equal(saved["hidden"][0], held[0])
    np.testing.assert_array_equal(saved["out"][1], held[3])
    again = project_io.load(path)
    assert [r["id"] for r in again.extra["runs"]] == [outcome.record.id]

    out = tmp_path / "trained.keras"  # Export of the trained model: the node sends the file back
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        assert window.export_model(out) is not None
    import keras

    exported = keras.models.load_model(out).get_weights()
    assert len(exported) == len(held) and all(np.array_equal(a, b) for a, b in zip(exported, held))


def test_stop_continue_kill_then_a_killed_ray_worker_fails_the_run_and_leaves_the_project(qtbot, window, cluster,
                                                                                      tmp_path):
    path = make_project(tmp_path, {"epochs": 500})
    assert window.open_path(path, ask=False)
    before = path.read_bytes()
    on_cluster(qtbot, window, cluster)
    controller = window.training
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as stopped:
        QTest.mouseClick(controller.run_panel.stop_button, Qt.MouseButton.LeftButton)
    stopped = stopped.args[0]
    assert stopped.status == STOPPED and 1 <= stopped.record.epochs_run < 500 and stopped.session.usable
    controller.run_panel.more_epochs.setValue(1)
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as continued:
        QTest.mouseClick(controller.run_panel.continue_button, Qt.MouseButton.LeftButton)
    continued = continued.args[0]
    assert continued.status == FINISHED, continued.reason
    assert continued.session is stopped.session  # the worker on the node went on with its model
    assert continued.record.initial_epoch == stopped.session.epochs_done - 1 == stopped.record.epochs_run

    # Kill on the worker that went on: the relay ends, and Ray ends the worker on the node
    engine = stopped.session.client.pid
    controller.run_panel.more_epochs.setValue(500)
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        QTest.mouseClick(controller.run_panel.continue_button, Qt.MouseButton.LeftButton)
    assert controller.runner.running is stopped.session
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as killed:
        controller.runner.kill()  # what Kill does
    assert killed.args[0].status == FAILED
    assert killed.args[0].reason.startswith("Killed: the run on the Ray cluster did not answer Stop")
    qtbot.waitUntil(lambda: not running(engine), timeout=60_000)
    assert path.read_bytes() == before and not weights_path_for(path).exists()

    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    engine = controller.runner.running.client.pid
    actor = int(next(line.split()[1] for line in Path(f"/proc/{engine}/status").read_text().splitlines()
                     if line.startswith("PPid:")))
    assert "ray::" in parent_command(engine)
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as failed:
        os.kill(actor, signal.SIGKILL)  # the Ray worker holding the engine dies, as on a lost node
    failed = failed.args[0]
    assert failed.status == FAILED
    assert failed.reason.startswith("The run on the Ray cluster failed: the Ray worker running the engine died")
    assert "Press Train to start again" in failed.reason
    assert "Ray worker running the engine died" in controller.run_panel.message.text()
    assert not controller.locked and controller.train_action.isEnabled()
    assert path.read_bytes() == before and not weights_path_for(path).exists()


def running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status  # a zombie has ended
