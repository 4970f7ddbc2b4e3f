"""Project files (`*.layerlab`): versioned JSON, parsed before use, saved atomically.

The format is a contract documented in docs/project-format.md. Reading never
executes anything from the file. Problems that a graph cannot hold (duplicate
ids, edges to unknown nodes) are kept as `load_problems` so that checks can
report them as errors of the project rather than refusing the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlab.core import groups as grouping
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.errors import Problem, ProjectFileError

FORMAT = "layerlab"
VERSION = 1
SUFFIX = ".layerlab"
_KNOWN_TOP = {"format", "version", "name", "graph", "dataset", "training"}
_KNOWN_NODE = {"id", "type", "params", "position", "shares"}
_KNOWN_EDGE = {"source", "target", "port", "source_port"}


@dataclass
class Project:
    """A project: the graph document plus the dataset and training sections."""

    document: GraphDocument = field(default_factory=GraphDocument)
    name: str | None = None
    dataset: dict | None = None
    training: dict | None = None
    path: Path | None = None
    extra: dict = field(default_factory=dict)  # unknown top-level keys, written back unchanged
    node_extra: dict = field(default_factory=dict)  # node id -> unknown node keys
    load_problems: list[Problem] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        """Where relative paths in the dataset section are resolved."""
        return self.path.parent if self.path else Path.cwd()

    def to_json(self) -> dict:
        doc = self.document
        nodes = []
        for n in doc.nodes():
            item: dict[str, Any] = {"id": n.id, "type": n.type, "params": n.params}
            if n.position is not None:
                item["position"] = [_num(v) for v in n.position]
            if n.shares:
                item["shares"] = n.shares
            item.update(self.node_extra.get(n.id, {}))
            nodes.append(item)
        edges = []
        for e in doc.edges():
            item = {"source": e.source, "target": e.target, "port": e.port}
            if e.source_port:
                item["source_port"] = e.source_port
            edges.append(item)
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        if self.name:
            out["name"] = self.name
        out["graph"] = {"nodes": nodes, "edges": edges}
        if doc.groups():  # written only when there are groups: files without them stay as they were
            out["graph"]["groups"] = [g.to_json() for g in doc.groups()]
        if self.dataset is not None:
            out["dataset"] = self.dataset
        if self.training is not None:
            out["training"] = self.training
        out.update(self.extra)
        return out

    def dumps(self) -> str:
        return dumps_json(self.to_json()) + "\n"


def dumps_json(value: Any, indent: int = 0) -> str:
    """JSON with two-space indents, short lists of plain values kept on one line (diff-friendly)."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps_json(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value:
        flat = json.dumps(value, ensure_ascii=False)
        if not any(isinstance(v, (dict, list)) for v in value) and len(flat) <= 100:
            return flat
        return "[\n" + ",\n".join(inner + dumps_json(v, indent + 2) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def _num(v: float):
    return int(v) if float(v).is_integer() else round(v, 2)


def loads(text: str, path: Path | str | None = None) -> Project:
    """Parse project JSON text. Raises ProjectFileError for a file that is not a readable project."""
    where = str(path) if path else "project"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return from_json(data, path)


def from_json(data: Any, path: Path | str | None = None) -> Project:
    where = str(path) if path else "project"
    if not isinstance(data, dict):
        raise ProjectFileError(f"{where}: a project file holds a JSON object at the top level")
    if data.get("format") != FORMAT:
        raise ProjectFileError(f"{where}: not a LayerLab project (\"format\" must be \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(f"{where}: \"version\" must be a whole number")
    if version > VERSION:
        raise ProjectFileError(
            f"{where}: project format version {version} is newer than this LayerLab reads (up to {VERSION}); "
            "update LayerLab to open it")
    if version < 1:
        raise ProjectFileError(f"{where}: unknown project format version {version}")
    graph = data.get("graph", {"nodes": [], "edges": []})
    if not isinstance(graph, dict):
        raise ProjectFileError(f"{where}: \"graph\" must be an object with \"nodes\" and \"edges\"")
    raw_nodes = graph.get("nodes", [])
    raw_edges = graph.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        raise ProjectFileError(f"{where}: \"graph.nodes\" and \"graph.edges\" must be lists")

    problems: list[Problem] = []
    nodes: list[Node] = []
    node_extra: dict[str, dict] = {}
    seen: set[str] = set()
    for i, item in enumerate(raw_nodes):
        at = f"{where}: graph.nodes[{i}]"
        if not isinstance(item, dict):
            raise ProjectFileError(f"{at} must be an object")
        nid, ntype = item.get("id"), item.get("type")
        if not isinstance(nid, str) or not nid:
            raise ProjectFileError(f"{at}: \"id\" must be a non-empty string")
        if not isinstance(ntype, str) or not ntype:
            raise ProjectFileError(f"{at} ('{nid}'): \"type\" must be a Keras layer class name")
        params = item.get("params", {})
        if not isinstance(params, dict):
            raise ProjectFileError(f"{at} ('{nid}'): \"params\" must be an object")
        pos = item.get("position")
        if pos is not None:
            if (not isinstance(pos, list) or len(pos) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)):
                raise ProjectFileError(f"{at} ('{nid}'): \"position\" must be [x, y]")
            pos = (float(pos[0]), float(pos[1]))
        shares = item.get("shares")
        if shares is not None and not isinstance(shares, str):
            raise ProjectFileError(f"{at} ('{nid}'): \"shares\" must be a node id")
        if nid in seen:
            problems.append(Problem(f"Duplicate node id '{nid}' (graph.nodes[{i}]); this copy was left out.", node=nid))
            continue
        seen.add(nid)
        nodes.append(Node(nid, ntype, params, pos, shares))
        extra = {k: v for k, v in item.items() if k not in _KNOWN_NODE}
        if extra:
            node_extra[nid] = extra

    edges: list[Edge] = []
    seen_edges: set[Edge] = set()
    for i, item in enumerate(raw_edges):
        at = f"{where}: graph.edges[{i}]"
        if not isinstance(item, dict):
            raise ProjectFileError(f"{at} must be an object")
        src, dst = item.get("source"), item.get("target")
        port, sport = item.get("port", 0), item.get("source_port", 0)
        if not isinstance(src, str) or not isinstance(dst, str):
            raise ProjectFileError(f"{at}: \"source\" and \"target\" must be node ids")
        for name, v in (("port", port), ("source_port", sport)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ProjectFileError(f"{at} ({src} -> {dst}): \"{name}\" must be a whole number >= 0")
        missing = [n for n in (src, dst) if n not in seen]
        if missing:
            problems.append(Problem(
                f"Edge {src} -> {dst} (graph.edges[{i}]) refers to unknown node '{missing[0]}'; it was left out.",
                node=dst if dst in seen else None))
            continue
        edge = Edge(src, dst, port, sport)
        if edge in seen_edges:
            problems.append(Problem(f"Edge {src} -> {dst} port {port} is listed twice (graph.edges[{i}]).", node=dst,
                                    level="warning"))
            continue
        seen_edges.add(edge)
        edges.append(edge)

    groups, group_problems = grouping.parse(graph.get("groups"), seen, where)
    problems.extend(group_problems)

    for key in ("dataset", "training"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            raise ProjectFileError(f"{where}: \"{key}\" must be an object")
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ProjectFileError(f"{where}: \"name\" must be a string")

    doc = GraphDocument()
    doc.load(nodes, edges, groups)
    return Project(
        document=doc, name=name, dataset=data.get("dataset"), training=data.get("training"),
        path=Path(path) if path else None, extra={k: v for k, v in data.items() if k not in _KNOWN_TOP},
        node_extra=node_extra, load_problems=problems)


def load(path: str | os.PathLike) -> Project:
    """Read a project file. Raises ProjectFileError when it cannot be read."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{p}: is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectFileError(f"{p}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    project = loads(text, p)
    project.path = p
    return project


def save(project: Project, path: str | os.PathLike | None = None) -> Path:
    """Write the project atomically (temp file, fsync, rename) and remember the path."""
    p = Path(path) if path is not None else project.path
    if p is None:
        raise ValueError("no path to save the project to")
    atomic_write_text(p, project.dumps())
    project.path = p
    return p


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
