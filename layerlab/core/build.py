"""Document + training section -> a Keras functional Model, compiled.

Losses and metrics are compiled as objects, never bare strings: Keras 3 saves
a string loss such as "mse" to .h5 in a form it then cannot reload.
"""

from __future__ import annotations

import networkx as nx

from layerlab.core import keras_errors, keras_layers, nested
from layerlab.core.document import GraphDocument
from layerlab.core.errors import LayerLabError
from layerlab.core.kerasenv import keras

OPTIMIZERS = {
    "sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad",
    "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "ftrl": "Ftrl", "lion": "Lion",
}

LOSSES = {
    "mse": "MeanSquaredError", "mean_squared_error": "MeanSquaredError",
    "mae": "MeanAbsoluteError", "mean_absolute_error": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError", "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "msle": "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "binary_crossentropy": "BinaryCrossentropy", "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "kl_divergence": "KLDivergence", "kld": "KLDivergence", "poisson": "Poisson", "huber": "Huber",
    "log_cosh": "LogCosh", "hinge": "Hinge", "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge", "cosine_similarity": "CosineSimilarity",
}

METRICS = {
    "mse": "MeanSquaredError", "mean_squared_error": "MeanSquaredError",
    "mae": "MeanAbsoluteError", "mean_absolute_error": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError", "rmse": "RootMeanSquaredError",
    "root_mean_squared_error": "RootMeanSquaredError",
    "binary_accuracy": "BinaryAccuracy", "categorical_accuracy": "CategoricalAccuracy",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "auc": "AUC", "precision": "Precision", "recall": "Recall",
    "binary_crossentropy": "BinaryCrossentropy", "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy", "r2_score": "R2Score",
}

# "accuracy" means a different metric depending on the loss, as in Keras's compile().
_ACCURACY_FOR_LOSS = {
    "BinaryCrossentropy": "BinaryAccuracy", "BinaryFocalCrossentropy": "BinaryAccuracy",
    "Hinge": "BinaryAccuracy", "SquaredHinge": "BinaryAccuracy",
    "SparseCategoricalCrossentropy": "SparseCategoricalAccuracy",
}


class BuildError(LayerLabError):
    """The document or training section cannot become a Keras model."""

    exit_code = 1  # an invalid project, not an unreadable file


def build_model(document: GraphDocument, name: str | None = None):
    """Build the uncompiled functional Model. Raises BuildError naming the node at fault."""
    k = keras()
    if not nx.is_directed_acyclic_graph(document.graph):
        raise BuildError("the graph has a cycle")
    inputs_ids = document.input_ids()
    if not inputs_ids:
        raise BuildError("the model has no Input node")
    builder = _Builder(document)
    tensors: dict[tuple, object] = {}
    builder.run(None, document.node_ids(), tensors)
    outputs = [tensors[(n, p)] for n in document.output_ids() for p in range(builder.counts[n])]
    ins = [tensors[(n, 0)] for n in inputs_ids]
    try:
        return k.Model(inputs=ins if len(ins) > 1 else ins[0], outputs=outputs if len(outputs) > 1 else outputs[0],
                       name=_model_name(name))
    except Exception as exc:
        raise BuildError(keras_errors.friendly_error(exc)) from exc


class _Builder:
    """Makes layers and calls them in graph order; `model: true` groups become sub-models (core.nested)."""

    def __init__(self, document: GraphDocument):
        self.doc = document
        self.groups = nested.model_groups(document)
        self.paths = {n: nested.model_path(document, self.groups, n) for n in document.node_ids()} \
            if self.groups else {}
        self.layers: dict[str, object] = {}
        self.models: dict[str, object] = {}  # model group id -> its keras.Model
        self.counts: dict[str, int] = {}  # node -> how many outputs its call gave

    def run(self, scope: str | None, nodes: list[str], tensors: dict) -> None:
        """Build the nodes of `scope` (None: the whole model) into `tensors` ({(node, port): tensor})."""
        doc = self.doc
        for u in nested.scope_order(doc, self.groups, self.paths, scope, nodes):
            if u in self.groups and u not in doc:
                self.call_group(u, tensors)
            else:
                self.build_node(u, tensors)

    def build_node(self, node_id: str, tensors: dict) -> None:
        document = self.doc
        node = document.node(node_id)
        try:
            if node.type == "Input":
                params = {**node.params, "name": node.layer_name}  # a safe Keras name (layerlab.core.names)
                tensors[(node_id, 0)] = keras_layers.make_input(params, node.layer_name)
                self.counts[node_id] = 1
                return
            owner = node.shares or node_id
            layer = self.layers.get(owner)
            if layer is None:
                params = document.params(owner)
                params.pop("name", None)
                layer = keras_layers.make_layer(node.type, params, document.node(owner).layer_name)
                self.layers[owner] = layer
            edges = document.in_edges(node_id)
            args = [tensors[(e.source, e.source_port)] for e in edges]
            if not args:
                raise BuildError(f"node '{node_id}' has no inputs")
            outs = keras_layers.call_layer(node.type, layer, args, [e.port for e in edges])
        except BuildError:
            raise
        except Exception as exc:
            raise BuildError(f"node '{node_id}' ({node.type}): {keras_errors.friendly_error(exc)}") from exc
        for i, t in enumerate(outs):
            tensors[(node_id, i)] = t
        self.counts[node_id] = len(outs)

    def call_group(self, group_id: str, tensors: dict) -> None:
        """Call a model group's sub-model (made at its first call) where the group stands."""
        group = self.groups[group_id]
        owner = self.groups.get(group.shares) if group.shares else group
        if owner is None:
            raise BuildError(f"group '{group.label}' calls model group '{group.shares}', which does not exist")
        twin = {self.doc.shares(m): m for m in group.members} if owner is not group else {m: m for m in group.members}
        sources: list[tuple] = []
        for m, port in owner.slots:
            edge = next((e for e in self.doc.in_edges(twin.get(m, "")) if e.port == port), None)
            if edge is None:
                raise BuildError(f"model group '{group.label}': node '{twin.get(m, m)}' has no input on port {port} "
                                 f"as its model's node '{m}' has")
            ep = (edge.source, edge.source_port)
            if ep not in sources:
                sources.append(ep)
        args = [tensors[ep] for ep in sources]
        model = self.models.get(owner.id) or self.make_model(owner, args)
        outs = model(args if len(args) > 1 else args[0])
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        for (m, port), t in zip(self.expanded_outputs(owner), outs):
            tensors[(twin[m], port)] = t
            self.counts[twin[m]] = max(self.counts.get(twin[m], 0), port + 1)

    def make_model(self, group: nested.ModelGroup, like: list):
        """The sub-model of a group: Inputs shaped like `like` (the first call's tensors), its nodes, its outputs."""
        k = keras()
        inner: dict[tuple, object] = {}
        inputs, seen = [], []
        for m, port in group.slots:
            edge = next(e for e in self.doc.in_edges(m) if e.port == port)
            ep = (edge.source, edge.source_port)
            if ep in seen:
                continue
            t = like[len(seen)]
            if len(t.shape) == 0:
                raise BuildError(f"model group '{group.label}' reads a tensor without a batch axis (shape ()) from "
                                 f"'{edge.source}'; a Keras sub-model's inputs have one: take that node into the group "
                                 "or keep the batch axis (e.g. reduce over axis 1, not all axes)")
            seen.append(ep)
            inner[ep] = k.Input(shape=tuple(t.shape[1:]), dtype=t.dtype, name=f"{group.label}_input_{len(seen)}")
            inputs.append(inner[ep])
        members = [n for n in self.doc.node_ids() if n in group.members]
        self.run(group.id, members, inner)
        outputs = [inner[ep] for ep in self.expanded_outputs(group)]
        try:
            model = k.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0],
                            name=group.label)
        except Exception as exc:
            raise BuildError(f"model group '{group.label}': {keras_errors.friendly_error(exc)}") from exc
        if not group.trainable:
            model.trainable = False
        application = (self.doc.group(group.id).extra or {}).get("application")
        if isinstance(application, dict):  # an expanded application node: its ImageNet weights (core.app_expand)
            self.load_pretrained(group, model, application)
        self.models[group.id] = model
        return model

    @staticmethod
    def load_pretrained(group: nested.ModelGroup, model, application: dict) -> None:
        from layerlab.core.app_expand import load_pretrained
        from layerlab.core.keras_apps import _in_stateless_scope

        if _in_stateless_scope():
            return  # shapes need no weights
        try:
            load_pretrained(model, application)
        except Exception as exc:
            raise BuildError(f"model group '{group.label}': {keras_errors.friendly_error(exc)}") from exc

    def expanded_outputs(self, group: nested.ModelGroup) -> list[tuple]:
        out = []
        for m, port in group.outputs:
            ports = range(self.counts[m]) if port == -1 else [port]
            out.extend((m, p) for p in ports if (m, p) not in out)
        return out


def _model_name(name: str | None) -> str:
    import re

    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name or "").strip("_")
    return cleaned or "model"


def make_optimizer(training: dict):
    k = keras()
    name = str(training.get("optimizer", "adam"))
    cls_name = OPTIMIZERS.get(name.lower())
    if cls_name is None:
        raise BuildError(f"unknown optimizer '{name}'; choose one of: {', '.join(OPTIMIZERS)}")
    kwargs = {}
    if training.get("learning_rate") is not None:
        kwargs["learning_rate"] = float(training["learning_rate"])
    if cls_name == "SGD" and training.get("momentum") is not None:
        kwargs["momentum"] = float(training["momentum"])
    return getattr(k.optimizers, cls_name)(**kwargs)


def make_loss(name: str):
    k = keras()
    cls_name = LOSSES.get(str(name).lower())
    if cls_name is None:
        raise BuildError(f"unknown loss '{name}'; choose one of: {', '.join(sorted(set(LOSSES)))}")
    return getattr(k.losses, cls_name)()


def make_metric(name: str, loss_cls: str):
    k = keras()
    key = str(name).lower()
    if key in ("accuracy", "acc"):
        cls_name = _ACCURACY_FOR_LOSS.get(loss_cls, "CategoricalAccuracy")
        if loss_cls in ("MeanSquaredError", "MeanAbsoluteError"):
            cls_name = "Accuracy"
        return getattr(k.metrics, cls_name)(name="accuracy")
    cls_name = METRICS.get(key)
    if cls_name is None:
        raise BuildError(f"unknown metric '{name}'; choose one of: accuracy, {', '.join(sorted(set(METRICS)))}")
    return getattr(k.metrics, cls_name)(name=key)


def _per_output(value, n_outputs: int, what: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n_outputs:
            raise BuildError(f"{what} has {len(value)} entries but the model has {n_outputs} outputs")
        return list(value)
    return [value] * n_outputs


def compile_model(model, training: dict | None):
    """Compile `model` from a project's training section (Keras's defaults where it is silent)."""
    training = training or {}
    names = list(model.output_names)
    n = len(names)
    loss_names = _per_output(training.get("loss", "mse"), n, "loss")
    losses = [make_loss(x) for x in loss_names]
    metric_spec = training.get("metrics") or []
    if n > 1 and metric_spec and isinstance(metric_spec[0], list):
        per_out = _per_output(metric_spec, n, "metrics")
    else:
        per_out = [metric_spec] * n
    metrics = [[make_metric(m, type(losses[i]).__name__) for m in per_out[i]] for i in range(n)]
    weights = training.get("loss_weights")
    if weights is not None:
        weights = _per_output(weights, n, "loss_weights")
    model.compile(
        optimizer=make_optimizer(training),
        loss=losses if n > 1 else losses[0],
        metrics=metrics if n > 1 else metrics[0],
        loss_weights=weights if (weights is None or n > 1) else weights[0],
    )
    return model
