"""Activation layers."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import ACTIVATIONS, constraint, entry, initializer, regularizer
from layerlab.core.catalog.spec import CHOICE, FLOAT, INTS, Param

register(
    entry(
        "Activation", "Activation",
        "Applies an activation function to an output.",
        params=(
            Param("activation", CHOICE, "relu", "Name of the activation function, from keras.activations; None "
                  "means linear.", choices=ACTIVATIONS, nullable=True, key=True),
        ),
    ),
    entry(
        "ReLU", "Activation",
        "Rectified Linear Unit activation: max(x, 0), optionally capped, thresholded and leaky.",
        params=(
            Param("max_value", FLOAT, None, "Maximum activation value (at least 0); None means unlimited.", min=0,
                  nullable=True, key=True),
            Param("negative_slope", FLOAT, 0.0, "Negative slope coefficient (at least 0).", min=0),
            Param("threshold", FLOAT, 0.0, "Threshold value (at least 0) for thresholded activation.", min=0),
        ),
    ),
    entry(
        "LeakyReLU", "Activation",
        "Leaky version of a Rectified Linear Unit: x if x >= 0, else negative_slope * x.",
        params=(Param("negative_slope", FLOAT, 0.3, "Negative slope coefficient (at least 0).", min=0, key=True),),
    ),
    entry(
        "PReLU", "Activation",
        "Parametric Rectified Linear Unit: like LeakyReLU, with a learned slope (alpha) for negative inputs.",
        params=(
            initializer("alpha_initializer", "Zeros", "the alpha weights", vector=True),
            regularizer("alpha_regularizer", "the alpha weights"),
            constraint("alpha_constraint", "the alpha weights"),
            Param("shared_axes", INTS, None, "Axes along which to share the learned alpha (e.g. [1, 2] for one alpha "
                  "per channel of a 2D feature map).", nullable=True, min=1, key=True),
        ),
    ),
    entry(
        "ELU", "Activation",
        "Exponential Linear Unit: x if x > 0, else alpha * (exp(x) - 1).",
        params=(Param("alpha", FLOAT, 1.0, "Scale for the negative section.", key=True),),
    ),
    entry(
        "Softmax", "Activation",
        "Softmax activation layer: exp(x) / sum(exp(x)) along an axis.",
        params=(Param("axis", INTS, -1, "Axis, or list of axes, along which the softmax normalization is applied.",
                      key=True),),
    ),
)
