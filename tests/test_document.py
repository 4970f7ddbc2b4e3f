"""The graph document: edits, order, and change notifications."""

import pytest

from layerlab.core.document import EDGE_ADDED, EDGE_REMOVED, NODE_ADDED, NODE_REMOVED, Edge, GraphDocument


def make_chain():
    d = GraphDocument()
    d.add_node("Input", {"shape": [4]}, node_id="in")
    d.add_node("Dense", {"units": 3}, node_id="d")
    d.add_edge("in", "d")
    return d


def test_changes_are_notified_in_order():
    d = GraphDocument()
    seen = []
    d.subscribe(lambda c: seen.append((c.kind, c.node or c.edge)))
    d.add_node("Input", {"shape": [4]}, node_id="in")
    d.add_node("Dense", {"units": 3}, node_id="d")
    d.add_edge("in", "d")
    d.remove_node("in")
    assert seen == [
        (NODE_ADDED, "in"), (NODE_ADDED, "d"), (EDGE_ADDED, Edge("in", "d", 0, 0)),
        (EDGE_REMOVED, Edge("in", "d", 0, 0)), (NODE_REMOVED, "in"),
    ]


def test_remove_and_restore_keeps_order_and_edges():
    d = make_chain()
    d.add_node("Dense", {"units": 1}, node_id="out")
    d.add_edge("d", "out")
    before = (d.nodes(), d.edges())
    node, index, edges = d.remove_node("d")
    assert d.node_ids() == ["in", "out"] and d.edges() == []
    d.add_node(node.type, node.params, node.position, node_id=node.id, index=index)
    for e in edges:
        d.add_edge(*e)
    assert (d.nodes(), d.edges()) == before


def test_inputs_and_outputs_follow_node_order():
    d = make_chain()
    d.add_node("Input", {"shape": [2]}, node_id="in2", index=0)
    assert d.input_ids() == ["in2", "in"]
    assert d.output_ids() == ["in2", "d"]


def test_duplicate_ids_and_edges_are_refused():
    d = make_chain()
    with pytest.raises(ValueError):
        d.add_node("Dense", node_id="d")
    with pytest.raises(ValueError):
        d.add_edge("in", "d")
    with pytest.raises(KeyError):
        d.add_edge("in", "nowhere")


def test_params_are_copied_not_shared():
    d = make_chain()
    p = d.params("d")
    p["units"] = 99
    assert d.params("d")["units"] == 3
    assert d.new_id("Dense") == "dense_1" and d.new_id("MaxPooling2D") == "max_pooling2d_1"
