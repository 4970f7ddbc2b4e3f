"""Adapting a preprocessing node to data, as `layer.adapt(data)` would, with what it learns kept as params.

A fresh Keras layer is made from the node's params and adapted; its vocabulary,
statistics or bin boundaries become the node's `vocabulary`, `mean`/`variance`
or `bin_boundaries`, so they travel in the model config of every export.
Keras runs here: call it from an engine process (or a test), never from the editor.
"""

from __future__ import annotations

from typing import Any

from layerlab.core.errors import LayerLabError

ADAPTABLE = ("StringLookup", "IntegerLookup", "TextVectorization", "Normalization", "Discretization")


class AdaptError(LayerLabError):
    """The node cannot be adapted: not an adaptable type, or Keras refused the data."""

    exit_code = 1


def adapted_params(type_name: str, params: dict, data: Any) -> dict:
    """The node's params after adapting a fresh layer made from them to `data` (an array or a list)."""
    import numpy as np

    from layerlab.core import keras_errors, keras_layers

    if type_name not in ADAPTABLE:
        raise AdaptError(f"a {type_name} layer cannot be adapted to data; adaptable types: {', '.join(ADAPTABLE)}")
    base = {k: v for k, v in params.items() if k not in ("name", "vocabulary", "mean", "variance", "bin_boundaries")}
    if type_name == "Discretization" and base.get("num_bins") is None:
        raise AdaptError("Discretization needs num_bins to be adapted (how many bins to compute)")
    try:
        layer = keras_layers.make_layer(type_name, base, None)
        layer.adapt(np.asarray(data))
    except Exception as exc:  # Keras's verdict on this data
        raise AdaptError(f"{type_name} could not be adapted: {keras_errors.friendly_error(exc)}") from exc
    out = dict(params)
    if type_name in ("StringLookup", "IntegerLookup", "TextVectorization"):
        vocabulary = layer.get_vocabulary(include_special_tokens=False)
        out["vocabulary"] = [v.decode("utf-8") if isinstance(v, bytes) else (int(v) if type_name == "IntegerLookup"
                                                                               else str(v)) for v in vocabulary]
    elif type_name == "Normalization":
        out["mean"] = np.asarray(layer.adapt_mean).astype(float).ravel().tolist()
        out["variance"] = np.asarray(layer.adapt_variance).astype(float).ravel().tolist()
    else:
        out["bin_boundaries"] = [float(b) for b in layer.bin_boundaries]
        out.pop("num_bins", None)
    return out


def adapt_node(document, node_id: str, data: Any) -> dict:
    """Adapt node `node_id` of `document` to `data`; sets and returns its new params (AdaptError if it cannot)."""
    if node_id not in document:
        raise AdaptError(f"there is no node '{node_id}'")
    params = adapted_params(document.node_type(node_id), document.params(node_id), data)
    document.set_params(node_id, params)
    return params
