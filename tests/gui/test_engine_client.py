"""EngineClient: an engine's events, answers and death arrive as signals on the GUI thread."""

import os
import signal
import threading

import pytest

from layerlab.gui.engine import EngineClient

pytestmark = pytest.mark.gui


def test_answers_and_events_arrive_on_the_gui_thread(qtbot):
    client = EngineClient("selftest")
    with qtbot.waitSignal(client.ready, timeout=30000):
        pass
    seen, threads = [], []
    client.event.connect(lambda m: (seen.append(m["data"]["i"]), threads.append(threading.current_thread()))
                         if m.get("event") == "tick" else None)
    results = []
    client.call("count", {"n": 3, "delay": 0}, on_result=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == [{"stopped_at": None}] and seen == [0, 1, 2]
    assert set(threads) == {threading.main_thread()}
    client.shutdown()


def test_a_killed_engine_says_how_it_died(qtbot):
    client = EngineClient("selftest")
    with qtbot.waitSignal(client.ready, timeout=30000):
        pass
    errors = []
    client.call("ignore_stop", {"seconds": 60}, on_error=errors.append)
    with qtbot.waitSignal(client.exited, timeout=10000) as blocker:
        os.kill(client.pid, signal.SIGKILL)
    reason, code = blocker.args
    assert code == -signal.SIGKILL and "was killed (SIGKILL, signal 9)" in reason
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "was killed" in str(errors[0])
