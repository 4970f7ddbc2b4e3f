"""Shape checks in the background: the GUI thread never waits for Keras.

`CheckService` listens to the document, coalesces the changes made in one turn
of the event loop into one request, and sends a snapshot to a worker thread.
The worker owns a replica document and a `ShapeChecker` whose caches make each
re-check incremental (`replica.load(nodes, edges)` then `checker.check()`; when
only parameters changed, just those nodes are sent and set on the replica).
The worker's first job is importing Keras. Given the window as its parent,
the service starts that only once the window has been shown and painted
(TensorFlow's import would slow the first paint down), so opening a project
before showing the window sends nothing; :meth:`CheckService.start` starts it
at once. Until then shapes show as pending.

At most one check is in flight. A result computed for an older revision than
the document's is dropped and followed by a check of the latest state.
"""

from __future__ import annotations

import atexit
import weakref

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from layerlab.core import kerasenv
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
from layerlab.core.errors import Problem
from layerlab.core.shapes import CheckReport, ShapeChecker
from layerlab.gui.canvas.verdicts import EdgeProber, Verdict, describe_shape

__all__ = ["CheckService", "Verdict", "describe_shape"]

_PROBE_BATCH = 16  # verdicts sent to the GUI per signal while probing
_LOAD, _PARAMS = "load", "params"  # the two kinds of snapshot sent to the worker


class _Worker(QObject):
    """Lives on the check thread; owns everything that touches Keras."""

    checked = Signal(int, object, bool)  # revision, CheckReport, whether the replica is still in step
    keras_loaded = Signal()
    probed = Signal(int, object)  # generation, {Edge: Verdict}

    def __init__(self) -> None:
        super().__init__()
        self.replica = GraphDocument()
        self.checker = ShapeChecker(self.replica)
        self.prober: EdgeProber | None = None
        self.report: CheckReport | None = None
        self.probe_generation = 0  # set from the GUI thread to cancel a probe in progress
        self._keras_error: str | None = None

    @Slot()
    def warm_up(self) -> None:
        """Import Keras and run one tiny check so that the first real check is quick."""
        try:
            kerasenv.keras()
            doc = GraphDocument()
            doc.add_node("Input", {"shape": [4]}, node_id="warm_in")
            doc.add_node("Dense", {"units": 2}, node_id="warm_dense")
            EdgeProber().verdict(doc, ShapeChecker(doc).check(), Edge("warm_in", "warm_dense"))
        except Exception as exc:  # a broken Keras install: every check will say so
            self._keras_error = f"Keras could not be loaded: {type(exc).__name__}: {exc}"
        self.keras_loaded.emit()

    @Slot(int, object)
    def check(self, revision: int, snapshot: tuple) -> None:
        try:
            if self._keras_error:
                raise RuntimeError(self._keras_error)
            if snapshot[0] == _LOAD:
                self.replica.load(snapshot[1], snapshot[2])
            else:
                for node in snapshot[1]:
                    self.replica.set_type(node.id, node.type, node.params)
            report, in_step = self.checker.check(), True
        except Exception as exc:  # never leave the editor waiting: report the failure as a problem
            failure = Problem(f"The shape check failed: {type(exc).__name__}: {exc}")
            report, in_step = CheckReport(problems=[failure]), False
            self.replica.clear()
        self.report = report
        self.checked.emit(revision, report, in_step)

    @Slot(int, object)
    def probe(self, generation: int, edges: list) -> None:
        if self.prober is None:
            self.prober = EdgeProber()
        batch: dict = {}
        for edge in edges:
            if self.probe_generation != generation:
                return  # the drag ended or another began
            try:
                batch[edge] = self.prober.verdict(self.replica, self.report, edge)
            except Exception as exc:  # pragma: no cover - a bug here must not break dragging
                batch[edge] = Verdict(None, f"{type(exc).__name__}: {exc}")
            if len(batch) >= _PROBE_BATCH:
                self.probed.emit(generation, batch)
                batch = {}
        if batch:
            self.probed.emit(generation, batch)


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
        kerasReady(): Keras has been imported (on the worker thread).
        probeReady(int, dict): verdicts {Edge: Verdict} for a `probe` generation (several batches).

    Args:
        document: the document to check (the service subscribes to it).
        parent: the QObject parent. A window (a QWidget) holds the start back until it is shown and painted.
        warm_up_delay_ms: Keras starts loading right after the first paint (of the parent window, if it is one),
            or this long after the window was shown (or the service made) if nothing has painted by then;
            0 starts at the next turn of the event loop (tests, command-line tools). `start()` starts at once.
    """

    reportReady = Signal(object)  # noqa: N815 - Qt naming
    kerasReady = Signal()  # noqa: N815
    probeReady = Signal(int, object)  # noqa: N815
    _request_check = Signal(int, object)
    _request_probe = Signal(int, object)
    _request_warm_up = Signal()

    def __init__(self, document: GraphDocument, parent: QObject | None = None, warm_up_delay_ms: int = 2000):
        super().__init__(parent)
        self.document = document
        self.report: CheckReport | None = None
        self.report_revision = -1
        self.pending = True
        self.keras_loaded = False
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
        self._closed = False
        self._started = False

        self._thread = QThread()
        self._thread.setObjectName("layerlab-check")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._request_check.connect(self._worker.check)
        self._request_probe.connect(self._worker.probe)
        self._request_warm_up.connect(self._worker.warm_up)
        self._worker.checked.connect(self._on_checked)
        self._worker.keras_loaded.connect(self._on_keras_loaded)
        self._worker.probed.connect(self._on_probed)
        self._thread.start()

        self._unsubscribe = document.subscribe(self._on_change)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        _live.add(self)
        # Let the window paint before the worker starts importing TensorFlow.
        self._paint_gate = None
        if app is not None and warm_up_delay_ms > 0:
            window = parent.window() if isinstance(parent, QWidget) else None
            self._paint_gate = _FirstPaintGate(self.start, warm_up_delay_ms, window)
        else:
            QTimer.singleShot(warm_up_delay_ms, self.start)

    # -- lifecycle ---------------------------------------------------------
    @property
    def started(self) -> bool:
        """Whether Keras is loading or loaded and checks are being sent."""
        return self._started

    def start(self) -> None:
        """Start loading Keras and checking now (it happens by itself after the window's first paint)."""
        if self._closed or self._started:
            return
        self._started = True
        if self._paint_gate is not None:
            self._paint_gate.close()
            self._paint_gate = None
        self._request_warm_up.emit()
        self._submit()

    def shutdown(self) -> None:
        """Stop the worker thread (waits for a check or an import in progress to finish)."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        if self._paint_gate is not None:
            self._paint_gate.close()
        self._worker.probe_generation = -1
        self._thread.quit()
        self._thread.wait()

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
            # once) but before the repaint it scheduled, so the worker starts while the GUI paints.
            self._submit_posted = True
            QCoreApplication.postEvent(self, QEvent(_SUBMIT), Qt.EventPriority.HighEventPriority.value)

    def customEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == _SUBMIT:
            self._submit_posted = False
            self._submit()

    def flush(self) -> None:
        """Send the latest state to the worker now instead of at the next turn of the event loop."""
        self._submit()

    def _snapshot(self) -> tuple:
        doc = self.document
        if self._changed is not None:
            return _PARAMS, [self._nodes[n] for n in self._changed if n in self._nodes]
        if self._nodes is None:
            self._nodes = {n.id: n for n in doc.nodes()}
        if self._edges is None:
            self._edges = doc.edges()
        return _LOAD, [self._nodes[n] for n in doc.node_ids()], list(self._edges)

    def _submit(self) -> None:
        if self._closed or not self._started or self._in_flight is not None:
            return  # not started yet, or the result in flight will be followed by a check of the latest state
        revision = self.document.revision
        if revision == self.report_revision:
            self.pending = False
            return
        snapshot = self._snapshot()
        self._changed = set()  # from now on, the replica is in step with the document up to `revision`
        self._in_flight = revision
        self.checks_started += 1
        self._request_check.emit(revision, snapshot)

    @Slot(int, object, bool)
    def _on_checked(self, revision: int, report: CheckReport, in_step: bool) -> None:
        self._in_flight = None
        if self._closed:
            return
        if not in_step:
            self._changed = None  # the replica was emptied: send everything next time
        if revision != self.document.revision:
            self._submit()  # stale: the document changed while this was computed
            return
        self._raw_report = report
        self.report_revision = revision
        self.pending = False
        self._publish()

    def _publish(self) -> None:
        raw = self._raw_report
        self.report = CheckReport(dict(raw.results), list(self._extra) + list(raw.problems))
        self.reportReady.emit(self.report)

    def set_extra_problems(self, problems: list[Problem]) -> None:
        """Problems to list with every report (e.g. those found while loading the project)."""
        self._extra = list(problems)
        if self._raw_report is not None:
            self._publish()

    @Slot()
    def _on_keras_loaded(self) -> None:
        self.keras_loaded = True
        self.kerasReady.emit()

    # -- probes --------------------------------------------------------------
    def probe(self, edges: list[Edge]) -> int:
        """Ask for verdicts on candidate wires; answers come as probeReady(generation, {edge: Verdict})."""
        self.start()  # someone is dragging a wire: the window is on screen
        self._probe_generation += 1
        self._worker.probe_generation = self._probe_generation
        if not self._closed:
            self._request_probe.emit(self._probe_generation, list(edges))
        return self._probe_generation

    def cancel_probe(self) -> None:
        self._probe_generation += 1
        self._worker.probe_generation = self._probe_generation

    @Slot(int, object)
    def _on_probed(self, generation: int, verdicts: dict) -> None:
        if generation == self._probe_generation and not self._closed:
            self.probeReady.emit(generation, verdicts)


_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    # a QThread still running when Python exits aborts the process: stop any service left open
    for service in list(_live):
        try:
            service.shutdown()
        except RuntimeError:  # its Qt objects are already gone
            pass
