"""Turn catalog nodes into Keras layers (or keras.ops operations) and call them: shared by shape checking and build.

Everything here runs Keras; callers import this module lazily or call it only
after deciding Keras is needed.
"""

from __future__ import annotations

import importlib
from typing import Any

from layerlab.core import catalog
from layerlab.core.catalog.spec import CALL_LIST, CALL_POSITIONAL, LAYER, LAYERS
from layerlab.core.kerasenv import keras


def layer_kwargs(type_name: str, params: dict) -> dict:
    """Constructor kwargs for a Keras layer: params with nested layers made real."""
    spec = catalog.get(type_name)
    kwargs = dict(params)
    for name, value in params.items():
        p = spec.param(name) if spec else None
        if p is not None and p.kind == LAYER and isinstance(value, dict):
            kwargs[name] = make_layer(value.get("type", ""), value.get("params") or {}, None)
        elif p is not None and p.as_tuple and isinstance(value, list):
            kwargs[name] = tuple(value)
        elif p is not None and p.kind == LAYERS and isinstance(value, list):
            kwargs[name] = [make_layer(v.get("type", ""), v.get("params") or {}, None) for v in value
                            if isinstance(v, dict)]
    return kwargs


class Operation:
    """A keras.ops operation standing where a layer would: no weights; called with its constants.

    Only the operation class named by a catalog entry is ever made (never a name from a file).
    """

    built = False
    trainable_weights: tuple = ()

    def __init__(self, spec, params: dict, name: str | None):
        module_name, cls_name = spec.operation.split(".")
        module = importlib.import_module(f"keras.src.ops.{module_name}")
        kwargs = {k: v for k, v in params.items() if k not in ("constant", "constant_first")}
        if name is not None:
            kwargs["name"] = name
        self.spec = spec
        self.constant = params.get("constant")
        self.constant_first = bool(params.get("constant_first"))
        self.op = getattr(module, cls_name)(**kwargs)

    @property
    def name(self) -> str:
        return self.op.name

    def count_params(self) -> int:
        return 0

    def __call__(self, inputs: list):
        if self.spec.call == CALL_LIST:
            return self.op(list(inputs))
        if len(self.spec.inputs) == 2 and len(inputs) == 1:
            if self.constant is None:
                raise ValueError(f"{self.spec.type} needs a second tensor on port 'x2' or a constant")
            args = [self.constant, inputs[0]] if self.constant_first else [inputs[0], self.constant]
            return self.op(*args)
        return self.op(*inputs)


class Preprocess(Operation):
    """An application's preprocess_input: the operations Keras records for it (no weights)."""

    def __init__(self, params: dict):  # noqa: D107 - no Operation of its own
        self.params = dict(params)

    @property
    def name(self) -> str:
        return "preprocess_input"

    def __call__(self, inputs: list):
        from layerlab.core import keras_apps

        return keras_apps.preprocess(self.params, inputs)


def make_layer(type_name: str, params: dict, name: str | None):
    """Construct the Keras layer (or Operation) for a node (never an Input; see make_input)."""
    spec = catalog.get(type_name)
    if spec is not None and spec.is_operation:
        return Operation(spec, params, name)
    if spec is not None and spec.application:
        from layerlab.core import keras_apps

        if spec.application == "preprocess_input":
            return Preprocess(params)
        return keras_apps.ApplicationNode(spec, params, name)
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


def split_ports(spec, inputs: list, ports: list[int] | None) -> tuple[list, dict]:
    """The positional inputs and the keyword ones ({keyword: tensor or [tensors]}) of a call, by port."""
    if ports is None or not spec.keyword_inputs:
        return list(inputs), {}
    n_positional = len(spec.inputs)
    positional, keyword = [], {}
    for port, tensor in sorted(zip(ports, inputs), key=lambda pair: pair[0]):
        if port < n_positional or spec.variadic:
            positional.append(tensor)
        else:
            keyword.setdefault(spec.keyword_inputs[port - n_positional][1], []).append(tensor)
    counts = {}
    for _, kw in spec.keyword_inputs:
        counts[kw] = counts.get(kw, 0) + 1
    return positional, {kw: ts[0] if counts[kw] == 1 else ts for kw, ts in keyword.items()}


def call_layer(type_name: str, layer: Any, inputs: list, ports: list[int] | None = None) -> list:
    """Call `layer` on its port inputs the way Keras expects; always return a list of outputs.

    `ports` gives each input's port (default: 0, 1, ...); ports past the positional ones go by keyword.
    """
    spec = catalog.get(type_name)
    if isinstance(layer, Operation) or (spec is not None and spec.application):
        out = layer(inputs)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    style = spec.call if spec else None
    positional, keyword = split_ports(spec, inputs, ports) if spec else (inputs, {})
    if style == CALL_LIST:
        out = layer(list(positional), **keyword)
    elif style == CALL_POSITIONAL:
        out = layer(*positional, **keyword)
    else:
        out = layer(positional[0], **keyword)
    return list(out) if isinstance(out, (list, tuple)) else [out]
