"""Groups: named sets of nodes drawn as one collapsible frame (project key `graph.groups`).

A group lists its *direct* members in `nodes`; a nested group points at the
group around it with `parent`, so a node belongs to at most one innermost
group and all of a group's nodes are its own plus those of its descendants.
Groups change nothing in the Keras model, except `model: true` groups, which
are exported as a nested `keras.Model` named after their `label`.

Everything here is plain data and rules; `GraphDocument` keeps the groups of
a graph and notifies on change, `project` reads and writes them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from layerlab.core.errors import Problem, ProjectFileError

_KNOWN = ("id", "label", "nodes", "collapsed", "model", "parent")


class GroupError(ValueError):
    """A group that breaks the rules (unknown node, a node in two groups, a parent cycle)."""


@dataclass(frozen=True)
class Group:
    """One group. `nodes` are its direct members, in the document's node order."""

    id: str
    label: str
    nodes: tuple[str, ...] = ()
    collapsed: bool = False
    model: bool = False  # a Keras sub-model on export, named `label`
    parent: str | None = None
    extra: dict = field(default_factory=dict, compare=True)  # unknown keys of the file, written back unchanged

    def with_(self, **changes: Any) -> Group:
        """A copy with some fields changed (`nodes` given as any iterable)."""
        if "nodes" in changes:
            changes["nodes"] = tuple(changes["nodes"])
        return replace(self, **changes)

    def to_json(self) -> dict:
        out = {"id": self.id, "label": self.label, "nodes": list(self.nodes), "collapsed": self.collapsed,
               "model": self.model, "parent": self.parent}
        out.update(copy.deepcopy(self.extra))
        return out


# -- rules ---------------------------------------------------------------------
def validate(groups: Iterable[Group], node_ids: Iterable[str]) -> None:
    """Raise GroupError, naming the group, if `groups` break a rule for a graph with `node_ids`."""
    known = set(node_ids)
    by_id: dict[str, Group] = {}
    owner: dict[str, str] = {}
    for g in groups:
        if not isinstance(g.id, str) or not g.id:
            raise GroupError("a group id must be a non-empty string")
        if g.id in by_id:
            raise GroupError(f"group '{g.id}' is listed twice")
        by_id[g.id] = g
        for n in g.nodes:
            if n not in known:
                raise GroupError(f"group '{g.id}' lists node '{n}', which is not in the graph")
            if n in owner:
                raise GroupError(f"node '{n}' is in both group '{owner[n]}' and group '{g.id}'")
            owner[n] = g.id
    for g in by_id.values():
        if g.parent is None:
            continue
        if g.parent not in by_id:
            raise GroupError(f"group '{g.id}' has parent '{g.parent}', which is not a group")
        seen = {g.id}
        p = g.parent
        while p is not None:
            if p in seen:
                raise GroupError(f"group '{g.id}' is nested inside itself (through '{p}')")
            seen.add(p)
            p = by_id[p].parent


def parse(raw: Any, node_ids: Iterable[str], where: str = "project") -> tuple[list[Group], list[Problem]]:
    """Read `graph.groups` of a file: a wrong type is a ProjectFileError; a dangling reference is a Problem.

    What a graph cannot hold (a node that is not there, a node in two groups,
    an unknown parent, a cycle) is left out with a warning, as the project
    reader does for dangling edges, so that the rest of the file still opens.
    """
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        raise ProjectFileError(f"{where}: \"graph.groups\" must be a list")
    known = set(node_ids)
    groups: list[Group] = []
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for i, item in enumerate(raw):
        at = f"{where}: graph.groups[{i}]"
        if not isinstance(item, dict):
            raise ProjectFileError(f"{at} must be an object")
        gid = item.get("id")
        if not isinstance(gid, str) or not gid:
            raise ProjectFileError(f"{at}: \"id\" must be a non-empty string")
        at = f"{at} ('{gid}')"
        label = item.get("label", gid)
        if not isinstance(label, str):
            raise ProjectFileError(f"{at}: \"label\" must be a string")
        nodes = item.get("nodes", [])
        if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
            raise ProjectFileError(f"{at}: \"nodes\" must be a list of node ids")
        flags = {}
        for key in ("collapsed", "model"):
            value = item.get(key, False)
            if not isinstance(value, bool):
                raise ProjectFileError(f"{at}: \"{key}\" must be true or false")
            flags[key] = value
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise ProjectFileError(f"{at}: \"parent\" must be a group id or null")
        if any(g.id == gid for g in groups):
            problems.append(Problem(f"Duplicate group id '{gid}' (graph.groups[{i}]); this copy was left out.",
                                    level="warning"))
            continue
        members = []
        for n in dict.fromkeys(nodes):
            if n not in known:
                problems.append(Problem(f"Group '{gid}' lists unknown node '{n}'; it was left out of the group.",
                                        level="warning"))
            elif n in owner:
                problems.append(Problem(f"Node '{n}' is listed in group '{owner[n]}' and in group '{gid}'; "
                                        f"it was kept in '{owner[n]}' only.", node=n, level="warning"))
            else:
                owner[n] = gid
                members.append(n)
        extra = {k: v for k, v in item.items() if k not in _KNOWN}
        groups.append(Group(gid, label, tuple(members), flags["collapsed"], flags["model"], parent, extra))
    return _mend_parents(groups, problems), problems


def _mend_parents(groups: list[Group], problems: list[Problem]) -> list[Group]:
    """Unknown parents and parent cycles become top-level groups (with a warning)."""
    ids = {g.id for g in groups}
    out = []
    for g in groups:
        if g.parent is not None and g.parent not in ids:
            problems.append(Problem(f"Group '{g.id}' names unknown parent group '{g.parent}'; it is shown at the "
                                    "top level.", level="warning"))
            g = g.with_(parent=None)
        out.append(g)
    by_id = {g.id: g for g in out}
    for g in out:
        seen, p = {g.id}, g.parent
        while p is not None and p not in seen:
            seen.add(p)
            p = by_id[p].parent
        if p is not None:  # a cycle: cut it at this group
            problems.append(Problem(f"Group '{g.id}' is nested inside itself; it is shown at the top level.",
                                    level="warning"))
            by_id[g.id] = by_id[g.id].with_(parent=None)
    return [by_id[g.id] for g in out]


# -- questions about a set of groups ------------------------------------------
def children(groups: Mapping[str, Group], group_id: str | None) -> list[str]:
    """The groups directly inside `group_id` (None: the top-level groups), in list order."""
    return [g.id for g in groups.values() if g.parent == group_id]


def ancestors(groups: Mapping[str, Group], group_id: str) -> list[str]:
    """`group_id`'s parent, its parent's parent, ... (innermost first)."""
    out, p = [], groups[group_id].parent
    while p is not None and p not in out:
        out.append(p)
        p = groups[p].parent
    return out


def members(groups: Mapping[str, Group], group_id: str) -> list[str]:
    """Every node in `group_id`, nested groups included."""
    out = list(groups[group_id].nodes)
    for child in children(groups, group_id):
        out.extend(members(groups, child))
    return out


def descendants(groups: Mapping[str, Group], group_id: str) -> list[str]:
    """Every group nested in `group_id`, at any depth."""
    out = []
    for child in children(groups, group_id):
        out.append(child)
        out.extend(descendants(groups, child))
    return out


def innermost(groups: Mapping[str, Group]) -> dict[str, str]:
    """Node id -> the id of the innermost group that holds it (ungrouped nodes are absent)."""
    return {n: g.id for g in groups.values() for n in g.nodes}


def new_id(groups: Mapping[str, Group], label: str) -> str:
    """A fresh group id derived from `label`."""
    stem = re.sub(r"[^A-Za-z0-9_.\-]+", "_", label).strip("_").lower() or "group"
    stem = f"group_{stem}" if not stem.startswith("group") else stem
    if stem not in groups:
        return stem
    i = 2
    while f"{stem}_{i}" in groups:
        i += 1
    return f"{stem}_{i}"
