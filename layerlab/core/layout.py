"""Layered auto-layout, left to right: Qt-free so the importer and the editor share it.

The classic Sugiyama steps, sized for graphs of a few thousand nodes in pure Python:

1. Columns. Each node starts in the column of its longest path from an input,
   then moves to the median of where its neighbours want it (inside the range
   its predecessors and successors allow): short edges, outputs next to what
   feeds them. Inputs stay in the first column.
2. Long edges get one dummy point per column they cross, so that the next
   steps keep room for them and route them around nodes.
3. Order within columns: median heuristic sweeps (Gansner et al.) with
   adjacent transpositions; the order with the fewest crossings wins.
4. Rows: the sum of squared edge slopes is minimized (long edges weigh more,
   to run straight) with nodes kept apart and in order: column by column, an
   isotonic regression solved exactly by pool-adjacent-violators, sweeping
   until nothing moves. Chains come out straight, merges sit between their
   inputs.

Positions are the nodes' top-left corners, as the canvas places its items.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping

from layerlab.core.document import GraphDocument

NODE_WIDTH = 200.0  # assumed node size when the caller gives none (the canvas's default width)
NODE_HEIGHT = 110.0
COLUMN_GAP = 130.0  # room for the shape labels on the edges between columns
ROW_GAP = 40.0
DUMMY_HEIGHT = 24.0  # the room a long edge takes where it passes a column
LONG_EDGE_WEIGHT = 8.0  # how much more a bend inside a long edge costs than a short edge's


def layered_layout(document: GraphDocument, sizes: Mapping[str, tuple[float, float]] | None = None, *,
                   column_gap: float = COLUMN_GAP, row_gap: float = ROW_GAP,
                   room_after: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Top-left positions for every node, in columns from inputs (left) to outputs (right).

    Args:
        document: The graph to lay out (not modified).
        sizes: Optional {node id: (width, height)}; missing nodes get NODE_WIDTH x NODE_HEIGHT.
        column_gap: Horizontal space between the widest nodes of two columns.
        row_gap: Vertical space between two nodes of one column.
        room_after: Optional {node id: the least space it needs right of it} (for the labels on its
            outgoing edges); a column is followed by the largest of column_gap and its nodes' needs.
    """
    ids = document.node_ids()
    if not ids:
        return {}
    index = {n: i for i, n in enumerate(ids)}
    succ, pred = _simple_acyclic(document, ids, index)
    pinned = {n for n in ids if document.node_type(n) == "Input"}
    layer = _assign_columns(ids, succ, pred, pinned)
    chain = _LayerGraph(ids, succ, layer, index)
    order = _order_columns(chain)
    size = {n: tuple(sizes[n]) if sizes and n in sizes else (NODE_WIDTH, NODE_HEIGHT) for n in ids}
    heights = {v: (size[v][1] if v in index else DUMMY_HEIGHT) for col in order for v in col}
    rows = _assign_rows(chain, order, heights, row_gap)

    widths = [max((size[v][0] for v in col if v in index), default=0.0) for col in order]
    room = room_after or {}
    gaps = [max([column_gap, *(room.get(v, 0.0) for v in col if v in index)]) for col in order]
    xs, x = [], 0.0
    for w, gap in zip(widths, gaps):
        xs.append(x)
        x += w + gap
    shift = min(rows[v] - heights[v] / 2 for v in rows)
    positions = {}
    for c, col in enumerate(order):
        for v in col:
            if v in index:
                positions[v] = (round(xs[c]), round(rows[v] - heights[v] / 2 - shift))
    return positions


# -- 0. a simple acyclic graph -------------------------------------------------------------
def _simple_acyclic(document: GraphDocument, ids: list[str], index: dict) -> tuple[dict, dict]:
    """Successors and predecessors without parallel edges, self-loops, or the back edges of any cycle."""
    succ: dict[str, list[str]] = {n: [] for n in ids}
    for u, v in document.graph.edges():
        if u != v and v not in succ[u]:
            succ[u].append(v)
    for n in ids:
        succ[n].sort(key=index.get)
    # Depth-first search in node order; an edge to a node still on the stack closes a cycle: drop it.
    state: dict[str, int] = {}
    for root in ids:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(list(succ[root])))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                succ[node].remove(nxt)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(list(succ[nxt]))))
    pred: dict[str, list[str]] = {n: [] for n in ids}
    for u in ids:
        for v in succ[u]:
            pred[v].append(u)
    return succ, pred


def _topological(ids: list[str], succ: dict, pred: dict) -> list[str]:
    indeg = {n: len(pred[n]) for n in ids}
    ready = [n for n in ids if not indeg[n]]
    out = []
    while ready:
        n = ready.pop()
        out.append(n)
        for s in reversed(succ[n]):
            indeg[s] -= 1
            if not indeg[s]:
                ready.append(s)
    return out


# -- 1. columns ----------------------------------------------------------------------------
def _assign_columns(ids, succ, pred, pinned, rounds: int = 4) -> dict[str, int]:
    topo = _topological(ids, succ, pred)
    layer: dict[str, int] = {}
    for n in topo:
        layer[n] = max((layer[p] + 1 for p in pred[n]), default=0)
    for _ in range(rounds):
        moved = False
        for sequence in (reversed(topo), topo):
            for n in sequence:
                if n in pinned or (not pred[n] and not succ[n]):
                    continue
                lo = max((layer[p] + 1 for p in pred[n]), default=0)
                hi = min((layer[s] - 1 for s in succ[n]), default=None)
                wants = sorted([layer[p] + 1 for p in pred[n]] + [layer[s] - 1 for s in succ[n]])
                m = len(wants)
                low, high = wants[(m - 1) // 2], wants[m // 2]  # any value in [low, high] is a median
                target = min(max(layer[n], low), high)
                target = max(lo, target if hi is None else min(target, hi))
                if target != layer[n]:
                    layer[n] = target
                    moved = True
        if not moved:
            break
    base = min(layer.values())
    return {n: c - base for n, c in layer.items()}


class _LayerGraph:
    """The graph with dummy points on long edges: every edge joins adjacent columns."""

    def __init__(self, ids, succ, layer, index):
        self.layer = dict(layer)
        self.down: dict = {n: [] for n in ids}  # neighbours in the next column
        self.up: dict = {n: [] for n in ids}  # neighbours in the previous column
        self.dummies: set = set()
        for u in ids:
            for v in succ[u]:
                prev = u
                for c in range(layer[u] + 1, layer[v]):
                    d = ("~", u, v, c)
                    self.dummies.add(d)
                    self.layer[d] = c
                    self.down[d], self.up[d] = [], []
                    self._link(prev, d)
                    prev = d
                self._link(prev, v)
        self.index = index
        self.columns = max(self.layer.values()) + 1

    def _link(self, a, b) -> None:
        self.down[a].append(b)
        self.up[b].append(a)

    def weight(self, a, b) -> float:
        """Inner pieces of long edges weigh more, so that long edges run straight."""
        return LONG_EDGE_WEIGHT if a in self.dummies and b in self.dummies else 1.0


# -- 3. order within columns ----------------------------------------------------------------
def _order_columns(g: _LayerGraph, iterations: int = 12) -> list[list]:
    order = _initial_order(g)
    best, best_crossings = [list(c) for c in order], _crossings(g, order)
    stale = 0
    for it in range(iterations):
        if best_crossings == 0:
            break
        downward = it % 2 == 0
        columns = range(1, g.columns) if downward else range(g.columns - 2, -1, -1)
        for c in columns:
            ref = order[c - 1] if downward else order[c + 1]
            pos = {v: i for i, v in enumerate(ref)}
            nbrs = g.up if downward else g.down
            col = order[c]
            scale = len(ref) / max(len(col), 1)
            keys = {}
            for i, v in enumerate(col):
                ps = sorted(pos[u] for u in nbrs[v])
                m = len(ps)
                if not m:
                    keys[v] = (i * scale, i)  # no neighbour there: keep its relative place
                else:
                    keys[v] = (ps[m // 2] if m % 2 else (ps[m // 2 - 1] + ps[m // 2]) / 2, i)
            col.sort(key=keys.__getitem__)
        _transpose(g, order)
        crossings = _crossings(g, order)
        if crossings < best_crossings:
            best, best_crossings, stale = [list(c) for c in order], crossings, 0
        else:
            stale += 1
            if stale >= 4:
                break
    return best


def _initial_order(g: _LayerGraph) -> list[list]:
    """Columns in depth-first order from the inputs: branches start next to each other."""
    order: list[list] = [[] for _ in range(g.columns)]
    seen = set()
    roots = sorted((v for v in g.index if not g.up[v]), key=g.index.get)
    for root in roots:
        stack = [root]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            order[g.layer[v]].append(v)
            stack.extend(reversed(g.down[v]))
    for v in g.layer:  # anything left (cannot happen on an acyclic graph, but never lose a node)
        if v not in seen:
            order[g.layer[v]].append(v)
    return order


def _pair_crossings(a_sorted: list[int], b_sorted: list[int]) -> int:
    """Crossings between the edges of a (placed above b) and those of b, given sorted neighbour positions."""
    if not a_sorted or not b_sorted:
        return 0
    if len(a_sorted) == 1 and len(b_sorted) == 1:
        return 1 if a_sorted[0] > b_sorted[0] else 0
    return sum(bisect_left(b_sorted, p) for p in a_sorted)


def _transpose(g: _LayerGraph, order: list[list], max_passes: int = 6) -> None:
    """Swap neighbours in a column while that removes crossings (with both adjacent columns).

    Only columns next to a change are visited again.
    """
    dirty = set(range(len(order)))
    for _ in range(max_passes):
        if not dirty:
            return
        again: set[int] = set()
        for c in sorted(dirty):
            col = order[c]
            if len(col) < 2:
                continue
            up_pos = {v: i for i, v in enumerate(order[c - 1])} if c > 0 else {}
            down_pos = {v: i for i, v in enumerate(order[c + 1])} if c + 1 < len(order) else {}
            ups = {v: sorted(up_pos[u] for u in g.up[v]) for v in col}
            downs = {v: sorted(down_pos[u] for u in g.down[v]) for v in col}
            changed = False
            for i in range(len(col) - 1):
                a, b = col[i], col[i + 1]
                ua, ub, da, db = ups[a], ups[b], downs[a], downs[b]
                now = _pair_crossings(ua, ub) + _pair_crossings(da, db)
                if now and _pair_crossings(ub, ua) + _pair_crossings(db, da) < now:
                    col[i], col[i + 1] = b, a
                    changed = True
            if changed:
                again.update(x for x in (c - 1, c, c + 1) if 0 <= x < len(order))
        dirty = again


def _crossings(g: _LayerGraph, order: list[list]) -> int:
    """Total edge crossings between adjacent columns (inversions, counted with a Fenwick tree)."""
    total = 0
    for c in range(len(order) - 1):
        pos = {v: i for i, v in enumerate(order[c + 1])}
        targets = [pos[w] for v in order[c] for w in sorted(g.down[v], key=pos.get)]
        total += _inversions(targets, len(order[c + 1]))
    return total


def _inversions(values: list[int], size: int) -> int:
    tree = [0] * (size + 1)
    count = 0
    for seen, v in enumerate(values):
        i, smaller_or_equal = v + 1, 0
        while i > 0:
            smaller_or_equal += tree[i]
            i -= i & -i
        count += seen - smaller_or_equal
        i = v + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def count_crossings(document: GraphDocument, positions: Mapping[str, tuple[float, float]]) -> int:
    """Edge crossings of a drawing with straight edges between adjacent or distant columns.

    Two edges cross when, at some column between their ends, their vertical order flips. Edges are
    followed column by column (a long edge is interpolated where it passes a column), which is how the
    layout itself counts them; used by tests and benchmarks to compare layouts.
    """
    columns = sorted({x for x, _ in positions.values()})
    col_of = {x: i for i, x in enumerate(columns)}
    segments = []
    seen = set()
    for u, v in document.graph.edges():
        if (u, v) in seen or u == v:
            continue
        seen.add((u, v))
        (x0, y0), (x1, y1) = positions[u], positions[v]
        c0, c1 = col_of[x0], col_of[x1]
        if c0 > c1:
            (c0, y0), (c1, y1) = (c1, y1), (c0, y0)
        for c in range(c0, c1):
            t0, t1 = (c - c0) / (c1 - c0), (c + 1 - c0) / (c1 - c0)
            segments.append((c, y0 + (y1 - y0) * t0, y0 + (y1 - y0) * t1, u, v))
    total = 0
    by_col: dict[int, list] = {}
    for s in segments:
        by_col.setdefault(s[0], []).append(s)
    for segs in by_col.values():
        for i in range(len(segs)):
            _, a0, a1, au, av = segs[i]
            for j in range(i + 1, len(segs)):
                _, b0, b1, bu, bv = segs[j]
                if len({au, av, bu, bv}) < 4:
                    continue  # edges that share a node do not cross
                if (a0 - b0) * (a1 - b1) < 0:
                    total += 1
    return total


# -- 4. rows -------------------------------------------------------------------------------
def _assign_rows(g: _LayerGraph, order: list[list], heights: dict, row_gap: float, sweeps: int = 12,
                 relax: float = 1.0, tolerance: float = 0.5) -> dict:
    """Rows minimizing the weighted sum of squared edge slopes, nodes kept apart and in order.

    Block coordinate descent: each column in turn is placed optimally given its neighbours (weighted means
    as targets, solved exactly with the separation constraints), sweeping both ways; a column is solved
    again only when a neighbouring column moved. A dozen sweeps get close enough: _straighten then
    levels the chains exactly. `relax` > 1 over-relaxes the targets (did not pay off on real models).
    """
    rows: dict = {}
    gaps = [[_gap(col[i - 1], col[i], heights, row_gap, g) for i in range(1, len(col))] for col in order]
    for col, col_gaps in zip(order, gaps):
        y = 0.0
        for i, v in enumerate(col):
            y += col_gaps[i - 1] if i else 0.0
            rows[v] = y
        for v in col:
            rows[v] -= y / 2
    links = {v: [(u, g.weight(v, u)) for u in g.up[v] + g.down[v]] for v in g.layer}
    totals = {v: sum(w for _, w in links[v]) for v in g.layer}
    dirty = set(range(g.columns))
    for s in range(sweeps):
        if not dirty:
            break
        for c in (range(g.columns) if s % 2 == 0 else range(g.columns - 1, -1, -1)):
            if c not in dirty:
                continue
            dirty.discard(c)
            col = order[c]
            targets, weights = [], []
            for v in col:
                total = totals[v]
                if total:
                    mean = 0.0
                    for u, w in links[v]:
                        mean += rows[u] * w
                    y = rows[v]
                    targets.append(y + relax * (mean / total - y))
                    weights.append(total)
                else:
                    targets.append(rows[v])
                    weights.append(1e-3)
            moved = 0.0
            for v, y in zip(col, _separated(targets, weights, gaps[c])):
                moved = max(moved, abs(y - rows[v]))
                rows[v] = y
            if moved > tolerance:
                dirty.update(x for x in (c - 1, c, c + 1) if 0 <= x < g.columns)
    _straighten(g, order, rows, gaps)
    return rows


def _straighten(g: _LayerGraph, order: list[list], rows: dict, gaps: list[list[float]]) -> None:
    """Put each link of a chain (one edge, nothing else in or out) exactly level, where the column has room.

    Least squares spreads a bend over a whole chain; readers prefer straight chains with the bend at the end.
    """
    place = {v: (c, i) for c, col in enumerate(order) for i, v in enumerate(col)}

    def level(v, y) -> None:
        c, i = place[v]
        col, col_gaps = order[c], gaps[c]
        if i > 0 and rows[col[i - 1]] + col_gaps[i - 1] > y + 1e-6:
            return
        if i + 1 < len(col) and rows[col[i + 1]] - col_gaps[i] < y - 1e-6:
            return
        rows[v] = y

    for col in order[1:]:
        for v in col:
            if len(g.up[v]) == 1 and len(g.down[g.up[v][0]]) == 1:
                level(v, rows[g.up[v][0]])
    for col in reversed(order[:-1]):
        for v in col:
            if len(g.down[v]) == 1 and len(g.up[g.down[v][0]]) == 1:
                level(v, rows[g.down[v][0]])


def _gap(a, b, heights: dict, row_gap: float, g: _LayerGraph) -> float:
    """Centre-to-centre distance between neighbours in a column (dummies need less room)."""
    pad = row_gap if (a not in g.dummies and b not in g.dummies) else row_gap / 2
    return (heights[a] + heights[b]) / 2 + pad


def _separated(targets: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Rows closest to `targets` (weighted least squares) with y[i+1] - y[i] >= gaps[i]: pool adjacent violators."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    # With z = y - offset the constraint is z non-decreasing: isotonic regression of (target - offset).
    blocks: list[list[float]] = []  # [weighted mean, weight, count]
    for t, w, off in zip(targets, weights, offsets):
        blocks.append([t - off, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out = []
    for mean, _, count in blocks:
        out.extend([mean] * count)
    return [z + off for z, off in zip(out, offsets)]
