"""Application nodes made real: a keras.applications model built where it is called, and preprocess_input.

Only constructors and modules named in catalog.entries.applications are ever
looked up. ImageNet weights are read from the Keras cache; LayerLab never asks
Keras to download them (the network may reach only package registries): when
the file is missing, the error says which file to put where.
"""

from __future__ import annotations

import os
from pathlib import Path

from layerlab.core.catalog.entries.applications import APPLICATIONS
from layerlab.core.kerasenv import keras


class ApplicationWeightsMissing(ValueError):
    """The ImageNet weights file of an application is not in the Keras cache."""


def keras_cache() -> Path:
    """Where Keras keeps downloaded files: $KERAS_HOME/models, else ~/.keras/models."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def _in_stateless_scope() -> bool:
    try:
        from keras.src.backend.common.stateless_scope import in_stateless_scope
    except ImportError:  # pragma: no cover - Keras moved it: build the weights (slower, still right)
        return False
    return in_stateless_scope()


class ApplicationNode:
    """A keras.applications model standing where a layer would; made on its first call (input shape from the wire)."""

    def __init__(self, spec, params: dict, name: str | None):
        # An absent parameter means the catalog's default (pooling avg, frozen), not the constructor's.
        self.spec, self.params, self.name = spec, {**spec.defaults(), **params}, name
        self.model = None

    @property
    def built(self) -> bool:
        return self.model is not None

    @property
    def trainable_weights(self):
        return self.model.trainable_weights if self.model is not None else []

    def count_params(self) -> int:
        return self.model.count_params() if self.model is not None else 0

    def _make(self, shape: tuple):
        k = keras()
        name = self.spec.application
        if name not in APPLICATIONS:
            raise ValueError(f"keras.applications has no model {name!r} in LayerLab's catalog")
        kwargs = {k_: v for k_, v in self.params.items() if k_ not in ("trainable", "name", "weights")}
        weights = None if _in_stateless_scope() else self.params.get("weights")  # shapes need no weights
        if weights == "imagenet":
            _check_cached(name, kwargs, shape)
        model = getattr(k.applications, name)(include_top=False, weights=weights, input_shape=tuple(shape[1:]),
                                              **kwargs)
        if self.name:
            model.name = self.name
        model.trainable = bool(self.params.get("trainable", False))
        return model

    def __call__(self, inputs: list):
        if self.model is None:
            self.model = self._make(tuple(inputs[0].shape))
        return self.model(inputs[0])


def preprocess(params: dict, inputs: list):
    """The application's preprocess_input on the port's tensor (Keras records keras.ops operations)."""
    module = params.get("application", "mobilenet_v2")
    if module not in set(APPLICATIONS.values()):
        raise ValueError(f"no keras.applications module {module!r} in LayerLab's catalog")
    return getattr(keras().applications, module).preprocess_input(inputs[0])


def _check_cached(name: str, kwargs: dict, shape: tuple) -> None:
    """Raise ApplicationWeightsMissing, naming the file and the folder, unless the weights are cached.

    The application is asked for its weights with Keras's downloader replaced by a cache lookup, which
    records the file name Keras would fetch.
    """
    from keras.src.utils import file_utils

    wanted: list[str] = []
    original = file_utils.get_file

    def no_download(fname=None, origin=None, *args, **kw):
        target = fname or (origin or "").rsplit("/", 1)[-1]
        cache_subdir = kw.get("cache_subdir", "models")
        path = keras_cache().parent / cache_subdir / target
        if path.is_file():
            return str(path)
        wanted.append(target)
        raise ApplicationWeightsMissing(target)

    file_utils.get_file = no_download  # the applications call file_utils.get_file through the module
    try:
        getattr(keras().applications, name)(include_top=False, weights="imagenet", input_shape=tuple(shape[1:]),
                                            **kwargs)
    except ApplicationWeightsMissing:
        pass
    finally:
        file_utils.get_file = original
    if wanted:
        raise ApplicationWeightsMissing(
            f"the ImageNet weights of {name} are not in the Keras cache: put the file '{wanted[0]}' in "
            f"{keras_cache()} (LayerLab does not download them), or choose weights None for random weights")
