"""Nested models: `model: true` groups built as Keras sub-models, called where their nodes stand.

The graph stays flat (shapes are checked on it as they are); only the build
makes each model group a `keras.Model` named after its label, with one Input
per outside tensor its nodes read (in the order of the nodes and ports that
read them) and one output per tensor read outside it (or a model output), in
node order. A group whose `extra` says `{"shares": <group id>}` is that model
called again: its nodes share the layers of the other group's nodes, one to
one, and the build calls the one sub-model twice. A group whose layers are
all frozen (`"trainable": false`, as Keras saves a model after
`model.trainable = False`, and as the editor's group switch sets them) is a
frozen sub-model: `model.trainable` is False.
"""

from __future__ import annotations

from dataclasses import dataclass

Endpoint = tuple  # (node id, output port)


@dataclass
class ModelGroup:
    """What the build needs to know of one model group."""

    id: str
    label: str
    members: set  # every node in it, nested groups included
    slots: list  # (node, port) inside it whose tensor comes from outside, in node order then port
    outputs: list  # endpoints inside it read outside it (or model outputs), in node order then port
    shares: str | None
    trainable: bool


def model_groups(document) -> dict[str, ModelGroup]:
    """Every `model: true` group of the document, by id."""
    out = {}
    index = {n: i for i, n in enumerate(document.node_ids())}
    model_outputs = set(document.output_ids())
    for g in document.groups():
        if not g.model:
            continue
        members = set(document.group_members(g.id))
        slots, outputs = [], set()
        for n in sorted(members, key=index.__getitem__):
            for e in document.in_edges(n):
                if e.source not in members:
                    slots.append((n, e.port))
        for n in members:
            for e in document.out_edges(n):
                if e.target not in members:
                    outputs.add((n, e.source_port))
        for n in members & model_outputs:
            outputs.add((n, -1))  # all its outputs: expanded by the builder, which knows how many there are
        extra = g.extra or {}
        frozen = bool(members) and all(document.params(document.shares(n) or n).get("trainable", True) is False
                                       for n in members)
        out[g.id] = ModelGroup(g.id, g.label, members, slots, sorted(outputs, key=lambda ep: (index[ep[0]], ep[1])),
                               extra.get("shares") if isinstance(extra.get("shares"), str) else None, not frozen)
    return out


def model_path(document, groups: dict[str, ModelGroup], node: str) -> list[str]:
    """The model groups holding `node`, outermost first."""
    path = []
    gid = document.group_of(node)
    while gid is not None:
        if gid in groups:
            path.append(gid)
        gid = document.group(gid).parent
    return path[::-1]


def scope_order(document, groups: dict[str, ModelGroup], paths: dict[str, list[str]], scope: str | None,
                nodes: list[str]) -> list[str]:
    """The units of `scope` (None: the whole model) in build order: its nodes, and its model groups as one each.

    Keras's order: topological, ties broken by the first node's place in the document. build.py and the
    script writer (codegen_model.py) both follow it, so the script builds what the editor builds.
    """
    import networkx as nx

    depth = 0 if scope is None else paths[next(iter(groups[scope].members))].index(scope) + 1
    unit = {n: (path[depth] if len(path := paths.get(n, [])) > depth else n) for n in nodes}
    first: dict[str, int] = {}
    for n in nodes:
        first.setdefault(unit[n], document.index(n))
    order = nx.DiGraph()
    order.add_nodes_from(first)
    order.add_edges_from((unit[e.source], unit[n]) for n in nodes for e in document.in_edges(n)
                         if e.source in unit and unit[e.source] != unit[n])
    return list(nx.lexicographical_topological_sort(order, key=first.__getitem__))
