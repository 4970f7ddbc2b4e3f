"""Engines as Qt objects: their events and their end as signals on the GUI thread.

:class:`EngineClient` wraps a core :class:`~layerlab.core.engine.connection.EngineConnection`
(started by an executor). The connection's reader thread calls back; each
callback becomes a queued signal here, so slots run on the GUI thread and
never wait for an engine. :meth:`EngineClient.call` takes callbacks for the
result and the error, also run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from layerlab.core.engine.executor import Executor, LocalExecutor


class EngineClient(QObject):
    """One engine of a role, started at construction.

    Signals:
        event(dict): an event message ({"event", "data", "id"}), ready and hello included.
        ready(): the engine answers quickly from now on (it has imported Keras).
        exited(str, object): the engine ended: the reason in words, and its exit code (None if unknown).
    """

    event = Signal(object)
    ready = Signal()
    exited = Signal(str, object)
    _event = Signal(object)
    _exited = Signal(str, object)
    _done = Signal(object, object, object)  # callback, value, error callback marker

    def __init__(self, role: str, executor: Executor | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.role = role
        self.executor = executor or LocalExecutor()
        queued = Qt.ConnectionType.QueuedConnection
        self._event.connect(self._on_event, queued)
        self._exited.connect(self._on_exited, queued)
        self._done.connect(self._on_done, queued)
        self.connection = self.executor.start(role, on_event=self._event.emit, on_exit=self._exited.emit)

    @property
    def alive(self) -> bool:
        return self.connection.alive

    @property
    def pid(self) -> int | None:
        return self.connection.pid

    @property
    def arrays(self):
        return self.connection.arrays

    def call(self, op: str, args: dict | None = None, on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[Exception], None] | None = None):
        """Send a request; `on_result(result)` or `on_error(exception)` runs later on the GUI thread.

        Returns the request's Future (its `request_id` matches the events it causes).
        """
        future = self.connection.request(op, args)

        def done(f) -> None:
            error = f.exception()
            if error is None:
                if on_result is not None:
                    self._done.emit(on_result, f.result(), None)
            elif on_error is not None:
                self._done.emit(on_error, error, None)

        future.add_done_callback(done)
        return future

    def stop(self) -> bool:
        return self.connection.stop()

    def kill(self) -> None:
        self.connection.kill()

    def close(self) -> None:
        """End the engine after its request, without waiting; `exited` follows."""
        self.connection.close()

    def shutdown(self, timeout: float = 5.0) -> None:
        self.connection.shutdown(timeout)

    @Slot(object)
    def _on_event(self, message: dict) -> None:
        if message.get("event") == "ready":
            self.ready.emit()
        self.event.emit(message)

    @Slot(str, object)
    def _on_exited(self, reason: str, code) -> None:
        self.exited.emit(reason, code)

    @Slot(object, object, object)
    def _on_done(self, callback, value, _unused) -> None:
        callback(value)
