"""The model part of a generated script: layers, operations, keyword ports and nested models, in build order.

`model_lines` writes what core.build does, as plain Keras code: a node is a
layer call (a shared layer made once), an `ops.*` node a keras.ops call, an
application node a keras.applications model, and a `model: true` group a
nested keras.Model defined at its first call and called where it stands.
"""

from __future__ import annotations

from layerlab.core import catalog, nested
from layerlab.core.catalog.spec import CALL_LIST, CALL_POSITIONAL
from layerlab.core.codegen import (
    Call,
    List,
    _kwargs,
    _Names,
    _output_count,
    _shape_literal,
    layer_expr,
    literal,
    render,
)
from layerlab.core.names import keras_name


def model_lines(document, model_name: str, report=None) -> list[str]:
    """The body of `build_model()` up to `model = keras.Model(...)`, in build.build_model's order."""
    writer = _ModelWriter(document, report)
    writer.emit(None, document.node_ids(), writer.expr)
    ins = [writer.expr[(n, 0)] for n in document.input_ids()]
    outs = [writer.expr[(n, p)] for n in document.output_ids() for p in range(writer.counts[n])]
    model = Call("keras.Model", [("inputs", ins[0] if len(ins) == 1 else List(ins)),
                                 ("outputs", outs[0] if len(outs) == 1 else List(outs)),
                                 ("name", literal(model_name))])
    return writer.lines + render(model, 4, "model = ")


class _ModelWriter:
    """Writes the model's lines; `model: true` groups become nested keras.Models (as core.build makes them)."""

    def __init__(self, document, report):
        self.doc, self.report = document, report
        self.names = _Names()
        self.lines: list[str] = []
        self.expr: dict[tuple, str] = {}  # (node, port) -> the expression of that tensor, in the current scope
        self.counts: dict[str, int] = {}
        self.shared_var: dict[str, str] = {}  # owner node -> the variable holding its shared layer
        self.owners = {document.shares(n) for n in document.node_ids()} - {None}
        self.groups = nested.model_groups(document) if report is not None else {}
        self.paths = {n: nested.model_path(document, self.groups, n) for n in document.node_ids()} \
            if self.groups else {}
        self.models: dict[str, str] = {}  # model group id -> the variable holding its keras.Model

    def emit(self, scope, nodes, expr) -> None:
        doc = self.doc
        for u in nested.scope_order(doc, self.groups, self.paths, scope, nodes):
            if u in self.groups and u not in doc:
                self.emit_group(u, expr)
            else:
                self.emit_node(u, expr)

    def emit_group(self, group_id: str, expr: dict) -> None:
        doc = self.doc
        group = self.groups[group_id]
        owner = self.groups[group.shares] if group.shares in self.groups else group
        twin = {doc.shares(m): m for m in group.members} if owner is not group else {m: m for m in group.members}
        sources: list[tuple] = []
        for m, port in owner.slots:
            edge = next(e for e in doc.in_edges(twin[m]) if e.port == port)
            if (edge.source, edge.source_port) not in sources:
                sources.append((edge.source, edge.source_port))
        if owner.id not in self.models:
            self.define_model(owner, sources)
        args = [expr[ep] for ep in sources]
        outputs = self.expanded_outputs(owner)
        result = self.names.new(f"{owner.label}_out")
        call_args = args[0] if len(args) == 1 else "[" + ", ".join(args) + "]"
        self.lines.append(f"    {result} = {self.models[owner.id]}({call_args})")
        for i, (m, port) in enumerate(outputs):
            expr[(twin[m], port)] = result if len(outputs) == 1 else f"{result}[{i}]"
            self.counts[twin[m]] = max(self.counts.get(twin[m], 0), port + 1)

    def define_model(self, group, sources: list[tuple]) -> None:
        """`label = keras.Model(...)` from Inputs shaped like the first call's tensors, the group's nodes."""
        doc = self.doc
        self.lines.append(f"    # Nested model {group.label!r}: a keras.Model of its own, called where it stands.")
        inner: dict[tuple, str] = {}
        own_sources = []
        for m, port in group.slots:
            edge = next(e for e in doc.in_edges(m) if e.port == port)
            if (edge.source, edge.source_port) not in own_sources:
                own_sources.append((edge.source, edge.source_port))
        inputs = []
        for i, (ep, call_ep) in enumerate(zip(own_sources, sources)):
            result = self.report.results[call_ep[0]]
            shape, dtype = result.shapes[call_ep[1]], result.dtypes[call_ep[1]]
            var = self.names.new(f"{group.label}_input_{i + 1}")
            self.lines += render(Call("keras.Input", [("shape", _shape_literal(list(shape[1:]))),
                                                      ("dtype", literal(dtype)),
                                                      ("name", literal(f"{group.label}_input_{i + 1}"))]),
                                 4, f"{var} = ")
            inner[ep] = var
            inputs.append(var)
        members = [n for n in doc.node_ids() if n in group.members]
        self.emit(group.id, members, inner)
        outs = [inner[ep] for ep in self.expanded_outputs(group)]
        var = self.names.new(group.label)
        self.lines += render(Call("keras.Model", [("inputs", inputs[0] if len(inputs) == 1 else List(inputs)),
                                                  ("outputs", outs[0] if len(outs) == 1 else List(outs)),
                                                  ("name", literal(group.label))]), 4, f"{var} = ")
        if not group.trainable:
            self.lines.append(f"    {var}.trainable = False")
        application = (doc.group(group.id).extra or {}).get("application")
        if isinstance(application, dict):  # an expanded application node: its ImageNet weights, as the build does
            self.lines += _pretrained_lines(application, var, self.names.new(f"{group.label}_imagenet"),
                                            self.names.new("imagenet_layer"))
        self.models[group.id] = var

    def expanded_outputs(self, group) -> list[tuple]:
        out = []
        for m, port in group.outputs:
            for p in (range(self.counts[m]) if port == -1 else [port]):
                if (m, p) not in out:
                    out.append((m, p))
        return out

    def emit_node(self, node: str, expr: dict) -> None:
        doc, names, lines = self.doc, self.names, self.lines
        type_name, params = doc.node_type(node), doc.params(node)
        var = names.new(node)
        count = self.counts[node] = _output_count(doc, node, self.report)
        for p in range(count):
            expr[(node, p)] = var if count == 1 else f"{var}[{p}]"
        if type_name == "Input":
            args = [("shape", _shape_literal(params.pop("shape", [])))]
            name = keras_name(params.pop("name", None) or node)
            args += _kwargs(params) + [("name", literal(name))]
            lines += render(Call("keras.Input", args), 4, f"{var} = ")
            return
        edges = doc.in_edges(node)
        spec = catalog.get(type_name)
        if spec is not None and spec.application:
            source = expr[(edges[0].source, edges[0].source_port)] if edges else "None"
            lines += _application_lines(spec, {**spec.defaults(), **params}, node, var, source,
                                        _source_shape(self.report, edges))
            return
        if spec is not None and spec.is_operation:
            sources = [expr[(e.source, e.source_port)] for e in edges]
            lines += render(operation_expr(spec, params, sources), 4, f"{var} = ")
            return
        sources, keyword = _split_sources(spec, [(e.port, expr[(e.source, e.source_port)]) for e in edges])
        style = spec.call if spec else None
        if style == CALL_LIST:
            call_args = "[" + ", ".join(sources) + "]"
        elif style == CALL_POSITIONAL:
            call_args = ", ".join(sources)
        else:
            call_args = sources[0]
        call_args += "".join(f", {kw}={value}" for kw, value in keyword.items())
        owner = doc.shares(node) or (node if node in self.owners else None)
        if owner is None:
            layer_name = keras_name(params.pop("name", None) or node)
            lines += render(layer_expr(type_name, params, layer_name), 4, f"{var} = ", f"({call_args})")
            return
        if owner not in self.shared_var:  # a shared layer is made once, then called at each place
            owner_params = doc.params(owner)
            layer_name = keras_name(owner_params.pop("name", None) or owner)
            self.shared_var[owner] = names.new(f"{layer_name}_layer")
            lines.append("    # One layer called at several places: they share its weights.")
            lines += render(layer_expr(type_name, owner_params, layer_name), 4, f"{self.shared_var[owner]} = ")
        lines.append(f"    {var} = {self.shared_var[owner]}({call_args})")




def operation_expr(spec, params: dict, sources: list[str]) -> Call:
    """`keras.ops.fn(x, ..., axis=...)`: the call that records the same operation (its name is Keras's)."""
    function = spec.type.split(".", 1)[1]
    rest = {k: v for k, v in params.items() if k not in ("name", "constant", "constant_first")}
    if spec.call == CALL_LIST:
        args = [(None, List(list(sources)))]
    elif len(spec.inputs) == 2 and len(sources) == 1:
        constant = literal(params.get("constant"))
        pair = [constant, sources[0]] if params.get("constant_first") else [sources[0], constant]
        args = [(None, a) for a in pair]
    else:
        args = [(None, src) for src in sources]
    return Call(f"keras.ops.{function}", args + _kwargs(rest))


def _source_shape(report, edges) -> list | None:
    if report is None or not edges:
        return None
    result = report.results.get(edges[0].source)
    if result is None or result.shapes is None or edges[0].source_port >= len(result.shapes):
        return None
    return list(result.shapes[edges[0].source_port])


def _application_lines(spec, params: dict, node: str, var: str, source: str, shape) -> list[str]:
    """A keras.applications model made and frozen as the node says, then called; or its preprocess_input."""
    from layerlab.core.catalog.entries.applications import APPLICATIONS

    if spec.application == "preprocess_input":
        return [f"    {var} = keras.applications.{params['application']}.preprocess_input({source})"]
    kwargs = [("include_top", "False"), ("weights", literal(params.get("weights"))),
              ("input_shape", _shape_literal((shape or [None])[1:])), ("pooling", literal(params.get("pooling")))]
    kwargs += _kwargs({k: v for k, v in params.items() if k not in ("weights", "pooling", "trainable", "name")})
    kwargs.append(("name", literal(keras_name(params.get("name") or node))))
    if spec.application not in APPLICATIONS:
        raise ValueError(f"keras.applications has no model {spec.application!r} in LayerLab's catalog")
    base = f"{var}_model"
    lines = render(Call(f"keras.applications.{spec.application}", kwargs), 4, f"{base} = ")
    lines.append(f"    {base}.trainable = {bool(params.get('trainable', False))}")
    lines.append(f"    {var} = {base}({source})")
    return lines


def _pretrained_lines(application: dict, var: str, reference: str, each: str) -> list[str]:
    """Copy the ImageNet weights of the application a model group was expanded from, layer by layer by name."""
    from layerlab.core.app_expand import DEFAULT_SHAPE, application_kwargs
    from layerlab.core.catalog.entries.applications import APPLICATIONS

    name = application.get("name")
    if name not in APPLICATIONS:
        raise ValueError(f"keras.applications has no model {name!r} in LayerLab's catalog")
    spec = catalog.get(f"applications.{name}")
    allowed = {p.name for p in spec.params} if spec is not None else set()
    kwargs = {k: v for k, v in application_kwargs(dict(application.get("kwargs") or {})).items() if k in allowed}
    shape = list(application.get("input_shape") or DEFAULT_SHAPE)
    renamed = application.get("names") if isinstance(application.get("names"), dict) else {}
    call = Call(f"keras.applications.{name}", [("include_top", "False"), ("weights", literal("imagenet")),
                                                ("input_shape", _shape_literal(shape)), *_kwargs(kwargs)])
    lines = [f"    # {var}'s ImageNet weights: keras.applications.{name}'s, layer by layer (by name)."]
    lines += render(call, 4, f"{reference} = ")
    source = f"{literal({str(k): str(v) for k, v in renamed.items()})}.get({each}.name, {each}.name)" if renamed \
        else f"{each}.name"
    lines += [f"    for {each} in {var}.layers:",
              f"        if {each}.weights:",
              f"            {each}.set_weights({reference}.get_layer({source}).get_weights())"]
    return lines


def _split_sources(spec, ported: list[tuple[int, str]]) -> tuple[list[str], dict[str, str]]:
    """Positional sources, and keyword ones (initial_state=[h, c]) as the keras_layers.split_ports rule says."""
    if spec is None or not spec.keyword_inputs:
        return [src for _, src in ported], {}
    positional, keyword = [], {}
    for port, src in sorted(ported):
        if port < len(spec.inputs) or spec.variadic:
            positional.append(src)
        else:
            keyword.setdefault(spec.keyword_inputs[port - len(spec.inputs)][1], []).append(src)
    counts = {}
    for _, kw in spec.keyword_inputs:
        counts[kw] = counts.get(kw, 0) + 1
    return positional, {kw: srcs[0] if counts[kw] == 1 else "[" + ", ".join(srcs) + "]"
                        for kw, srcs in keyword.items()}


