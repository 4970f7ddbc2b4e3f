"""Groups: the document's rules, notifications and undo-able inverses, and `graph.groups` in project files."""

import json

import pytest

from layerlab.core import project
from layerlab.core.document import GROUP_ADDED, GROUP_CHANGED, GROUP_REMOVED, GraphDocument
from layerlab.core.errors import ProjectFileError
from layerlab.core.groups import Group, GroupError


def _chain(n: int = 5) -> GraphDocument:
    doc = GraphDocument()
    prev = doc.add_node("Input", {"shape": [4]}, node_id="in")
    for i in range(1, n):
        cur = doc.add_node("Dense", {"units": 4}, node_id=f"d{i}")
        doc.add_edge(prev, cur)
        prev = cur
    return doc


def test_add_group_notifies_and_lists_members_in_node_order():
    doc = _chain()
    seen = []
    doc.subscribe(seen.append)
    gid = doc.add_group("block 1", ["d3", "d1", "d2"])
    assert [c.kind for c in seen] == [GROUP_ADDED] and seen[0].group == gid
    assert doc.group(gid).nodes == ("d1", "d2", "d3")
    assert doc.group_of("d2") == gid and doc.group_of("d4") is None


def test_view_only_group_changes_keep_the_revision_but_model_groups_bump_it():
    doc = _chain()
    rev = doc.revision
    gid = doc.add_group("b", ["d1"])
    doc.set_group(gid, collapsed=True, label="renamed")
    assert doc.revision == rev  # groups draw differently; the Keras model is the same
    doc.set_group(gid, model=True)
    assert doc.revision > rev
    rev = doc.revision
    doc.set_group(gid, collapsed=False)
    assert doc.revision == rev


def test_nested_groups_and_remove_group_is_the_inverse_of_add_group():
    doc = _chain()
    outer = doc.add_group("outer", ["d1", "d2", "d3"])
    inner = doc.add_group("inner", ["d2", "d3"], parent=outer)
    assert doc.group(outer).nodes == ("d1",)
    assert doc.group_members(outer) == ["d1", "d2", "d3"]
    before = [g for g in doc.groups()]
    seen = []
    doc.subscribe(seen.append)
    group, index, subgroups = doc.remove_group(outer)
    assert [(c.kind, c.group) for c in seen] == [(GROUP_REMOVED, outer)]
    assert doc.group(inner).parent is None and doc.group_of("d1") is None
    doc.add_group(group.label, group.nodes, group_id=group.id, collapsed=group.collapsed, model=group.model,
                  parent=group.parent, subgroups=subgroups, index=index)
    assert doc.groups() == before


def test_a_node_in_another_group_cannot_be_grouped_again_and_the_error_names_the_group():
    doc = _chain()
    doc.add_group("a", ["d1", "d2"], group_id="ga")
    with pytest.raises(GroupError, match="'gb'.*'d2' is in group 'ga'"):
        doc.add_group("b", ["d2", "d3"], group_id="gb")
    with pytest.raises(GroupError, match="'ghost'"):
        doc.add_group("c", ["ghost"], group_id="gc")
    with pytest.raises(GroupError, match="'d1' is in both group 'ga' and group 'gd'"):
        doc.add_group("d", ["d4"], group_id="gd")
        doc.set_group("gd", nodes=["d4", "d1"])
    assert doc.group("gd").nodes == ("d4",)  # the refused change left the group as it was


def test_removing_a_node_removes_it_from_its_group_and_add_node_can_put_it_back():
    doc = _chain()
    gid = doc.add_group("b", ["d1", "d2", "d3"])
    seen = []
    doc.subscribe(seen.append)
    node, index, edges = doc.remove_node("d2")
    assert doc.group(gid).nodes == ("d1", "d3")
    assert GROUP_CHANGED in [c.kind for c in seen]
    doc.add_node(node.type, node.params, node.position, node_id=node.id, index=index, group=gid)
    assert doc.group(gid).nodes == ("d1", "d2", "d3")


def test_clear_load_and_copy_handle_groups():
    doc = _chain()
    doc.add_group("b", ["d1", "d2"], collapsed=True)
    other = doc.copy()
    assert other.groups() == doc.groups()
    with pytest.raises(GroupError, match="parent 'nowhere'"):
        other.load(doc.nodes(), doc.edges(), [Group("x", "x", ("d1",), parent="nowhere")])
    assert other.groups() == doc.groups()  # a refused load changes nothing
    doc.clear()
    assert doc.groups() == []


def _file(groups) -> dict:
    return {"format": "layerlab", "version": 1,
            "graph": {"nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}},
                                {"id": "a", "type": "Dense", "params": {"units": 2}},
                                {"id": "b", "type": "Dense", "params": {"units": 2}}],
                      "edges": [{"source": "in", "target": "a"}, {"source": "a", "target": "b"}],
                      "groups": groups}}


def test_groups_round_trip_save_load_save_identical(tmp_path):
    groups = [{"id": "enc", "label": "encoder", "nodes": ["a"], "collapsed": True, "model": True, "parent": None,
               "note": "kept"},
              {"id": "inner", "label": "inner", "nodes": ["b"], "collapsed": False, "model": False, "parent": "enc"}]
    first = tmp_path / "a.layerlab"
    project.save(project.from_json(_file(groups)), first)
    again = tmp_path / "b.layerlab"
    loaded = project.load(first)
    project.save(loaded, again)
    assert first.read_bytes() == again.read_bytes()
    assert json.loads(first.read_text())["graph"]["groups"] == groups
    assert loaded.document.group_members("enc") == ["a", "b"]


def test_a_file_without_groups_is_written_without_the_key():
    data = _file([])
    del data["graph"]["groups"]
    assert "groups" not in project.from_json(data).to_json()["graph"]


@pytest.mark.parametrize("groups, message", [
    ({"id": "g"}, r"\"graph.groups\" must be a list"),
    (["g"], r"graph.groups\[0\] must be an object"),
    ([{"label": "x"}], r"graph.groups\[0\]: \"id\""),
    ([{"id": "g", "nodes": "a"}], r"\('g'\): \"nodes\" must be a list"),
    ([{"id": "g", "nodes": [1]}], r"\('g'\): \"nodes\" must be a list"),
    ([{"id": "g", "collapsed": "yes"}], r"\('g'\): \"collapsed\" must be true or false"),
    ([{"id": "g", "model": 1}], r"\('g'\): \"model\" must be true or false"),
    ([{"id": "g", "parent": 3}], r"\('g'\): \"parent\" must be a group id"),
    ([{"id": "g", "label": None}], r"\('g'\): \"label\" must be a string"),
])
def test_hostile_groups_are_refused_with_the_place_named(groups, message):
    with pytest.raises(ProjectFileError, match=message):
        project.from_json(_file(groups), "f.layerlab")


def test_dangling_group_references_are_left_out_with_warnings():
    p = project.from_json(_file([
        {"id": "g", "nodes": ["a", "ghost"], "parent": "nowhere"},
        {"id": "h", "nodes": ["a", "b"], "parent": "k"},
        {"id": "k", "nodes": [], "parent": "h"},
        {"id": "g", "nodes": ["b"]},
    ]))
    doc = p.document
    assert doc.group("g").nodes == ("a",) and doc.group("g").parent is None
    assert doc.group("h").nodes == ("b",)
    assert [g.id for g in doc.groups()] == ["g", "h", "k"]
    messages = " | ".join(x.message for x in p.load_problems)
    for part in ("unknown node 'ghost'", "unknown parent group 'nowhere'", "in group 'g' and in group 'h'",
                 "nested inside itself", "Duplicate group id 'g'"):
        assert part in messages
    assert all(x.level == "warning" for x in p.load_problems)
