"""Document + training section -> a Keras functional Model, compiled.

Losses and metrics are compiled as objects, never bare strings: Keras 3 saves
a string loss such as "mse" to .h5 in a form it then cannot reload.
"""

from __future__ import annotations

import networkx as nx

from layerlab.core import keras_errors, keras_layers
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
    graph = document.graph
    if not nx.is_directed_acyclic_graph(graph):
        raise BuildError("the graph has a cycle")
    inputs_ids = document.input_ids()
    if not inputs_ids:
        raise BuildError("the model has no Input node")
    tensors: dict[str, list] = {}
    layers: dict[str, object] = {}
    for node_id in nx.lexicographical_topological_sort(graph, key=document.index):
        node = document.node(node_id)
        try:
            if node.type == "Input":
                tensors[node_id] = [keras_layers.make_input(node.params, node_id)]
                continue
            owner = node.shares
            if owner is not None:
                if owner not in layers:
                    params = document.params(owner)
                    layers[owner] = keras_layers.make_layer(node.type, params, params.pop("name", None) or owner)
                layer = layers[owner]
            elif node_id in layers:
                layer = layers[node_id]
            else:
                params = dict(node.params)
                layer = keras_layers.make_layer(node.type, params, params.pop("name", None) or node_id)
                layers[node_id] = layer
            edges = document.in_edges(node_id)
            args = [tensors[e.source][e.source_port] for e in edges]
            if not args:
                raise BuildError(f"node '{node_id}' has no inputs")
            tensors[node_id] = keras_layers.call_layer(node.type, layer, args, [e.port for e in edges])
        except BuildError:
            raise
        except Exception as exc:
            raise BuildError(f"node '{node_id}' ({node.type}): {keras_errors.friendly_error(exc)}") from exc
    outputs = [t for n in document.output_ids() for t in tensors[n]]
    ins = [tensors[n][0] for n in inputs_ids]
    try:
        return k.Model(inputs=ins if len(ins) > 1 else ins[0], outputs=outputs if len(outputs) > 1 else outputs[0],
                       name=_model_name(name))
    except Exception as exc:
        raise BuildError(keras_errors.friendly_error(exc)) from exc


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
