"""A model summary like Keras's `model.summary()`, computed from a CheckReport (no Keras model needed).

One row per node, in the order build.build_model creates the layers: layer
name, type, output shape, parameter count and what it is connected to
(Keras's `layer[call][output]` notation), plus the totals. The GUI's summary
panel and `layerlab summary` both use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layerlab.core.notation import UNKNOWN_SHAPE, dtype_size, format_shape, readable_size
from layerlab.core.order import model_order
from layerlab.core.shapes import CheckReport

UNKNOWN = UNKNOWN_SHAPE


@dataclass(frozen=True)
class SummaryRow:
    """One node of the summary."""

    node: str
    layer: str  # the Keras layer name
    type: str
    shapes: tuple | None  # one shape per output; None when it cannot be computed
    params: int | None  # None when unknown; 0 at a node that calls a shared layer again
    trainable_params: int | None
    connected_to: tuple[str, ...] = ()
    shares: str | None = None  # the node whose layer this node calls again
    error: str | None = None

    @property
    def output_shape(self) -> str:
        """"(None, 12)", "[(None, 2), (None, 2)]" for several outputs, or "?" when unknown."""
        if self.shapes is None:
            return UNKNOWN
        texts = [format_shape(s) for s in self.shapes]
        return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"

    @property
    def label(self) -> str:
        """The first column, "name (Type)", as in Keras."""
        return f"{self.layer} ({self.type}, shared)" if self.shares else f"{self.layer} ({self.type})"


@dataclass
class Summary:
    """The table and its totals."""

    name: str
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    weight_bytes: int = 0
    trainable_bytes: int = 0
    valid: bool = True

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def complete(self) -> bool:
        """True when every node's shape and count are known."""
        return all(r.params is not None for r in self.rows)


def summarize(document, report, name: str | None = None) -> Summary:
    """The summary of `document` from its CheckReport (layerlab.core.shapes); None: nothing checked yet."""
    report = report if report is not None else CheckReport()
    order = model_order(document)
    layer_of: dict[str, str] = {}
    call_index: dict[str, int] = {}
    calls: dict[str, int] = {}
    for n in order:
        owner = document.shares(n) or n
        params = document.params(owner) if owner in document else {}
        layer_of[n] = params.get("name") or owner
        call_index[n] = calls.get(owner, 0)
        calls[owner] = call_index[n] + 1

    summary = Summary(name or "model", valid=report.valid)
    for n in order:
        result = report.results.get(n)
        connected = tuple(f"{layer_of[e.source]}[{call_index[e.source]}][{e.source_port}]"
                          for e in document.in_edges(n))
        row = SummaryRow(
            node=n, layer=layer_of[n], type=document.node_type(n),
            shapes=result.shapes if result else None,
            params=result.params if result else None,
            trainable_params=result.trainable_params if result else None,
            connected_to=connected, shares=document.shares(n), error=result.error if result else None)
        summary.rows.append(row)
        if row.params:
            size = dtype_size(document.params(n).get("dtype"))
            summary.total_params += row.params
            summary.trainable_params += row.trainable_params or 0
            summary.weight_bytes += row.params * size
            summary.trainable_bytes += (row.trainable_params or 0) * size
    return summary


def totals_text(summary: Summary, sep: str = "    ") -> str:
    """The three totals on one line (the editor's summary panel), as Keras words them."""
    nt_bytes = summary.weight_bytes - summary.trainable_bytes
    return sep.join([f"Total params: {summary.total_params:,} ({readable_size(summary.weight_bytes)})",
                     f"Trainable params: {summary.trainable_params:,} ({readable_size(summary.trainable_bytes)})",
                     f"Non-trainable params: {summary.non_trainable_params:,} ({readable_size(nt_bytes)})"])


def render_text(summary: Summary, max_width: int = 40) -> str:
    """A plain-text table (ASCII rules, one line per connection), like Keras's summary."""
    header = ("Layer (type)", "Output Shape", "Param #", "Connected to")
    body = []
    for r in summary.rows:
        params = UNKNOWN if r.params is None else f"{r.params:,}"
        links = list(r.connected_to) or ["-"]
        body.append([(_clip(r.label, max_width), _clip(r.output_shape, max_width), params, links[0])]
                    + [("", "", "", link) for link in links[1:]])
    widths = [len(h) for h in header]
    for lines in body:
        for line in lines:
            widths = [max(w, len(c)) for w, c in zip(widths, line)]

    def fmt(cells) -> str:
        a, b, c, d = cells
        return f" {a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()

    rule = sum(widths) + 7
    out = [f'Model: "{summary.name}"', "_" * rule, fmt(header), "=" * rule]
    for i, lines in enumerate(body):
        out += [fmt(line) for line in lines]
        out.append(("_" if i < len(body) - 1 else "=") * rule)
    if not body:
        out.append("=" * rule)
    approx = "" if summary.complete else " (nodes marked ? are not counted)"
    nt_bytes = summary.weight_bytes - summary.trainable_bytes
    out += [f" Total params: {summary.total_params:,} ({readable_size(summary.weight_bytes)}){approx}",
            f" Trainable params: {summary.trainable_params:,} ({readable_size(summary.trainable_bytes)})",
            f" Non-trainable params: {summary.non_trainable_params:,} ({readable_size(nt_bytes)})"]
    return "\n".join(out) + "\n"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
