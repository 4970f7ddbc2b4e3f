"""Turn catalog nodes into Keras layers and call them: shared by shape checking and build.

Everything here runs Keras; callers import this module lazily or call it only
after deciding Keras is needed.
"""

from __future__ import annotations

from typing import Any

from layerlab.core import catalog
from layerlab.core.catalog.spec import CALL_LIST, CALL_POSITIONAL, LAYER
from layerlab.core.kerasenv import keras


def layer_kwargs(type_name: str, params: dict) -> dict:
    """Constructor kwargs for a Keras layer: params with nested layers made real."""
    spec = catalog.get(type_name)
    kwargs = dict(params)
    for name, value in params.items():
        p = spec.param(name) if spec else None
        if p is not None and p.kind == LAYER and isinstance(value, dict):
            kwargs[name] = make_layer(value.get("type", ""), value.get("params") or {}, None)
    return kwargs


def make_layer(type_name: str, params: dict, name: str | None):
    """Construct the Keras layer for a node (never an Input; see make_input)."""
    k = keras()
    cls = getattr(k.layers, type_name, None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, k.layers.Layer):
        raise ValueError(f"Keras has no layer type {type_name!r}")
    kwargs = layer_kwargs(type_name, params)
    if name is not None:
        kwargs["name"] = name
    return cls(**kwargs)


def make_input(params: dict, name: str):
    """Construct a model input (keras.Input) for an Input node."""
    k = keras()
    shape = params.get("shape")
    if shape is None:
        raise ValueError("Input needs a shape")
    kwargs = {k_: v for k_, v in params.items() if k_ not in ("shape", "name")}
    return k.Input(shape=tuple(shape), name=params.get("name") or name, **kwargs)


def call_layer(type_name: str, layer: Any, inputs: list) -> list:
    """Call `layer` on its port inputs the way Keras expects; always return a list of outputs."""
    spec = catalog.get(type_name)
    style = spec.call if spec else None
    if style == CALL_LIST:
        out = layer(list(inputs))
    elif style == CALL_POSITIONAL:
        out = layer(*inputs)
    else:
        out = layer(inputs[0])
    return list(out) if isinstance(out, (list, tuple)) else [out]

