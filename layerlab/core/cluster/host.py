"""The cluster side of a remote engine: a host that runs the same engine process, on whichever node it is placed.

:class:`EngineHost` is what a Ray actor holds (see :mod:`.ray_executor`): it
starts ``python -m layerlab.core.engine ROLE`` on its node with
:class:`~layerlab.core.engine.process.LocalProcess` (a fresh interpreter, as
locally: the engine's code and its `serve()` loop are the same), keeps the
lines the engine writes in a queue that the editor long-polls, and holds the
engine's array folder, whose files the editor fetches and fills by name.
Nothing here imports Ray: the actor wraps this class when it is placed.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import tempfile
import threading
from pathlib import Path

from layerlab.core.engine.process import LocalProcess
from layerlab.core.engine.serve import ARRAYS_ENV

MAX_LINES = 200  # lines handed back by one poll


class EngineHost:
    """One engine process on a cluster node, driven by method calls instead of pipes."""

    def __init__(self, role: str, env: dict[str, str] | None = None):
        self.folder = tempfile.mkdtemp(prefix=f"layerlab-{role}-")
        self._lines: queue.Queue = queue.Queue()
        self._done = threading.Event()
        self.process = LocalProcess(role, env={**(env or {}), ARRAYS_ENV: self.folder})
        threading.Thread(target=self._pump, name="layerlab-host-reader", daemon=True).start()

    def _pump(self) -> None:
        while True:
            line = self.process.read_line()
            if line is None:
                break
            self._lines.put(line)
        self._done.set()

    def where(self) -> dict:
        """The node and process the engine runs on (for messages and tests)."""
        return {"host": socket.gethostname(), "host_pid": os.getpid(), "pid": self.process.pid,
                "node_ip": os.environ.get("RAY_NODE_IP_ADDRESS", "")}

    def poll(self, wait: float = 1.0) -> tuple[list[bytes], bool]:
        """Lines the engine wrote (waiting up to `wait` seconds for the first); True once it has ended."""
        lines: list[bytes] = []
        try:
            lines.append(self._lines.get(timeout=wait))
        except queue.Empty:
            pass
        while len(lines) < MAX_LINES:
            try:
                lines.append(self._lines.get_nowait())
            except queue.Empty:
                break
        return lines, self._done.is_set() and self._lines.empty()

    def send_line(self, line: bytes) -> bool:
        return self.process.send_line(line)

    def close_input(self) -> None:
        self.process.close_input()

    def wait(self, timeout: float | None = None) -> int | None:
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.kill()

    def exit_reason(self) -> str:
        return self.process.exit_reason()

    def get_file(self, name: str) -> bytes:
        """An array file the engine wrote (a bare name inside its folder)."""
        return (Path(self.folder) / _bare(name)).read_bytes()

    def put_file(self, name: str, data: bytes) -> None:
        """An array file for the engine to read, written whole before it is named."""
        path = Path(self.folder) / _bare(name)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def release(self) -> None:
        self.process.kill()
        self.process.wait(2.0)
        self.process.release()
        shutil.rmtree(self.folder, ignore_errors=True)


def _bare(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not an array file name: {name!r}")
    return name
