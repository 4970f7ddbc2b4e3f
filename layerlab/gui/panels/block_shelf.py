"""The palette's Reusable Blocks: the model's `model: true` groups, each placed again by a double-click.

A block is placed as a second call (its layers shared: same weights) or as a
copy (new weights). The shelf is one more top-level item of the palette's
tree, kept apart from the catalog's categories (the layer search leaves it
alone); the window refreshes it when the groups change.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from layerlab.core.document import GraphDocument

TITLE = "Reusable Blocks"
_BLOCK_ROLE = Qt.ItemDataRole.UserRole + 11  # (group id, shared) on the two ways to place a block
WAYS = ((True, "Call again (same weights)"), (False, "Copy (new weights)"))


class BlockShelf(QObject):
    """Keeps the Reusable Blocks item of a palette tree in step with a document's blocks."""

    placeRequested = Signal(str, bool)  # noqa: N815 - (group id, shared)

    def __init__(self, tree: QTreeWidget):
        super().__init__(tree)
        self.tree = tree
        self.top = QTreeWidgetItem([TITLE])
        font = self.top.font(0)
        font.setBold(True)
        self.top.setFont(0, font)
        self.top.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.top.setToolTip(0, "Groups made reusable blocks (Edit › Reusable Block): double-click a way to place "
                               "one again")
        tree.insertTopLevelItem(0, self.top)
        self.top.setHidden(True)
        self._shown: list[tuple[str, str]] = []
        tree.itemDoubleClicked.connect(self._on_double_click)

    def refresh(self, document: GraphDocument) -> None:
        blocks = [(g.id, g.label) for g in document.groups()
                  if g.model and not (g.extra or {}).get("shares")]  # a second call is not a block of its own
        if blocks == self._shown:
            return
        self._shown = blocks
        self.top.takeChildren()
        for gid, label in blocks:
            item = QTreeWidgetItem([label])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for shared, text in WAYS:
                way = QTreeWidgetItem([text])
                way.setData(0, _BLOCK_ROLE, (gid, shared))
                way.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                way.setToolTip(0, f"Place <b>{label}</b> again: " + (
                    "its layers called a second time, sharing their weights" if shared
                    else "a copy with weights of its own (a Keras model of its own)"))
                item.addChild(way)
            self.top.addChild(item)
            item.setExpanded(True)
        self.top.setHidden(not blocks)
        self.top.setExpanded(True)

    def item_for(self, group_id: str, shared: bool) -> QTreeWidgetItem | None:
        for i in range(self.top.childCount()):
            block = self.top.child(i)
            for j in range(block.childCount()):
                if block.child(j).data(0, _BLOCK_ROLE) == (group_id, shared):
                    return block.child(j)
        return None

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        data = item.data(0, _BLOCK_ROLE)
        if data:
            self.placeRequested.emit(data[0], bool(data[1]))
