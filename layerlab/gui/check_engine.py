"""The editor's check engine: one process for the whole editor, started early, restarted when it dies.

Every window's CheckService, the Data panel, exports and imports talk to the
same engine (:mod:`layerlab.core.engine.check_role`) through
:class:`CheckEngine`. When the engine dies (a crash, the OOM killer, a
``kill -9``), :attr:`CheckEngine.died` says why, a new engine is started at
once, and :attr:`CheckEngine.restarted` tells the services to send their
documents again. Engines that keep dying are given up after a few tries in a
row (the status bar says so); the editor itself carries on.

:func:`shared` gives the editor's engine, made at first use (from the GUI
thread: the engine's parent-death guard belongs to the thread that starts it).
Tests share it for the whole session; fault tests make their own.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from layerlab.core.engine.connection import EngineDied
from layerlab.core.engine.executor import Executor
from layerlab.gui.engine import EngineClient

ROLE = "check"
MAX_QUICK_DEATHS = 3  # deaths in a row, each within QUICK_DEATH seconds of its start, before giving up
QUICK_DEATH = 20.0


class CheckEngine(QObject):
    """The check engine of an editor, with restarts.

    Signals:
        ready(): the engine has loaded Keras and answers quickly (after each (re)start).
        died(str): the engine ended unexpectedly; the reason in words. A new one is being started, unless
            `gave_up`.
        restarted(): a new engine was started after a death: documents must be sent again.
        event(dict): the engine's events (those of requests carry the request's id).
    """

    ready = Signal()
    died = Signal(str)
    restarted = Signal()
    event = Signal(object)

    def __init__(self, executor: Executor | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.executor = executor
        self.client: EngineClient | None = None
        self.generation = 0  # +1 at each start: replicas held by an older engine are gone
        self.last_death = ""
        self.gave_up = False
        self._quick_deaths = 0
        self._started_at = 0.0
        self._closed = False
        self._ready = False
        self._exit_seen = False  # the running client's end has been handled (a new one may start)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine if none is running (call from the GUI thread)."""
        if self._closed or self.gave_up or (self.client is not None and not self._exit_seen):
            return  # running, or dead but its end not handled yet: _on_exited restarts it and says so
        self._exit_seen = False
        self.generation += 1
        self._ready = False
        self._started_at = time.monotonic()
        client = self.client = EngineClient(ROLE, self.executor, self)
        client.ready.connect(lambda: self._on_ready(client))
        client.event.connect(self.event)
        client.exited.connect(lambda reason, code: self._on_exited(client, reason, code))

    @property
    def is_ready(self) -> bool:
        """Whether the running engine has loaded Keras (stays true after a clean shutdown)."""
        return self._ready

    @property
    def alive(self) -> bool:
        return self.client is not None and self.client.alive

    @property
    def pid(self) -> int | None:
        return self.client.pid if self.client is not None else None

    @property
    def arrays(self):
        return self.client.arrays if self.client is not None else None

    def kill(self) -> None:
        """SIGKILL the running engine (tests of what follows a crash)."""
        if self.client is not None:
            self.client.kill()

    def shutdown(self) -> None:
        """End the engine for good (the editor is closing).

        An engine still importing Keras is killed at once: no one is left to read what it would answer
        (exports are waited for before a window closes), and quitting must not wait seconds for it.
        """
        if self._closed:
            return
        self._closed = True
        if self.client is None:
            return
        if self._ready:
            self.client.shutdown(5.0)
        else:
            self.client.kill()
            self.client.connection.ended.wait(5.0)

    def _on_ready(self, client: EngineClient) -> None:
        if client is self.client:
            self._ready = True
            self._quick_deaths = 0
            self.ready.emit()

    def _on_exited(self, client: EngineClient, reason: str, code) -> None:
        if client is not self.client:
            return
        self._exit_seen = True
        if self._closed:
            return
        self._ready = False
        quick = time.monotonic() - self._started_at < QUICK_DEATH
        self._quick_deaths = self._quick_deaths + 1 if quick else 1
        self.last_death = f"The check engine {reason.rstrip('.')}."  # "The check engine was killed (SIGKILL…)."
        if self._quick_deaths > MAX_QUICK_DEATHS:
            self.gave_up = True
            self.last_death += f" It died {MAX_QUICK_DEATHS + 1} times in a row and is not restarted."
        self.died.emit(self.last_death)
        if not self.gave_up:
            self.start()
            self.restarted.emit()

    # -- requests ------------------------------------------------------------------------------------
    def call(self, op: str, args: dict | None = None, on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[Exception], None] | None = None):
        """Send a request (starting the engine if needed); callbacks run on the GUI thread. -> its Future."""
        self.start()
        if self.client is None:
            from concurrent.futures import Future

            future: Future = Future()
            future.request_id = None
            error = EngineDied(self.last_death or "the check engine is not running")
            future.set_exception(error)
            if on_error is not None:
                on_error(error)
            return future
        return self.client.call(op, args, on_result, on_error)

    def call_blocking(self, op: str, args: dict | None = None, timeout: float | None = None) -> Any:
        """Send a request and wait for its result (from a worker thread; the engine must have been started)."""
        client = self.client
        if client is None:
            raise EngineDied(self.last_death or "the check engine is not running")
        return client.connection.call(op, args, timeout)

    def stop(self, request_id: int | None) -> None:
        if self.client is not None and request_id is not None:
            self.client.stop(request_id)


_shared: CheckEngine | None = None


def shared() -> CheckEngine:
    """The editor's check engine, started at the first call (from the GUI thread)."""
    global _shared
    if _shared is None or _shared._closed:
        _shared = CheckEngine()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_shared.shutdown)
    _shared.start()
    return _shared


def shutdown_shared() -> None:
    global _shared
    if _shared is not None:
        engine, _shared = _shared, None
        try:
            engine.shutdown()
        except RuntimeError:  # its Qt objects are already gone
            pass


atexit.register(shutdown_shared)
