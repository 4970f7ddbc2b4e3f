"""The Training panel's "Run on" without a cluster: kept in the app's settings, and clear errors.

The real cluster (a check that finds two nodes, Train on it, a killed Ray worker) is in
tests/ray_cluster/test_ray_editor.py; here: Ray missing, nothing at the address, no address, and a
Train that cannot reach its cluster, each said in words, with the project untouched.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from layerlab.core.training import FAILED
from layerlab.core.weights import weights_path_for
from layerlab.gui.training.run_target import RunTargetBox

from .test_training import RUN_TIMEOUT_MS, make_window  # noqa: F401

pytestmark = pytest.mark.gui


def _settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


def check(qtbot, box: RunTargetBox):
    with qtbot.waitSignal(box.checked, timeout=120_000) as done:
        QTest.mouseClick(box.check_button, Qt.MouseButton.LeftButton)
    return done.args


def test_the_choice_is_kept_in_the_app_settings_not_the_project(qtbot, tmp_path):
    box = RunTargetBox(_settings(tmp_path))
    qtbot.addWidget(box)
    assert not box.on_cluster and box.executor() is None and not box.address.isEnabled()
    box.choose(True, "10.0.0.5:6379")
    box.cpus.setValue(2)
    again = RunTargetBox(_settings(tmp_path))  # a new window on this computer
    qtbot.addWidget(again)
    assert again.on_cluster and again.address.text() == "10.0.0.5:6379" and again.cpus.value() == 2
    executor = again.executor()
    assert (executor.address, executor.cpus, executor.gpus) == ("10.0.0.5:6379", 2.0, 0.0)
    assert executor.describe() == "the Ray cluster at 10.0.0.5:6379"
    again.address.setText("")
    assert "Enter the Ray cluster's address" in again.problem()


def test_the_sweep_dialog_starts_with_the_run_on_address(make_window):  # noqa: F811
    window = make_window()
    window.training.run_target.choose(True, "10.0.0.7:6379")
    assert window.show_sweep_dialog().address.text() == "10.0.0.7:6379"


def needs_ray() -> None:
    if importlib.util.find_spec("ray") is None:  # found, not imported: the editor's side never imports it
        pytest.skip("needs Ray (the test extra)")


def test_the_check_says_nothing_answers_at_the_address(qtbot, tmp_path):
    needs_ray()
    box = RunTargetBox(_settings(tmp_path))
    qtbot.addWidget(box)
    box.choose(True, "127.0.0.1:1")
    ok, text = check(qtbot, box)
    assert not ok and text.startswith("cannot connect to the Ray cluster at 127.0.0.1:1: nothing answers there")
    assert box.status.text() == f"Cannot use the cluster: {text}" and box.check_button.isEnabled()


def test_the_check_says_how_to_install_ray_when_it_is_missing(qtbot, tmp_path, monkeypatch):
    shim = tmp_path / "noray" / "ray"  # a Python where `import ray` fails, as without the extra
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shim.parent), os.environ.get("PYTHONPATH", "")]))
    box = RunTargetBox(_settings(tmp_path))
    qtbot.addWidget(box)
    box.choose(True, "127.0.0.1:6379")
    ok, text = check(qtbot, box)
    assert not ok and text == 'Ray is not installed; install it with: pip install "layerlab[ray]"'


def test_train_on_an_unreachable_cluster_fails_clearly_and_touches_nothing(qtbot, make_window, tmp_path):  # noqa: F811
    needs_ray()
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from ray_cluster.projects import make_project

    path = make_project(tmp_path)
    window = make_window()
    assert window.open_path(path, ask=False)
    before = path.read_bytes()
    controller = window.training
    controller.run_target.choose(True, "")
    assert not controller.train()  # no address: said, nothing started
    assert "Enter the Ray cluster's address" in controller.run_panel.message.text()
    controller.run_target.choose(True, "127.0.0.1:1")
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as done:
        QTest.mouseClick(controller.run_panel.train_button, Qt.MouseButton.LeftButton)
    outcome = done.args[0]
    assert outcome.status == FAILED
    assert outcome.reason.startswith("The run on the Ray cluster failed: could not start on the Ray cluster: "
                                     "cannot connect to the Ray cluster at 127.0.0.1:1: nothing answers there")
    assert not controller.locked and controller.train_action.isEnabled()
    assert path.read_bytes() == before and not weights_path_for(path).exists()
