"""The `check` engine: every Keras call the editor needs outside training, in one long-lived process.

It holds one replica document per editor document (a window, or a test's
canvas), keyed by the id the editor gives it, each with its own incremental
ShapeChecker, exactly as the editor's check thread used to: a full ``load``
snapshot when the structure changed, or ``params`` of the nodes whose
parameters changed. Probes try candidate wires against the replica's last
report and stream their verdicts in batches, stopping at a ``stop``. Exports,
imports, summaries and weight statistics take what they need in their
arguments. The Data panel's datasets are loaded here and stay here: the
editor gets previews (images as .npy files), a few facts, and the problems
found between the data and the model.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

from layerlab.core.document import Edge, GraphDocument
from layerlab.core.engine import check_messages as msg
from layerlab.core.engine.serve import Context, Role
from layerlab.core.errors import LayerLabError, Problem
from layerlab.core.shapes import CheckReport, ShapeChecker

MAX_DOCUMENTS = 32  # replicas kept (least recently used dropped; the editor re-sends a full load then)
MAX_DATASETS = 2  # loaded datasets kept (the current section and the one before)
PROBE_BATCH = 16  # verdicts per event while probing


class UnknownDocumentError(LayerLabError):
    """A `params` update for a document the engine does not hold (a new engine): send a full load."""


class _Replica:
    def __init__(self) -> None:
        self.document = GraphDocument()
        self.checker = ShapeChecker(self.document)
        self.report: CheckReport | None = None


class _State:
    def __init__(self) -> None:
        self.documents: OrderedDict[str, _Replica] = OrderedDict()
        self.datasets: OrderedDict[str, object] = OrderedDict()
        self.prober = None
        self.keras_error: str | None = None

    def replica(self, key: str, create: bool = False) -> _Replica:
        replica = self.documents.get(key)
        if replica is None:
            if not create:
                raise UnknownDocumentError(f"the check engine holds no document {key!r}")
            replica = self.documents[key] = _Replica()
            while len(self.documents) > MAX_DOCUMENTS:
                self.documents.popitem(last=False)
        self.documents.move_to_end(key)
        return replica

    def edge_prober(self):
        if self.prober is None:
            from layerlab.core.verdicts import EdgeProber

            self.prober = EdgeProber()
        return self.prober


STATE = _State()


NICENESS = 10  # the engine yields the CPU to the editor (its first paint, its drawing) when both want it


def warm_up() -> None:
    """Import Keras and run one tiny check and probe, so that the first real ones are quick.

    First the engine lowers its own priority: it starts while the window is built and painted, and on a
    machine with few cores TensorFlow's import must not take the CPU the editor's first paint needs. (While
    a model trains, the graph is locked, so checks are not what the user waits for then.)
    """
    try:
        os.nice(NICENESS)
    except (OSError, AttributeError):  # not permitted, or not this platform: run as is
        pass
    try:
        from layerlab.core import kerasenv

        kerasenv.keras()
        doc = GraphDocument()
        doc.add_node("Input", {"shape": [4]}, node_id="warm_in")
        doc.add_node("Dense", {"units": 2}, node_id="warm_dense")
        STATE.edge_prober().verdict(doc, ShapeChecker(doc).check(), Edge("warm_in", "warm_dense"))
    except Exception as exc:  # noqa: BLE001 - a broken Keras install: every check says so
        STATE.keras_error = f"Keras could not be loaded: {type(exc).__name__}: {exc}"


# -- shapes ------------------------------------------------------------------------------------------
def check(args: dict, ctx: Context) -> dict:
    """args: doc, and either load {nodes, edges} or params [nodes]. -> {report, in_step}."""
    key = str(args["doc"])
    replica = STATE.replica(key, create="load" in args)
    try:
        if STATE.keras_error:
            raise RuntimeError(STATE.keras_error)
        if "load" in args:
            load = args["load"]
            replica.document.load([msg.node_from_json(n) for n in load["nodes"]],
                                  [msg.edge_from_json(e) for e in load["edges"]])
        else:
            for raw in args.get("params") or []:
                node = msg.node_from_json(raw)
                replica.document.set_type(node.id, node.type, node.params)
        report, in_step = replica.checker.check(), True
    except Exception as exc:  # noqa: BLE001 - never leave the editor waiting: the failure is a problem
        report, in_step = CheckReport(problems=[Problem(f"The shape check failed: {type(exc).__name__}: {exc}")]), False
        replica.document.clear()
    replica.report = report
    return {"report": msg.report_to_json(report), "in_step": in_step}


def forget(args: dict, ctx: Context) -> dict:
    """The editor closed a document: drop its replica."""
    STATE.documents.pop(str(args["doc"]), None)
    return {}


def probe(args: dict, ctx: Context) -> dict:
    """args: doc, edges [[source, target, port, source_port]...]. Emits "verdicts" events in batches."""
    replica = STATE.documents.get(str(args["doc"]))
    prober = STATE.edge_prober()
    batch: list = []
    done = 0
    for raw in args.get("edges") or []:
        if ctx.stop.is_set():
            return {"done": done, "stopped": True}
        edge = msg.edge_from_json(raw)
        try:
            if replica is None:
                from layerlab.core.verdicts import Verdict

                verdict = Verdict(None, "Shapes are not known yet.")
            else:
                verdict = prober.verdict(replica.document, replica.report, edge)
        except Exception as exc:  # noqa: BLE001 - a bug here must not break dragging
            from layerlab.core.verdicts import Verdict

            verdict = Verdict(None, f"{type(exc).__name__}: {exc}")
        batch.append([raw, msg.verdict_to_json(verdict)])
        done += 1
        if len(batch) >= PROBE_BATCH:
            ctx.emit("verdicts", batch)
            batch = []
    if batch:
        ctx.emit("verdicts", batch)
    return {"done": done, "stopped": False}


def summary(args: dict, ctx: Context) -> dict:
    """args: doc, name. -> the summary's rows and totals, and Keras-like text."""
    from layerlab.core.summary import render_text, summarize

    replica = STATE.replica(str(args["doc"]))
    if replica.report is None:
        raise LayerLabError("the document has not been checked yet")
    result = summarize(replica.document, replica.report, args.get("name"))
    data = msg.plain(result)
    data["text"] = render_text(result)
    return data


# -- files ---------------------------------------------------------------------------------------------
def _project(args: dict):
    from layerlab.core import project as project_io

    path = args.get("project_path")
    project = project_io.from_json(args["project"], path)
    project.path = Path(path) if path else None
    project.load_problems = [msg.problem_from_json(p) for p in args.get("load_problems") or []]
    return project


def export(args: dict, ctx: Context) -> dict:
    """args: project (JSON), project_path (its weights are read beside it), target. -> what was written."""
    from layerlab.core.export import export_project

    result = export_project(_project(args), Path(args["target"]), weights=bool(args.get("weights", True)))
    return {"path": str(result.path), "format": result.format, "total_params": result.total_params,
            "notes": list(result.notes)}


def import_model(args: dict, ctx: Context) -> dict:
    """args: path. -> the project (JSON, not laid out), its weights (packed, by file), notes. Runs nothing from it."""
    from layerlab.core.engine.weight_pack import put_weights
    from layerlab.core.importer import import_model as read

    result = read(args["path"], layout=False)
    weights = put_weights(ctx.arrays, result.weights)  # a few buffers, not one file per array
    return {"project": result.project.to_json(), "weights": weights, "notes": list(result.notes),
            "source": str(result.source) if result.source else None, "format": result.format}


def weight_stats(args: dict, ctx: Context) -> dict:
    """args: project (JSON), project_path. -> {layer: [statistics with the histogram by file]} of the saved weights."""
    from layerlab.core.export import build_compiled_model
    from layerlab.core.training.evaluation import weight_stats as stats_of

    notes: list[str] = []
    model = build_compiled_model(_project(args), weights=True, notes=notes)
    out: dict[str, list] = {}
    for s in stats_of(model, bins=int(args.get("bins", 30))):
        out.setdefault(s.layer, []).append({
            "layer": s.layer, "name": s.name, "shape": list(s.shape), "min": s.min, "max": s.max, "mean": s.mean,
            "std": s.std, "counts": ctx.arrays.put(s.counts, "counts"), "edges": ctx.arrays.put(s.edges, "edges")})
    return {"layers": out, "notes": notes}


# -- data ------------------------------------------------------------------------------------------------
class DataLoadError(LayerLabError):
    """The data could not be read for a reason that is not the section's (a library's error, memory)."""


def _reading(fn):
    """Run `fn()`; errors other than LayerLab's become DataLoadError, in words a person reads."""
    try:
        return fn()
    except LayerLabError:
        raise
    except MemoryError:
        raise DataLoadError("Out of memory while loading the data: the dataset is too large for this machine.") \
            from None
    except Exception as exc:  # noqa: BLE001 - a reader's library failed: say what it said
        from layerlab.core.keras_errors import friendly_error

        raise DataLoadError(f"The data could not be loaded: {type(exc).__name__}: {friendly_error(exc)}") from None


def data_preview(args: dict, ctx: Context) -> dict:
    """args: section, base_dir. -> the Preview (images by file)."""
    from layerlab.core.data import preview

    if ctx.stop.is_set():
        raise LayerLabError("stopped: a newer section was chosen")
    result = _reading(lambda: preview(args["section"], Path(args["base_dir"])))
    return msg.preview_to_json(result, ctx.arrays)


def data_load(args: dict, ctx: Context) -> dict:
    """args: key, section, base_dir. Loads the arrays and keeps them under `key`; -> a few facts about them."""
    from layerlab.core.data import load_dataset
    from layerlab.core.training.defaults import target_facts

    if ctx.stop.is_set():
        raise LayerLabError("stopped: a newer section was chosen")
    key = str(args["key"])
    STATE.datasets.pop(key, None)
    while len(STATE.datasets) >= MAX_DATASETS:
        STATE.datasets.popitem(last=False)
    dataset = _reading(lambda: load_dataset(args["section"], Path(args["base_dir"])))
    STATE.datasets[key] = dataset
    x = dataset.x_train
    x_shape = {k: list(v.shape) for k, v in x.items()} if isinstance(x, dict) else list(x.shape)
    return {"key": key, "num_train": dataset.num_train, "has_test": dataset.has_test, "x_shape": x_shape,
            "targets": target_facts(dataset),
            "class_names": dataset.class_names, "source": dataset.source}


def data_check(args: dict, ctx: Context) -> dict:
    """args: key (a loaded dataset), doc (its replica and last report), training. -> problems."""
    from layerlab.core.data import check_data
    from layerlab.core.data.checks import DataProblem

    dataset = STATE.datasets.get(str(args["key"]))
    if dataset is None:
        raise LayerLabError("the data is not loaded in the check engine (it restarted): load it again")
    replica = STATE.replica(str(args["doc"]))
    try:
        problems = check_data(dataset, replica.document, replica.report, training=args.get("training"))
    except LayerLabError as exc:
        problems = [DataProblem(str(exc))]
    return {"problems": [msg.problem_to_json(p) for p in problems]}


def adapt(args: dict, ctx: Context) -> dict:
    """args: key (a loaded dataset), project (JSON), nodes [ids]. -> {params: {node: params}, errors: {node: why}}.

    Each node is adapted to the features flowing into it, as layer.adapt(data) would; the editor stores the
    params it gets back (vocabulary, mean and variance, bin boundaries: plain JSON) as one undo step.
    """
    from layerlab.core.adapt import AdaptError
    from layerlab.core.adapt_data import adapt_to_dataset

    dataset = STATE.datasets.get(str(args.get("key")))
    if dataset is None:
        raise AdaptError("no data is loaded in the check engine: choose the training data in the Data panel "
                         "(and wait for it to load)")
    adapted, errors = adapt_to_dataset(_project(args).document, [str(n) for n in args.get("nodes") or []], dataset)
    return {"params": adapted, "errors": errors}


def expand_application(args: dict, ctx: Context) -> dict:
    """args: type, params, input_shape (None: unknown), label. -> the nested model's fragment (core.app_expand)."""
    from layerlab.core.app_expand import fragment

    part = fragment(str(args["type"]), dict(args.get("params") or {}), args.get("input_shape"), str(args["label"]))
    return {"nodes": [{**msg.node_to_json(n), "position": list(n.position) if n.position else None}
                      for n in part.nodes],
            "edges": [msg.edge_to_json(e) for e in part.edges], "groups": [g.to_json() for g in part.groups],
            "entries": [list(e) for e in part.entries], "exit": list(part.exit), "group": part.group_id,
            "notes": list(part.notes)}


ROLE = Role("check", {"check": check, "forget": forget, "probe": probe, "summary": summary, "export": export,
                      "import": import_model, "weight_stats": weight_stats, "data_preview": data_preview,
                      "data_load": data_load, "data_check": data_check, "adapt": adapt,
                      "expand_application": expand_application}, warm_up=warm_up)
