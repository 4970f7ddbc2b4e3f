"""A layout that fits a screen: collapsed groups as single cards, and deep models in rows.

`fit_layout` runs the layered layout (core/layout.py) on what is drawn: each
collapsed group (the outermost ones) is one card, and its own nodes are laid
out where the card stands, so that expanding it shows them in order. Then,
by the graph's shape:

- left to right: a short, wide graph (branches side by side) stays as it is;
- in rows, top to bottom: a deep, mostly sequential graph that would be a
  long strip is cut into rows read like lines of text, each row left to
  right. The cuts go where the fewest wires cross (between two blocks, on
  the trunk), and the number of rows makes the whole close to the screen's
  aspect ratio, so that it shows at a readable zoom. Residual branches stay
  beside their trunk, as the layered layout puts them.

`direction` is "auto" (by shape), "left-to-right" or "rows".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from layerlab.core import groups as grouping
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.layout import COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, layered_layout

DIRECTIONS = ("auto", "left-to-right", "rows")
SCREEN_ASPECT = 16 / 10
READABLE_WIDTH = 4000.0  # scene units a screen shows with the cards legible (1280 px at the glance zoom, 0.32)
CARD_SIZE = (220.0, 160.0)  # a collapsed group's card when the caller gives no size
MAX_CUT_SPAN = 2  # a row ends only where no wire skips more columns than this (the trunk, a cell's two inputs)
ROW_SPACING = 3.0  # rows are this many row gaps apart (their wires turn in the space between)
_GROUP = "\x00group:"  # never a node id of a file: JSON strings can hold it, ids the editor makes cannot


def folded_nodes(document: GraphDocument) -> dict[str, str]:
    """Node id -> the outermost collapsed group that holds it (nodes drawn as their group's card)."""
    groups = {g.id: g for g in document.groups()}
    out: dict[str, str] = {}
    for gid, g in groups.items():
        if g.collapsed and not any(groups[a].collapsed for a in grouping.ancestors(groups, gid)):
            out.update(dict.fromkeys(grouping.members(groups, gid), gid))
    return out


def fit_layout(document: GraphDocument, sizes: Mapping[str, tuple[float, float]] | None = None, *,
               group_sizes: Mapping[str, tuple[float, float]] | None = None, direction: str = "auto",
               aspect: float = SCREEN_ASPECT, readable_width: float = READABLE_WIDTH,
               column_gap: float = COLUMN_GAP, row_gap: float = ROW_GAP,
               room_after: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Top-left positions for every node (see the module's docstring).

    Args:
        document: the graph (not modified).
        sizes: {node id: (width, height)} of the cards (default NODE_WIDTH x NODE_HEIGHT).
        group_sizes: {group id: (width, height)} of collapsed groups' cards (default CARD_SIZE).
        direction: "auto", "left-to-right" or "rows".
        aspect: the width:height the result should come close to (the screen's) when it is cut into rows.
        readable_width: "auto" cuts into rows only a graph wider than this (what shows readably as it is stays).
        column_gap: as for layered_layout.
        row_gap: as for layered_layout.
        room_after: as for layered_layout.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"layout direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if not len(document):
        return {}
    folded = folded_nodes(document)
    size = {n: tuple(sizes[n]) if sizes and n in sizes else (NODE_WIDTH, NODE_HEIGHT) for n in document.node_ids()}
    drawn, drawn_size, room = _quotient(document, folded, size, group_sizes or {}, room_after or {})
    positions = layered_layout(drawn, drawn_size, column_gap=column_gap, row_gap=row_gap, room_after=room)
    if direction == "rows" or (direction == "auto" and _too_wide(positions, drawn_size, aspect, readable_width)):
        positions = _in_rows(drawn, positions, drawn_size, aspect, row_gap)
    out = {n: p for n, p in positions.items() if not n.startswith(_GROUP)}
    for gid in dict.fromkeys(folded.values()):
        x0, y0 = positions[_GROUP + gid]
        out.update(_inside(document, gid, size, (x0, y0), column_gap, row_gap, room_after or {}))
    return out


def _quotient(document, folded, size, group_sizes, room_after):
    """The graph as drawn: loose nodes, one node per collapsed group, the wires between them."""
    nodes, seen = [], set()
    drawn_size, room = {}, {}
    for n in document.node_ids():
        key = _GROUP + folded[n] if n in folded else n
        if key in seen:
            continue
        seen.add(key)
        nodes.append(Node(key, "Group" if n in folded else document.node_type(n), {}))
        drawn_size[key] = tuple(group_sizes.get(folded[n], CARD_SIZE)) if n in folded else size[n]
    for n, r in room_after.items():
        key = _GROUP + folded[n] if n in folded else n
        room[key] = max(room.get(key, 0.0), r)
    edges = set()
    for e in document.edges():
        s = _GROUP + folded[e.source] if e.source in folded else e.source
        t = _GROUP + folded[e.target] if e.target in folded else e.target
        if s != t:
            edges.add((s, t))
    quotient = GraphDocument()
    quotient.load(nodes, [Edge(s, t, i) for i, (s, t) in enumerate(sorted(edges))])
    return quotient, drawn_size, room


def _inside(document, gid, size, origin, column_gap, row_gap, room_after) -> dict[str, tuple[float, float]]:
    """A collapsed group's nodes, laid out from the card's corner (what expanding it shows)."""
    members = set(grouping.members({g.id: g for g in document.groups()}, gid))
    nodes = [document.node(n) for n in document.node_ids() if n in members]
    edges = [e for e in document.edges() if e.source in members and e.target in members]
    sub = GraphDocument()
    sub.load(nodes, edges)
    inner = layered_layout(sub, {n: size[n] for n in members}, column_gap=column_gap, row_gap=row_gap,
                           room_after={n: r for n, r in room_after.items() if n in members})
    x0, y0 = origin
    return {n: (x + x0, y + y0) for n, (x, y) in inner.items()}


def _extent(positions, sizes) -> tuple[float, float]:
    width = max(x + sizes[n][0] for n, (x, _y) in positions.items())
    height = max(y + sizes[n][1] for n, (_x, y) in positions.items())
    return width, height


def _too_wide(positions, sizes, aspect: float, readable_width: float) -> bool:
    width, height = _extent(positions, sizes)
    return width > readable_width and width > 2.0 * aspect * max(height, 1.0)


def _in_rows(document, positions, sizes, aspect: float, row_gap: float) -> dict[str, tuple[float, float]]:
    """Cut the columns into rows, stacked top to bottom, each starting at x = 0."""
    xs = sorted({x for x, _y in positions.values()})
    col = {n: xs.index(x) for n, (x, _y) in positions.items()}
    width, height = _extent(positions, sizes)
    gap = ROW_SPACING * row_gap
    best = min(range(1, len(xs) + 1), key=lambda r: abs(math.log((width / r) / (r * height + (r - 1) * gap))
                                                         - math.log(aspect)))
    if best == 1:
        return positions
    crossing = [0] * len(xs)  # crossing[c]: wires from column <= c to a column > c
    long = [0] * len(xs)  # ... of which skip more than MAX_CUT_SPAN columns (a U-Net's skips: no cut there)
    for e in document.edges():
        a, b = sorted((col[e.source], col[e.target]))
        for c in range(a, b):
            crossing[c] += 1
            long[c] += b - a > MAX_CUT_SPAN
    cuts, start = [], 0
    for k in range(1, best):
        ideal = width * k / best
        window = [c for c in range(start, len(xs) - 1)
                  if abs(xs[c + 1] - ideal) <= 0.35 * width / best and not long[c]]
        if not window:
            continue
        c = min(window, key=lambda c: (crossing[c], abs(xs[c + 1] - ideal)))
        cuts.append(c + 1)
        start = c + 1
    bounds = [0, *cuts, len(xs)]
    out, top = {}, 0.0
    for lo, hi in zip(bounds, bounds[1:]):
        row = [n for n in positions if lo <= col[n] < hi]
        if not row:
            continue
        y_min = min(positions[n][1] for n in row)
        y_max = max(positions[n][1] + sizes[n][1] for n in row)
        for n in row:
            x, y = positions[n]
            out[n] = (round(x - xs[lo]), round(y - y_min + top))
        top += y_max - y_min + gap
    return out
