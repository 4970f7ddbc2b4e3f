"""The sweep and the cluster check as processes of their own (the editor never imports Keras or Ray).

:class:`SweepProcess` runs ``layerlab sweep … --json`` on a copy of the open
project written beside it (a hidden file in the project's folder, so that its
data files resolve and travel as the project's own; removed at the end) and
turns each JSON line into a signal. :class:`ClusterCheck` runs the cluster
check (``python -m layerlab.core.engine ray-info``) and reports what the cluster has.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from layerlab.core.project import dumps_json


def _command(*args: str) -> tuple[str, list[str]]:
    if getattr(sys, "frozen", False):  # the bundle's executable is the `layerlab` command
        return sys.executable, list(args)
    return sys.executable, ["-m", "layerlab.cli", *args]


class SweepProcess(QObject):
    """One sweep; `trial(dict)` per trial as it ends, then `finished(best or None, error text)`."""

    trial = Signal(dict)
    finished = Signal(object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self._files: list[Path] = []
        self._best = None
        self._buffer = b""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, project, space: dict, trials: int, parallel: int, metric: str, mode: str, on: str = "local",
              seed: int | None = None, asha: bool = False) -> None:
        folder = project.path.parent if project.path is not None else Path(tempfile.gettempdir())
        stem = project.path.stem if project.path is not None else "untitled"
        fd, name = tempfile.mkstemp(prefix=f".{stem}.sweep-", suffix=".layerlab", dir=folder)
        os.close(fd)
        Path(name).write_text(dumps_json(project.to_json(), indent=2) + "\n", encoding="utf-8")
        fd, space_name = tempfile.mkstemp(prefix="layerlab-space-", suffix=".json")
        os.close(fd)
        Path(space_name).write_text(json.dumps(space), encoding="utf-8")
        self._files = [Path(name), Path(space_name)]
        args = ["sweep", name, "--space", space_name, "--trials", str(trials), "--parallel", str(parallel),
                "--metric", metric, "--mode", mode, "--on", on, "--json"]
        if seed is not None:
            args += ["--seed", str(seed)]
        if asha:
            args.append("--asha")
        self._best, self._buffer = None, b""
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("TF_CPP_MIN_LOG_LEVEL", "3")
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._done)
        program, argv = _command(*args)
        self.process.start(program, argv)

    def stop(self) -> None:
        """Stop the trials after their current batch (as Ctrl-C does)."""
        if self.running:
            self.process.terminate() if sys.platform == "win32" else os.kill(self.process.processId(), 2)

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "best" in message:
                self._best = message["best"]
            elif "trial" in message:
                self.trial.emit(message)

    def _done(self, code: int, status) -> None:
        self._read()
        error = ""
        if code not in (0, 130) or status != QProcess.ExitStatus.NormalExit:
            tail = bytes(self.process.readAllStandardError()).decode(errors="replace").strip().splitlines()
            lines = [t for t in tail if t.startswith("layerlab:")] or tail[-3:]
            error = " ".join(lines) or f"the sweep ended with code {code}"
        for path in self._files:
            path.unlink(missing_ok=True)
        self.finished.emit(self._best, error)


class ClusterCheck(QObject):
    """Asks a Ray cluster what it has, in a short-lived process (Ray never loads in the editor); `done(ok, text)`."""

    done = Signal(bool, str)
    TIMEOUT_MS = 90_000  # importing Ray and connecting take a few seconds; a cluster that never answers, longer

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timed_out)
        self._timed_out_flag = False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, address: str) -> None:
        from layerlab.core.cluster.__main__ import ADDRESS_ENV
        from layerlab.core.engine.process import engine_command

        if self.running:
            return
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert(ADDRESS_ENV, address.strip())
        env.insert("RAY_USAGE_STATS_ENABLED", "0")
        self.process.setProcessEnvironment(env)
        self.process.finished.connect(self._finished)
        self._timed_out_flag = False
        program, *argv = engine_command("ray-info")  # works in a packaged app too
        self._timer.start(self.TIMEOUT_MS)
        self.process.start(program, argv)

    def _timed_out(self) -> None:
        if self.running:
            self._timed_out_flag = True
            self.process.kill()

    def _finished(self, code: int, status) -> None:
        self._timer.stop()
        if self._timed_out_flag:
            self.done.emit(False, f"the cluster did not answer within {self.TIMEOUT_MS // 1000} s")
            return
        out = bytes(self.process.readAllStandardOutput()).decode(errors="replace").strip().splitlines()
        try:
            data = json.loads(out[-1]) if out else {}
        except ValueError:
            data = {}
        if "text" in data:
            self.done.emit(True, data["text"])
        else:
            err = bytes(self.process.readAllStandardError()).decode(errors="replace").strip().splitlines()
            self.done.emit(False, data.get("error") or (err[-1] if err else f"the check ended with code {code}"))
