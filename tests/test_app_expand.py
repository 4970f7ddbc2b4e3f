"""Application nodes expanded into their layers (core.app_expand): the fragment the check engine sends the editor.

Keras is the oracle: the fragment, put behind an Input, builds a nested model with the parameters of the
keras.applications model made by hand; with weights "imagenet" the build copies the weights from the Keras
cache (a file planted there: LayerLab never downloads), and a missing file is named with its folder.
"""

import numpy as np
import pytest

from layerlab.core.app_expand import ExpandError, fragment
from layerlab.core.build import build_model
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.kerasenv import keras

APP = "applications.MobileNetV2"
WEIGHTS_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"


def _document(part) -> GraphDocument:
    doc = GraphDocument()
    doc.load([Node("image", "Input", {"shape": [96, 96, 3]}), *part.nodes],
             [*part.edges, *(Edge("image", target, port) for target, port in part.entries)], part.groups)
    return doc


def test_the_fragment_is_the_application_as_a_collapsed_frozen_model_group():
    part = fragment(APP, {"alpha": 0.35, "pooling": "max"}, [96, 96, 3], "base")
    model_groups = [g for g in part.groups if g.model]
    assert [g.id for g in model_groups] == [part.group_id] and model_groups[0].label == "base"
    assert model_groups[0].collapsed and all(n.params.get("trainable") is False for n in part.nodes)
    assert part.entries == [("Conv1", 0)] and part.exit == ("global_max_pooling2d", 0) and part.notes == []
    k = keras()
    reference = k.applications.MobileNetV2(include_top=False, alpha=0.35, input_shape=(96, 96, 3), weights=None,
                                           pooling="max")
    assert len(part.nodes) == len(reference.layers) - 1  # all but its InputLayer
    base = build_model(_document(part)).get_layer("base")
    assert isinstance(base, k.Model) and not base.trainable and base.count_params() == reference.count_params()
    weighted = [layer.name for layer in reference.layers if layer.weights]  # the names ImageNet weights go by
    assert [layer.name for layer in base.layers if layer.weights] == weighted


def test_unknown_input_shapes_take_the_default_and_other_nodes_do_not_expand():
    part = fragment(APP, {"alpha": 0.35}, None, "base")
    assert "224, 224, 3 (its default)" in part.notes[0]
    with pytest.raises(ExpandError, match="only those expand"):
        fragment("Dense", {"units": 2}, [4], "dense")
    with pytest.raises(ExpandError, match="cannot be made for input shape"):
        fragment(APP, {"alpha": 0.35}, [96, 96], "base")


def test_imagenet_weights_come_from_the_keras_cache_at_build(tmp_path, monkeypatch):
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(ExpandError) as info:
        fragment(APP, {"alpha": 0.35, "weights": "imagenet"}, [96, 96, 3], "base")
    assert WEIGHTS_FILE in str(info.value) and str(tmp_path / "keras_home" / "models") in str(info.value)

    k = keras()
    k.utils.set_random_seed(7)
    pretrained = k.applications.MobileNetV2(include_top=False, alpha=0.35, input_shape=(96, 96, 3), weights=None)
    (tmp_path / "keras_home" / "models").mkdir(parents=True)
    with h5py.File(tmp_path / "keras_home" / "models" / WEIGHTS_FILE, "w") as f:  # as Keras's own file holds them
        legacy_h5_format.save_weights_to_hdf5_group(f, pretrained)
    part = fragment(APP, {"alpha": 0.35, "weights": "imagenet"}, [96, 96, 3], "base")
    group = next(g for g in part.groups if g.model)
    assert group.extra["application"] == {"name": "MobileNetV2", "kwargs": {"pooling": "avg", "alpha": 0.35},
                                          "input_shape": [96, 96, 3]}
    base = build_model(_document(part)).get_layer("base")
    for got, want in zip(base.get_weights(), pretrained.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_script_export_loads_the_same_imagenet_weights(tmp_path, monkeypatch):
    import importlib.util

    import h5py
    from keras.src.legacy.saving import legacy_h5_format
    from keras.src.utils import file_utils

    from layerlab.core.export import export_project
    from layerlab.core.project import Project

    cache = tmp_path / "keras_home" / "models"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    k = keras()
    k.utils.set_random_seed(11)
    pretrained = k.applications.MobileNetV2(include_top=False, alpha=0.35, input_shape=(96, 96, 3), weights=None)
    cache.mkdir(parents=True)
    with h5py.File(cache / WEIGHTS_FILE, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, pretrained)
    part = fragment(APP, {"alpha": 0.35, "weights": "imagenet"}, [96, 96, 3], "base")
    script = export_project(Project(document=_document(part)), tmp_path / "transfer.py").path
    text = script.read_text()
    assert "base_imagenet = keras.applications.MobileNetV2(" in text and 'weights="imagenet"' in text
    # the script asks Keras for the file; Keras's cache folder was fixed when it was imported: point it at ours
    monkeypatch.setattr(file_utils, "get_file", lambda fname=None, origin=None, **kw: str(cache / fname))
    spec = importlib.util.spec_from_file_location("transfer_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base = module.build_model().get_layer("base")
    for got, want in zip(base.get_weights(), pretrained.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
