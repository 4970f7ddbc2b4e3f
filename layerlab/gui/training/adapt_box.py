"""The Data panel's "Adapt preprocessing layers" box: each adaptable node, what it has learned, an Adapt button.

The box only lists and asks: the Adapter (gui/training/adapting.py) runs the
adapting in the check engine and stores the result as one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from layerlab.core.adapt_data import adaptable_nodes, state_text
from layerlab.core.document import GraphDocument


class AdaptBox(QGroupBox):
    """Signals: adaptRequested(list): adapt these nodes to the loaded data."""

    adaptRequested = Signal(list)  # noqa: N815 - Qt naming

    def __init__(self, document: GraphDocument, parent: QWidget | None = None):
        super().__init__("Adapt preprocessing layers", parent)
        self.setObjectName("AdaptBox")
        self.document = document
        self.ready = False  # the data is loaded
        self.busy = False
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        self.hint = QLabel("Normalization, lookups, TextVectorization and Discretization learn their statistics "
                           "or vocabulary from the training data, as layer.adapt(data) does.")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "secondary")
        layout.addWidget(self.hint)
        self.rows = QWidget()
        self.grid = QGridLayout(self.rows)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 1)
        layout.addWidget(self.rows)
        self.all_button = QPushButton("Adapt All")
        self.all_button.setToolTip("Adapt every listed layer to the loaded data (one undo step)")
        self.all_button.clicked.connect(lambda: self.adaptRequested.emit(adaptable_nodes(self.document)))
        layout.addWidget(self.all_button, 0, Qt.AlignmentFlag.AlignRight)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        """List the graph's adaptable nodes; the box hides when there are none."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = {}
        nodes = adaptable_nodes(self.document)
        for row, node_id in enumerate(nodes):
            type_name = self.document.node_type(node_id)
            state = state_text(type_name, self.document.params(node_id))
            label = QLabel(f"<b>{node_id}</b> ({type_name})<br><span>{'adapted: ' + state if state else 'not adapted'}"
                           "</span>")
            label.setObjectName(f"adaptState.{node_id}")
            label.setWordWrap(True)
            button = QPushButton("Adapt")
            button.setObjectName(f"adapt.{node_id}")
            button.setToolTip(f"Adapt {node_id} to the loaded training data (one undo step)")
            button.clicked.connect(lambda _=False, n=node_id: self.adaptRequested.emit([n]))
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(button, row, 1)
            self.buttons[node_id] = button
        self.setVisible(bool(nodes))
        self.all_button.setVisible(len(nodes) > 1)
        self._enable()

    def set_ready(self, ready: bool) -> None:
        """Whether the data is loaded (only then can anything be adapted)."""
        self.ready = ready
        self._enable()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        if busy:
            self.show_message("Adapting in the check engine…", False)
        self._enable()

    def show_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "secondary")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def _enable(self) -> None:
        on = self.ready and not self.busy
        for button in [*self.buttons.values(), self.all_button]:
            button.setEnabled(on)
        self.rows.setToolTip("" if self.ready else "Load the training data first: adapting reads it")
