"""The `.py` exporter: a project as a standalone, readable Keras script.

The script imports only keras (and numpy, when its data loader needs it) at
top level. It defines `build_model()`, which returns the compiled functional
model, and a `main()` that trains on the project's dataset when the file is
run as a script; importing it trains nothing. The data-loading code comes
from `layerlab.core.data.script.loader_source` when that module is present.
"""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import math
import re
import sys
import textwrap
from dataclasses import dataclass, field

import networkx as nx

from layerlab.core import catalog
from layerlab.core.catalog.spec import CALL_LIST, CALL_POSITIONAL, LAYER, LAYERS

LINE = 79  # PEP 8's line length
# Names the script itself uses, and Python's builtins (a node called "sum" must not hide sum()).
_RESERVED = {"keras", "layers", "np", "model", "build_model", "load_data", "main", "args", "parser", "argv",
             *dir(builtins)}
AUTO = object()  # generate_script's default: ask the data side for the loader
KERAS_FIT_DEFAULTS = {"epochs": 1, "batch_size": 32, "validation_split": 0.0, "shuffle": True}


@dataclass
class FitSettings:
    """How the script trains: fit arguments, seed and callbacks ({"type", "params"} entries)."""

    epochs: int = 1
    batch_size: int = 32
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int | None = None
    callbacks: list[dict] = field(default_factory=list)


# -- a tiny expression tree, so that long calls wrap the PEP 8 way ----------------------------
@dataclass
class Call:
    """`callee(args...)`; each arg is (keyword or None, expression); an expression is a str, Call or List."""

    callee: str
    args: list


@dataclass
class List:
    items: list


def flat(expr) -> str:
    if isinstance(expr, str):
        return expr
    if isinstance(expr, List):
        return "[" + ", ".join(flat(v) for v in expr.items) + "]"
    return expr.callee + "(" + ", ".join(flat(v) if k is None else f"{k}={flat(v)}" for k, v in expr.args) + ")"


def render(expr, indent: int, lead: str = "", tail: str = "") -> list[str]:
    """Lines for `lead + expr + tail` at `indent`, wrapping arguments one per line when too long."""
    pad = " " * indent
    one_line = pad + lead + flat(expr) + tail
    if len(one_line) <= LINE or isinstance(expr, str):
        return [one_line]
    if isinstance(expr, List):
        opening, closing, items = "[", "]", [(None, v) for v in expr.items]
    else:
        opening, closing, items = expr.callee + "(", ")", expr.args
    if not items:
        return [one_line]
    lines = [pad + lead + opening]
    for k, v in items:
        lines += render(v, indent + 4, "" if k is None else f"{k}=", ",")
    lines.append(pad + closing + tail)
    return lines


def literal(value) -> str:
    """A Python literal for a JSON value (strings double-quoted, as in the rest of the script)."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {value!r}")


def _shape_literal(shape) -> str:
    items = [literal(d) for d in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _kwargs(params: dict) -> list:
    """Keyword arguments as (name, literal); a key that is not a Python name goes through **{...}."""
    args, odd = [], {}
    for k, v in params.items():
        if k.isidentifier() and not keyword.iskeyword(k):
            args.append((k, v))
        else:
            odd[k] = v
    out = [(k, literal(v)) for k, v in args]
    if odd:
        out.append((None, "**" + literal(odd)))
    return out


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


def layer_expr(type_name: str, params: dict, name: str | None) -> Call:
    """`layers.Type(param=..., name=...)`, with wrapped layers (Bidirectional...) built in place."""
    spec = catalog.get(type_name)
    args = []
    for k, v in params.items():
        p = spec.param(k) if spec else None
        if p is not None and p.kind == LAYER and isinstance(v, dict):
            inner = dict(v.get("params") or {})
            args.append((k, layer_expr(str(v.get("type", "")), inner, inner.pop("name", None))))
        elif p is not None and p.kind == LAYERS and isinstance(v, list):
            items = []
            for item in v:
                inner = dict(item.get("params") or {})
                items.append(layer_expr(str(item.get("type", "")), inner, inner.pop("name", None)))
            args.append((k, List(items)))
        else:
            args += _kwargs({k: v})
    if name is not None:
        args.append(("name", literal(name)))
    return Call(f"layers.{type_name}", args)


class _Names:
    """Python variable names from node ids: valid, unique, never a keyword or a name the script uses."""

    def __init__(self) -> None:
        self._used: set[str] = set(_RESERVED)

    def new(self, base: str) -> str:
        name = re.sub(r"\W+", "_", base, flags=re.ASCII).strip("_") or "x"
        if name[0].isdigit():
            name = "n_" + name
        if keyword.iskeyword(name) or name in _RESERVED:
            name += "_"
        candidate, i = name, 2
        while candidate in self._used:
            candidate, i = f"{name}_{i}", i + 1
        self._used.add(candidate)
        return candidate


# -- the model ---------------------------------------------------------------------------------
def _output_count(document, node_id: str, report) -> int:
    if report is not None:
        result = report.results.get(node_id)
        if result is not None and result.shapes is not None:
            return len(result.shapes)
    owner = document.shares(node_id) or node_id
    spec = catalog.get(document.node_type(node_id))
    return len(spec.outputs(document.params(owner))) if spec else 1


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
    kwargs.append(("name", literal(params.get("name") or node)))
    if spec.application not in APPLICATIONS:
        raise ValueError(f"keras.applications has no model {spec.application!r} in LayerLab's catalog")
    base = f"{var}_model"
    lines = render(Call(f"keras.applications.{spec.application}", kwargs), 4, f"{base} = ")
    lines.append(f"    {base}.trainable = {bool(params.get('trainable', False))}")
    lines.append(f"    {var} = {base}({source})")
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


def model_lines(document, model_name: str, report=None) -> list[str]:
    """The body of `build_model()` up to `model = keras.Model(...)`, in build.build_model's order."""
    names = _Names()
    var: dict[str, str] = {}
    counts: dict[str, int] = {}
    shared_var: dict[str, str] = {}  # owner node -> the variable holding its shared layer
    owners = {document.shares(n) for n in document.node_ids()} - {None}
    lines: list[str] = []

    def ref(node: str, port: int) -> str:
        return var[node] if counts[node] == 1 else f"{var[node]}[{port}]"

    for node in nx.lexicographical_topological_sort(document.graph, key=document.index):
        type_name, params = document.node_type(node), document.params(node)
        var[node] = names.new(node)
        counts[node] = _output_count(document, node, report)
        if type_name == "Input":
            args = [("shape", _shape_literal(params.pop("shape", [])))]
            name = params.pop("name", None) or node
            args += _kwargs(params) + [("name", literal(name))]
            lines += render(Call("keras.Input", args), 4, f"{var[node]} = ")
            continue
        edges = document.in_edges(node)
        spec = catalog.get(type_name)
        if spec is not None and spec.application:
            source = ref(edges[0].source, edges[0].source_port) if edges else "None"
            lines += _application_lines(spec, {**spec.defaults(), **params}, node, var[node], source,
                                        _source_shape(report, edges))
            continue
        if spec is not None and spec.is_operation:
            sources = [ref(e.source, e.source_port) for e in edges]
            lines += render(operation_expr(spec, params, sources), 4, f"{var[node]} = ")
            continue
        sources, keyword = _split_sources(spec, [(e.port, ref(e.source, e.source_port)) for e in edges])
        style = spec.call if spec else None
        if style == CALL_LIST:
            call_args = "[" + ", ".join(sources) + "]"
        elif style == CALL_POSITIONAL:
            call_args = ", ".join(sources)
        else:
            call_args = sources[0]
        call_args += "".join(f", {kw}={value}" for kw, value in keyword.items())
        owner = document.shares(node) or (node if node in owners else None)
        if owner is None:
            layer_name = params.pop("name", None) or node
            lines += render(layer_expr(type_name, params, layer_name), 4, f"{var[node]} = ", f"({call_args})")
            continue
        if owner not in shared_var:  # a shared layer is made once, then called at each place
            owner_params = document.params(owner)
            layer_name = owner_params.pop("name", None) or owner
            shared_var[owner] = names.new(f"{layer_name}_layer")
            lines.append("    # One layer called at several places: they share its weights.")
            lines += render(layer_expr(type_name, owner_params, layer_name), 4, f"{shared_var[owner]} = ")
        lines.append(f"    {var[node]} = {shared_var[owner]}({call_args})")

    ins = [var[n] for n in document.input_ids()]
    outs = [ref(n, p) for n in document.output_ids() for p in range(counts[n])]
    model = Call("keras.Model", [("inputs", ins[0] if len(ins) == 1 else List(ins)),
                                 ("outputs", outs[0] if len(outs) == 1 else List(outs)),
                                 ("name", literal(model_name))])
    return lines + render(model, 4, "model = ")


def compile_lines(training: dict, output_count: int) -> list[str]:
    """`model.compile(...)` with the loss and metric objects that build.compile_model would use."""
    from layerlab.core import build

    optimizer = type(build.make_optimizer(training)).__name__
    opt_args = []
    if training.get("learning_rate") is not None:
        opt_args.append(("learning_rate", literal(float(training["learning_rate"]))))
    if optimizer == "SGD" and training.get("momentum") is not None:
        opt_args.append(("momentum", literal(float(training["momentum"]))))

    n = output_count
    losses = [type(build.make_loss(x)).__name__ for x in build._per_output(training.get("loss", "mse"), n, "loss")]
    metric_spec = training.get("metrics") or []
    if n > 1 and metric_spec and isinstance(metric_spec[0], list):
        per_output = build._per_output(metric_spec, n, "metrics")
    else:
        per_output = [metric_spec] * n
    metrics = []
    for i in range(n):
        objs = [build.make_metric(m, losses[i]) for m in per_output[i]]
        metrics.append(List([f"keras.metrics.{type(m).__name__}(name={literal(m.name)})" for m in objs]))
    loss_exprs = [f"keras.losses.{x}()" for x in losses]
    args = [("optimizer", Call(f"keras.optimizers.{optimizer}", opt_args)),
            ("loss", loss_exprs[0] if n == 1 else List(loss_exprs)),
            ("metrics", metrics[0] if n == 1 else List(metrics))]
    weights = training.get("loss_weights")
    if weights is not None:
        weights = [float(w) for w in build._per_output(weights, n, "loss_weights")]
        args.append(("loss_weights", literal(weights[0]) if n == 1 else literal(weights)))
    return render(Call("model.compile", args), 4)


# -- the data loader ------------------------------------------------------------------------------
def loader_source(project) -> str | None:
    """The data engineer's `load_data()` source for the project's dataset, or None."""
    if not project.dataset:
        return None
    try:
        from layerlab.core.data.script import loader_source as make_source
    except ModuleNotFoundError as exc:  # the data side does not generate loaders yet
        if not (exc.name or "").startswith("layerlab"):
            raise
        return None
    # An absolute folder, so that the script finds its data from wherever it runs.
    return make_source(project.dataset, project.base_dir.resolve())


def split_imports(source: str) -> tuple[list[str], str]:
    """(top-level import lines, the rest): the loader's imports join the script's own at the top."""
    tree = ast.parse(source)
    lines = source.splitlines()
    imports, drop = [], set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and not (
                isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
            imports.append(ast.get_source_segment(source, stmt))
            drop.update(range(stmt.lineno - 1, stmt.end_lineno))
    rest = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return imports, re.sub(r"\n{3,}", "\n\n\n", rest).strip("\n")


# -- the script -------------------------------------------------------------------------------------
def generate_script(project, report=None, training: dict | None = None, fit: FitSettings | None = None,
                    script_name: str = "model.py", loader: str | None | object = AUTO) -> str:
    """The whole script for a project whose graph is valid.

    Args:
        project: the Project (document, name, dataset).
        report: its CheckReport, which says how many outputs each node has.
        training: the training section as build.compile_model reads it (default: the project's).
        fit: how main() trains (default: from the project's training section, Keras's defaults elsewhere).
        script_name: the file name shown in the usage line.
        loader: source defining `load_data()`; by default the data engineer's loader for the project's
            dataset (None when there is no dataset or no loader generator).
    """
    from layerlab.core.build import _model_name

    training = dict(project.training or {}) if training is None else training
    fit = fit or fit_settings(project.training)
    document = project.document
    n_outputs = sum(_output_count(document, n, report) for n in document.output_ids())
    title = project.name or script_name.rsplit(".", 1)[0]
    loader = loader_source(project) if loader is AUTO else loader

    imports = ["import keras"]
    body = ""
    if loader is not None:
        loader_imports, body = split_imports(loader)
        imports += [i for i in loader_imports if i not in imports]
    imports.append("from keras import layers")

    out = _header(title, script_name, loader is not None) + _import_block(imports)
    out += ["", "", "def build_model():", '    """Build and compile the model."""']
    out += model_lines(document, _model_name(project.name), report)
    out += compile_lines(training, n_outputs) + ["    return model", ""]
    if loader is not None:
        out += ["", body, ""]
        out += _train_main(fit, script_name)
    else:
        out += _summary_main(bool(project.dataset))
    out += ["", "", 'if __name__ == "__main__":', "    main()", ""]
    return "\n".join(out)


def _header(title: str, script_name: str, trains: bool) -> list[str]:
    """The module docstring: what the file is and how to use it."""
    title = title.replace("\\", "/").replace('"""', "'''")
    first = textwrap.wrap(f'"""{title}: a Keras model exported by LayerLab.', LINE)
    usage = f"    python {script_name}"
    options = " [--epochs N] [--batch-size N] [--save MODEL.keras]" if trains else ""
    usage_lines = [usage + options] if len(usage + options) <= LINE else [usage + " \\", "       " + options]
    return first + ["", "Import this file and call build_model() for the compiled model.",
                    "Run it to " + ("train on the project's dataset:" if trains else "see the model summary:"),
                    "", *usage_lines, '"""', ""]


def _import_block(imports: list[str]) -> list[str]:
    """Imports grouped as PEP 8 says: standard library, then third party; `import` lines before `from` lines."""
    def module(line: str) -> str:
        return line.split()[1].split(".")[0]

    stdlib = getattr(sys, "stdlib_module_names", {"argparse", "csv", "json", "os", "pathlib", "sys"})  # 3.10+
    groups = [sorted((i for i in imports if (module(i) in stdlib) == std), key=lambda i: (i.startswith("from"), i))
              for std in (True, False)]
    return [line for group in groups if group for line in [*group, ""]][:-1]


def _train_main(fit: FitSettings, script_name: str) -> list[str]:
    lines = ["", "def main(argv=None):", '    """Train the model on the project\'s dataset."""',
             "    import argparse  # here, so that importing this file loads only keras",
             "",
             "    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
             f'    parser.add_argument("--epochs", type=int, default={fit.epochs})',
             f'    parser.add_argument("--batch-size", type=int, default={fit.batch_size})',
             '    parser.add_argument("--save", metavar="MODEL.keras",',
             '                        help="save the trained model (.keras or .h5)")',
             "    args = parser.parse_args(argv)", ""]
    if fit.seed is not None:
        lines += [f"    keras.utils.set_random_seed({fit.seed})"]
    lines += ["    model = build_model()", "    model.summary()",
              "    (x_train, y_train), (x_test, y_test) = load_data()"]
    fit_args = [(None, "x_train"), (None, "y_train"), ("epochs", "args.epochs"), ("batch_size", "args.batch_size")]
    if fit.validation_split:
        fit_args.append(("validation_split", literal(float(fit.validation_split))))
    if not fit.shuffle:
        fit_args.append(("shuffle", "False"))
    if fit.callbacks:
        if any(c["type"] in ("ModelCheckpoint", "TensorBoard", "CSVLogger") for c in fit.callbacks):
            lines.append("    # Callback paths are relative to the folder you run this script from.")
        fit_args.append(("callbacks", List([Call(f"keras.callbacks.{c['type']}", _kwargs(c.get("params") or {}))
                                            for c in fit.callbacks])))
    lines += render(Call("model.fit", fit_args), 4)
    lines += ["    if x_test is not None and y_test is not None:",
              "        model.evaluate(x_test, y_test)",
              "    if args.save:",
              "        model.save(args.save)",
              '        print(f"Saved the trained model to {args.save}")']
    return lines


def _summary_main(has_dataset: bool) -> list[str]:
    why = ("No data loader was exported for this project's dataset."
           if has_dataset else "This project has no dataset to train on.")
    return ["", "def main():", '    """Print the model summary (there is no data to train on)."""',
            "    model = build_model()", "    model.summary()",
            f'    print("{why}")',
            '    print("build_model() returns the compiled model: train it with "',
            '          "model.fit(x, y) on your own data.")']


def fit_settings(training: dict | None) -> FitSettings:
    """FitSettings from a training section, checked by the training engine when it is present."""
    try:
        from layerlab.core.training.config import TrainingConfig
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("layerlab"):
            raise
        raw = {**KERAS_FIT_DEFAULTS, **{k: v for k, v in (training or {}).items() if v is not None}}
        return FitSettings(raw["epochs"], raw["batch_size"], raw["validation_split"], raw["shuffle"],
                           raw.get("seed"), list(raw.get("callbacks") or []))
    cfg = TrainingConfig.from_section(training)
    return FitSettings(cfg.epochs, cfg.batch_size, cfg.validation_split, cfg.shuffle, cfg.seed,
                       [c.to_json() for c in cfg.callbacks])
