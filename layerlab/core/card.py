"""What a node's card on the canvas shows, and how big the card is, from the document alone (no Qt).

A card's size never depends on fonts or on a check result: only on the node's
type, parameters, wiring and shared layers. So a check never moves anything,
and the layout of an imported model can be computed off the GUI thread with
the sizes the canvas will draw (see :func:`card_sizes`). The canvas
(gui/canvas/node_item.py, style.py) draws with these sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerlab.core import catalog
from layerlab.core.catalog.spec import LAYER, SHAPE
from layerlab.core.document import GraphDocument
from layerlab.core.notation import format_shape

# A card's sizes, in scene units. As wide as the longest usual output shape, "(None, 112, 112, 64)", in the
# mono font.
NODE_WIDTH = 180.0
HEADER_HEIGHT = 26.0
ROW_HEIGHT = 17.0
PORT_ROW_HEIGHT = 18.0
FOOTER_HEIGHT = 24.0
BODY_TOP_PAD = 4.0
MAX_KEY_PARAMS = 3


@dataclass(frozen=True)
class Face:
    """Everything a card shows that comes from the document (the check adds shapes and counts)."""

    type_name: str
    category: str | None
    subtitle: str  # the Keras layer name
    in_names: tuple[str, ...]
    out_names: tuple[str, ...]
    required: int  # inputs that must be wired; the others are drawn lighter
    connected_in: frozenset
    connected_out: frozenset
    key_lines: tuple[tuple[str, str], ...]
    labelled: bool  # ports are named on their own rows
    shares: str | None  # the node whose layer this one calls again
    shared_by: tuple[str, ...]  # the nodes that call this node's layer again

    @property
    def port_rows(self) -> int:
        return max(len(self.in_names), len(self.out_names)) if self.labelled else 0


def node_face(document: GraphDocument, node_id: str, shared_by: tuple[str, ...] = ()) -> Face:
    """The face of `node_id`; `shared_by` lists the nodes sharing its layer (the caller keeps that map)."""
    node = document.node(node_id)
    graph = document.graph
    in_ports = [k[0] for _u, _v, k in graph.in_edges(node_id, keys=True)]
    out_ports = [k[1] for _u, _v, k in graph.out_edges(node_id, keys=True)]
    spec = catalog.get(node.type)

    # ports: what the catalog says, plus any port an edge uses (so that every wire has an end)
    if spec is None:
        in_names, outs, required = ["input"], ["output"], 1
    elif spec.is_input:
        in_names, outs, required = [], ["output"], 0
    else:
        required = spec.required_inputs
        if spec.variadic:
            count = max(required, max(in_ports, default=-1) + 2)  # always one free port to add an input
        else:
            count = len(spec.all_inputs)  # positional ports, then keyword ones (initial_state, masks)
        count = max(count, max(in_ports, default=-1) + 1)
        in_names = [spec.port_name(i) for i in range(count)]
        try:
            outs = list(spec.outputs(node.params))
        except Exception:  # a catalog function given odd params: still draw one output
            outs = ["output"]
    outs += [f"output {i + 1}" for i in range(len(outs), max(out_ports, default=-1) + 1)]

    if node.shares:
        lines = [("same layer as", node.shares)]
    else:
        lines = []
        for p in (spec.params if spec else ()):
            if p.key and p.name != "name" and len(lines) < MAX_KEY_PARAMS:
                lines.append((p.name, format_value(node.params.get(p.name, p.default), p.kind)))
    if shared_by:
        lines.append(("shared by", shared_by[0] if len(shared_by) == 1 else f"{len(shared_by)} calls"))
    labelled = len(in_names) > 1 or len(outs) > 1 or (len(in_names) == 1 and spec is not None
                                                       and not spec.variadic and spec.inputs[0] != "input")
    return Face(node.type, spec.category if spec else None, node.layer_name, tuple(in_names), tuple(outs),
                required, frozenset(in_ports), frozenset(out_ports), tuple(lines), labelled, node.shares,
                tuple(shared_by))


@dataclass(frozen=True)
class CardGeometry:
    """Where the parts of a card are, top to bottom, in the card's own coordinates."""

    height: float
    name_top: float  # the layer name's row
    lines_top: float  # the first key parameter's row
    ports_top: float  # the first port row (labelled ports)
    body_bottom: float  # where the footer (output shape) starts


def card_geometry(face: Face) -> CardGeometry:
    name_top = HEADER_HEIGHT + BODY_TOP_PAD
    lines_top = name_top + ROW_HEIGHT
    ports_top = lines_top + ROW_HEIGHT * len(face.key_lines) + (2.0 if face.port_rows else 0.0)
    body_bottom = ports_top + PORT_ROW_HEIGHT * face.port_rows + BODY_TOP_PAD
    body_bottom = max(body_bottom, HEADER_HEIGHT + 2 * PORT_ROW_HEIGHT)  # room for two bare ports
    return CardGeometry(body_bottom + FOOTER_HEIGHT, name_top, lines_top, ports_top, body_bottom)


def share_owners(document: GraphDocument) -> dict[str, tuple[str, ...]]:
    """{owner id: (ids of the nodes that call its layer again, in node order)}."""
    owners: dict[str, list[str]] = {}
    for node_id in document.node_ids():
        owner = document.shares(node_id)
        if owner is not None and owner in document:
            owners.setdefault(owner, []).append(node_id)
    return {owner: tuple(ids) for owner, ids in owners.items()}


def card_sizes(document: GraphDocument) -> dict[str, tuple[float, float]]:
    """{node id: (width, height)} of every card, as the canvas draws them (no Qt object is made)."""
    owners = share_owners(document)
    return {n: (NODE_WIDTH, card_geometry(node_face(document, n, owners.get(n, ()))).height)
            for n in document.node_ids()}


def format_value(value, kind: str | None = None) -> str:
    """A parameter value as short text for the node face."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == LAYER and isinstance(value, dict):
        inner = value.get("params") or {}
        first = next(iter(inner.items()), None)
        return f"{value.get('type', '?')}({first[0]}={format_value(first[1])})" if first else f"{value.get('type')}()"
    if kind == SHAPE and isinstance(value, (list, tuple)):
        return format_shape(tuple(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, dict):  # a serialized initializer or regularizer: its class is what a reader wants
        return str(value.get("class_name") or value.get("type") or "{…}")
    return str(value)


def compact_shape(shape) -> str:
    """A shape for reading from afar: no batch dimension, "×" between sizes ("16×16×256"; "?" for None)."""
    dims = tuple(shape)[1:]
    if not dims:
        return "scalar"
    return "×".join("?" if d is None else str(d) for d in dims)


def format_count(n: int) -> str:
    """A parameter count in words: "930 params", "2,359,808 params"."""
    return f"{n:,} param" + ("" if n == 1 else "s")


def compact_count(n: int) -> str:
    """A parameter count in a few characters, for where "2,359,808 params" has no room: "2.36M"."""
    if n < 1000:
        return str(n)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            value = n / size
            return (f"{value:.3g}" if value < 100 else f"{value:.0f}") + unit
    return str(n)
