"""A layer's saved config -> LayerLab node params (Keras constructor keyword arguments as JSON).

What LayerLab does not store is dropped: the name (it becomes the node id),
`trainable` and `dtype` when they are Keras's defaults, the input shape that
Keras 2 kept on first layers. Serialized objects are made plain where Keras
accepts the plain form back (an initializer with its default settings becomes
its name, e.g. "glorot_uniform"); everything else keeps Keras's JSON form,
which its constructors accept as they are.
"""

from __future__ import annotations

import re
from typing import Any

from layerlab.core import catalog
from layerlab.core.importer import keras_names as kn

_DROP = {"name", "batch_input_shape", "batch_shape", "input_shape"}
_CONTAINER_KEYS = ("layer", "backward_layer", "cell", "cells")

# Initializer settings equal to Keras's defaults (None-valued settings, such as seeds, are ignored).
# Constant is left out: Keras cannot make it from its name ("constant" fails in initializers.get).
_INITIALIZER_DEFAULTS = {
    "Orthogonal": {"gain": 1.0},
    "OrthogonalInitializer": {"gain": 1.0},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05},
    "VarianceScaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
}
_SNAKE_ALIASES = {"OrthogonalInitializer": "orthogonal", "IdentityInitializer": "identity"}


def to_snake_case(name: str) -> str:
    """Keras's own snake-casing of class names (keras.src.utils.naming.to_snake_case)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def dtype_name(value: Any) -> str | None:
    """A dtype or dtype policy as its name ("float32", "mixed_float16"), or None when absent."""
    if isinstance(value, dict):
        cfg = value.get("config")
        return dtype_name(cfg.get("name") if isinstance(cfg, dict) else None)
    return value if isinstance(value, str) else None


def layer_params(config: dict, type_name: str | None = None) -> dict:
    """Node params from a layer's saved config.

    A None value is dropped when None is Keras's default for it: Keras writes None
    only for such arguments, unless the catalog says the default is something else.
    """
    spec = catalog.get(type_name) if type_name else None
    out = {}
    for key, value in config.items():
        if key in _DROP:
            continue
        if value is None:
            known = spec.param(key) if spec else None
            if known is None or known.default is None:
                continue
        if key == "trainable":
            if value is False:
                out[key] = False
            continue
        if key == "dtype":
            name = dtype_name(value)
            if name and name != "float32":
                out[key] = name
            continue
        if key == "axis" and isinstance(value, list) and len(value) == 1 and isinstance(value[0], int):
            value = value[0]  # Keras 2 wrote some axes as one-item lists
        out[key] = plain_value(key, value)
    if type_name == "Discretization" and out.get("bin_boundaries") is not None:
        out.pop("num_bins", None)  # an adapted layer writes both; its constructor takes one
    if type_name == "Bidirectional" and _is_mirror(config.get("layer"), config.get("backward_layer")):
        out.pop("backward_layer", None)  # Keras makes exactly this one when none is given
    return out


def _is_mirror(forward: Any, backward: Any) -> bool:
    """True when `backward` is `forward` running backwards, as Bidirectional creates it by default."""
    if not isinstance(forward, dict) or not isinstance(backward, dict):
        return False
    if forward.get("class_name") != backward.get("class_name"):
        return False
    f_cfg, b_cfg = dict(forward.get("config") or {}), dict(backward.get("config") or {})
    if bool(f_cfg.get("go_backwards")) == bool(b_cfg.get("go_backwards")):
        return False
    for cfg in (f_cfg, b_cfg):
        cfg.pop("name", None)
        cfg.pop("go_backwards", None)
    return plain_value("layer", {"config": f_cfg}) == plain_value("layer", {"config": b_cfg})


def nested_layer(value: dict) -> dict:
    """A wrapped layer ({"class_name": "LSTM", "config": ...}) as LayerLab's {"type": ..., "params": ...}."""
    cfg = value.get("config") if isinstance(value.get("config"), dict) else {}
    return {"type": value.get("class_name"), "params": layer_params(cfg, value.get("class_name"))}


def plain_value(key: str, value: Any) -> Any:
    """Keras's serialized forms made plain JSON where that keeps the meaning."""
    if isinstance(value, list):
        return [plain_value(key, v) for v in value]
    if not isinstance(value, dict):
        return value
    obj = value.get("class_name")
    if obj is None:
        return {k: plain_value(k, v) for k, v in value.items() if k != "shared_object_id"}
    inner = value.get("config")
    if key in _CONTAINER_KEYS:
        return nested_layer(value)
    if obj == "__tuple__" and isinstance(inner, dict):
        return plain_value(key, inner.get("value"))
    if obj in ("__numpy__", "__bytes__") and isinstance(inner, dict):
        return inner.get("value")
    if obj == "function" and isinstance(inner, str):
        return inner  # a built-in activation, by name (safety has checked it)
    if obj in kn.INITIALIZERS and _is_default_initializer(obj, inner):
        return _SNAKE_ALIASES.get(obj, to_snake_case(obj))
    return {k: plain_value(k, v) for k, v in value.items() if k != "shared_object_id"}


def _is_default_initializer(obj: str, config: Any) -> bool:
    if config is None:
        return True
    if not isinstance(config, dict):
        return False
    set_values = {k: v for k, v in config.items() if v is not None}
    defaults = _INITIALIZER_DEFAULTS.get(obj, {})
    return all(k in defaults and _same(v, defaults[k]) for k, v in set_values.items())


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b
