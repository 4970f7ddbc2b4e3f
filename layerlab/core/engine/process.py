"""A local engine process: a fresh interpreter (never a fork: TensorFlow is not fork-safe) on pipes.

:class:`LocalProcess` starts ``python -m layerlab.core.engine ROLE``, writes
request lines to its stdin, reads message lines from its stdout, and keeps
the last lines of its stderr. When it ends, :meth:`LocalProcess.exit_reason`
says how, in words a person understands: the signal or exit code, and what
it last wrote. It must be started from a thread that outlives it (the
editor's main thread): Linux's parent-death signal, the engine's second
guard against orphans, fires when the starting *thread* ends.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

STDERR_LINES = 40  # kept for the reason a dead engine gives
REASON_LINES = 6  # of those, shown to the user

_SIGNAL_WORDS = {  # signal -> (what happened, what it usually means)
    signal.SIGSEGV: ("crashed with a segmentation fault", ""),
    signal.SIGKILL: ("was killed", "by kill -9, or by the system's out-of-memory killer"),
    signal.SIGABRT: ("aborted", ""),
    signal.SIGTERM: ("was terminated", ""),
    signal.SIGINT: ("was interrupted", ""),
    signal.SIGBUS: ("crashed with a bus error", ""),
    signal.SIGFPE: ("crashed with a floating-point exception", ""),
    signal.SIGILL: ("crashed on an illegal instruction", "this processor may lack an instruction TensorFlow needs"),
}


def describe_exit(returncode: int | None, stderr_tail: list[str] | None = None) -> str:
    """How a process ended, in words: "crashed with a segmentation fault (SIGSEGV, signal 11); its last output: …"."""
    if returncode is None:
        what = "stopped answering"
    elif returncode < 0:
        sig = -returncode
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = "an unknown signal"
        words, hint = _SIGNAL_WORDS.get(sig, ("was ended by a signal", ""))
        what = f"{words} ({name}, signal {sig})" + (f": {hint}" if hint else "")
    elif returncode == 0:
        what = "exited"
    else:
        what = f"exited with code {returncode}"
    lines = [line for line in (stderr_tail or []) if line.strip()][-REASON_LINES:]
    return f"{what}; its last output: " + " | ".join(lines) if lines else what


def engine_command(role: str) -> list[str]:
    """The command line that starts an engine of `role` with this interpreter."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: its executable dispatches on the first argument
        return [sys.executable, "--layerlab-engine", role]
    return [sys.executable, "-m", "layerlab.core.engine", role]


class LocalProcess:
    """One engine process with its pipes. Thread-safe `send`; `read_line` from one reader thread only."""

    def __init__(self, role: str, env: dict[str, str] | None = None, cwd: str | Path | None = None):
        self.role = role
        environ = {**os.environ, **(env or {})}
        environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        environ["PYTHONUNBUFFERED"] = "1"
        environ["LAYERLAB_ENGINE_PARENT"] = str(os.getpid())
        self._proc = subprocess.Popen(
            engine_command(role), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=environ, cwd=cwd, close_fds=True, start_new_session=True)
        self.pid = self._proc.pid
        self._send_lock = threading.Lock()
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._stderr_done = threading.Event()
        threading.Thread(target=self._drain_stderr, name=f"layerlab-{role}-stderr", daemon=True).start()

    def _drain_stderr(self) -> None:
        try:
            for raw in self._proc.stderr:
                self._tail.append(raw.decode(errors="replace").rstrip())
        except (OSError, ValueError):
            pass
        finally:
            self._stderr_done.set()

    def send_line(self, line: bytes) -> bool:
        """Write one line; False when the engine is gone."""
        with self._send_lock:
            try:
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
                return True
            except (BrokenPipeError, OSError, ValueError):
                return False

    def read_line(self) -> bytes | None:
        """The next line the engine wrote; None at its end."""
        try:
            line = self._proc.stdout.readline()
        except (OSError, ValueError):
            return None
        return line or None

    def close_input(self) -> None:
        with self._send_lock:
            try:
                self._proc.stdin.close()
            except (OSError, ValueError):
                pass

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.kill()
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.terminate()
            except ProcessLookupError:
                pass

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    def stderr_tail(self) -> list[str]:
        self._stderr_done.wait(1.0)  # the last lines arrive just after the exit
        return list(self._tail)

    def exit_reason(self) -> str:
        return describe_exit(self.returncode, self.stderr_tail())

    def release(self) -> None:
        """Close the pipes (after the end)."""
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
