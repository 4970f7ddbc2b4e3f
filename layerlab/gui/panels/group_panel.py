"""The inspector for a selected group: its summary, its name, its `trainable` switch, collapse, reusable block.

It sits in the inspector (under the title) and shows when exactly one group
is selected on the canvas; every edit goes through the canvas's
GroupActions, so each is one undo command.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from layerlab.core.document import GROUP_KINDS, NODE_CHANGED, RESET, Change
from layerlab.core.shapes import format_shape
from layerlab.gui.canvas.group_layer import trainable_nodes, trainable_state


class GroupPanel(QWidget):
    """Shown by the window in place of a node's parameters when a group is selected."""

    def __init__(self, inspector, actions, check_service=None):
        super().__init__(inspector)
        self.setObjectName("groupPanel")
        self.inspector, self.actions = inspector, actions
        self.document = inspector.document
        self.group_id: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 4)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.label_edit = QLineEdit()
        self.label_edit.setToolTip("The group's name (a reusable block's Keras model name)")
        self.label_edit.editingFinished.connect(self._on_label)
        form.addRow("Name", self.label_edit)
        column.addLayout(form)
        self.trainable = QCheckBox("Trainable")
        self.trainable.setToolTip("Unchecked: every layer of the group is frozen (its weights are not trained)")
        self.trainable.clicked.connect(self._on_trainable)
        self.block = QCheckBox("Reusable block (a Keras model of its own)")
        self.block.setToolTip("On export, the group becomes a nested keras.Model named after it")
        self.block.clicked.connect(lambda on: self.actions.make_block(self.group_id, on))
        self.toggle = QPushButton()
        self.toggle.clicked.connect(lambda: self.actions.toggle(self.group_id))
        for widget in (self.trainable, self.block, self.toggle):
            column.addWidget(widget)
        inspector._layout.insertWidget(2, self)  # under the title and the help text
        self.hide()
        unsubscribe = self.document.subscribe(self._on_change)
        self.destroyed.connect(lambda *_: unsubscribe())
        if check_service is not None:
            check_service.reportReady.connect(lambda _report: self.refresh())

    def show_group(self, group_id: str | None) -> None:
        """Show `group_id` (None: hide; the inspector shows what it shows for nodes)."""
        self.group_id = group_id if group_id is not None and self.document.has_group(group_id) else None
        self.setVisible(self.group_id is not None)
        self.refresh()

    def refresh(self) -> None:
        if self.group_id is None or not self.isVisible():
            return
        if not self.document.has_group(self.group_id):
            self.show_group(None)
            return
        doc, inspector = self.document, self.inspector
        group = doc.group(self.group_id)
        members = doc.group_members(self.group_id)
        inspector.title.setText(group.label)
        inspector.help.setText(self._summary(members))
        inspector.params_header.hide()
        if not self.label_edit.hasFocus():
            self.label_edit.setText(group.label)
        state = trainable_state(doc, members)
        self.trainable.setEnabled(bool(trainable_nodes(doc, members)))
        self.trainable.setTristate(state == "partly frozen")
        self.trainable.setCheckState(Qt.CheckState.Checked if state == "trainable" else
                                     Qt.CheckState.Unchecked if state == "frozen" else Qt.CheckState.PartiallyChecked)
        self.block.setChecked(group.model)
        self.toggle.setText("Expand" if group.collapsed else "Collapse")

    def _summary(self, members: list[str]) -> str:
        doc, report = self.document, self.inspector.report
        counts = Counter(doc.node_type(n) for n in members)
        listing = ", ".join(f"{t} × {c}" if c > 1 else t for t, c in counts.most_common(4))
        if len(counts) > 4:
            listing += ", …"
        lines = [f"A group of {len(members)} layer{'s' if len(members) != 1 else ''}: {listing}."]
        if report is not None and report.results:
            results = [report.results.get(n) for n in members if doc.shares(n) is None]
            total = sum(r.params or 0 for r in results if r is not None)
            trainable = sum(r.trainable_params or 0 for r in results if r is not None)
            lines.append(f"{total:,} parameters ({trainable:,} trainable).")
            inside = set(members)
            ins = [e for n in members for e in doc.in_edges(n) if e.source not in inside]
            outs = [e for n in members for e in doc.out_edges(n) if e.target not in inside]
            for word, edges in (("In", ins), ("Out", outs)):
                shapes = []
                for e in edges:
                    r = report.results.get(e.source)
                    if r is not None and r.shapes is not None and e.source_port < len(r.shapes):
                        shapes.append(format_shape(r.shapes[e.source_port]))
                if shapes:
                    lines.append(f"{word}: " + ", ".join(dict.fromkeys(shapes)))
        return "\n".join(lines)

    # -- edits --------------------------------------------------------------------------
    def _on_label(self) -> None:
        if self.group_id is not None:
            self.actions.rename(self.group_id, self.label_edit.text())

    def _on_trainable(self) -> None:
        if self.group_id is None:
            return
        state = trainable_state(self.document, self.document.group_members(self.group_id))
        self.actions.set_trainable(self.group_id, state != "trainable")  # partly frozen: unfreeze all

    def _on_change(self, change: Change) -> None:
        if self.group_id is not None and (change.kind in GROUP_KINDS or change.kind in (NODE_CHANGED, RESET)):
            self.refresh()
