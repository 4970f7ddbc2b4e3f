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
from layerlab.core.catalog.spec import BOOL, FLOAT, JSON, STR, Param

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


def _output_shape_rule(value) -> str | None:
    items = value if isinstance(value, list) else [value]
    ok = bool(items) and all(v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1) for v in items)
    return None if ok else "must be a positive whole number or a list of them (None for a free dimension)"


register(
    entry(
        "EinsumDense", "Core",
        "A dense layer of any rank, written as an einsum equation (e.g. 'abc,cd->abd' for a per-timestep Dense).",
        params=(
            Param("equation", STR, "ab,bc->ac", "The einsum equation: input,kernel->output.", key=True),
            Param("output_shape", JSON, 32, "The output shape without the batch dimension; None for a free "
                  "dimension.", check=_output_shape_rule, key=True),
            activation(key=False),
            Param("bias_axes", STR, None, "Output letters that get a bias (e.g. 'c'); None for no bias.",
                  nullable=True),
            initializer("kernel_initializer", "glorot_uniform", "the kernel"),
            initializer("bias_initializer", "zeros", "the bias", vector=True),
            regularizer("kernel_regularizer", "the kernel"),
            regularizer("bias_regularizer", "the bias"),
            constraint("kernel_constraint", "the kernel"),
            constraint("bias_constraint", "the bias"),
        ),
    ),
    entry(
        "ReversibleEmbedding", "Core",
        "An Embedding that can also project back to vocabulary logits (tied weights), as in language models.",
        params=(
            positive_int("input_dim", 1000, "Size of the vocabulary."),
            positive_int("output_dim", 32, "Dimension of the dense embedding."),
            Param("tie_weights", BOOL, True, "Whether the reverse projection uses the embedding matrix."),
            initializer("embeddings_initializer", "uniform", "the `embeddings` matrix"),
            Param("mask_zero", BOOL, False, "Whether the input value 0 is a padding value to be masked out."),
            Param("logit_soft_cap", FLOAT, None, "Soft cap of the reverse logits; None for none.", min=0,
                  min_exclusive=True, nullable=True),
        ),
    ),
)
