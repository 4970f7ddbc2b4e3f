"""Shape checking: every node's output shape and parameter count, exactly as Keras computes them.

Structural problems (unknown types, unwired or doubly-fed ports, cycles,
duplicate names) are found in pure Python. Shapes and parameter counts come
from Keras itself: each layer is constructed and called on symbolic tensors
inside a stateless scope, so no weight is ever allocated.

A check is incremental without relying on change notifications, so it keeps
its reuse when the document is reloaded wholesale (the editor's worker
thread checks a replica that it reloads before each check):

- the structure (node order, types, wiring) is compared with the last
  check's, and the derived facts (topological order, port errors, cycles)
  are reused when it did not change;
- each node's params are compared by their ``repr``; only changed ones are
  copied, validated and keyed again;
- a node whose signature (layer type, params without the name, input shapes
  and dtypes) did not change keeps its result, and a memo shared by all
  nodes means identical signatures go to Keras once. So after an edit only
  the edited node, and downstream nodes whose inputs really changed, reach
  Keras (early cutoff).

Keras masks (Embedding(mask_zero=True) and the layers it feeds) are not
carried from node to node: in Keras 3 they change no shape and no verdict of
a functional build, which tests/test_shapes_oracle.py checks on random graphs.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from layerlab.core import catalog
from layerlab.core.document import Edge, GraphDocument
from layerlab.core.errors import Problem, ProblemKind
from layerlab.core.names import keras_name
from layerlab.core.notation import dtype_size, format_bytes, format_shape  # noqa: F401 - format_shape: imported from here too

Shape = tuple  # (None, 12) etc.; batch dimension first, as None

# Keras layers are built under this name; memoized results then serve every node, whatever
# its name. Keras's verdicts do not depend on the name (names are checked separately).
_PLACEHOLDER_NAME = "__layerlab_node__"


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


_UNKNOWN = NodeResult()  # not computable because something upstream is broken (reported there)


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


@dataclass
class _Params:
    """One node's params as the check needs them; rebuilt only when their repr changes."""

    raw: str  # repr(params): the cheap change test
    params: dict  # a private copy, without "name"
    name: str  # the Keras layer name
    key: str  # layer type + params without the name: what a memoized result depends on
    weight_bytes: int  # bytes per weight
    errors: tuple[str, ...]  # what the catalog's parameter schema rejects


@dataclass
class _Structure:
    """Facts that depend only on node order, types, sharing and wiring."""

    fingerprint: tuple
    ids: list[str]
    specs: dict  # node -> LayerSpec, for known types
    in_edges: dict[str, list[Edge]]  # node -> incoming edges by (port, source order, source_port)
    order: list[str]  # topological order of the nodes outside cycles, ties broken by node order
    blocked: dict[str, list[tuple[str, ProblemKind]]]  # node -> structural errors; such nodes are not evaluated
    owners: dict[str, str]  # node -> the node owning the layer it calls (itself, unless it shares one)
    calls: dict[str, list[str]]  # shared layer's owner -> the nodes calling it, in call order
    graph_problems: list[Problem]
    warnings: list[Problem]


class ShapeChecker:
    """Keeps a document's check results up to date; call :meth:`check` after edits."""

    def __init__(self, document: GraphDocument, memory_limit: int | None = None, memo_size: int = 8192):
        self.document = document
        self.memory_limit = memory_limit if memory_limit is not None else physical_memory()
        self._memo: OrderedDict = OrderedDict()  # signature -> NodeResult, shared by all nodes
        self._memo_size = memo_size
        self._params: dict[str, _Params] = {}
        self._structure: _Structure | None = None
        self._signatures: dict[str, tuple] = {}  # node -> (signature, result) of the last check
        self.keras_calls = 0  # layer evaluations that reached Keras (for tests and benchmarks)

    # -- the check -------------------------------------------------------
    def check(self, extra: list[Problem] | None = None) -> CheckReport:
        """Check the document; `extra` adds problems found elsewhere (on loading a project)."""
        structure = self._current_structure()
        params = self._current_params(structure.ids)
        node_problems: dict[str, list[Problem]] = defaultdict(list)

        invalid: dict[str, str] = {}  # node -> its first error; such nodes are not evaluated
        for n, messages in structure.blocked.items():
            node_problems[n].extend(Problem(msg, node=n, kind=kind) for msg, kind in messages)
            invalid[n] = messages[0][0]
        for n in structure.ids:
            if n not in invalid and structure.specs[n] is not None and structure.owners[n] == n:
                for err in params[n].errors:
                    msg = f"{self.document.node_type(n)}: {err}."
                    node_problems[n].append(Problem(msg, node=n, kind=ProblemKind.PARAMETER))
                    invalid.setdefault(n, msg)
        self._check_names(structure, params, node_problems)

        results: dict[str, NodeResult] = {}
        call_inputs: dict[str, tuple] = {}  # node -> (the input specs it calls its layer with, their ports)
        for n in structure.order:
            if n in invalid:
                continue
            result = self._evaluate(n, structure, params, results, call_inputs)
            results[n] = result
            if result.error:
                node_problems[n].append(Problem(result.error, node=n, kind=ProblemKind.LAYER))

        problems = list(extra or []) + list(structure.graph_problems)
        for n in structure.ids:
            problems.extend(node_problems.get(n, ()))
            if n not in results:
                results[n] = NodeResult(error=invalid[n]) if n in invalid else _UNKNOWN
        self._check_memory(structure.ids, results, params, problems)
        problems.extend(structure.warnings)

        live = set(structure.ids)
        for stale in [n for n in self._signatures if n not in live]:
            del self._signatures[stale]
        for stale in [n for n in self._params if n not in live]:
            del self._params[stale]
        return CheckReport({n: results[n] for n in structure.ids}, problems)

    # -- structure (cached while order, types, sharing and wiring stay the same) ----------------
    def _current_structure(self) -> _Structure:
        doc = self.document
        graph = doc.graph
        ids = doc.node_ids()
        nodes = graph.nodes
        fingerprint = (
            tuple(ids),
            tuple((nodes[n]["type"], nodes[n].get("shares")) for n in ids),
            frozenset(graph.edges(keys=True)),
        )
        if self._structure is None or self._structure.fingerprint != fingerprint:
            self._structure = self._analyse(fingerprint, ids)
        return self._structure

    def _analyse(self, fingerprint: tuple, ids: list[str]) -> _Structure:
        doc = self.document
        graph = doc.graph
        index = {n: i for i, n in enumerate(ids)}
        in_edges: dict[str, list[Edge]] = {n: [] for n in ids}
        for u, v, (port, source_port) in graph.edges(keys=True):
            in_edges[v].append(Edge(u, v, port, source_port))
        for es in in_edges.values():
            es.sort(key=lambda e: (e.port, index[e.source], e.source_port))

        specs = {n: catalog.get(doc.node_type(n)) for n in ids}
        blocked: dict[str, list[tuple[str, ProblemKind]]] = {}
        for n in ids:
            type_error = self._type_error(n, specs)
            errors = ([(type_error, ProblemKind.TYPE)] if type_error else []) + [
                (e, ProblemKind.WIRING) for e in self._port_errors(specs[n], in_edges[n])]
            if errors:
                blocked[n] = errors

        if nx.is_directed_acyclic_graph(graph):
            order = list(nx.lexicographical_topological_sort(graph, key=index.__getitem__))
        else:
            for comp in nx.strongly_connected_components(graph):
                first = min(comp, key=index.__getitem__)
                if len(comp) > 1 or graph.has_edge(first, first):
                    loop = [u for u, _, _ in nx.find_cycle(graph.subgraph(comp), source=first)]
                    path = " -> ".join(loop + [loop[0]])
                    for n in comp:
                        blocked[n] = [(f"Part of a cycle ({path}); a model's layers must form a directed acyclic "
                                       "graph.", ProblemKind.CYCLE), *blocked.get(n, ())]
            acyclic = graph.subgraph([n for n in ids if n not in blocked])
            order = list(nx.lexicographical_topological_sort(acyclic, key=index.__getitem__))

        owners = {n: doc.shares(n) or n for n in ids}
        calls: dict[str, list[str]] = defaultdict(list)
        for n in order:
            if owners[n] != n and n not in blocked:
                calls[owners[n]].append(n)
        calls = {owner: sorted([owner, *users], key=order.index) if owner in order else users
                 for owner, users in calls.items()}

        graph_problems = []
        if not any(doc.node_type(n) == "Input" for n in ids):
            graph_problems.append(Problem("The model has no Input node: add one and wire it to the first layer.",
                                          kind=ProblemKind.GRAPH))
        return _Structure(fingerprint, ids, specs, in_edges, order, blocked, owners, calls, graph_problems,
                          self._structure_warnings(ids, specs, in_edges))

    def _type_error(self, node: str, specs: dict) -> str | None:
        doc = self.document
        t = doc.node_type(node)
        if specs[node] is None:
            close = difflib.get_close_matches(t, [s.type for s in catalog.all_specs()], n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"Unknown layer type '{t}'{hint}."
        owner = doc.shares(node)
        if owner is not None:
            if owner not in doc:
                return f"Shares the layer of '{owner}', but there is no node '{owner}'."
            if owner == node or doc.shares(owner) is not None or doc.node_type(owner) != t or specs[node].is_input:
                return f"Shares the layer of '{owner}', which is not a {t} node owning its own layer."
        return None

    @staticmethod
    def _port_errors(spec, edges: list[Edge]) -> list[str]:
        if spec is None:
            return []
        if spec.is_input:
            return ["An Input takes no incoming connections."] if edges else []
        by_port: dict[int, list[Edge]] = defaultdict(list)
        for e in edges:
            by_port[e.port].append(e)
        errors = []
        for port, es in sorted(by_port.items()):
            if port < 0 or (not spec.variadic and port >= len(spec.all_inputs)):
                names = ", ".join(f"{i} ('{name}')" for i, name in enumerate(spec.all_inputs))
                errors.append(f"{spec.type} has no input port {port}; its ports are {names}.")
            elif len(es) > 1:
                srcs = " and ".join(f"'{e.source}'" for e in es)
                errors.append(
                    f"Input port '{spec.port_name(port)}' is fed twice (from {srcs}); a port takes one tensor.")
        if spec.variadic:
            # Keras merges (Add, Concatenate, ...) accept a single input: only a warning (_structure_warnings).
            n_ports = max(by_port) + 1 if by_port else 0
            if not edges:
                errors.append(f"{spec.type} has no inputs; connect at least {max(spec.required_inputs, 1)}.")
            elif len(edges) < spec.required_inputs:
                errors.append(f"{spec.type} needs at least {spec.required_inputs} inputs, has {len(edges)}.")
            elif any(not by_port.get(p) for p in range(n_ports)):
                missing = next(p for p in range(n_ports) if not by_port.get(p))
                errors.append(f"Input port '{spec.port_name(missing)}' is empty: ports must be filled in order.")
        else:
            for p in range(spec.required_inputs):
                if not by_port.get(p):
                    errors.append(f"Input port '{spec.port_name(p)}' is not connected.")
            for p in range(spec.required_inputs, len(spec.inputs)):
                if by_port.get(p) and any(not by_port.get(q) for q in range(spec.required_inputs, p)):
                    errors.append(f"Input port '{spec.port_name(p)}' is used while an earlier optional port is empty.")
        return errors

    def _structure_warnings(self, ids, specs, in_edges) -> list[Problem]:
        graph = self.document.graph
        warnings = []
        for n in ids:
            spec = specs.get(n)
            if spec is None:
                continue
            if spec.is_input and len(ids) > 1 and graph.out_degree(n) == 0:
                warnings.append(Problem(
                    f"Input '{n}' is not connected to any layer; it is passed through as a model output.",
                    node=n, level="warning", kind=ProblemKind.WIRING))
            if spec.variadic and len(in_edges[n]) == 1:
                warnings.append(Problem(
                    f"{spec.type} has only {len(in_edges[n])} input; it passes it through unchanged.",
                    node=n, level="warning", kind=ProblemKind.WIRING))
        return warnings

    # -- params (cached per node while their repr stays the same) ------------------------------
    def _current_params(self, ids: list[str]) -> dict[str, _Params]:
        nodes = self.document.graph.nodes
        out = {}
        for n in ids:
            data = nodes[n]
            raw = repr(data["params"])
            entry = self._params.get(n)
            if entry is None or entry.raw != raw or not entry.key.startswith(data["type"] + "("):
                entry = self._make_params(n, data["type"], data["params"], raw)
                self._params[n] = entry
            out[n] = entry
        return out

    @staticmethod
    def _make_params(node: str, type_name: str, raw_params: dict, raw: str) -> _Params:
        params = copy.deepcopy(raw_params)
        name = params.pop("name", None)
        spec = catalog.get(type_name)
        errors = tuple(spec.validate_params(raw_params)) if spec is not None else ()
        dtype = str(params.get("dtype") or "float32")
        return _Params(raw, params, name if isinstance(name, str) and name else node,
                       f"{type_name}({params!r})", dtype_size(dtype), errors)

    def _check_names(self, structure: _Structure, params: dict[str, _Params], node_problems) -> None:
        seen: dict[str, str] = {}
        for n in structure.ids:
            if structure.owners[n] != n:
                continue  # calls another node's layer again; creates no layer of its own
            name = params[n].name
            key = keras_name(name)  # the name Keras gets (layerlab.core.names): ids need not be Keras names
            if key in seen:
                node_problems[n].append(Problem(
                    f"Layer name '{name}' is already used by node '{seen[key]}'; Keras needs unique layer names.",
                    node=n, kind=ProblemKind.NAME))
            else:
                seen[key] = n
            # A node id is mapped to a Keras name; an explicit "name" parameter is the user's Keras name.
            if "/" in name and name != n and not params[n].errors:  # the catalog may have said so already
                node_problems[n].append(Problem(f"Layer name '{name}' contains '/', which Keras does not allow.",
                                                node=n, kind=ProblemKind.NAME))

    def _check_memory(self, ids, results: dict[str, NodeResult], params: dict[str, _Params],
                      problems: list[Problem]) -> None:
        if not self.memory_limit:
            return
        total, too_big = 0, False
        for n in ids:
            count = results[n].params
            if count:
                size = count * params[n].weight_bytes
                total += size
                if size > self.memory_limit:
                    too_big = True
                    problems.append(Problem(
                        f"Its weights need {format_bytes(size)} ({count:,} parameters), more than this "
                        f"machine's {format_bytes(self.memory_limit)} of memory.", node=n,
                        kind=ProblemKind.MEMORY))
        if total > self.memory_limit and not too_big:
            problems.append(Problem(
                f"The model's weights need {format_bytes(total)}, more than this machine's "
                f"{format_bytes(self.memory_limit)} of memory.", kind=ProblemKind.MEMORY))

    # -- one node --------------------------------------------------------
    def _evaluate(self, node: str, structure: _Structure, params: dict[str, _Params],
                  results: dict[str, NodeResult], call_inputs: dict[str, tuple]) -> NodeResult:
        inputs = []
        for e in structure.in_edges[node]:
            src = results.get(e.source)
            if src is None or src.shapes is None:
                return _UNKNOWN
            if e.source_port >= len(src.shapes):
                return NodeResult(error=(
                    f"'{e.source}' has {len(src.shapes)} output(s); there is no output {e.source_port} to connect "
                    f"(outputs are numbered from 0)."))
            inputs.append((src.shapes[e.source_port], src.dtypes[e.source_port]))
        inputs = tuple(inputs)
        ports = tuple(e.port for e in structure.in_edges[node])
        call_inputs[node] = (inputs, ports)

        # A shared layer is built by its first call; later calls must fit what it was built for.
        owner = structure.owners[node]
        earlier: tuple = ()
        group = structure.calls.get(owner)
        if group:
            previous = group[:group.index(node)]
            if any(m not in call_inputs or results[m].shapes is None for m in previous):
                return _UNKNOWN  # an earlier call failed or is unknown, and says so itself
            earlier = tuple(call_inputs[m] for m in previous)
        owner_params = params[owner]
        signature = (owner_params.key, earlier, inputs, ports, owner != node)

        cached = self._signatures.get(node)
        if cached is not None and cached[0] == signature:
            result = cached[1]
        else:
            result = self._memo.get(signature)
            if result is None:
                spec = structure.specs[node]
                result = self._keras_evaluate(spec, owner_params.params, earlier, inputs, ports, owner != node)
                self._memo[signature] = result
                if len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(signature)
            self._signatures[node] = (signature, result)
        if result.error and (_PLACEHOLDER_NAME in result.error or earlier):
            error = result.error.replace(_PLACEHOLDER_NAME, owner_params.name)
            if earlier:
                error += f" (the layer is shared; '{group[0]}' calls it first and so decides its weights' shapes)"
            result = NodeResult(error=error)
        return result

    def _keras_evaluate(self, spec, params: dict, earlier: tuple, inputs: tuple, ports: tuple,
                        shared: bool) -> NodeResult:
        from layerlab.core import keras_errors, keras_layers, kerasenv

        k = kerasenv.keras()
        self.keras_calls += 1
        try:
            with k.StatelessScope(initialize_variables=False):
                try:
                    if spec.is_input:
                        outs = [keras_layers.make_input(params, _PLACEHOLDER_NAME)]
                        n_params = trainable = 0
                    else:
                        layer = keras_layers.make_layer(spec.type, params, _PLACEHOLDER_NAME)
                        for call, call_ports in earlier:  # a shared layer's earlier calls build it
                            keras_layers.call_layer(spec.type, layer, _symbolic(k, call), list(call_ports))
                        outs = keras_layers.call_layer(spec.type, layer, _symbolic(k, inputs), list(ports))
                        n_params = layer.count_params() if layer.built else 0
                        trainable = sum(math.prod(int(d) for d in w.shape) for w in layer.trainable_weights)
                finally:
                    kerasenv.forget_uninitialized()
        except Exception as exc:  # Keras's verdict: report it in words
            return NodeResult(error=keras_errors.explain_error(exc, spec.type, [s for s, _ in inputs], params))
        shapes = tuple(tuple(o.shape) for o in outs)
        dtypes = tuple(str(o.dtype) for o in outs)
        if shared:  # the weights are counted once, at the node that owns the layer
            n_params = trainable = 0
        return NodeResult(shapes, dtypes, int(n_params), int(trainable))


def _symbolic(k, inputs: tuple) -> list:
    return [k.KerasTensor(shape, dtype=dtype) for shape, dtype in inputs]


def check_document(document: GraphDocument, memory_limit: int | None = None,
                   extra: list[Problem] | None = None) -> CheckReport:
    """Check a document once (no incremental state kept); `extra` adds problems found on loading."""
    return ShapeChecker(document, memory_limit=memory_limit).check(extra=extra)

