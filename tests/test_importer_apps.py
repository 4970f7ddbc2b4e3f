"""Real architectures from keras.applications (built offline, weights=None, 32x32 input), saved as .keras and .h5.

Each is imported, checked, built with its imported weights and compared with plain
Keras loading the original file: same parameter count, same layer configs, and
predictions on a random batch equal to 1e-5. Batch-norm statistics are randomized
first so that the non-trainable weights matter too.
"""

import numpy as np
import pytest
from test_importer_support import assert_same_as_keras, keras, save_both

from layerlab.core.importer import import_model

ARCHITECTURES = {
    "MobileNetV2": dict(classes=10),
    "ResNet50": dict(classes=10),
    "VGG16": dict(include_top=False, pooling="max"),  # VGG's 4096-wide top would add 130 MB for nothing
}


@pytest.fixture(scope="session")
def saved_applications(tmp_path_factory):
    """{architecture: {suffix: path}}, each model built and saved once per session."""
    k = keras()
    folder = tmp_path_factory.mktemp("applications")
    rng = np.random.default_rng(0)
    out = {}
    for name, kwargs in ARCHITECTURES.items():
        model = getattr(k.applications, name)(weights=None, input_shape=(32, 32, 3), **kwargs)
        for layer in model.layers:
            if isinstance(layer, k.layers.BatchNormalization):
                gamma, beta, mean, var = layer.get_weights()
                layer.set_weights([gamma, beta, rng.normal(0, 0.1, mean.shape).astype("float32"),
                                   rng.uniform(0.5, 1.5, var.shape).astype("float32")])
        keras_path, h5_path = save_both(model, folder, name)
        out[name] = {".keras": keras_path, ".h5": h5_path}
        del model
        k.backend.clear_session()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_application_imports_exactly(saved_applications, architecture, suffix):
    path = saved_applications[architecture][suffix]
    result = import_model(path)
    assert len(result.project.document) > 15
    assert not any(n.shares for n in result.project.document.nodes())
    assert_same_as_keras(path, result, atol=1e-5)
