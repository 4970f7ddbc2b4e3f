"""Undo commands: each restores the document exactly, merges where it should, and reads well in a menu."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QUndoStack

from layerlab.core.document import Edge, GraphDocument
from layerlab.gui.commands import (
    AddEdgeCommand,
    AddNodeCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveEdgesCommand,
    RemoveNodesCommand,
    SetParamsCommand,
    SetPositionsCommand,
)


def state(doc: GraphDocument):
    return doc.nodes(), doc.edges()


def test_remove_nodes_restores_order_positions_and_edges_exactly(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    before = state(doc)
    stack.push(RemoveNodesCommand(doc, ["hidden2", "deep_input", "concat"]))
    assert stack.text(0) == "Delete 3 nodes"
    assert set(doc.node_ids()) == {"wide_input", "hidden1", "main_output", "aux_output"}
    assert doc.edges() == []
    stack.undo()
    assert state(doc) == before
    stack.redo()
    stack.undo()
    assert state(doc) == before


def test_add_node_keeps_its_id_through_undo_and_redo():
    doc = GraphDocument()
    stack = QUndoStack()
    cmd = AddNodeCommand(doc, "Dense", {"units": 3}, (10, 20))
    stack.push(cmd)
    assert stack.text(0) == "Add Dense" and cmd.node_id == "dense_1"
    stack.push(AddNodeCommand(doc, "Dense", {"units": 4}, (10, 200)))
    stack.undo()
    stack.undo()
    assert len(doc) == 0
    stack.redo()
    assert doc.node_ids() == ["dense_1"] and doc.position("dense_1") == (10.0, 20.0)


def test_edges_connect_and_disconnect_with_readable_texts(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    before = state(doc)
    stack.push(AddEdgeCommand(doc, Edge("wide_input", "concat", 2)))
    assert stack.text(0) == "Connect wide_input → concat"
    stack.push(RemoveEdgesCommand(doc, [Edge("hidden1", "hidden2"), Edge("hidden2", "aux_output")]))
    assert stack.text(1) == "Delete 2 connections"
    stack.push(RemoveEdgesCommand(doc, [Edge("concat", "main_output")]))
    assert stack.text(2) == "Disconnect concat → main_output"
    for _ in range(3):
        stack.undo()
    assert state(doc) == before


def test_param_edits_of_one_field_merge_and_undo_to_the_original(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    original = doc.params("hidden1")
    for units in (31, 32, 33):
        stack.push(SetParamsCommand(doc, "hidden1", {**doc.params("hidden1"), "units": units}))
    assert stack.count() == 1 and stack.text(0) == "Edit units of hidden1"
    assert doc.params("hidden1")["units"] == 33
    # another field, or another node, is another step
    stack.push(SetParamsCommand(doc, "hidden1", {**doc.params("hidden1"), "activation": "tanh"}))
    stack.push(SetParamsCommand(doc, "hidden2", {**doc.params("hidden2"), "units": 5}))
    assert stack.count() == 3
    stack.undo()
    stack.undo()
    stack.undo()
    assert doc.params("hidden1") == original
    # an edit that removes a param comes back exactly (absent, not None)
    stack.push(SetParamsCommand(doc, "hidden1", {"units": 30}))
    assert "activation" not in doc.params("hidden1")
    stack.undo()
    assert doc.params("hidden1") == original


def test_edits_that_cancel_out_leave_nothing_to_undo(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    stack.push(SetParamsCommand(doc, "hidden1", {**doc.params("hidden1"), "units": 7}))
    stack.push(SetParamsCommand(doc, "hidden1", {**doc.params("hidden1"), "units": 30}))
    assert stack.count() == 0


def test_moves_and_layout_are_one_step_each(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    before = state(doc)
    stack.push(MoveNodesCommand(doc, {"hidden1": ((320, 220), (400, 260)), "hidden2": ((640, 220), (700, 260))}))
    assert stack.text(0) == "Move 2 nodes"
    stack.push(SetPositionsCommand(doc, {n: (i * 10.0, 0.0) for i, n in enumerate(doc.node_ids())}, "Auto-layout"))
    assert stack.count() == 2 and stack.text(1) == "Auto-layout"
    stack.undo()
    assert doc.position("hidden1") == (400.0, 260.0)
    stack.undo()
    assert state(doc) == before


def test_paste_gives_fresh_ids_offsets_and_keeps_internal_edges(docs):
    doc = docs.wide_deep()
    stack = QUndoStack()
    ids = {"hidden1", "hidden2", "aux_output"}
    nodes = [n for n in doc.nodes() if n.id in ids]
    edges = [e for e in doc.edges() if e.source in ids and e.target in ids] + [Edge("deep_input", "hidden1")]
    cmd = PasteCommand(doc, nodes, edges, offset=(40, 40))
    before = state(doc)
    stack.push(cmd)
    assert stack.text(0) == "Paste 3 nodes"
    new = cmd.new_ids
    assert len(new) == 3 and not set(new) & ids
    copy_of = dict(zip([n.id for n in nodes], new))
    assert doc.position(copy_of["hidden1"]) == (360.0, 260.0)
    assert doc.params(copy_of["hidden2"]) == doc.params("hidden2")
    pasted_edges = {e for e in doc.edges() if e.target in new}
    assert pasted_edges == {Edge(copy_of["hidden1"], copy_of["hidden2"]), Edge(copy_of["hidden2"],
                                                                                copy_of["aux_output"])}
    after = state(doc)
    stack.undo()
    assert state(doc) == before
    stack.redo()
    assert state(doc) == after  # the same ids again, so later commands still apply


def test_paste_drops_taken_layer_names_and_follows_shared_owners():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4], "name": "features"}, (0, 0), node_id="features")
    doc.add_node("Dense", {"units": 3}, (200, 0), node_id="enc")
    doc.add_node("Dense", {}, (200, 200), node_id="enc_again", shares="enc")
    stack = QUndoStack()
    cmd = PasteCommand(doc, doc.nodes(), doc.edges())
    stack.push(cmd)
    copy_of = dict(zip(["features", "enc", "enc_again"], [cmd.id_map[n] for n in ("features", "enc", "enc_again")]))
    assert "name" not in doc.params(copy_of["features"])  # "features" is taken: the copy is named by its id
    assert doc.shares(copy_of["enc_again"]) == copy_of["enc"]
    # a sharer pasted without its owner keeps sharing the original layer
    cmd2 = PasteCommand(doc, [doc.node("enc_again")], [])
    stack.push(cmd2)
    assert doc.shares(cmd2.new_ids[0]) == "enc"


TYPES = ["Dense", "Dropout", "Concatenate", "Flatten"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 25))
def test_any_sequence_of_commands_undoes_and_redoes_exactly(seed, steps, docs):
    rnd = random.Random(seed)
    doc = docs.wide_deep()
    stack = QUndoStack()
    states = [state(doc)]
    for _ in range(steps):
        ids = doc.node_ids()
        choice = rnd.randrange(8)
        if choice == 0 or not ids:
            stack.push(AddNodeCommand(doc, rnd.choice(TYPES), {"units": rnd.randint(1, 9)},
                                      (rnd.uniform(-500, 500), rnd.uniform(-500, 500))))
        elif choice == 1:
            stack.push(RemoveNodesCommand(doc, rnd.sample(ids, rnd.randint(1, min(3, len(ids))))))
        elif choice == 2:
            edge = Edge(rnd.choice(ids), rnd.choice(ids), rnd.randint(0, 2))
            if doc.has_edge(edge):
                continue
            stack.push(AddEdgeCommand(doc, edge))
        elif choice == 3 and doc.edges():
            stack.push(RemoveEdgesCommand(doc, rnd.sample(doc.edges(), min(2, len(doc.edges())))))
        elif choice == 4:
            n = rnd.choice(ids)
            stack.push(MoveNodesCommand(doc, {n: (doc.position(n), (rnd.uniform(0, 9), rnd.uniform(0, 9)))}))
        elif choice == 5:
            n = rnd.choice(ids)
            stack.push(SetParamsCommand(doc, n, {**doc.params(n), "units": rnd.randint(1, 99)}))
        elif choice == 6:
            picked = set(rnd.sample(ids, rnd.randint(1, min(3, len(ids)))))
            stack.push(PasteCommand(doc, [doc.node(n) for n in ids if n in picked],
                                    [e for e in doc.edges() if e.source in picked and e.target in picked]))
        else:
            stack.push(SetPositionsCommand(doc, {n: (rnd.uniform(0, 9), 0.0) for n in ids}))
        # states[k] is the document after k commands (a merged edit replaces the last state)
        states = states[:stack.index()] + [state(doc)]
    for i in range(stack.count(), 0, -1):
        assert state(doc) == states[i]
        stack.undo()
    assert state(doc) == states[0]
    for i in range(1, stack.count() + 1):
        stack.redo()
        assert state(doc) == states[i]


@pytest.mark.parametrize("cmd, text", [
    (lambda d: RemoveNodesCommand(d, ["hidden1"]), "Delete hidden1"),
    (lambda d: MoveNodesCommand(d, {"hidden1": ((0, 0), (1, 1))}), "Move hidden1"),
    (lambda d: SetParamsCommand(d, "hidden1", {"units": 2, "activation": "tanh"}), "Edit hidden1"),
    (lambda d: PasteCommand(d, [d.node("hidden1")], []), "Paste Dense"),
])
def test_command_texts(cmd, text, docs):
    assert cmd(docs.wide_deep()).text() == text


def test_remove_nodes_undo_puts_grouped_nodes_back_in_their_groups(docs):
    doc = docs.wide_deep()
    ids = doc.node_ids()
    outer = doc.add_group("outer", ids[1:4])
    inner = doc.add_group("inner", ids[2:4], parent=outer)
    before = doc.groups()
    stack = QUndoStack()
    stack.push(RemoveNodesCommand(doc, ids[1:3]))
    assert doc.group(outer).nodes == () and doc.group(inner).nodes == (ids[3],)
    stack.undo()
    assert doc.groups() == before


def test_renaming_a_grouped_node_keeps_it_in_its_group(docs):
    from layerlab.gui.panels.rename import RenameNodeCommand

    doc = docs.wide_deep()
    node = doc.node_ids()[1]
    gid = doc.add_group("g", [node])
    stack = QUndoStack()
    stack.push(RenameNodeCommand(doc, node, "renamed"))
    assert doc.group(gid).nodes == ("renamed",)
    stack.undo()
    assert doc.group(gid).nodes == (node,)
