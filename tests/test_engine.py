"""The engine protocol and local engine processes, with real processes (the selftest role: no Keras)."""

import os
import signal
import time

import numpy as np
import pytest

from layerlab.core.engine import protocol
from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.connection import EngineDied, EngineError
from layerlab.core.engine.executor import LocalExecutor
from layerlab.core.engine.process import describe_exit


def test_messages_round_trip_with_numpy_values_and_nan():
    line = protocol.encode(protocol.event("epoch", {"loss": np.float32(0.5), "nan": float("nan"),
                                                    "shape": (2, 3)}, id=4))
    message = protocol.decode(line)
    assert message["event"] == "epoch" and message["id"] == 4 and message["v"] == protocol.PROTOCOL_VERSION
    assert message["data"]["loss"] == 0.5 and message["data"]["shape"] == [2, 3]
    assert np.isnan(message["data"]["nan"])


@pytest.mark.parametrize("line, words", [
    (b"not json\n", "not a message"),
    (b"[1, 2]\n", "not an object"),
    (b'{"v": 99, "op": "x"}\n', "protocol version 99"),
    (b'{"v": 1, "what": "x"}\n', "none of op, event or ok"),
])
def test_lines_that_are_not_messages_are_refused_with_the_reason(line, words):
    with pytest.raises(protocol.ProtocolError, match=words):
        protocol.decode(line)


def test_objects_that_are_not_json_are_refused_not_pickled():
    with pytest.raises(TypeError, match="cannot be sent"):
        protocol.encode(protocol.reply(1, {"x": object()}))


def test_arrays_go_by_file_and_names_outside_the_folder_are_refused(tmp_path):
    folder = ArrayFolder(tmp_path)
    packed = folder.pack({"a": np.ones((3, 2)), "b": [np.zeros(4)], "c": 1.5})
    assert set(packed["a"]) == {"$npy"} and packed["c"] == 1.5
    back = folder.unpack(protocol.decode(protocol.encode(protocol.reply(1, packed)))["result"])
    np.testing.assert_array_equal(back["a"], np.ones((3, 2)))
    np.testing.assert_array_equal(back["b"][0], np.zeros(4))
    for bad in ({"$npy": "../x.npy"}, {"$npy": "/etc/passwd"}, {"$npy": 3}):
        with pytest.raises(protocol.ProtocolError):
            folder.get(bad)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(protocol.ProtocolError):
        folder.get({"$npy": "objects.npy"})  # pickled content is never loaded


@pytest.mark.parametrize("code, words", [
    (-signal.SIGSEGV, "crashed with a segmentation fault (SIGSEGV, signal 11)"),
    (-signal.SIGKILL, "was killed (SIGKILL, signal 9): by kill -9, or by the system's out-of-memory killer"),
    (3, "exited with code 3"),
])
def test_an_exit_is_described_in_words_with_the_last_output(code, words):
    text = describe_exit(code, ["", "Traceback (most recent call last):", "ValueError: bad weights"])
    assert text.startswith(words)
    assert text.endswith("its last output: Traceback (most recent call last): | ValueError: bad weights")


@pytest.fixture(scope="module")
def engine():
    conn = LocalExecutor().start("selftest")
    assert conn.wait_ready(30)
    yield conn
    conn.shutdown()


def test_requests_get_their_own_answers_and_events(engine):
    ticks = []
    engine.on_event = lambda m: ticks.append(m) if m.get("event") == "tick" else None
    futures = [engine.request("echo", {"n": i}) for i in range(20)]
    assert [f.result(10) for f in futures] == [{"n": i} for i in range(20)]
    counting = engine.request("count", {"n": 5, "delay": 0})
    assert counting.result(10) == {"stopped_at": None}
    assert [m["data"]["i"] for m in ticks] == [0, 1, 2, 3, 4]
    assert {m["id"] for m in ticks} == {counting.request_id}
    engine.on_event = None


def test_an_error_comes_back_with_its_kind_and_the_engine_goes_on(engine):
    with pytest.raises(EngineError, match="bad thing") as info:
        engine.call("fail", {"message": "bad thing"}, timeout=10)
    assert info.value.kind == "LayerLabError"
    with pytest.raises(EngineError, match="no operation 'nope'"):
        engine.call("nope", timeout=10)
    assert engine.call("echo", {"still": "here"}, timeout=10) == {"still": "here"}


def test_stop_reaches_a_running_request_at_once(engine):
    running = engine.request("count", {"n": 100000, "delay": 0.01})
    time.sleep(0.3)
    engine.stop()
    result = running.result(10)
    assert result["stopped_at"] is not None and 0 < result["stopped_at"] < 100000


def test_an_array_arrives_by_file(engine):
    result = engine.call("array", {"n": 12, "cols": 3}, timeout=10)
    a = engine.arrays.get(result["array"])
    assert a.shape == (4, 3) and float(a.sum()) == result["sum"]


def test_folders_the_user_allowed_reach_the_engine_with_each_request(engine, tmp_path):
    from layerlab.core import confine

    assert str(tmp_path) not in engine.call("allowed", timeout=10)
    confine.allow(tmp_path)  # as the editor does when the user picks a file outside the project by a dialog
    assert str(tmp_path.resolve()) in engine.call("allowed", timeout=10)


def test_the_engine_never_loads_tensorflow_for_the_selftest(engine):
    info = engine.call("pid", timeout=10)
    assert info["pid"] == engine.pid and info["pid"] != os.getpid()
    assert info["modules"] == []


@pytest.mark.parametrize("how, words", [
    ({"signal": signal.SIGSEGV}, "crashed with a segmentation fault"),
    ({"code": 7}, "exited with code 7"),
])
def test_a_dying_engine_fails_its_request_with_the_reason(how, words):
    exits = []
    conn = LocalExecutor().start("selftest", on_exit=lambda reason, code: exits.append((reason, code)))
    with pytest.raises(EngineDied, match=words) as info:
        conn.call("die", {**how, "say": "the last words"}, timeout=30)
    assert "the last words" in info.value.reason
    assert conn.ended.wait(5) and exits and exits[0][0] == info.value.reason
    assert not os.path.exists(conn.arrays.folder)  # its array folder is cleaned up
    with pytest.raises(EngineDied):
        conn.call("echo", timeout=5)  # later requests fail at once, they never hang


def test_sigkill_from_outside_is_reported_as_a_kill():
    conn = LocalExecutor().start("selftest")
    assert conn.wait_ready(30)
    running = conn.request("ignore_stop", {"seconds": 60})
    os.kill(conn.pid, signal.SIGKILL)
    with pytest.raises(EngineDied, match=r"was killed \(SIGKILL, signal 9\)"):
        running.result(10)


def test_an_engine_whose_editor_dies_exits_by_itself(tmp_path):
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import sys, time
        from layerlab.core.engine.executor import LocalExecutor
        conn = LocalExecutor().start("selftest")
        conn.wait_ready(30)
        print(conn.pid, flush=True)
        time.sleep(60)
    """)
    editor = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(editor.stdout.readline())
    os.kill(pid, 0)  # the engine runs
    editor.kill()
    editor.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        _reap(pid)
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the engine outlived its editor")


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def test_shutdown_ends_the_engine_cleanly():
    exits = []
    conn = LocalExecutor().start("selftest", on_exit=lambda reason, code: exits.append((reason, code)))
    assert conn.wait_ready(30)
    conn.shutdown()
    assert exits == [("ended", 0)]
