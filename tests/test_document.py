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
    # Dotted catalog names (applications, operations) are named by their last part.
    assert d.new_id("applications.MobileNetV2") == "mobile_netv2_1" and d.new_id("ops.add") == "add_1"


def test_rename_keeps_the_place_the_edges_and_the_sharers():
    from layerlab.core.document import RESET

    doc = GraphDocument()
    doc.add_node("Input", {"shape": [3]}, node_id="x")
    doc.add_node("Dense", {"units": 2}, node_id="d")
    doc.add_node("Input", {"shape": [3]}, node_id="y")
    doc.add_node("Dense", {"units": 2}, node_id="d2", shares="d")
    doc.add_node("Add", {}, node_id="sum")
    for s, t, port in [("x", "d", 0), ("y", "d2", 0), ("d", "sum", 0), ("d2", "sum", 1)]:
        doc.add_edge(s, t, port)
    heard = []
    doc.subscribe(heard.append)
    doc.rename_node("d", "tower")
    assert doc.node_ids() == ["x", "tower", "y", "d2", "sum"]
    assert sorted(doc.edges()) == sorted([Edge("x", "tower"), Edge("y", "d2"), Edge("tower", "sum", 0),
                                          Edge("d2", "sum", 1)])
    assert doc.shares("d2") == "tower" and doc.params("tower") == {"units": 2}
    assert [c.kind for c in heard] == [RESET]


@pytest.mark.parametrize("new, words", [("", "cannot be empty"), ("a b", "letters, digits"), ("x", "already has")])
def test_rename_refuses_what_the_id_rule_refuses(new, words):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [3]}, node_id="x")
    doc.add_node("Dense", {"units": 2}, node_id="d")
    assert words in doc.id_problem(new, "d")
    with pytest.raises(ValueError, match=words):
        doc.rename_node("d", new)
    assert doc.node_ids() == ["x", "d"]


def test_new_ids_follow_the_same_rule():
    doc = GraphDocument()
    made = doc.add_node("Conv2D Transpose!")
    assert doc.id_problem(made, old=made) is None and made == "conv2d__transpose_1"


def test_edges_come_by_target_in_node_order_then_port_then_source_order():
    """edges() sorts with one map of the node order: the same order as in_edges node by node."""
    d = GraphDocument()
    for n in ("a", "b", "c"):
        d.add_node("Input", {"shape": [2]}, node_id=n)
    d.add_node("Concatenate", {}, node_id="cat")
    d.add_node("Dense", {"units": 2}, node_id="early", index=0)  # node order is not the order of adding
    d.add_edge("c", "cat", 1)
    d.add_edge("b", "cat", 0, 1)
    d.add_edge("a", "cat", 0)
    d.add_edge("b", "cat", 0)
    d.add_edge("c", "early")
    d.add_edge("early", "cat", 2)
    assert d.edges() == [
        Edge("c", "early", 0, 0),
        Edge("a", "cat", 0, 0), Edge("b", "cat", 0, 0), Edge("b", "cat", 0, 1), Edge("c", "cat", 1, 0),
        Edge("early", "cat", 2, 0),
    ]
    assert d.edges() == [e for n in d.node_ids() for e in d.in_edges(n)]
