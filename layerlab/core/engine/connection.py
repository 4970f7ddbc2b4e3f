"""The editor's side of an engine: requests with futures, events to a callback, and the engine's end.

:class:`EngineConnection` works over any transport that moves lines (a local
process's pipes, or another executor's channel). One reader thread decodes
what the engine writes: replies resolve the :class:`~concurrent.futures.Future`
of their request, events go to ``on_event`` (called on the reader thread:
a GUI re-emits them as queued signals). When the engine ends, every pending
request fails with :class:`EngineDied` carrying the reason, and ``on_exit``
is called once.
"""

from __future__ import annotations

import itertools
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from layerlab.core.engine import protocol
from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.errors import LayerLabError

EXIT_WAIT = 2.0  # seconds to wait for the exit status once the engine's output has ended


class EngineError(LayerLabError):
    """A request the engine answered with an error; `kind` is the engine's error class name."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class EngineDied(LayerLabError):
    """The engine ended before it answered; the message says how (signal, exit code, last output)."""

    def __init__(self, reason: str, returncode: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.returncode = returncode


class EngineConnection:
    """A running engine. Thread-safe: requests may be made from any thread.

    Args:
        transport: moves lines (LocalProcess or the like).
        on_event: called with each event message (a dict with "event", "data" and maybe "id").
        on_exit: called once with (reason, returncode) when the engine has ended.
        arrays: the folder arrays travel through; removed at the end when `own_arrays`.
    """

    def __init__(self, transport, on_event: Callable[[dict], None] | None = None,
                 on_exit: Callable[[str, int | None], None] | None = None, arrays: ArrayFolder | None = None,
                 own_arrays: bool = False):
        self.transport = transport
        self.role = transport.role
        self.arrays = arrays
        self.on_event = on_event
        self.on_exit = on_exit
        self.pid: int | None = getattr(transport, "pid", None)
        self.ready = threading.Event()  # the engine said READY
        self.ended = threading.Event()
        self.exit_reason: str | None = None
        self.returncode: int | None = None
        self._own_arrays = own_arrays
        self._ids = itertools.count(1)
        self._pending: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._closing = False
        self._over = False  # no more requests are taken (set just before `ended`)
        self._reader = threading.Thread(target=self._read, name=f"layerlab-{self.role}-reader", daemon=True)
        self._reader.start()

    # -- requests ------------------------------------------------------------------------------------
    def request(self, op: str, args: dict | None = None) -> Future:
        """Send a request; its Future holds the result, or raises EngineError / EngineDied."""
        future: Future = Future()
        with self._lock:
            if self._over:
                future.set_exception(EngineDied(self.exit_reason or "the engine has ended", self.returncode))
                return future
            rid = next(self._ids)
            self._pending[rid] = future
        future.request_id = rid  # events of this request carry the same id
        message = protocol.request(op, args, rid)
        granted = _granted_folders()
        if granted:  # the folders the user allowed in this process reach the engine with each request
            message["allow"] = granted
        if not self.transport.send_line(protocol.encode(message)):
            with self._lock:
                self._pending.pop(rid, None)
            future.set_exception(EngineDied(self.exit_reason or "the engine is not running", self.returncode))
        return future

    def call(self, op: str, args: dict | None = None, timeout: float | None = None) -> Any:
        """Send a request and wait for its result."""
        return self.request(op, args).result(timeout)

    def stop(self, request_id: int | None = None) -> bool:
        """Ask the running request, or that of `request_id` (running or queued), to stop after its step.

        A step is a batch, a node, a wire. False if the engine is gone.
        """
        args = None if request_id is None else {"id": request_id}
        return self.transport.send_line(protocol.encode(protocol.request(protocol.STOP, args)))

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the engine is ready (or has ended); True when ready."""
        deadline_hit = not self._wait_any(timeout)
        return self.ready.is_set() and not deadline_hit

    def _wait_any(self, timeout: float | None) -> bool:
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while not (self.ready.is_set() or self.ended.is_set()):
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.ready.wait(0.05 if left is None else min(0.05, left))
        return True

    @property
    def alive(self) -> bool:
        return not self.ended.is_set()

    def died_during(self, error: Exception) -> bool:
        """Whether `error`, met while writing into this engine's array folder, came from the engine's death.

        An engine that dies takes its array folder with it, so a job being packed into that folder fails
        with an OSError; that is the engine's death, not a bug. The folder goes only after the connection
        has stopped taking requests, so a request sent now fails with EngineDied, saying how it ended.
        Any other OSError (an unreadable data file) is told at once, without waiting.
        """
        return (isinstance(error, OSError) and self._own_arrays and self.arrays is not None
                and not Path(self.arrays.folder).is_dir())

    # -- ending ----------------------------------------------------------------------------------------
    def shutdown(self, timeout: float = 5.0) -> None:
        """End the engine cleanly (it finishes its request first), killing it after `timeout` seconds."""
        self._closing = True
        if not self.ended.is_set():
            self.transport.send_line(protocol.encode(protocol.request(protocol.SHUTDOWN)))
            self.transport.close_input()
            if self.transport.wait(timeout) is None:
                self.transport.kill()
        self.ended.wait(timeout + EXIT_WAIT)

    def close(self) -> None:
        """Ask the engine to end after its request, without waiting (its end is reported to `on_exit`)."""
        self._closing = True
        if not self.ended.is_set():
            self.transport.send_line(protocol.encode(protocol.request(protocol.SHUTDOWN)))
            self.transport.close_input()

    def kill(self) -> None:
        """End the engine now (SIGKILL). Its pending requests fail with EngineDied."""
        self.transport.kill()

    # -- the reader thread -----------------------------------------------------------------------------
    def _read(self) -> None:
        while True:
            line = self.transport.read_line()
            if line is None:
                break
            try:
                message = protocol.decode(line)
            except protocol.ProtocolError:
                continue  # a stray line (a library printing to stdout); the engine's own lines always parse
            self._dispatch(message)
        self._ended()

    def _dispatch(self, message: dict) -> None:
        if "ok" in message:
            with self._lock:
                future = self._pending.pop(message.get("id"), None)
            if future is None:
                return
            if message["ok"]:
                future.set_result(message.get("result"))
            else:
                error = message.get("error") or {}
                future.set_exception(EngineError(str(error.get("kind", "Error")), str(error.get("message", ""))))
            return
        name = message.get("event")
        if name == protocol.HELLO:
            self.pid = (message.get("data") or {}).get("pid", self.pid)
        elif name == protocol.READY:
            self.ready.set()
        if self.on_event is not None:
            try:
                self.on_event(message)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop the reader
                import traceback

                traceback.print_exc()

    def _ended(self) -> None:
        code = self.transport.wait(EXIT_WAIT)
        if code is None:  # output closed but the process lingers: it is of no use any more
            self.transport.kill()
            code = self.transport.wait(EXIT_WAIT)
        self.returncode = code
        clean = self._closing and code == 0
        self.exit_reason = "ended" if clean else self.transport.exit_reason()
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
            self._over = True
        for future in pending:
            if not future.done():
                future.set_exception(EngineDied(self.exit_reason, code))
        self.transport.release()
        if self._own_arrays and self.arrays is not None:
            shutil.rmtree(Path(self.arrays.folder), ignore_errors=True)
        if self.on_exit is not None:
            try:
                self.on_exit(self.exit_reason, code)
            except Exception:  # noqa: BLE001
                import traceback

                traceback.print_exc()
        self.ended.set()


def _granted_folders() -> list[str]:
    from layerlab.core import confine

    return [str(p) for p in confine.allowed_folders()]
