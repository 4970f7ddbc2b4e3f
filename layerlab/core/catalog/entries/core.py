"""Core layers: Dense, Activation, Embedding, Dropout and friends."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import activation, initializer, use_bias
from layerlab.core.catalog.spec import FLOAT, INT, INTS, LayerSpec, Param

register(
    LayerSpec(
        "Dense", "Core",
        "Just your regular densely-connected NN layer: output = activation(dot(input, kernel) + bias).",
        params=(
            Param("units", INT, 32, "Dimensionality of the output space.", min=1, key=True),
            activation(),
            use_bias(),
            initializer("kernel_initializer", "glorot_uniform"),
            initializer("bias_initializer", "zeros"),
        ),
    ),
    LayerSpec(
        "Dropout", "Regularization",
        "Applies dropout to the input: randomly sets input units to 0 with a frequency of `rate` during training.",
        params=(
            Param("rate", FLOAT, 0.5, "Fraction of the input units to drop, between 0 and 1.", min=0, max=1, key=True),
            Param("noise_shape", INTS, None, "Shape of the binary dropout mask that will be multiplied with the input.",
                  nullable=True),
            Param("seed", INT, None, "Random seed.", nullable=True),
        ),
    ),
    LayerSpec("Flatten", "Reshaping", "Flattens the input. Does not affect the batch size."),
    LayerSpec(
        "Embedding", "Core",
        "Turns nonnegative integers (indexes) into dense vectors of fixed size.",
        params=(
            Param("input_dim", INT, 1000, "Size of the vocabulary, i.e. maximum integer index + 1.", min=1, key=True),
            Param("output_dim", INT, 32, "Dimension of the dense embedding.", min=1, key=True),
            initializer("embeddings_initializer", "uniform"),
            Param("mask_zero", "bool", False, "Whether the input value 0 is a special padding value to mask out."),
        ),
    ),
)
