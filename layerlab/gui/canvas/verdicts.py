"""Keras's verdict on a wire before it is made: would the target layer accept this input?

The check worker answers these for the canvas while a wire is dragged: each
candidate edge is tried on a tiny document holding the target layer fed by
Inputs of the shapes the last check found, so the answer is Keras's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerlab.core import catalog
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.shapes import CheckReport, ShapeChecker, format_shape


@dataclass(frozen=True)
class Verdict:
    """Keras's answer for one candidate wire.

    Attributes:
        ok: True if the target layer accepts it, False if not, None if it cannot be told yet
            (shapes unknown, or the layer needs more inputs first).
        message: why not (or what is missing), in words.
        shape: the target's output shape with this wire, when `ok`.
    """

    ok: bool | None
    message: str = ""
    shape: object = None


class EdgeProber:
    """Tries candidate wires on a tiny document, reusing one checker (and its memo) across tries."""

    def __init__(self) -> None:
        self._doc = GraphDocument()
        self._checker = ShapeChecker(self._doc)

    def verdict(self, replica: GraphDocument, report: CheckReport | None, edge: Edge) -> Verdict:
        """Would `edge` (replacing whatever feeds its port) be accepted by its target layer?"""
        if report is None or edge.source not in replica or edge.target not in replica:
            return Verdict(None, "Shapes are not known yet.")
        target = edge.target
        spec = catalog.get(replica.node_type(target))
        if spec is None:
            return Verdict(None, f"Unknown layer type '{replica.node_type(target)}'.")
        if spec.is_input:
            return Verdict(False, "An Input takes no incoming connections.")
        if not spec.variadic and edge.port >= len(spec.all_inputs):
            return Verdict(False, f"{spec.type} has no input port {edge.port}.")
        feeds = [e for e in replica.in_edges(target) if e.port != edge.port] + [edge]
        feeds.sort(key=lambda e: e.port)
        ports = [e.port for e in feeds]
        if spec.variadic:
            if ports != list(range(len(ports))):
                return Verdict(None, "Ports must be filled in order.")
            missing = max(0, spec.required_inputs - len(ports))
            if missing:
                return Verdict(None, f"{spec.type} needs {missing} more input(s) before its shape can be checked.")
        else:
            empty = [spec.port_name(p) for p in range(spec.required_inputs) if p not in ports]
            if empty:
                return Verdict(None, f"Connect '{empty[0]}' too before its shape can be checked.")
        tensors = []
        for e in feeds:
            result = report.results.get(e.source)
            if result is None or result.shapes is None:
                return Verdict(None, f"The output shape of '{e.source}' is not known yet.")
            if e.source_port >= len(result.shapes):
                return Verdict(False, f"'{e.source}' has no output {e.source_port}.")
            tensors.append((e.port, result.shapes[e.source_port], result.dtypes[e.source_port]))
        owner = replica.shares(target)
        params = replica.params(owner if owner is not None and owner in replica else target)
        params.setdefault("name", replica.node(target).layer_name)
        nodes = [Node(f"probe_input_{i}", "Input", {"shape": list(shape[1:]), "dtype": dtype})
                 for i, (_port, shape, dtype) in enumerate(tensors)]
        nodes.append(Node(target, spec.type, params))
        edges = [Edge(f"probe_input_{i}", target, port) for i, (port, _s, _d) in enumerate(tensors)]
        self._doc.load(nodes, edges)
        result = self._checker.check().results.get(target)
        if result is None or (result.error is None and result.shapes is None):
            return Verdict(None, "The shape could not be checked.")
        if result.error:
            return Verdict(False, result.error)
        return Verdict(True, "", result.output_shape)


def describe_shape(shape) -> str:
    """A shape as the canvas writes it: (None, 32), or several shapes joined."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(format_shape(s) for s in shape)
    return format_shape(shape)
