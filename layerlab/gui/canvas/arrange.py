"""Auto-layout for the canvas: the core's layered layout, spaced for the cards as the canvas draws them.

Qt-free work only (card sizes come from :mod:`face`), so an import can lay a
model out on a worker thread exactly as Auto Layout would on the canvas.
"""

from __future__ import annotations

from collections.abc import Mapping

from layerlab.core.document import GraphDocument
from layerlab.core.layout import layered_layout
from layerlab.gui.canvas import style
from layerlab.gui.canvas.face import card_sizes


def layout_positions(document: GraphDocument, sizes: Mapping[str, tuple[float, float]] | None = None
                     ) -> dict[str, tuple[float, float]]:
    """Top-left corners for every card: columns left to right, chains straight, no overlaps.

    Args:
        document: the graph (not modified).
        sizes: {node id: (width, height)} of the cards; by default, the sizes the canvas draws them at.
    """
    if sizes is None:
        sizes = card_sizes(document)
    return layered_layout(document, sizes, column_gap=style.COLUMN_GAP, row_gap=style.ROW_GAP)


def place_unplaced(document: GraphDocument) -> bool:
    """Lay the whole document out if any node has no position (a hand-written or imported file).

    Moves nodes through the document (no undo step: this is part of loading). Returns True if it did.
    """
    if all(document.position(n) is not None for n in document.node_ids()):
        return False
    for node_id, pos in layout_positions(document).items():
        document.move_node(node_id, pos)
    return True
