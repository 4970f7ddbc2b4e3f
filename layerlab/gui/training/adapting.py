"""One-click Adapt: preprocessing nodes adapted to the loaded data in the check engine, stored as one undo step.

The engine holds the data (DataService loaded it there) and runs
`layer.adapt` on the features flowing into each node (core.adapt_data); the
editor gets back plain params (vocabulary, mean and variance, bin
boundaries) and stores them through `AdaptCommand`, which calls document
methods only. The editor never imports TensorFlow.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from layerlab.core.document import GraphDocument
from layerlab.core.engine.connection import EngineDied


class AdaptCommand(QUndoCommand):
    """Set the adapted params of one or more nodes; undo puts their previous params back."""

    def __init__(self, document: GraphDocument, new_params: dict[str, dict], parent: QUndoCommand | None = None):
        ids = [n for n in new_params if n in document]
        text = f"Adapt {ids[0]} to the data" if len(ids) == 1 else f"Adapt {len(ids)} layers to the data"
        super().__init__(text, parent)
        self.document = document
        self.old = {n: document.params(n) for n in ids}
        self.new = {n: copy.deepcopy(new_params[n]) for n in ids}

    def redo(self) -> None:
        for node_id, params in self.new.items():
            self.document.set_params(node_id, params)

    def undo(self) -> None:
        for node_id, params in self.old.items():
            if node_id in self.document:
                self.document.set_params(node_id, params)


class Adapter(QObject):
    """Asks the check engine to adapt nodes to the loaded data, and stores what it answers.

    Signals:
        busyChanged(bool): a request is running.
        finished(str, bool): what happened, in words (the bool: it is an error).
    """

    busyChanged = Signal(bool)  # noqa: N815 - Qt naming
    finished = Signal(str, bool)

    def __init__(self, project_json, document: GraphDocument, undo_stack: QUndoStack, data_service,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.project_json = project_json  # () -> the project as the engine takes it
        self.document = document
        self.undo_stack = undo_stack
        self.data_service = data_service
        self.busy = False

    def adapt(self, node_ids: list[str]) -> bool:
        """Adapt `node_ids` to the loaded data (in the background); False when it cannot start."""
        if self.busy or not node_ids:
            return False
        dataset = self.data_service.dataset
        if dataset is None:
            self.finished.emit("No data is loaded: choose the training data above (and wait for it to load), "
                               "then adapt.", True)
            return False
        revision = self.document.revision
        self._set_busy(True)
        args = {"key": dataset.key, "project": self.project_json(), "nodes": list(node_ids)}
        self.data_service.engine.call("adapt", args, lambda r: self._on_adapted(revision, r), self._on_failed)
        return True

    def _on_adapted(self, revision: int, result: dict) -> None:
        self._set_busy(False)
        params = {n: p for n, p in (result.get("params") or {}).items() if n in self.document}
        errors = dict(result.get("errors") or {})
        if params and self.document.revision != revision:  # the graph changed meanwhile: its answer is stale
            self.finished.emit("The model changed while adapting: adapt again.", True)
            return
        if params:
            self.undo_stack.push(AdaptCommand(self.document, params))
        lines = [f"{n}: {why}" for n, why in errors.items()]
        if params:
            lines.insert(0, f"Adapted {', '.join(params)} to the data.")
        self.finished.emit("\n".join(lines), bool(errors))

    def _on_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        text = "The check engine stopped while adapting: try again." if isinstance(exc, EngineDied) else str(exc)
        self.finished.emit(text, True)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busyChanged.emit(busy)
