"""Helpers shared by the importer tests: compare an imported project with Keras loading the same file.

Keras is the oracle: the original file is opened with plain keras.models.load_model
(these are files the tests wrote themselves), the imported project is built with
LayerLab's own build path, and parameter counts, per-layer configs and predictions
must agree.
"""

import numpy as np

from layerlab.core.build import build_model
from layerlab.core.shapes import check_document
from layerlab.core.weights import apply_arrays

# Config keys that differ between an original layer and its LayerLab rebuild without meaning anything.
_IGNORED_CONFIG_KEYS = {"name"}


def keras():
    from layerlab.core.kerasenv import keras as k

    return k()


def random_inputs(model, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for t in model.inputs:
        shape = (batch,) + tuple(d if d is not None else 4 for d in t.shape[1:])
        if "int" in str(t.dtype):
            out.append(rng.integers(0, 5, shape).astype(str(t.dtype)))
        else:
            out.append(rng.normal(size=shape).astype("float32"))
    return out


def predictions(model, xs):
    try:
        structured = isinstance(model.input, (list, tuple))
    except AttributeError:  # a Sequential model has no symbolic input of its own
        structured = False
    out = model(xs if structured else xs[0], training=False)
    out = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(o) for o in out]


def strip_names(config):
    """A layer config without names (recursively), for comparing an original layer with its rebuild."""
    if isinstance(config, dict):
        return {k: strip_names(v) for k, v in config.items()
                if k not in _IGNORED_CONFIG_KEYS and k != "shared_object_id"}
    if isinstance(config, (list, tuple)):
        return [strip_names(v) for v in config]
    return config


def build_imported(result):
    """The imported project as a Keras model with its imported weights; asserts it checks valid."""
    report = check_document(result.project.document)
    assert report.valid, [str(p) for p in report.errors]
    model = build_model(result.project.document)
    applied = apply_arrays(model, result.weights)
    assert not applied.skipped, applied.skipped
    return model, report


def assert_same_as_keras(path, result, atol=1e-5, original=None):
    """The imported project builds to the same model as Keras loading `path`: counts, configs, predictions."""
    original = original or keras().models.load_model(path, compile=False)
    model, report = build_imported(result)
    assert model.count_params() == original.count_params()
    assert report.total_params == original.count_params()
    rebuilt = {layer.name: layer for layer in _leaf_layers(model)}  # nested models are sub-models again
    leaves = _leaf_layers(original)
    names = [layer.name for layer in leaves]
    for layer in leaves:
        twin = rebuilt.get(layer.name)
        if twin is None or names.count(layer.name) > 1 or type(layer).__name__ == "InputLayer":
            continue  # renamed (a nested clash) or an input: compared through the predictions
        assert strip_names(twin.get_config()) == strip_names(layer.get_config()), layer.name
    xs = random_inputs(original)
    expected, got = predictions(original, xs), predictions(model, xs)
    assert len(expected) == len(got)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, atol=atol, rtol=0)
    return model


def _leaf_layers(model):
    """The layers of a model with nested models flattened (as the importer does)."""
    k = keras()
    out = []
    for layer in model.layers:
        if isinstance(layer, k.Model):
            out.extend(_leaf_layers(layer))
        else:
            out.append(layer)
    return out


def save_both(model, folder, stem):
    """Save `model` as .keras and legacy .h5; returns both paths."""
    import warnings

    paths = []
    for suffix in (".keras", ".h5"):
        path = folder / f"{stem}{suffix}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(path)
        paths.append(path)
    return paths
