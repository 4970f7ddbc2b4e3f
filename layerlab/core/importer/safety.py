"""Refusal reasons: what in a model config LayerLab will not run or cannot represent.

The whole config is walked before anything is built, so that a refusal lists
everything that is wrong at once. Nothing here imports a module named in the
file: names are compared with LayerLab's catalog and with written-out lists of
Keras's built-in classes (keras_names).
"""

from __future__ import annotations

from typing import Any

from layerlab.core import catalog
from layerlab.core.importer import keras_names as kn
from layerlab.core.importer.errors import Refusal

_CONTAINER_KEYS = ("layer", "backward_layer", "cell", "cells")  # params that hold whole layers (wrappers, RNN)
_ACTIVATION_KEYS = ("activation", "recurrent_activation")


def is_keras_module(module: Any) -> bool:
    """True for the module names Keras writes for its own classes (and None in legacy configs)."""
    return module is None or (isinstance(module, str) and (module == "keras" or module.startswith("keras.")))


def layer_name(entry: dict) -> str:
    cfg = entry.get("config")
    name = cfg.get("name") if isinstance(cfg, dict) else None
    return str(name or entry.get("name") or "?")


class SafetyScan:
    """Refusals found over a whole model config; `unsafe` tells code or custom objects from the unsupported."""

    def __init__(self) -> None:
        self.refusals: list[Refusal] = []
        self.unsafe = False

    def refuse(self, where: str, kind: str, reason: str, unsafe: bool) -> None:
        self.refusals.append(Refusal(where, kind, reason))
        self.unsafe = self.unsafe or unsafe

    # -- models and layers ---------------------------------------------------
    def scan_model(self, entry: dict, where: str = "") -> None:
        """Check a model entry ({"class_name", "config", ...}) and every layer in it."""
        cls = entry.get("class_name")
        if not self._keras_class(entry, where or str(cls), cls):
            return
        if cls not in kn.MODELS:
            self.refuse(where, str(cls), "not a Keras model class (a subclassed or custom model cannot be read "
                        "as a graph)", unsafe=True)
            return
        cfg = entry.get("config")
        layers = cfg if isinstance(cfg, list) else (cfg or {}).get("layers", [])
        for sub in layers if isinstance(layers, list) else []:
            if isinstance(sub, dict):
                name = layer_name(sub)
                self.scan_layer(sub, f"{where}.{name}" if where else name)

    def scan_layer(self, entry: dict, where: str) -> None:
        cls = entry.get("class_name")
        if cls in kn.MODELS:
            self.scan_model(entry, where)
            return
        if kn.is_operation(entry) and isinstance(cls, str):
            self._scan_operation(entry, where, cls)
            return
        if not self._keras_class(entry, where, cls):
            return
        if cls == "InputLayer":
            cfg = entry.get("config") or {}
            if cfg.get("ragged"):
                self.refuse(where, cls, "a ragged input, which LayerLab's Input does not support", unsafe=False)
            return
        if cls not in kn.LAYERS:
            self.refuse(where, str(cls), "not a Keras built-in layer: a custom class whose code is not in the file "
                        "(importing it would mean running code LayerLab does not ship)", unsafe=True)
            return
        if catalog.get(kn.catalog_type(entry)) is None:
            self.refuse(where, cls, "a Keras layer type that is not in LayerLab's catalog", unsafe=False)
            return
        cfg = entry.get("config")
        if isinstance(cfg, dict):
            for key, value in cfg.items():
                self.scan_value(key, value, where, cls)

    def _keras_class(self, entry: dict, where: str, cls: Any) -> bool:
        """False (and a refusal) when the entry names code or a class from outside Keras."""
        module, registered = entry.get("module"), entry.get("registered_name")
        if not isinstance(cls, str) or not cls:
            self.refuse(where, "?", "an entry without a class name", unsafe=False)
            return False
        if cls in kn.CODE_LAYERS:
            self.refuse(where, cls, kn.CODE_LAYERS[cls], unsafe=True)
            return False
        if not is_keras_module(module) or (registered is not None and registered != cls):
            origin = ", ".join(part for part in (
                f"module '{module}'" if not is_keras_module(module) else "",
                f"registered as '{registered}'" if registered not in (None, cls) else "") if part)
            self.refuse(where, cls, f"a custom class ({origin}) whose code is not in the file; LayerLab would have "
                        "to import and run it", unsafe=True)
            return False
        return True

    def _scan_operation(self, entry: dict, where: str, cls: str) -> None:
        """A keras.ops operation: only the curated ones (catalog "Operations"), with plain-data arguments."""
        registered = entry.get("registered_name")
        if registered is not None and registered != cls:
            self.refuse(where, cls, f"a custom operation (registered as '{registered}') whose code is not in the "
                        "file", unsafe=True)
            return
        if catalog.get(kn.catalog_type(entry)) is None:
            self.refuse(where, cls, f"a Keras operation ({entry.get('module') or 'keras.ops'}.{cls}) outside the "
                        "curated set LayerLab's Operations category holds", unsafe=False)
            return
        cfg = entry.get("config")
        for key, value in (cfg.items() if isinstance(cfg, dict) else ()):
            self.scan_value(key, value, where, cls)

    # -- parameter values ----------------------------------------------------
    def scan_value(self, key: str, value: Any, where: str, cls: str) -> None:
        """Check one constructor argument: nested layers, serialized objects, functions."""
        if isinstance(value, list):
            for item in value:
                self.scan_value(key, item, where, cls)
            return
        if isinstance(value, str) and key in _ACTIVATION_KEYS and value not in kn.ACTIVATIONS:
            self.refuse(where, cls, f"parameter '{key}' names '{value}', which is not a built-in Keras activation "
                        "(a custom function)", unsafe=True)
            return
        if not isinstance(value, dict):
            return
        obj = value.get("class_name")
        if obj is None:
            for k, v in value.items():
                self.scan_value(k, v, where, cls)
            return
        module, registered, inner = value.get("module"), value.get("registered_name"), value.get("config")
        if _holds_layer(key, obj, module):
            if obj in kn.MODELS:
                self.refuse(where, cls, f"parameter '{key}' wraps a whole model; LayerLab's wrappers take one layer",
                            unsafe=False)
            self.scan_layer(value, f"{where}.{key}")
            return
        if obj == "__lambda__":
            self.refuse(where, cls, f"parameter '{key}' holds a Python lambda (bytecode)", unsafe=True)
        elif obj == "function":
            name = inner if isinstance(inner, str) else "?"
            # Keras writes a plain function's module as "builtins"; only the built-in activations pass by name.
            if (is_keras_module(module) or module == "builtins") and name in kn.ACTIVATIONS \
                    and registered in (None, "function", name):
                return
            self.refuse(where, cls, f"parameter '{key}' is a Python function ('{name}' from module '{module}'), "
                        "i.e. code", unsafe=True)
        elif obj in ("__tuple__", "__numpy__", "__bytes__"):
            return  # plain data, written out by Keras's serializer
        elif obj in kn.DTYPE_POLICIES and is_keras_module(module):
            return
        elif obj.endswith("DTypePolicy") and is_keras_module(module):
            self.refuse(where, cls, f"parameter '{key}' is a {obj} (a quantized layer); LayerLab imports float "
                        "layers only", unsafe=False)
        elif not is_keras_module(module) or registered not in (None, obj):
            self.refuse(where, cls, f"parameter '{key}' is a custom object '{obj}' (module '{module}'), whose code "
                        "is not in the file", unsafe=True)
        elif not _known_object(module, obj, key):
            self.refuse(where, cls, f"parameter '{key}' is '{obj}', which is not a built-in Keras initializer, "
                        "regularizer or constraint", unsafe=True)


def _holds_layer(key: str, obj: str, module: Any) -> bool:
    if key in _CONTAINER_KEYS or obj in kn.CODE_LAYERS:
        return True
    if obj not in kn.LAYERS or module in kn.FAMILIES:
        return False
    return not key.endswith(("_initializer", "_regularizer", "_constraint"))


def _known_object(module: str | None, obj: str, key: str) -> bool:
    family = kn.FAMILIES.get(module or "")
    if family is not None:
        return obj in family
    # Legacy configs have no module: judge by the class name alone (and by the parameter it is given to).
    if key.endswith("_initializer"):
        return obj in kn.INITIALIZERS
    if key.endswith("_regularizer"):
        return obj in kn.REGULARIZERS
    if key.endswith("_constraint"):
        return obj in kn.CONSTRAINTS
    return obj in kn.INITIALIZERS or obj in kn.REGULARIZERS or obj in kn.CONSTRAINTS


def scan(model_config: dict) -> SafetyScan:
    """Walk a whole model config; the result's `refusals` is empty when everything may be imported."""
    result = SafetyScan()
    result.scan_model(model_config)
    return result
