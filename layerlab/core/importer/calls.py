"""One saved layer call, in either config dialect: which tensors it reads, by position and by keyword.

Keras 3 writes a call as {"args": [...], "kwargs": {...}} with serialized
tensors ({"class_name": "__keras_tensor__", "config": {"keras_history":
[layer, call, tensor], "shape": ...}}); Keras 2 wrote a list of
[layer, call, tensor, kwargs]. Both become a Call of TensorRefs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layerlab.core.importer import keras_names as kn
from layerlab.core.importer.errors import ModelFileError

INPUT_LAYER = "InputLayer"


class TensorRef:
    """A reference to an output of a layer call, as the config writes it."""

    __slots__ = ("layer", "node", "index", "spec")

    def __init__(self, layer: str, node: int, index: int, spec: tuple | None = None):
        self.layer, self.node, self.index, self.spec = layer, node, index, spec


@dataclass
class Call:
    """One saved call of a layer: its tensors by position and by keyword, and its other arguments."""

    positional: list  # one list of tensors per positional argument (a merge gets one list)
    tensor_kwargs: dict  # name -> list of tensors
    extra_args: list  # positional constants
    constants: dict  # name -> non-tensor keyword value
    layout: list = field(default_factory=list)  # per positional argument: "t" (tensors) or "c" (a constant)

    @property
    def tensors(self) -> list[TensorRef]:
        out = [t for group in self.positional for t in group]
        for group in self.tensor_kwargs.values():
            out.extend(group)
        return out


def parse_call(node_data: Any, where: str) -> Call:
    """Read one entry of a layer's inbound_nodes (either dialect); `where` names the layer in errors."""
    if isinstance(node_data, list):  # Keras 2: [[layer, node, tensor, kwargs], ...]
        tensors, kwargs = [], {}
        for item in node_data:
            if not isinstance(item, list) or len(item) < 3:
                raise ModelFileError(f"layer '{where}' has a malformed inbound node")
            tensors.append(TensorRef(str(item[0]), int(item[1]), int(item[2])))
            if len(item) > 3 and isinstance(item[3], dict):
                kwargs.update(item[3])
        call = Call([tensors], {}, [], {})
        for name, value in kwargs.items():
            refs = legacy_refs(value)
            if refs:
                call.tensor_kwargs[name] = refs
            else:
                call.constants[name] = value
        return call
    if not isinstance(node_data, dict):
        raise ModelFileError(f"layer '{where}' has a malformed inbound node")
    args = node_data.get("args") or []
    kwargs = node_data.get("kwargs") or {}
    call = Call([], {}, [], {})
    for arg in args if isinstance(args, list) else [args]:
        found = tensor_refs(arg)
        if found:
            call.positional.append(found)
        else:
            call.extra_args.append(arg)
        call.layout.append("t" if found else "c")
    for name, value in (kwargs.items() if isinstance(kwargs, dict) else []):
        found = tensor_refs(value)
        if found:
            call.tensor_kwargs[name] = found
        else:
            call.constants[name] = value
    return call


def tensor_refs(value: Any) -> list[TensorRef]:
    """The serialized Keras 3 tensors inside an argument, in order."""
    if isinstance(value, list):
        return [t for v in value for t in tensor_refs(v)]
    if not isinstance(value, dict):
        return []
    if value.get("class_name") == "__keras_tensor__":
        cfg = value.get("config") or {}
        hist = cfg.get("keras_history")
        if not isinstance(hist, list) or len(hist) != 3:
            raise ModelFileError("a serialized tensor has no valid keras_history")
        shape = cfg.get("shape")
        spec = (tuple(shape), str(cfg.get("dtype") or "float32")) if isinstance(shape, list) else None
        return [TensorRef(str(hist[0]), int(hist[1]), int(hist[2]), spec)]
    if value.get("class_name") == "__tuple__":
        return tensor_refs((value.get("config") or {}).get("value"))
    return [t for v in value.values() for t in tensor_refs(v)] if "class_name" not in value else []


def legacy_refs(value: Any) -> list[TensorRef]:
    if (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int)):
        return [TensorRef(value[0], value[1], value[2])]
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        out = [t for v in value for t in legacy_refs(v)]
        return out if len(out) == len(value) else []
    return []


def model_refs(value: Any) -> list[TensorRef]:
    """input_layers / output_layers: one [name, node, tensor] triple, a list of them, or a dict of them."""
    if value is None:
        return []
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [TensorRef(value[0], int(value[1]), int(value[2]))]
    if isinstance(value, dict):
        return [t for v in value.values() for t in model_refs(v)]
    if isinstance(value, list):
        return [t for v in value for t in model_refs(v)]
    raise ModelFileError("the model's inputs or outputs are malformed in its config")


def input_specs(layer: dict, call: Call) -> list | None:
    """[(shape, dtype)] of a layer's first call: from its tensors, else from its build_config."""
    tensors = call.tensors
    if tensors and all(t.spec for t in tensors):
        return [t.spec for t in tensors]
    shape = (layer.get("build_config") or {}).get("input_shape")
    if isinstance(shape, list) and shape and all(isinstance(s, list) for s in shape):
        return [(tuple(s), "float32") for s in shape]
    if isinstance(shape, list):
        return [(tuple(shape), "float32")]
    return None


def call_count(entry: dict) -> int:
    return len(entry.get("inbound_nodes") or [])


def node_offset(entry: dict, keras2: bool, for_output: bool) -> int:
    """How a config counts a nested model's calls: from 1, because of the model's own first node.

    Keras 3 does so only in input_layers/output_layers and only for functional models; Keras 2 did so
    everywhere, for functional models and for Sequential models built with an input.
    """
    cls = entry.get("class_name")
    if cls not in kn.MODELS:
        return 0
    if keras2:
        if cls == "Sequential":
            layers = entry.get("config")
            layers = layers if isinstance(layers, list) else (layers or {}).get("layers") or []
            return 1 if layers and layers[0].get("class_name") == INPUT_LAYER else 0
        return 1
    return 1 if for_output and cls != "Sequential" else 0
