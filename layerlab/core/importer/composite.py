"""Weights of layers with several weighted sub-layers (Bidirectional, MultiHeadAttention), mapped by Keras.

In model.weights.h5 such a layer's sub-layers are stored by attribute name in
sorted order, which is not the order of layer.get_weights(). Rather than
re-deriving Keras's rules, a fresh layer is built from the node's params (the
catalog type and vetted values, never code from the file), wrapped in a
one-layer model, and Keras's own load_weights reads a copy of the layer's
group into it. Only this path imports Keras.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from layerlab.core.importer.convert import LayerOrigin
from layerlab.core.importer.params import to_snake_case


def composite_arrays(origin: LayerOrigin, group) -> list[np.ndarray]:
    """The layer's arrays in get_weights() order, read from its group by Keras."""
    import h5py

    from layerlab.core import keras_layers
    from layerlab.core.kerasenv import keras

    if not origin.input_specs:
        raise ValueError("the file does not record the layer's input shapes")
    k = keras()
    inputs = [k.Input(batch_shape=tuple(shape), dtype=dtype) for shape, dtype in origin.input_specs]
    layer = keras_layers.make_layer(origin.type, dict(origin.params), None)
    outputs = keras_layers.call_layer(origin.type, layer, inputs)
    model = k.Model(inputs, outputs)
    with tempfile.TemporaryDirectory(prefix="layerlab-import-") as tmp:
        path = Path(tmp) / "layer.weights.h5"
        with h5py.File(path, "w") as f:
            # The one-layer model's container: its Input layers first, then the layer (see convert._container_paths).
            layers = f.create_group("layers")
            f.copy(group, layers, name=to_snake_case(origin.type))
        model.load_weights(path)
    return layer.get_weights()
