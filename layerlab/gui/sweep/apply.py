""""Apply best": a trial's parameters into the open project as one undoable step (commands only)."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoStack

from layerlab.gui.commands import SetParamsCommand
from layerlab.gui.training.sections import SetSectionCommand


def apply_params(undo_stack: QUndoStack, document, store, params: dict, text: str) -> None:
    """Push one macro: the training keys through the section store, node parameters through the document."""
    training = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("training.")}
    nodes: dict[str, dict] = {}
    for key, value in params.items():
        parts = key.split(".")
        if parts[0] == "nodes" and len(parts) == 3:
            nodes.setdefault(parts[1], {})[parts[2]] = value
    undo_stack.beginMacro(text)
    try:
        if training:
            section = {**store.get("training"), **copy.deepcopy(training)}
            undo_stack.push(SetSectionCommand(store, "training", section, text=text))
        for node_id, changes in nodes.items():
            if node_id in document.node_ids():
                undo_stack.push(SetParamsCommand(document, node_id, {**document.params(node_id), **changes}))
    finally:
        undo_stack.endMacro()
