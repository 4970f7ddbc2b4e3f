"""fit_layout: groups as blocks, deep chains top to bottom in columns near the screen's shape, skips never cut."""

import pytest

from layerlab.core.document import GraphDocument
from layerlab.core.layout import NODE_HEIGHT, NODE_WIDTH
from layerlab.core.layout_fit import CARD_SIZE, FRAME_PAD, FRAME_TITLE, fit_layout, flow


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


def test_a_deep_chain_reads_top_to_bottom_in_columns_close_to_the_screen_s_shape():
    doc = chain(60)
    wide = fit_layout(doc, direction="left-to-right")
    left, top, right, bottom = extent(wide)
    assert (right - left) / (bottom - top) > 40  # one long strip
    down = fit_layout(doc, aspect=16 / 10)
    left, top, right, bottom = extent(down)
    assert 0.8 < (right - left) / (bottom - top) < 3.2
    assert not overlaps(down)
    assert down == fit_layout(doc, direction="top-to-bottom")  # auto chose top to bottom for this shape
    assert down == fit_layout(doc, direction="rows")  # the first round's name still works
    xs = sorted({x for x, _ in down.values()})
    assert len(xs) > 2  # wrapped into columns side by side
    by_column = [sorted((y, n) for n, (x, y) in down.items() if x == col) for col in xs]
    order = [n for column in by_column for _, n in column]
    assert order == doc.node_ids()  # each column top to bottom, columns left to right
    for n, p in down.items():
        doc.move_node(n, p)
    assert flow(doc) == "down"  # the canvas puts the ports on the cards' top and bottom
    for n, p in wide.items():
        doc.move_node(n, p)
    assert flow(doc) == "right"


def test_a_small_or_wide_graph_keeps_left_to_right():
    doc = chain(5)
    assert fit_layout(doc) == fit_layout(doc, direction="left-to-right")


def test_a_residual_branch_stays_beside_its_trunk_top_to_bottom():
    doc = chain(6)
    doc.add_node("Dense", {"units": 4}, node_id="side")
    doc.add_node("Add", {}, node_id="add")
    doc.add_edge("d1", "side")
    doc.add_edge("side", "add", 0)
    doc.add_edge("d4", "add", 1)
    pos = fit_layout(doc, direction="top-to-bottom")
    assert not overlaps(pos)
    trunk = [pos[f"d{i}"] for i in range(6)]
    assert [y for _, y in trunk] == sorted(y for _, y in trunk)  # down the page
    assert pos["d2"][1] <= pos["side"][1] <= pos["d4"][1]  # level with the trunk it skips
    assert pos["side"][0] != pos["d2"][0]  # beside it, not behind it


def test_columns_are_never_cut_across_a_long_skip():
    """A U-Net-like chain: every layer of the first half has a skip to its mirror in the second half."""
    doc = chain(40)
    for i in range(18):
        doc.add_node("Add", {}, node_id=f"add{i}")
        doc.add_edge(f"d{i}", f"add{i}", 0)
        doc.add_edge(f"d{39 - i}", f"add{i}", 1)
    pos = fit_layout(doc)
    assert pos == fit_layout(doc, direction="top-to-bottom")  # deep: top to bottom
    ys = [pos[f"d{i}"][1] for i in range(40)]
    assert ys == sorted(ys)  # one column: never back up to the top of a next one


def test_a_collapsed_group_is_laid_out_as_one_card_with_its_nodes_from_the_card_s_corner():
    doc = chain(12)
    gid = doc.add_group("block", [f"d{i}" for i in range(2, 10)], collapsed=True)
    pos = fit_layout(doc, group_sizes={gid: CARD_SIZE}, direction="left-to-right")
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


@pytest.mark.parametrize("direction", ["left-to-right", "top-to-bottom"])
def test_an_expanded_group_is_a_cluster_its_frame_clear_of_every_other_card(direction):
    """Two branches from one input, one of them grouped: its frame (with its title band) holds no other card."""
    doc = chain(8)
    for i in range(6):
        doc.add_node("Dense", {"units": 4}, node_id=f"b{i}")
        doc.add_edge("x" if i == 0 else f"b{i - 1}", f"b{i}")
    doc.add_node("Concatenate", {}, node_id="cat")
    doc.add_edge("d7", "cat", 0)
    doc.add_edge("b5", "cat", 1)
    members = [f"d{i}" for i in range(2, 6)]
    doc.add_group("block", members)
    pos = fit_layout(doc, direction=direction)
    assert not overlaps(pos)
    left = min(pos[n][0] for n in members) - FRAME_PAD
    top = min(pos[n][1] for n in members) - FRAME_PAD - FRAME_TITLE
    right = max(pos[n][0] + NODE_WIDTH for n in members) + FRAME_PAD
    bottom = max(pos[n][1] + NODE_HEIGHT for n in members) + FRAME_PAD
    for n, (x, y) in pos.items():
        if n not in members:
            assert x >= right or x + NODE_WIDTH <= left or y >= bottom or y + NODE_HEIGHT <= top, n


def test_an_expanded_group_is_never_cut_across_two_columns():
    doc = chain(60)
    members = [f"d{i}" for i in range(10, 26)]
    doc.add_group("block", members)
    pos = fit_layout(doc, direction="top-to-bottom")
    assert len({pos[n][0] for n in members}) == 1  # one column: its frame encloses only its own nodes
    assert len({x for x, _ in pos.values()}) > 2


def blocks(n_blocks: int, per_block: int, collapsed: bool) -> GraphDocument:
    """A chain cut into groups, each with a nested group inside and a skip over its middle."""
    doc = chain(n_blocks * per_block + 2)
    for b in range(n_blocks):
        members = [f"d{b * per_block + i + 1}" for i in range(per_block)]
        outer = doc.add_group(f"block{b}", members, collapsed=collapsed)
        doc.add_group(f"inner{b}", members[1:-1], collapsed=collapsed, parent=outer)
        doc.add_edge(members[0], members[-1], 1)
    return doc


@pytest.mark.parametrize("collapsed", [True, False])
@pytest.mark.parametrize("n_blocks, expected", [(1, "left-to-right"), (30, "top-to-bottom")])
def test_auto_lays_out_exactly_as_the_direction_it_chooses(n_blocks, expected, collapsed):
    """"auto" measures the left-to-right drawing without laying out collapsed groups' insides, and keeps that
    drawing when it wins: the result is the one the chosen direction gives from scratch."""
    doc = blocks(n_blocks, 5, collapsed)
    auto = fit_layout(doc)
    assert auto == fit_layout(doc, direction=expected)
    assert auto != fit_layout(doc, direction=({"left-to-right", "top-to-bottom"} - {expected}).pop())
    assert set(auto) == set(doc.node_ids())
    assert auto == fit_layout(doc)  # nothing is left over from one call to the next
