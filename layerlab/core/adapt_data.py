"""Adapting preprocessing nodes to the project's own data: the features that flow into each node, then core.adapt.

The features a node sees are the loaded dataset's training array of the Input
that feeds it, after the dataset's preprocessing (scale, standardize, reshape),
as `model.fit` would give them. A node fed through other layers gets what those
layers compute, as long as none of them has weights (a Rescaling, a Reshape,
another adapted layer): features that change as the model trains cannot be
adapted to. Keras runs here: call it from an engine process (or a test).
"""

from __future__ import annotations

from typing import Any

from layerlab.core.adapt import ADAPTABLE, AdaptError, adapted_params
from layerlab.core.document import GraphDocument

_TEXT_TYPES = ("StringLookup", "TextVectorization")


def adaptable_nodes(document: GraphDocument) -> list[str]:
    """The nodes (in node order) that can be adapted: adaptable types that own their layer."""
    return [n for n in document.node_ids() if document.node_type(n) in ADAPTABLE and document.shares(n) is None]


def adapt_to_dataset(document: GraphDocument, node_ids: list[str], dataset) -> tuple[dict, dict]:
    """Adapt each node to the features flowing into it (the document is left as it is).

    Returns ({node: its new params}, {node: why it could not be adapted}).
    """
    adapted, errors = {}, {}
    for node_id in node_ids:
        try:
            data = features_for(document, node_id, dataset)
            adapted[node_id] = adapted_params(document.node_type(node_id), document.params(node_id), data)
        except AdaptError as exc:
            errors[node_id] = str(exc)
    return adapted, errors


def features_for(document: GraphDocument, node_id: str, dataset) -> Any:
    """The training features flowing into `node_id`, in the dtype its adapt() takes (AdaptError if none can)."""
    if dataset is None:
        raise AdaptError("no data is loaded: choose the training data in the Data panel first")
    if node_id not in document:
        raise AdaptError(f"there is no node '{node_id}'")
    type_name = document.node_type(node_id)
    if type_name not in ADAPTABLE:
        raise AdaptError(f"'{node_id}' is a {type_name}, which cannot be adapted to data; adaptable types: "
                         f"{', '.join(ADAPTABLE)}")
    if document.shares(node_id) is not None:
        raise AdaptError(f"'{node_id}' calls the layer of '{document.shares(node_id)}' again: adapt that node")
    edges = document.in_edges(node_id)
    if len(edges) != 1:
        raise AdaptError(f"'{node_id}' has no input wired: wire it to an Input that the data feeds")
    source = edges[0].source
    if document.node_type(source) == "Input":
        array, what = _input_array(document, source, dataset), f"input '{source}'"
    else:
        array, what = _upstream(document, node_id, source, dataset), f"'{source}' (fed by the data)"
    return _as_adaptable(type_name, node_id, array, what)


def _input_array(document: GraphDocument, input_id: str, dataset):
    x = dataset.x_train
    if isinstance(x, dict):
        if input_id not in x:
            raise AdaptError(f"the data gives no features for input '{input_id}' (it gives features for "
                             f"{', '.join(map(str, x))})")
        return x[input_id]
    inputs = document.input_ids()
    if len(inputs) > 1:
        raise AdaptError(f"the data gives one array of features, the model has {len(inputs)} inputs: name the "
                         "features of each input in the Data panel")
    return x


def _upstream(document: GraphDocument, node_id: str, source: str, dataset):
    """What the layers between the Inputs and `node_id` compute on the data (none of them may hold weights)."""
    import networkx as nx
    import numpy as np

    from layerlab.core.build import BuildError, build_model

    before = nx.ancestors(document.graph, node_id)
    if any(document.shares(n) not in (None, *before) for n in before):
        raise AdaptError(f"'{node_id}' is fed through a shared layer: it can only be adapted when fed by an Input, "
                         "or through layers of its own without weights")
    sub = GraphDocument()
    sub.load([document.node(n) for n in document.node_ids() if n in before],
             [e for n in document.node_ids() if n in before for e in document.in_edges(n)])
    try:
        model = build_model(sub)
    except BuildError as exc:
        raise AdaptError(f"the layers feeding '{node_id}' cannot be built: {exc}") from None
    weighted = [layer.name for layer in model.layers if layer.weights]
    if weighted:
        raise AdaptError(f"'{node_id}' is fed through layers with weights ({', '.join(weighted[:3])}): it can only "
                         "be adapted to data that no training changes; put it right after an Input")
    arrays = [_input_array(document, n, dataset) for n in sub.input_ids()]
    try:
        out = model.predict(arrays if len(arrays) > 1 else arrays[0], batch_size=256, verbose=0)
    except Exception as exc:  # Keras's verdict on the data against those layers
        from layerlab.core.keras_errors import friendly_error

        raise AdaptError(f"the layers feeding '{node_id}' could not run on the data: {friendly_error(exc)}") from None
    return np.asarray(out)


def _as_adaptable(type_name: str, node_id: str, array, what: str):
    import numpy as np

    array = np.asarray(array)
    kind = array.dtype.kind
    if type_name in _TEXT_TYPES:
        if kind not in "USO":
            raise AdaptError(f"{type_name} '{node_id}' adapts to texts, but the data gives {array.dtype} numbers "
                             f"to {what}. LayerLab's data sources give numbers (the text_csv source gives token "
                             "ids, which an IntegerLookup adapts to)")
        return array
    if kind in "USO":
        raise AdaptError(f"{type_name} '{node_id}' adapts to numbers, but the data gives texts to {what}")
    if type_name == "IntegerLookup":
        if kind == "f":
            whole = np.isfinite(array).all() and bool(np.all(array == np.round(array)))
            if not whole:
                raise AdaptError(f"IntegerLookup '{node_id}' adapts to whole numbers, but the data gives fractional "
                                 f"values to {what}")
        return array.astype("int64")
    if kind == "b":
        raise AdaptError(f"{type_name} '{node_id}' adapts to numbers, but the data gives true/false values to {what}")
    return array.astype("float32")


def state_text(type_name: str, params: dict) -> str:
    """What an adaptable node has learned from data, in a few words ("" when it is not an adaptable type)."""
    if type_name not in ADAPTABLE:
        return ""
    if type_name in ("StringLookup", "IntegerLookup", "TextVectorization"):
        vocabulary = params.get("vocabulary")
        return f"vocabulary of {len(vocabulary)} tokens" if isinstance(vocabulary, list) else ""
    if type_name == "Normalization":
        mean, variance = params.get("mean"), params.get("variance")
        if mean is None or variance is None:
            return ""
        return f"mean and variance of {len(mean)} values" if isinstance(mean, list) else "one mean and variance"
    boundaries = params.get("bin_boundaries")
    return f"{len(boundaries)} bin boundaries ({len(boundaries) + 1} bins)" if isinstance(boundaries, list) else ""
