"""Applications from the palette: a keras.applications model as one frozen block, and its preprocess_input.

Keras is the oracle: the same application built by hand (include_top=False, same input shape, pooling
and width) has the same output shape and parameter count, exports as a nested keras.Model that is frozen,
and imports back as a `model: true` group with the preprocessing as operation nodes.
"""

import numpy as np
import pytest

from layerlab.core.build import BuildError, build_model
from layerlab.core.catalog.entries.applications import APPLICATIONS
from layerlab.core.kerasenv import keras
from layerlab.core.project import from_json
from layerlab.core.shapes import check_document


def _project(app_params, weights_path=None):
    return from_json({"format": "layerlab", "version": 1, "graph": {
        "nodes": [{"id": "image", "type": "Input", "params": {"shape": [32, 32, 3]}},
                  {"id": "pre", "type": "applications.preprocess_input", "params": {"application": "mobilenet_v2"}},
                  {"id": "base", "type": "applications.MobileNetV2", "params": app_params},
                  {"id": "head", "type": "Dense", "params": {"units": 2}}],
        "edges": [{"source": "image", "target": "pre"}, {"source": "pre", "target": "base"},
                  {"source": "base", "target": "head"}]}})


def test_every_keras_application_is_in_the_palette():
    k = keras()
    real = {n for n in dir(k.applications) if n[0].isupper() and callable(getattr(k.applications, n))}
    assert set(APPLICATIONS) == real
    for name, module in APPLICATIONS.items():
        assert hasattr(getattr(k.applications, module), "preprocess_input"), name


def test_placed_application_checks_builds_and_exports_as_a_frozen_sub_model(tmp_path):
    from layerlab.core import project as project_io
    from layerlab.core.export import export_project
    from layerlab.core.importer import import_model

    k = keras()
    project = _project({"alpha": 0.35, "pooling": "avg", "trainable": False})
    report = check_document(project.document)
    assert report.valid, [str(p) for p in report.errors]
    reference = k.applications.MobileNetV2(include_top=False, weights=None, input_shape=(32, 32, 3), pooling="avg",
                                           alpha=0.35)
    assert report.results["base"].output_shape == tuple(reference.output.shape)
    assert report.results["base"].params == reference.count_params()
    assert report.results["base"].trainable_params == 0  # frozen

    project_io.save(project, tmp_path / "transfer.layerlab")
    path = export_project(project_io.load(tmp_path / "transfer.layerlab"), tmp_path / "transfer.keras").path
    again = k.models.load_model(path, compile=False)
    base = again.get_layer("base")
    assert isinstance(base, k.Model) and not base.trainable and base.count_params() == reference.count_params()
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    expected = again.get_layer("head")(base((x / 127.5) - 1.0))
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(expected), atol=1e-4)

    result = import_model(path)
    groups = [g for g in result.project.document.groups() if g.model]
    assert [g.label for g in groups] == ["base"]
    doc = result.project.document
    assert all(doc.params(n).get("trainable") is False for n in doc.group_members(groups[0].id))
    types = [n.type for n in result.project.document.nodes()]
    assert "ops.true_divide" in types and "ops.subtract" in types


def test_imagenet_weights_missing_from_the_cache_name_the_file_and_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    project = _project({"alpha": 0.35, "weights": "imagenet"})
    assert check_document(project.document).valid  # shapes need no weights
    with pytest.raises(BuildError) as info:
        build_model(project.document)
    message = str(info.value)
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5" in message
    assert str(tmp_path / "keras_home" / "models") in message
