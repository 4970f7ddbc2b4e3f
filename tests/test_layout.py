"""The layered auto-layout: no overlaps, edges left to right, few crossings, straight chains, any graph."""

import random

import networkx as nx
import pytest

from layerlab.core.document import GraphDocument
from layerlab.core.layout import NODE_HEIGHT, NODE_WIDTH, count_crossings, layered_layout


def _doc(edges, inputs=(), extra=()):
    doc = GraphDocument()
    names = list(dict.fromkeys([*inputs, *[n for e in edges for n in e[:2]], *extra]))
    for n in names:
        doc.add_node("Input" if n in inputs else "Dense", {}, node_id=n)
    for e in edges:
        doc.add_edge(*e)
    return doc


def _naive(doc):
    """One column per topological generation, rows in node order: what a layout must beat."""
    index = {n: i for i, n in enumerate(doc.node_ids())}
    out = {}
    for c, gen in enumerate(nx.topological_generations(nx.DiGraph(doc.graph))):
        for r, n in enumerate(sorted(gen, key=index.get)):
            out[n] = (c * 330.0, r * 150.0)
    return out


def _assert_no_overlap(positions, sizes=None):
    boxes = [(x, y, *(sizes or {}).get(n, (NODE_WIDTH, NODE_HEIGHT))) for n, (x, y) in positions.items()]
    for i, (x0, y0, w0, h0) in enumerate(boxes):
        for x1, y1, w1, h1 in boxes[i + 1:]:
            apart = x0 + w0 <= x1 or x1 + w1 <= x0 or y0 + h0 <= y1 or y1 + h1 <= y0
            assert apart, ((x0, y0, w0, h0), (x1, y1, w1, h1))


def _assert_left_to_right(doc, positions, sizes=None):
    for e in doc.edges():
        width = (sizes or {}).get(e.source, (NODE_WIDTH, NODE_HEIGHT))[0]
        assert positions[e.source][0] + width < positions[e.target][0], e


def _residual_net(blocks=6):
    """A ResNet-like graph: each block has a main path and a projection shortcut meeting in an Add."""
    edges, prev = [], "input"
    for b in range(blocks):
        a, c, s, add = f"conv{b}a", f"conv{b}b", f"short{b}", f"add{b}"
        edges += [(prev, a), (a, c), (prev, s), (c, add, 0), (s, add, 1)]
        prev = add
    edges.append((prev, "head"))
    return _doc(edges, inputs=("input",))


def _random_dag(n, seed, p=0.08):
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(n)]
    edges = []
    for j in range(1, n):
        sources = [i for i in range(max(0, j - 12), j) if rng.random() < p] or [rng.randrange(max(0, j - 3), j)]
        edges += [(names[i], names[j], port) for port, i in enumerate(sources)]
    return _doc(edges, inputs=("n0",))


def test_count_crossings_counts_a_known_crossing():
    doc = _doc([("a", "d"), ("b", "c")])
    straight = {"a": (0, 0), "b": (0, 100), "c": (300, 100), "d": (300, 0)}
    crossed = {"a": (0, 0), "b": (0, 100), "c": (300, 0), "d": (300, 100)}
    assert count_crossings(doc, straight) == 0
    assert count_crossings(doc, crossed) == 1


@pytest.mark.parametrize("make", [_residual_net, lambda: _random_dag(60, 1), lambda: _random_dag(120, 2, p=0.15)])
def test_no_overlap_edges_left_to_right(make):
    doc = make()
    positions = layered_layout(doc)
    assert set(positions) == set(doc.node_ids())
    _assert_no_overlap(positions)
    _assert_left_to_right(doc, positions)


def test_custom_sizes_are_respected():
    doc = _random_dag(40, 3)
    rng = random.Random(0)
    sizes = {n: (rng.choice([150, 200, 260]), rng.choice([60, 110, 180])) for n in doc.node_ids()}
    positions = layered_layout(doc, sizes)
    _assert_no_overlap(positions, sizes)
    _assert_left_to_right(doc, positions, sizes)


def test_crossings_not_worse_than_naive_order():
    # Two ladders whose nodes are listed in an order that makes the naive drawing cross.
    edges = [("in", "a1"), ("in", "b1"), ("a1", "a2"), ("b1", "b2"), ("a2", "a3"), ("b2", "b3"),
             ("a1", "b2", 1), ("b1", "a2", 1), ("a3", "out"), ("b3", "out", 1)]
    doc = _doc(edges, inputs=("in",))
    for n in ("b2", "a2"):  # re-list two nodes so the naive rows disagree with their neighbours
        node, index, node_edges = doc.remove_node(n)
        doc.add_node(node.type, node.params, node_id=node.id)
        for e in node_edges:
            doc.add_edge(*e)
    naive = count_crossings(doc, _naive(doc))
    laid = count_crossings(doc, layered_layout(doc))
    assert naive > 0
    assert laid <= naive
    for make in (_residual_net, lambda: _random_dag(80, 5), lambda: _random_dag(150, 6, p=0.12)):
        doc = make()
        assert count_crossings(doc, layered_layout(doc)) <= count_crossings(doc, _naive(doc))


def test_residual_graph_has_no_crossings_and_a_straight_main_path():
    doc = _residual_net()
    positions = layered_layout(doc)
    assert count_crossings(doc, positions) == 0
    ys = [positions[n][1] for n in ("input", "add0", "add1", "add2", "head")]
    assert max(ys) - min(ys) <= 2  # the main path runs straight through the blocks


def test_chain_is_one_straight_row_and_inputs_come_first():
    doc = _doc([("x", "h1"), ("h1", "h2"), ("h2", "h3"), ("aux", "h3", 1)], inputs=("x", "aux"))
    positions = layered_layout(doc)
    ys = [positions[n][1] for n in ("x", "h1", "h2")]
    assert max(ys) - min(ys) <= 2
    assert positions["x"][0] == positions["aux"][0] == min(x for x, _ in positions.values())


def test_outputs_sit_next_to_what_feeds_them():
    # An early side output should not be pushed to the last column by a long main path.
    edges = [("x", "m1"), ("m1", "m2"), ("m2", "m3"), ("m3", "m4"), ("m1", "side")]
    doc = _doc(edges, inputs=("x",))
    positions = layered_layout(doc)
    columns = sorted({x for x, _ in positions.values()})
    assert columns.index(positions["side"][0]) == columns.index(positions["m1"][0]) + 1


def test_cycles_disconnected_nodes_and_parallel_edges_never_break_it():
    doc = _doc([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d")], extra=("lonely", "other"))
    doc.add_edge("a", "b", 1)
    positions = layered_layout(doc)
    assert set(positions) == set(doc.node_ids())
    _assert_no_overlap(positions)
    assert layered_layout(GraphDocument()) == {}


def test_deterministic_and_document_untouched():
    doc = _random_dag(50, 9)
    before = (doc.nodes(), doc.edges(), doc.revision)
    assert layered_layout(doc) == layered_layout(doc)
    assert (doc.nodes(), doc.edges(), doc.revision) == before


def test_large_graph_completes():
    doc = _random_dag(800, 11, p=0.05)
    positions = layered_layout(doc)
    assert len(positions) == 800
    _assert_left_to_right(doc, positions)
