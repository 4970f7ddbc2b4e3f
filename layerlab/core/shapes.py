"""Shape checking: every node's output shape and parameter count, exactly as Keras computes them.

Structural problems (unknown types, unwired or doubly-fed ports, cycles,
duplicate names) are found in pure Python. Shapes and parameter counts come
from Keras itself: each layer is constructed and called on symbolic tensors
inside a stateless scope, so no weight is ever allocated. Results are
memoized by (type, params, input specs), and a re-check reuses every node
whose inputs did not change, so after an edit only the edited node and the
nodes whose inputs really changed go back to Keras.
"""

from __future__ import annotations

import difflib
import json
import os
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from layerlab.core import catalog
from layerlab.core.document import Change, GraphDocument
from layerlab.core.errors import Problem

Shape = tuple  # (None, 12) etc.; batch dimension first, as None


@dataclass(frozen=True)
class NodeResult:
    """What the check found for one node."""

    shapes: tuple[Shape, ...] | None = None  # one per output; None when unknown
    dtypes: tuple[str, ...] | None = None
    params: int | None = None
    trainable_params: int | None = None
    error: str | None = None

    @property
    def output_shape(self):
        """One shape, or a list of shapes for a layer with several outputs, or None."""
        if self.shapes is None:
            return None
        return self.shapes[0] if len(self.shapes) == 1 else list(self.shapes)

    def shape_json(self):
        if self.shapes is None:
            return None
        js = [list(s) for s in self.shapes]
        return js[0] if len(js) == 1 else js


@dataclass
class CheckReport:
    """The outcome of checking a whole document."""

    results: dict[str, NodeResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(r.params or 0 for r in self.results.values())

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params or 0 for r in self.results.values())

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id]

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "nodes": {n: {"output_shape": r.shape_json(), "params": r.params} for n, r in self.results.items()},
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }


def physical_memory() -> int | None:
    """Bytes of RAM on this machine, or None if the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


_DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int8": 1, "uint8": 1}


class ShapeChecker:
    """Keeps a document's check results up to date; call :meth:`check` after edits."""

    def __init__(self, document: GraphDocument, memory_limit: int | None = None, memo_size: int = 8192):
        self.document = document
        self.memory_limit = memory_limit if memory_limit is not None else physical_memory()
        self._memo: OrderedDict = OrderedDict()
        self._memo_size = memo_size
        self._params_key: dict[str, str] = {}
        self._signatures: dict[str, tuple] = {}
        self._results: dict[str, NodeResult] = {}
        self.keras_calls = 0  # how many layer evaluations reached Keras (for tests and benchmarks)
        self._unsubscribe = document.subscribe(self._on_change)

    def close(self) -> None:
        self._unsubscribe()

    def _on_change(self, change: Change) -> None:
        if change.node is not None and change.kind != "node_moved":
            self._params_key.clear() if self._has_sharing() else self._params_key.pop(change.node, None)
        elif change.kind == "reset":
            self._params_key.clear()

    def _has_sharing(self) -> bool:
        graph = self.document.graph
        return any(d.get("shares") for _, d in graph.nodes(data=True))

    # -- the check -------------------------------------------------------
    def check(self) -> CheckReport:
        doc = self.document
        problems: list[Problem] = []
        blocked: dict[str, str] = {}  # node -> structural error (cannot be evaluated)
        ids = doc.node_ids()

        if not any(doc.node_type(n) == "Input" for n in ids):
            problems.append(Problem("The model has no Input node: add one and wire it to the first layer."))

        specs = {}
        for n in ids:
            t = doc.node_type(n)
            spec = catalog.get(t)
            if spec is None:
                close = difflib.get_close_matches(t, [s.type for s in catalog.all_specs()], n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                blocked[n] = f"Unknown layer type '{t}'{hint}."
                continue
            specs[n] = spec
            owner = doc.shares(n)
            if owner is not None:
                if owner not in doc or doc.shares(owner) is not None or doc.node_type(owner) != t:
                    blocked[n] = (f"Shares the layer of '{owner}', which is not a {t} node owning its own layer.")
                continue
            for err in spec.validate_params(doc.params(n)):
                blocked.setdefault(n, f"{t}: {err}.")
            for err in self._port_errors(n, spec):
                blocked.setdefault(n, err)

        self._check_names(ids, problems)

        graph = doc.graph
        if not nx.is_directed_acyclic_graph(graph):
            for comp in nx.strongly_connected_components(graph):
                if len(comp) > 1 or graph.has_edge(next(iter(comp)), next(iter(comp))):
                    cycle = [n for n in ids if n in comp]
                    path = " -> ".join(cycle + [cycle[0]])
                    for n in cycle:
                        blocked[n] = f"Part of a cycle ({path}); a model's layers must form a directed acyclic graph."
            order = [n for n in ids if n not in blocked]
            acyclic = graph.subgraph(order)
            order = list(nx.lexicographical_topological_sort(acyclic, key=doc.index))
        else:
            order = list(nx.lexicographical_topological_sort(graph, key=doc.index))

        for n, msg in blocked.items():
            problems.append(Problem(msg, node=n))

        results: dict[str, NodeResult] = {}
        for n in ids:
            if n in blocked:
                results[n] = NodeResult(error=blocked[n])
        for n in order:
            if n in results:
                continue
            results[n] = self._evaluate(n, specs[n], results)
            if results[n].error and not results[n].error.startswith("\0"):
                problems.append(Problem(results[n].error, node=n))
        for n in ids:  # upstream failures leave a node unknown, without a message of its own
            r = results.get(n)
            if r is not None and r.error and r.error.startswith("\0"):
                results[n] = NodeResult()
            elif r is None:
                results[n] = NodeResult()

        self._check_memory(results, problems)
        self._warn_unused_inputs(ids, specs, problems)
        self._results = results
        live = set(ids)
        for stale in [n for n in self._signatures if n not in live]:
            del self._signatures[stale]
        return CheckReport({n: results[n] for n in ids}, problems)

    def _port_errors(self, node: str, spec) -> list[str]:
        doc = self.document
        edges = doc.in_edges(node)
        if spec.is_input:
            return ["An Input takes no incoming connections."] if edges else []
        by_port: dict[int, list] = defaultdict(list)
        for e in edges:
            by_port[e.port].append(e)
        errors = []
        n_ports = (max(by_port) + 1 if by_port else 0) if spec.variadic else len(spec.inputs)
        for port, es in sorted(by_port.items()):
            if port < 0 or (not spec.variadic and port >= len(spec.inputs)):
                errors.append(f"{spec.type} has no input port {port}; it has {len(spec.inputs)}.")
            elif len(es) > 1:
                srcs = " and ".join(f"'{e.source}'" for e in es)
                errors.append(
                    f"Input port '{spec.port_name(port)}' is fed twice (from {srcs}); a port takes one tensor.")
        filled = sum(1 for p in range(n_ports) if by_port.get(p))
        if spec.variadic:
            if not edges:
                errors.append(f"{spec.type} has no inputs; connect at least {spec.required_inputs}.")
            elif filled < n_ports:
                missing = [spec.port_name(p) for p in range(n_ports) if not by_port.get(p)]
                errors.append(f"Input port '{missing[0]}' is empty: ports must be filled in order.")
            elif filled < spec.required_inputs:
                errors.append(f"{spec.type} needs at least {spec.required_inputs} inputs, has {filled}.")
        else:
            for p in range(spec.required_inputs):
                if not by_port.get(p):
                    errors.append(f"Input port '{spec.port_name(p)}' is not connected.")
            for p in range(spec.required_inputs, len(spec.inputs)):
                if by_port.get(p) and any(not by_port.get(q) for q in range(spec.required_inputs, p)):
                    errors.append(f"Input port '{spec.port_name(p)}' is used while an earlier optional port is empty.")
        return errors

    def _check_names(self, ids: list[str], problems: list[Problem]) -> None:
        doc = self.document
        seen: dict[str, str] = {}
        for n in ids:
            if doc.shares(n) is not None:
                continue  # calls another node's layer again; creates no layer of its own
            name = doc.params(n).get("name") or n
            if name in seen:
                problems.append(Problem(
                    f"Layer name '{name}' is already used by node '{seen[name]}'; Keras needs unique layer names.",
                    node=n))
            else:
                seen[name] = n
            if "/" in name:
                problems.append(Problem(f"Layer name '{name}' contains '/', which Keras does not allow.", node=n))

    def _warn_unused_inputs(self, ids, specs, problems) -> None:
        doc = self.document
        if len(ids) < 2:
            return
        for n in ids:
            spec = specs.get(n)
            if spec is not None and spec.is_input and doc.graph.out_degree(n) == 0:
                problems.append(Problem(
                    f"Input '{n}' is not connected to any layer; it is passed through as a model output.",
                    node=n, level="warning"))
            if spec is not None and spec.variadic and doc.graph.in_degree(n) == 1:
                problems.append(Problem(f"{spec.type} merges a single input; it passes it through unchanged.",
                                        node=n, level="warning"))

    def _check_memory(self, results: dict[str, NodeResult], problems: list[Problem]) -> None:
        if not self.memory_limit:
            return
        total = 0
        for n, r in results.items():
            if r.params:
                size = r.params * _DTYPE_BYTES.get(self._weight_dtype(n), 4)
                total += size
                if size > self.memory_limit:
                    problems.append(Problem(
                        f"Its weights need {format_bytes(size)} ({r.params:,} parameters), more than this "
                        f"machine's {format_bytes(self.memory_limit)} of memory.", node=n))
                    return
        if total > self.memory_limit:
            problems.append(Problem(
                f"The model's weights need {format_bytes(total)}, more than this machine's "
                f"{format_bytes(self.memory_limit)} of memory."))

    def _weight_dtype(self, node: str) -> str:
        return str(self.document.params(node).get("dtype") or "float32")

    # -- one node --------------------------------------------------------
    def _layer_params(self, node: str) -> tuple[dict, str, bool]:
        """(params, layer name, shared?) of the Keras layer this node calls."""
        doc = self.document
        owner = doc.shares(node)
        source = owner if owner is not None else node
        params = doc.params(source)
        return params, params.pop("name", None) or source, owner is not None

    def _params_signature(self, node: str) -> str:
        key = self._params_key.get(node)
        if key is None:
            params, name, shared = self._layer_params(node)
            params["name"] = name
            key = self.document.node_type(node) + ("*" if shared else "") + json.dumps(params, sort_keys=True,
                                                                                        default=str)
            self._params_key[node] = key
        return key

    def _evaluate(self, node: str, spec, results: dict[str, NodeResult]) -> NodeResult:
        doc = self.document
        inputs = []
        for e in doc.in_edges(node):
            src = results.get(e.source)
            if src is None or src.shapes is None:
                return NodeResult(error="\0upstream")
            if e.source_port >= len(src.shapes):
                return NodeResult(error=(
                    f"'{e.source}' has {len(src.shapes)} output(s); there is no output {e.source_port} to connect."))
            inputs.append((src.shapes[e.source_port], src.dtypes[e.source_port]))
        signature = (self._params_signature(node), tuple(inputs))
        cached = self._signatures.get(node)
        if cached is not None and cached[0] == signature:
            return cached[1]
        result = self._memo.get(signature)
        if result is None:
            result = self._keras_evaluate(node, spec, inputs)
            self._memo[signature] = result
            if len(self._memo) > self._memo_size:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(signature)
        self._signatures[node] = (signature, result)
        return result

    def _keras_evaluate(self, node: str, spec, inputs: list) -> NodeResult:
        from layerlab.core import keras_layers
        from layerlab.core.kerasenv import keras

        k = keras()
        self.keras_calls += 1
        params, name, shared = self._layer_params(node)
        try:
            with k.StatelessScope(initialize_variables=False):
                try:
                    if spec.is_input:
                        outs = [keras_layers.make_input(params, name)]
                        n_params = trainable = 0
                    else:
                        layer = keras_layers.make_layer(spec.type, params, name)
                        tensors = [k.KerasTensor(shape, dtype=dtype) for shape, dtype in inputs]
                        outs = keras_layers.call_layer(spec.type, layer, tensors)
                        n_params = layer.count_params() if layer.built else 0
                        trainable = sum(int(_size(w.shape)) for w in layer.trainable_weights)
                finally:
                    _forget_uninitialized()
        except Exception as exc:  # Keras's verdict: report it in words
            where = ", ".join(_fmt_shape(s) for s, _ in inputs)
            prefix = f"{spec.type} on input {where}: " if inputs else f"{spec.type}: "
            return NodeResult(error=prefix + keras_layers.friendly_error(exc))
        shapes = tuple(tuple(o.shape) for o in outs)
        dtypes = tuple(str(o.dtype) for o in outs)
        if shared:  # the weights are counted once, at the node that owns the layer
            n_params = trainable = 0
        return NodeResult(shapes, dtypes, int(n_params), int(trainable))


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _forget_uninitialized() -> None:
    """Drop Keras's list of deferred variables, so that nothing ever allocates them."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - Keras moved it; the list then only leaks a little
        return
    global_state.set_global_attribute("uninitialized_variables", [])


def check_document(document: GraphDocument, memory_limit: int | None = None,
                   extra: list[Problem] | None = None) -> CheckReport:
    """Check a document once (no incremental state kept); `extra` adds problems found on loading."""
    checker = ShapeChecker(document, memory_limit=memory_limit)
    try:
        report = checker.check()
    finally:
        checker.close()
    report.problems[:0] = list(extra or [])
    return report


format_shape = _fmt_shape
