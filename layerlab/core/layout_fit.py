"""A layout that fits a screen: groups as blocks, deep models top to bottom.

`fit_layout` runs the layered layout (core/layout.py) level by level:

- each group is one block of the level it sits in: a collapsed group is its
  card, an expanded one the box of its own layout (done first, inside out)
  plus its frame, so a frame never overlaps a neighbouring branch and a
  collapsed group's nodes wait where its card stands, laid out in order;
- the direction comes from the graph's shape: a short, wide graph reads left
  to right; a deep, mostly sequential one that would be a long strip reads
  top to bottom, as in Netron (cards get their ports on top and bottom: see
  `flow`); residual branches stay beside their trunk, as the layered layout
  puts them;
- a top level still too long for the screen is wrapped: rows stacked top to
  bottom (left to right), or columns side by side (top to bottom). The cuts
  go where the fewest wires cross, never across a long skip, and their
  number makes the whole close to the screen's aspect ratio, so that it
  shows at a readable zoom.

`direction` is "auto" (by shape), "left-to-right" or "top-to-bottom".
Top to bottom is left to right with the axes swapped: the work is done in
"layout space" (layers along x) and transposed at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from layerlab.core import groups as grouping
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.layout import COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, layered_layout

DIRECTIONS = ("auto", "left-to-right", "top-to-bottom")
_ALIASES = {"rows": "top-to-bottom"}  # the first round's name (saved in settings)
SCREEN_ASPECT = 16 / 10
READABLE_WIDTH = 4000.0  # scene units a screen shows with the cards legible (1280 px at the glance zoom, 0.32)
CARD_SIZE = (220.0, 160.0)  # a collapsed group's card when the caller gives no size
LAYER_GAP_DOWN = 64.0  # top to bottom: room between two layers for a wire's turn and its shape label
FRAME_PAD = 14.0  # an expanded group's frame: its margin around its contents, and its title band above them
FRAME_TITLE = 24.0
MAX_CUT_SPAN = 2  # a row ends only where no wire skips more columns than this (the trunk, a cell's two inputs)
ROW_SPACING = 3.0  # wrapped rows (columns) are this many row gaps apart (their wires turn in the space between)
_GROUP = "\x00group:"  # never a node id of a file: JSON strings can hold it, ids the editor makes cannot


def folded_nodes(document: GraphDocument) -> dict[str, str]:
    """Node id -> the outermost collapsed group that holds it (nodes drawn as their group's card)."""
    groups = {g.id: g for g in document.groups()}
    out: dict[str, str] = {}
    for gid, g in groups.items():
        if g.collapsed and not any(groups[a].collapsed for a in grouping.ancestors(groups, gid)):
            out.update(dict.fromkeys(grouping.members(groups, gid), gid))
    return out


def resolve_direction(direction: str) -> str:
    """`direction` checked, old names mapped to the current ones."""
    direction = _ALIASES.get(direction, direction)
    if direction not in DIRECTIONS:
        raise ValueError(f"layout direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    return direction


def flow(document: GraphDocument) -> str:
    """"down" when the wires of the drawing mostly run downwards (a top-to-bottom layout), else "right".

    The canvas puts ports on the cards' top and bottom for "down": read from the positions, so that a
    project opens as it was laid out, with nothing more to save.
    """
    down = right = 0
    for u, v in document.graph.edges():
        a, b = document.position(u), document.position(v)
        if a is None or b is None:
            continue
        dx, dy = b[0] - a[0], b[1] - a[1]
        if dy > 0 and dy > abs(dx):
            down += 1
        elif dx > 0:
            right += 1
    return "down" if down > right else "right"


def fit_layout(document: GraphDocument, sizes: Mapping[str, tuple[float, float]] | None = None, *,
               group_sizes: Mapping[str, tuple[float, float]] | None = None, direction: str = "auto",
               aspect: float = SCREEN_ASPECT, readable_width: float = READABLE_WIDTH,
               column_gap: float = COLUMN_GAP, row_gap: float = ROW_GAP, layer_gap: float = LAYER_GAP_DOWN,
               room_after: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Top-left positions for every node (see the module's docstring).

    Args:
        document: the graph (not modified).
        sizes: {node id: (width, height)} of the cards (default NODE_WIDTH x NODE_HEIGHT).
        group_sizes: {group id: (width, height)} of collapsed groups' cards (default CARD_SIZE).
        direction: "auto", "left-to-right" or "top-to-bottom".
        aspect: the width:height the result should come close to (the screen's) when it is wrapped.
        readable_width: "auto" turns top to bottom only a graph wider than this (what shows readably stays).
        column_gap: left to right, the space between columns (as for layered_layout).
        row_gap: the space between two cards side by side in a layer (either direction).
        layer_gap: top to bottom, the space between two layers.
        room_after: left to right, as for layered_layout (the shape labels' room).
    """
    direction = resolve_direction(direction)
    if not len(document):
        return {}
    size = {n: tuple(sizes[n]) if sizes and n in sizes else (NODE_WIDTH, NODE_HEIGHT) for n in document.node_ids()}
    gaps = (column_gap, row_gap, layer_gap)
    wide = None
    if direction == "auto":
        # The extent needs no collapsed group's inside: those are laid out only if left to right wins.
        wide = _Levels(document, size, group_sizes or {}, room_after or {}, gaps, down=False)
        width, height = wide.extent(None)
        too_wide = width > readable_width and width > 2.0 * aspect * max(height, 1.0)
        direction = "top-to-bottom" if too_wide else "left-to-right"
    down = direction == "top-to-bottom"
    levels = wide if wide is not None and not down else \
        _Levels(document, size, group_sizes or {}, room_after or {}, gaps, down=down)
    wrap = (1 / aspect, readable_width / aspect) if down else None  # a column too tall to show readably is wrapped
    positions, _extent = levels.place(None, wrap)
    if down:
        positions = {n: (y, x) for n, (x, y) in positions.items()}
    return positions


class _Levels:
    """Lays out one level (the top, or a group's inside) in layout space, its groups as blocks.

    Each level is arranged once (memoized): `extent` needs only the levels drawn open, `place` every level.
    """

    def __init__(self, document, size, group_sizes, room_after, gaps, down: bool):
        self.doc = document
        self.groups = {g.id: g for g in document.groups()}
        swap = (lambda wh: (wh[1], wh[0])) if down else tuple
        self.size = {n: swap(s) for n, s in size.items()}
        self.card = {g: swap(group_sizes.get(g, CARD_SIZE)) for g in self.groups}
        self.frame_extra = swap((2 * FRAME_PAD, 2 * FRAME_PAD + FRAME_TITLE))
        self.frame_offset = swap((FRAME_PAD, FRAME_PAD + FRAME_TITLE))
        column_gap, row_gap, layer_gap = gaps
        self.column_gap = layer_gap if down else column_gap
        self.row_gap = row_gap
        self.room = {} if down else dict(room_after)  # top to bottom, labels sit in the layer gap
        grouped = {n for g in self.groups.values() for n in g.nodes}
        self.loose = [n for n in document.node_ids() if n not in grouped]
        self.place_of = {n: i for i, n in enumerate(document.node_ids())}
        self.targets = {n: list(document.graph.successors(n)) for n in self.place_of}  # read once for every level
        self.children = {g: [] for g in (None, *self.groups)}
        for g in self.groups.values():
            self.children.setdefault(g.parent, []).append(g.id)
        self._arranged: dict = {}
        self._arrange_graph: dict = {}
        self._placed: dict = {}

    def _members(self, group_id: str) -> list[str]:
        out = list(self.groups[group_id].nodes)
        for child in self.children.get(group_id, ()):
            out.extend(self._members(child))
        return out

    def extent(self, scope: str | None) -> tuple[float, float]:
        """(width, height) of `scope`'s level as laid out, unwrapped (layout space)."""
        positions, drawn_size, _blocks = self._arrange(scope)
        return _extent(positions, drawn_size)

    def place(self, scope: str | None, wrap: tuple[float, float] | None = None):
        """({node: (x, y)} from (0, 0), (width, height)) of everything in `scope` (None: the whole graph).

        `wrap`: (aspect, length): a level longer than `length` is wrapped to about `aspect` (layout space).
        """
        if wrap is None and scope in self._placed:
            return self._placed[scope]
        positions, drawn_size, blocks = self._arrange(scope)
        if wrap is not None and _extent(positions, drawn_size)[0] > wrap[1]:
            positions = _wrapped(self._arrange_graph[scope], positions, drawn_size, wrap[0], self.row_gap)
        out: dict[str, tuple[float, float]] = {}
        for k, (x, y) in positions.items():
            if k in blocks:
                child = blocks[k]
                inner, _size = self.place(child)
                if self.groups[child].collapsed:  # its card stands at its nodes' top-left corner
                    dx = -min(ix for ix, _iy in inner.values())
                    dy = -min(iy for _ix, iy in inner.values())
                else:
                    dx, dy = self.frame_offset
                out.update({n: (ix + x + dx, iy + y + dy) for n, (ix, iy) in inner.items()})
            else:
                out[k] = (x, y)
        result = out, _extent(positions, drawn_size)
        if wrap is None:
            self._placed[scope] = result
        return result

    def _arrange(self, scope: str | None):
        """(positions, sizes, {block key: group id}) of `scope`'s level as drawn: nodes and blocks, unwrapped."""
        if scope in self._arranged:
            return self._arranged[scope]
        nodes = list(self.groups[scope].nodes) if scope else self.loose
        key = dict.fromkeys(nodes)
        for n in nodes:
            key[n] = n
        blocks: dict[str, str] = {}  # block key -> its group
        block_size: dict[str, tuple[float, float]] = {}
        for child in self.children.get(scope, ()):
            members = self._members(child)
            if not members:
                continue
            k = _GROUP + child
            if self.groups[child].collapsed:
                block_size[k] = self.card[child]
            else:
                w, h = self.extent(child)
                block_size[k] = (w + self.frame_extra[0], h + self.frame_extra[1])
            blocks[k] = child
            for n in members:
                key[n] = k
        drawn, drawn_size, room = self._quotient(key, block_size)
        positions = layered_layout(drawn, drawn_size, column_gap=self.column_gap, row_gap=self.row_gap,
                                   room_after=room)
        self._arranged[scope] = positions, drawn_size, blocks
        self._arrange_graph[scope] = drawn
        return self._arranged[scope]

    def _quotient(self, key, block_size):
        """The level as drawn: its own nodes, one node per block, the wires between them."""
        nodes, seen, sizes, room = [], set(), {}, {}
        for n in sorted(key, key=self.place_of.__getitem__):  # the level's nodes only, in node order
            k = key[n]
            if k in seen:
                continue
            seen.add(k)
            nodes.append(Node(k, "Group" if k in block_size else self.doc.node_type(n), {}))
            sizes[k] = block_size.get(k) or self.size[n]
        for n, r in self.room.items():
            if n in key:
                room[key[n]] = max(room.get(key[n], 0.0), r)
        edges = set()
        for u in key:
            s = key[u]
            for v in self.targets[u]:
                t = key.get(v)
                if t is not None and s != t:
                    edges.add((s, t))
        quotient = GraphDocument()
        quotient.load(nodes, [Edge(s, t, i) for i, (s, t) in enumerate(sorted(edges))])
        return quotient, sizes, room


def _extent(positions, sizes) -> tuple[float, float]:
    if not positions:
        return 0.0, 0.0
    width = max(x + sizes[n][0] for n, (x, _y) in positions.items())
    height = max(y + sizes[n][1] for n, (_x, y) in positions.items())
    return width, height


def _wrapped(document, positions, sizes, aspect: float, row_gap: float) -> dict[str, tuple[float, float]]:
    """Cut a long strip of columns into rows stacked below each other (in layout space), never across a skip.

    Does nothing to a layout already close to `aspect` (width over height).
    """
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
