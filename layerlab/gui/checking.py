"""Shape checks in the check engine: the editor never runs Keras, and never waits for it.

`CheckService` listens to the document, coalesces the changes made in one turn
of the event loop into one request, and sends a snapshot to the check engine
(:mod:`layerlab.gui.check_engine`, one process for the whole editor). The
engine owns a replica of the document and a `ShapeChecker` whose caches make
each re-check incremental: a full ``load`` when the structure changed, else
only the ``params`` of the nodes whose parameters changed.

The engine process starts at once, in parallel with the window's first paint
(it imports Keras in its own process, so it cannot slow the editor down).
Given the window as its parent, the service sends its first snapshot once the
window has been shown and painted; opening a project before showing the
window sends nothing. :meth:`CheckService.start` starts at once. Until the
answer comes, shapes show as pending.

At most one check is in flight. A result computed for an older revision than
the document's is dropped and followed by a check of the latest state. When
the engine dies, the status bar says so (`engineDied`), shapes show as pending,
and the whole document is sent to the new engine: no edit is lost.
"""

from __future__ import annotations

import atexit
import itertools
import os
import weakref

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from layerlab.core.document import (
    EDGE_ADDED,
    EDGE_REMOVED,
    GROUP_KINDS,
    NODE_ADDED,
    NODE_CHANGED,
    NODE_MOVED,
    NODE_REMOVED,
    Change,
    Edge,
    GraphDocument,
    Node,
)
from layerlab.core.engine import check_messages as msg
from layerlab.core.errors import Problem
from layerlab.core.shapes import CheckReport
from layerlab.core.verdicts import Verdict, describe_shape
from layerlab.gui import check_engine

__all__ = ["CheckService", "Verdict", "describe_shape"]

_LOAD, _PARAMS = "load", "params"  # the two kinds of snapshot sent to the engine
_keys = itertools.count(1)


class _FirstPaintGate(QObject):
    """Calls `callback` once, at the next turn of the event loop after a first paint.

    Without a `window`, the application's first paint counts, or `delay_ms` if nothing paints by then.
    With one, only a paint inside that window counts, and the fallback delay starts when it is shown:
    nothing happens while a window is being set up unseen (a project opened before `show()`).
    """

    def __init__(self, callback, delay_ms: int, window: QWidget | None = None):
        super().__init__()
        self._callback = callback
        self._delay_ms = delay_ms
        self._window = window
        self._done = False
        self._app = QCoreApplication.instance()
        self._app.installEventFilter(self)
        if window is None or window.isVisible():
            QTimer.singleShot(delay_ms, self._fire)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Paint and (self._window is None or self._inside(obj)):
            self.close()
            QTimer.singleShot(0, self._fire)
        elif kind == QEvent.Type.Show and obj is self._window:
            QTimer.singleShot(self._delay_ms, self._fire)
        return False

    def _inside(self, obj) -> bool:
        return isinstance(obj, QWidget) and obj.window() is self._window

    def _fire(self) -> None:
        if not self._done:
            self._done = True
            self.close()
            self._callback()

    def close(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None


_SUBMIT = QEvent.Type(QEvent.registerEventType())


class CheckService(QObject):
    """Keeps a CheckReport of the document up to date without blocking the GUI thread.

    Signals:
        reportReady(CheckReport): a check of the document's latest revision finished.
        kerasReady(): the check engine has loaded Keras.
        probeReady(int, dict): verdicts {Edge: Verdict} for a `probe` generation (several batches).
        engineDied(str): the check engine died (the reason, for the status bar); a new one is starting
            and the document is sent to it. Shapes are pending until it answers.

    Args:
        document: the document to check (the service subscribes to it).
        parent: the QObject parent. A window (a QWidget) holds the first check back until it is shown and painted.
        warm_up_delay_ms: the first check is sent right after the first paint (of the parent window, if it is
            one), or this long after the window was shown (or the service made) if nothing has painted by then;
            0 sends at the next turn of the event loop (tests, command-line tools). `start()` sends at once.
        engine: the CheckEngine to use (default: the editor's shared one, started now).
    """

    reportReady = Signal(object)  # noqa: N815 - Qt naming
    kerasReady = Signal()  # noqa: N815
    probeReady = Signal(int, object)  # noqa: N815
    engineDied = Signal(str)  # noqa: N815

    def __init__(self, document: GraphDocument, parent: QObject | None = None, warm_up_delay_ms: int = 2000,
                 engine: check_engine.CheckEngine | None = None):
        super().__init__(parent)
        self.document = document
        self.engine = engine if engine is not None else check_engine.shared()
        self.engine.start()  # in parallel with the first paint: the engine imports Keras in its own process
        self.key = f"{os.getpid()}-{next(_keys)}"  # this document's replica in the engine
        self.report: CheckReport | None = None
        self.report_revision = -1
        self.pending = True
        self.checks_started = 0  # for tests and benchmarks
        self._extra: list[Problem] = []
        self._raw_report: CheckReport | None = None
        # Snapshot caches: only what changed is copied again. `_changed` holds the nodes whose params or
        # type changed since the last request; None means more than that changed (send everything).
        self._nodes: dict[str, Node] | None = None
        self._edges: list[Edge] | None = None
        self._changed: set[str] | None = None
        self._in_flight: int | None = None
        self._submit_posted = False
        self._probe_generation = 0
        self._probe_request: int | None = None
        self._closed = False
        self._started = False

        self.engine.ready.connect(self._on_keras_loaded)
        self.engine.died.connect(self._on_engine_died)
        self.engine.restarted.connect(self._on_engine_restarted)
        self.engine.event.connect(self._on_event)
        self._unsubscribe = document.subscribe(self._on_change)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        _live.add(self)
        self._paint_gate = None
        if app is not None and warm_up_delay_ms > 0:
            window = parent.window() if isinstance(parent, QWidget) else None
            self._paint_gate = _FirstPaintGate(self.start, warm_up_delay_ms, window)
        else:
            QTimer.singleShot(warm_up_delay_ms, self.start)

    # -- lifecycle ---------------------------------------------------------
    @property
    def started(self) -> bool:
        """Whether checks are being sent."""
        return self._started

    @property
    def keras_loaded(self) -> bool:
        """Whether the check engine has loaded Keras (and so answers quickly)."""
        return self.engine.is_ready

    def start(self) -> None:
        """Start checking now (it happens by itself after the window's first paint)."""
        if self._closed or self._started:
            return
        self._started = True
        if self._paint_gate is not None:
            self._paint_gate.close()
            self._paint_gate = None
        self._submit()

    def shutdown(self) -> None:
        """Stop checking; the engine forgets this document (the engine itself stays for the other windows)."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        if self._paint_gate is not None:
            self._paint_gate.close()
        try:
            for signal, slot in ((self.engine.ready, self._on_keras_loaded), (self.engine.died, self._on_engine_died),
                                 (self.engine.restarted, self._on_engine_restarted),
                                 (self.engine.event, self._on_event)):
                signal.disconnect(slot)
            if self.engine.alive:
                self.engine.call("forget", {"doc": self.key})
        except RuntimeError:  # the engine's Qt object is already gone (the application is ending)
            pass

    # -- checks --------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        kind = change.kind
        if kind == NODE_MOVED or kind in GROUP_KINDS:
            return  # positions and groups do not change shapes
        if kind == NODE_CHANGED and self._nodes is not None:
            self._nodes[change.node] = self.document.node(change.node)
            if self._changed is not None:
                self._changed.add(change.node)
        else:
            self._changed = None  # the structure changed: the next request sends everything
            if kind == NODE_ADDED and self._nodes is not None:
                self._nodes[change.node] = self.document.node(change.node)
            elif kind == NODE_REMOVED and self._nodes is not None:
                self._nodes.pop(change.node, None)
            elif kind not in (EDGE_ADDED, EDGE_REMOVED, NODE_CHANGED):
                self._nodes = None  # everything changed (reset)
            if kind not in (NODE_ADDED, NODE_REMOVED, NODE_CHANGED):
                self._edges = None  # an edge changed, or everything did
        self.pending = True
        if not self._closed and not self._submit_posted:
            # A high-priority posted event runs after the current edit (so a burst of changes is checked
            # once) but before the repaint it scheduled, so the engine starts while the GUI paints.
            self._submit_posted = True
            QCoreApplication.postEvent(self, QEvent(_SUBMIT), Qt.EventPriority.HighEventPriority.value)

    def customEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == _SUBMIT:
            self._submit_posted = False
            self._submit()

    def flush(self) -> None:
        """Send the latest state to the engine now instead of at the next turn of the event loop."""
        self._submit()

    def _snapshot(self) -> dict:
        doc = self.document
        if self._changed is not None:
            return {_PARAMS: [msg.node_to_json(self._nodes[n]) for n in self._changed if n in self._nodes]}
        if self._nodes is None:
            self._nodes = {n.id: n for n in doc.nodes()}
        if self._edges is None:
            self._edges = doc.edges()
        return {_LOAD: {"nodes": [msg.node_to_json(self._nodes[n]) for n in doc.node_ids()],
                        "edges": [msg.edge_to_json(e) for e in self._edges]}}

    def _submit(self) -> None:
        if self._closed or not self._started or self._in_flight is not None:
            return  # not started yet, or the result in flight will be followed by a check of the latest state
        revision = self.document.revision
        if revision == self.report_revision:
            self.pending = False
            return
        args = {"doc": self.key, **self._snapshot()}
        self._changed = set()  # from now on, the replica is in step with the document up to `revision`
        self._in_flight = revision
        self.checks_started += 1
        generation = self.engine.generation
        self.engine.call("check", args, lambda result: self._on_checked(generation, revision, result),
                         lambda error: self._on_check_failed(generation, revision, error))

    def _on_checked(self, generation: int, revision: int, result: dict) -> None:
        if self._closed or revision != self._in_flight:
            return
        self._in_flight = None
        if not result.get("in_step", False):
            self._changed = None  # the replica was emptied: send everything next time
        if revision != self.document.revision:
            self._submit()  # stale: the document changed while this was computed
            return
        self._raw_report = msg.report_from_json(result["report"], self._raw_report)
        self.report_revision = revision
        self.pending = False
        self._publish()

    def _on_check_failed(self, generation: int, revision: int, error: Exception) -> None:
        if self._closed or revision != self._in_flight:
            return
        self._in_flight = None
        self._changed = None  # the engine's replica is gone or out of step: send everything
        if generation == self.engine.generation and self.engine.alive:
            self._submit()  # an answer lost another way (an unknown document): ask again
        # otherwise the engine died: _on_engine_restarted sends the document to the new one

    def _publish(self) -> None:
        raw = self._raw_report
        self.report = CheckReport(dict(raw.results), list(self._extra) + list(raw.problems))
        self.reportReady.emit(self.report)

    def report_json(self) -> dict | None:
        """The check engine's report of the document as it is now, as JSON; None while a check is due.

        A training job carries it, so that its worker need not check the same graph again before training.
        """
        if self._raw_report is None or self.report_revision != self.document.revision:
            return None
        return msg.report_to_json(self._raw_report)

    def set_extra_problems(self, problems: list[Problem]) -> None:
        """Problems to list with every report (e.g. those found while loading the project)."""
        self._extra = list(problems)
        if self._raw_report is not None:
            self._publish()

    def _on_keras_loaded(self) -> None:
        if not self._closed:
            self.kerasReady.emit()

    def _on_engine_died(self, reason: str) -> None:
        if self._closed:
            return
        self._in_flight = None
        self._changed = None
        self._probe_request = None
        self.pending = True
        self.report_revision = -1  # the next check is sent in full, whatever the revision
        self.engineDied.emit(reason)

    def _on_engine_restarted(self) -> None:
        if not self._closed:
            self._submit()

    # -- probes --------------------------------------------------------------
    def probe(self, edges: list[Edge]) -> int:
        """Ask for verdicts on candidate wires; answers come as probeReady(generation, {edge: Verdict})."""
        self.start()  # someone is dragging a wire: the window is on screen
        self.cancel_probe()
        if not self._closed:
            self._submit()  # the replica must hold the latest structure before wires are tried on it
            future = self.engine.call("probe", {"doc": self.key, "edges": [msg.edge_to_json(e) for e in edges]})
            self._probe_request = future.request_id
        return self._probe_generation

    def cancel_probe(self) -> None:
        self._probe_generation += 1
        if self._probe_request is not None:
            self.engine.stop(self._probe_request)
            self._probe_request = None

    def _on_event(self, message: dict) -> None:
        if message.get("event") != "verdicts" or self._closed:
            return
        if self._probe_request is None or message.get("id") != self._probe_request:
            return
        verdicts = {msg.edge_from_json(raw): msg.verdict_from_json(v) for raw, v in message.get("data") or []}
        self.probeReady.emit(self._probe_generation, verdicts)


_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    for service in list(_live):
        try:
            service.shutdown()
        except RuntimeError:  # its Qt objects are already gone
            pass
