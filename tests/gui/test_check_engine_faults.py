"""When the check engine dies: the status bar says so, a new one starts, and the shapes come back with the latest edits.

These tests start (and kill) their own engine; every other GUI test shares the session's.
"""

import os
import signal

from PySide6.QtCore import QSettings

from layerlab.gui import recovery
from layerlab.gui.commands import SetParamsCommand
from layerlab.gui.dialogs import DISCARD, Dialogs
from layerlab.gui.main_window import MainWindow

from .conftest import CHECK_TIMEOUT_MS, wide_deep_document


def _window(qtbot, tmp_path, monkeypatch, engine) -> MainWindow:
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    errors: list[str] = []
    dialogs = Dialogs(ask=lambda *a, **k: DISCARD, error=lambda _p, _t, text: errors.append(text),
                      info=lambda *a: None, notify=lambda *a: None)
    window = MainWindow(settings=settings, dialogs=dialogs, recovery_folder=tmp_path / "recovery", interactive=False,
                        warm_up_delay_ms=0, check_engine=engine)
    qtbot.addWidget(window, before_close_func=lambda w: w.undo_stack.setClean())
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def _wait_current(qtbot, window) -> None:
    service, doc = window.check_service, window.document
    qtbot.waitUntil(lambda: service.report_revision == doc.revision and not service.pending, timeout=CHECK_TIMEOUT_MS)


def test_a_killed_check_engine_is_said_restarted_and_the_shapes_come_back_with_the_latest_edits(
        qtbot, tmp_path, monkeypatch, own_engine):
    window = _window(qtbot, tmp_path, monkeypatch, own_engine)
    window.document.load(wide_deep_document().nodes(), wide_deep_document().edges())
    _wait_current(qtbot, window)
    scene = window.canvas.canvas_scene
    assert scene.nodes["hidden1"].output_shape_text(0) == "(None, 30)"
    first_pid = own_engine.pid

    with qtbot.waitSignal(window.check_service.engineDied, timeout=CHECK_TIMEOUT_MS) as died:
        os.kill(first_pid, signal.SIGKILL)
    assert "SIGKILL" in died.args[0] or "killed" in died.args[0].lower(), died.args[0]
    assert "check engine" in window.statusBar().currentMessage()
    assert scene.nodes["hidden1"].output_shape_text(0) == "…"  # pending until the new engine answers

    # edits made while the new engine starts are not lost
    window.undo_stack.push(SetParamsCommand(window.document, "hidden1", {"units": 12, "activation": "relu"}))
    _wait_current(qtbot, window)
    assert own_engine.alive and own_engine.pid != first_pid
    assert scene.nodes["hidden1"].output_shape_text(0) == "(None, 12)"
    assert window.check_service.report.results["hidden2"].params == 12 * 30 + 30
    # a parameter-only edit after the restart is checked incrementally by the new engine's replica
    window.undo_stack.push(SetParamsCommand(window.document, "hidden2", {"units": 3, "activation": "relu"}))
    _wait_current(qtbot, window)
    assert window.check_service.report.results["concat"].shapes == ((None, 8),)


def test_an_engine_that_keeps_dying_is_given_up_and_the_editor_carries_on(qtbot, tmp_path, monkeypatch, own_engine):
    window = _window(qtbot, tmp_path, monkeypatch, own_engine)
    window.document.load(wide_deep_document().nodes(), wide_deep_document().edges())
    for _ in range(4):  # each dies within seconds of its start
        qtbot.waitUntil(lambda: own_engine.pid is not None and own_engine.alive, timeout=CHECK_TIMEOUT_MS)
        with qtbot.waitSignal(own_engine.died, timeout=CHECK_TIMEOUT_MS):
            own_engine.kill()
    assert own_engine.gave_up and not own_engine.alive
    assert "not restarted" in window.statusBar().currentMessage()
    window.undo_stack.push(SetParamsCommand(window.document, "hidden1", {"units": 2, "activation": "relu"}))
    assert window.document.params("hidden1")["units"] == 2  # editing goes on without shapes
    assert window.check_service.pending and not window.isHidden()
