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

from layerlab.core import catalog
from layerlab.core.catalog.spec import LAYER, LAYERS

LINE = 79  # PEP 8's line length
# Names the script itself uses, and Python's builtins (a node called "sum" must not hide sum()).
_RESERVED = {"keras", "layers", "np", "model", "build_model", "load_data", "main", "args", "parser", "argv",
             *dir(builtins)}
AUTO = object()  # generate_script's default: ask the data side for the loader


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
    from layerlab.core.codegen_model import model_lines  # it uses this module's helpers

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
    """FitSettings from a training section, checked by the training engine (its defaults for unset keys)."""
    from layerlab.core.training.config import TrainingConfig

    cfg = TrainingConfig.from_section(training)
    return FitSettings(cfg.epochs, cfg.batch_size, cfg.validation_split, cfg.shuffle, cfg.seed,
                       [c.to_json() for c in cfg.callbacks])
