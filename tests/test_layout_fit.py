"""fit_layout: collapsed groups as single cards, deep chains in rows near the screen's shape, skips never cut."""

import pytest

from layerlab.core.document import GraphDocument
from layerlab.core.layout import NODE_HEIGHT, NODE_WIDTH
from layerlab.core.layout_fit import CARD_SIZE, fit_layout


def chain(n: int) -> GraphDocument:
    doc = GraphDocument()
    prev = doc.add_node("Input", {"shape": [4]}, node_id="x")
    for i in range(n):
        cur = doc.add_node("Dense", {"units": 4}, node_id=f"d{i}")
        doc.add_edge(prev, cur)
        prev = cur
    return doc


def extent(pos, sizes=None) -> tuple[float, float, float, float]:
    w = {n: (sizes or {}).get(n, (NODE_WIDTH, NODE_HEIGHT)) for n in pos}
    return (min(x for x, _ in pos.values()), min(y for _, y in pos.values()),
            max(x + w[n][0] for n, (x, _) in pos.items()), max(y + w[n][1] for n, (_, y) in pos.items()))


def overlaps(pos) -> list:
    boxes = sorted((x, y, n) for n, (x, y) in pos.items())
    return [(a, b) for i, (ax, ay, a) in enumerate(boxes) for bx, by, b in boxes[i + 1:]
            if bx < ax + NODE_WIDTH and abs(by - ay) < NODE_HEIGHT]


def test_a_deep_chain_is_cut_into_rows_close_to_the_screen_s_shape():
    doc = chain(60)
    wide = fit_layout(doc, direction="left-to-right")
    left, top, right, bottom = extent(wide)
    assert (right - left) / (bottom - top) > 40  # one long strip
    rows = fit_layout(doc, aspect=16 / 10)
    left, top, right, bottom = extent(rows)
    assert 0.8 < (right - left) / (bottom - top) < 3.2
    assert not overlaps(rows)
    assert rows == fit_layout(doc, direction="rows")  # auto chose rows for this shape
    ys = sorted({y for _, y in rows.values()})
    by_row = [sorted((x, n) for n, (x, y) in rows.items() if y == row) for row in ys]
    order = [n for row in by_row for _, n in row]
    assert order == doc.node_ids()  # read like text: each row left to right, rows top to bottom


def test_a_small_or_wide_graph_keeps_left_to_right():
    doc = chain(5)
    assert fit_layout(doc) == fit_layout(doc, direction="left-to-right")


def test_rows_are_never_cut_across_a_long_skip():
    """A U-Net-like chain: every layer of the first half has a skip to its mirror in the second half."""
    doc = chain(40)
    for i in range(18):
        doc.add_node("Add", {}, node_id=f"add{i}")
        doc.add_edge(f"d{i}", f"add{i}", 0)
        doc.add_edge(f"d{39 - i}", f"add{i}", 1)
    assert fit_layout(doc) == fit_layout(doc, direction="left-to-right")


def test_a_collapsed_group_is_laid_out_as_one_card_with_its_nodes_from_the_card_s_corner():
    doc = chain(12)
    gid = doc.add_group("block", [f"d{i}" for i in range(2, 10)], collapsed=True)
    pos = fit_layout(doc, group_sizes={gid: CARD_SIZE})
    corner = (min(pos[f"d{i}"][0] for i in range(2, 10)), min(pos[f"d{i}"][1] for i in range(2, 10)))
    # d1 -> [card] -> d10: the card takes one column, as wide as a card
    assert corner[0] > pos["d1"][0] + NODE_WIDTH
    assert pos["d10"][0] >= corner[0] + CARD_SIZE[0]
    assert pos["d10"][0] - corner[0] < 2 * CARD_SIZE[0]  # not the eight nodes' width
    inner = [pos[f"d{i}"] for i in range(2, 10)]
    assert inner == sorted(inner)  # inside, the group's own chain runs left to right
    doc.set_group(gid, collapsed=False)
    expanded = fit_layout(doc)
    assert not overlaps(expanded)


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="layout direction"):
        fit_layout(chain(3), direction="diagonal")


def test_an_expanded_group_is_never_cut_across_two_rows():
    doc = chain(60)
    members = [f"d{i}" for i in range(10, 26)]
    doc.add_group("block", members)
    pos = fit_layout(doc, direction="rows")
    assert len({pos[n][1] for n in members}) == 1  # one row: its frame encloses only its own nodes
    assert len({y for _, y in pos.values()}) > 2
