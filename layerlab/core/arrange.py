"""Auto-layout as the canvas draws it: the layered layout, spaced for the cards and the wires' shape labels.

No Qt: card sizes come from :mod:`layerlab.core.card` and a label's width
from the caller (the canvas measures it with its font; without one, an
estimate), so an import can lay a model out on a worker thread exactly as
Auto Layout would on the canvas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping

from layerlab.core.card import card_sizes
from layerlab.core.document import GraphDocument
from layerlab.core.layout_fit import READABLE_WIDTH, SCREEN_ASPECT, fit_layout

# The least room between columns (a wider gap is made where a shape label needs it), and between rows.
COLUMN_GAP = 90.0
ROW_GAP = 36.0
# A wire's shape label (its text plus LABEL_PAD) shows when the wire spans LABEL_ROOM more than that;
# a tensor with several wires has one label, just after the port, that needs LABEL_ROOM_BUNDLE.
LABEL_PAD = 10.0
LABEL_ROOM = 16.0
LABEL_ROOM_BUNDLE = 40.0


def layout_positions(document: GraphDocument, sizes: Mapping[str, tuple[float, float]] | None = None,
                     labels: Mapping[str, str] | None = None,
                     label_width: Callable[[str], float] | None = None, *,
                     group_sizes: Mapping[str, tuple[float, float]] | None = None, direction: str = "auto",
                     aspect: float = SCREEN_ASPECT, readable_width: float = READABLE_WIDTH
                     ) -> dict[str, tuple[float, float]]:
    """Top-left corners for every card: layers left to right or top to bottom, chains straight, no overlaps.

    Groups are blocks (a collapsed one its card, `group_sizes`), and a deep graph runs top to bottom,
    wrapped into columns that make it about `aspect` wide for high (core/layout_fit.py).

    Columns are spaced so that the shape label on each wire has room to show.

    Args:
        document: the graph (not modified).
        sizes: {node id: (width, height)} of the cards; by default, the sizes the canvas draws them at.
        labels: {node id: the shape label on its wires}, as the canvas shows them; for a node not in it,
            a guess from the Inputs' ranks (an imported model is laid out before its shapes are known).
        label_width: a label's width as drawn; by default an estimate that needs no font.
        group_sizes: {group id: (width, height)} of the collapsed groups' cards.
        direction: "auto" (by the graph's shape), "left-to-right" or "top-to-bottom".
        aspect: the width:height of the screen the graph is cut into rows for.
        readable_width: the scene width the screen shows readably ("auto" leaves a narrower graph as it is).
    """
    if sizes is None:
        sizes = card_sizes(document)
    wires = Counter((e.source, e.source_port) for e in document.edges())
    labels = dict(labels or {})
    unknown = {source for source, _port in wires if source not in labels}
    if unknown:
        guess = guessed_label(document)
        labels.update(dict.fromkeys(unknown, guess))
    width = label_width or estimated_width
    bundled = {source for (source, _port), n in wires.items() if n > 1}
    room = {n: math.ceil(width(text) + LABEL_PAD + 2  # 2: positions are rounded to whole units
                         + (LABEL_ROOM_BUNDLE if n in bundled else LABEL_ROOM))
            for n, text in labels.items() if text}
    return fit_layout(document, sizes, group_sizes=group_sizes, direction=direction, aspect=aspect,
                      readable_width=readable_width,
                      column_gap=COLUMN_GAP, row_gap=ROW_GAP, room_after=room)


def guessed_label(document: GraphDocument) -> str:
    """A label as long as the model's probably are: the Inputs' rank (+1 after an Embedding), 3 digits a dim."""
    ranks = [len(shape) for n in document.node_ids() if document.node_type(n) == "Input"
             for shape in [document.params(n).get("shape")] if isinstance(shape, (list, tuple))]
    rank = max(ranks, default=1)
    if any(document.node_type(n) == "Embedding" for n in document.node_ids()):
        rank += 1
    return "(None" + ", 000" * rank + ")"


def estimated_width(text: str) -> float:
    """A label's width in the canvas's 11 px label font, a little over what it draws (no font needed)."""
    return sum(3.8 if c in "(), .'" else 7.3 for c in text)

