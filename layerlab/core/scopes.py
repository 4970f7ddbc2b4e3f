"""Blocks by name scope: group the nodes of an imported model as its authors named them.

A heuristic derived from the layer names of the keras.applications models
(it only makes groups, which change nothing in the model, and the user can
ungroup them):

- *Prefix scopes*: the name up to its last scope token, where a scope token
  mixes letters and digits (`conv2`, `block1`, `block1a`, `mixed5`) or is a
  number after a word (`block_13`, `stage_0`). `conv2_block1_1_conv` is in
  `conv2_block1` (ResNet, DenseNet), `block_13_expand_BN` in `block_13`
  (MobileNetV2), `mixed9_0` in `mixed9` (InceptionV3), `block1a_dwconv` in
  `block1a` (EfficientNet), `convnext_tiny_stage_0_block_0_...` in
  `convnext_tiny_stage_0_block_0`.
- *Cell suffixes*: names with a `normal`, `reduction` or `adjust` word that
  end in a cell number (`_12`, `_stem_1`, `_reduce_4`) are in that cell
  (NASNet's `separable_conv_1_bn_normal_left1_12` is in `normal_cell_12`).
- Names Keras made up (`conv2d_5`, `activation_94`, `add`: the layer type in
  snake case, maybe numbered) carry no scope. Such a node joins a block when
  everything it feeds reaches that one block first (InceptionV3's branches
  before `mixed5`, NASNet's ReLUs at a cell's entry), except for the chain
  from an input up to where it first branches, which is the `stem`
  (InceptionV3's first convolutions, before mixed0's branches).

Blocks of fewer than three nodes are left alone. Groups are made inside the
groups a node is already in (a nested model's blocks nest in it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from layerlab.core.document import GraphDocument, Node

MIN_BLOCK = 3
_CELL = re.compile(r"(?:^|_)(normal|reduction|adjust)_(?:.*?_)?((?:stem_|reduce_)?\d+)$")
_MIXED = re.compile(r"[A-Za-z]+\d+[A-Za-z]*|\d+[A-Za-z]+\w*")
_WORD = re.compile(r"[A-Za-z]+")


def scope_of(name: str, type_name: str = "") -> str | None:
    """The block a layer named `name` belongs to, or None (see the module's docstring)."""
    if _is_generated(name, type_name):
        return None
    cell = _CELL.search(name)
    if cell:
        return f"cell_{cell.group(2)}"
    tokens = name.split("_")
    last = None
    for i, tok in enumerate(tokens):
        after_word = i > 0 and _WORD.fullmatch(tokens[i - 1]) is not None
        if _MIXED.fullmatch(tok) or (tok.isdigit() and after_word):
            last = i
    return None if last is None else "_".join(tokens[: last + 1])


def _is_generated(name: str, type_name: str) -> bool:
    """A name Keras gives a layer by itself: its class in snake case, maybe numbered (`conv2d_5`)."""
    if not type_name:
        return False
    return _generated_names(type_name).fullmatch(name) is not None


@functools.lru_cache(maxsize=512)
def _generated_names(type_name: str) -> re.Pattern:
    """The names Keras makes up for a layer of `type_name` (once per type: a model repeats its types)."""
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", type_name)).lower()  # Keras's
    return re.compile(rf"{re.escape(snake)}(?:_\d+)?")


def scope_blocks(document: GraphDocument) -> dict[str, list[str]]:
    """Block label -> its nodes, in node order, for the nodes `document` has (not yet grouped by this)."""
    scopes: dict[str, str] = {}
    for n in document.node_ids():
        type_name = document.node_type(n)
        if type_name == "Input":
            continue
        scope = scope_of(_layer_name(document, n), type_name)
        if scope is not None:
            scopes[n] = scope
    _adopt_between(document, scopes)
    blocks: dict[str, list[str]] = {}
    for n in document.node_ids():
        if n in scopes:
            blocks.setdefault(scopes[n], []).append(n)
    return {_label(document, s, nodes): nodes for s, nodes in blocks.items() if len(nodes) >= MIN_BLOCK}


def _adopt_between(document: GraphDocument, scopes: dict[str, str]) -> None:
    """Unscoped nodes whose outputs all reach one block first join it, if they come after some block.

    Before the first block, the unscoped chain from an input up to where it branches is the `stem`, and
    the branches after it join the block they lead to (InceptionV3's stem, then mixed0's branches).
    """
    graph = document.graph
    order = document.node_ids()
    stem = _stem(document, scopes)
    ahead: dict[str, frozenset] = {}
    for n in reversed(order):  # successors first when the graph is in topological order; fall back below
        ahead[n] = _first_hit(graph.successors(n), scopes, ahead, graph.successors)
    for n in order:
        if n in scopes or document.node_type(n) == "Input":
            continue
        if n in stem:
            scopes[n] = "stem"
        elif len(ahead[n]) == 1:
            scopes[n] = next(iter(ahead[n]))


def _stem(document: GraphDocument, scopes: dict[str, str]) -> set[str]:
    """The unscoped chains from the inputs: each node has one input, up to the first that branches or a block."""
    graph, stem = document.graph, set()
    for cur in document.input_ids():
        chain = []
        while True:
            nxt = list(dict.fromkeys(graph.successors(cur)))
            if len(nxt) != 1 or nxt[0] in scopes or len(set(graph.predecessors(nxt[0]))) != 1:
                break
            cur = nxt[0]
            chain.append(cur)
        if graph.out_degree(cur):  # it leads somewhere: a stem (a plain chain to the output is no stem)
            stem.update(chain)
    return stem


def _first_hit(neighbours: Iterable[str], scopes: dict, memo: dict, step) -> frozenset:
    out: set[str] = set()
    for m in set(neighbours):
        if m in scopes:
            out.add(scopes[m])
        else:
            if m not in memo:  # not in topological order: walk it now (the graph is acyclic when it imports)
                memo[m] = frozenset()
                memo[m] = _first_hit(step(m), scopes, memo, step)
            out |= memo[m]
    return frozenset(out)


def _label(document: GraphDocument, scope: str, nodes: list[str]) -> str:
    if not scope.startswith("cell_"):
        return scope
    names = [_layer_name(document, n) for n in nodes]
    kind = "reduction" if any(re.search(r"(?:^|_)reduction_", name) for name in names) else "normal"
    return f"{kind}_{scope}"


def _layer_name(document: GraphDocument, node_id: str) -> str:
    """Node.layer_name, read without copying the node's params (document.node would, for every node)."""
    return Node(node_id, "", document.graph.nodes[node_id]["params"]).layer_name


def add_scope_groups(document: GraphDocument, collapsed: bool = True) -> list[str]:
    """Group `document`'s blocks (see scope_blocks), within the groups their nodes are in; returns the new ids."""
    made = []
    for label, nodes in scope_blocks(document).items():
        by_parent: dict[str | None, list[str]] = {}
        for n in nodes:
            by_parent.setdefault(document.group_of(n), []).append(n)
        parent, members = max(by_parent.items(), key=lambda kv: len(kv[1]))
        if len(members) >= MIN_BLOCK and len(members) < len(document.group_members(parent) if parent else
                                                               document.node_ids()):
            made.append(document.add_group(label, members, collapsed=collapsed, parent=parent))
    return made
