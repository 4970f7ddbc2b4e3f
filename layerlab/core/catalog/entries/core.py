"""Core layers: Dense, Embedding, Masking, Identity."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import (
    activation,
    activity_regularizer,
    constraint,
    entry,
    initializer,
    kernel_and_bias,
    positive_int,
    regularizer,
    use_bias,
)
from layerlab.core.catalog.spec import BOOL, FLOAT, Param

register(
    entry(
        "Dense", "Core",
        "Just your regular densely-connected NN layer: output = activation(dot(input, kernel) + bias).",
        params=(
            positive_int("units", 32, "Dimensionality of the output space."),
            activation(),
            use_bias(),
            *kernel_and_bias(),
        ),
    ),
    entry(
        "Embedding", "Core",
        "Turns nonnegative integers (indexes) into dense vectors of fixed size.",
        params=(
            positive_int("input_dim", 1000, "Size of the vocabulary, i.e. maximum integer index + 1."),
            positive_int("output_dim", 32, "Dimension of the dense embedding."),
            initializer("embeddings_initializer", "uniform", "the `embeddings` matrix"),
            regularizer("embeddings_regularizer", "the `embeddings` matrix"),
            activity_regularizer(),
            constraint("embeddings_constraint", "the `embeddings` matrix"),
            Param("mask_zero", BOOL, False, "Whether the input value 0 is a special padding value to be masked out "
                  "(then input_dim should be vocabulary size + 1)."),
        ),
    ),
    entry(
        "Masking", "Core",
        "Masks a sequence by using a mask value to skip timesteps (for layers downstream that support masking).",
        params=(
            Param("mask_value", FLOAT, 0.0, "Timesteps whose features all equal this value are masked (skipped).",
                  key=True),
        ),
    ),
    entry("Identity", "Core", "Identity layer: returns its input unchanged (a placeholder)."),
)
