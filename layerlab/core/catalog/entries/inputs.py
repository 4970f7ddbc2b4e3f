"""Model inputs (keras.Input: a function, not a layer class, so no base Layer arguments)."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import DTYPES
from layerlab.core.catalog.spec import CHOICE, SHAPE, STR, LayerSpec, Param

register(
    LayerSpec(
        "Input", "Inputs",
        "Used to instantiate a Keras tensor: a model input of the given shape, without the batch size.",
        params=(
            Param("shape", SHAPE, [1], "Shape of each sample, not including the batch size; None for a free dimension.",
                  nullable=True, min=1, key=True),
            # Keras's default is None, meaning floatx() = "float32"; the node shows the real type.
            Param("dtype", CHOICE, "float32", "Data type expected by the input.", choices=DTYPES, key=True),
            Param("name", STR, None, "Name of the input (defaults to the node id).", nullable=True),
        ),
        inputs=(),
    ),
)
