"""Convolution layers: regular, transposed, separable and depthwise, in 1, 2 and 3 dimensions."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import (
    activation,
    activity_regularizer,
    constraint,
    data_format,
    entry,
    initializer,
    kernel_and_bias,
    padding,
    positive_int,
    regularizer,
    use_bias,
)
from layerlab.core.catalog.spec import INT, INTS, Param

_AXES = {1: "the time axis", 2: "height and width", 3: "each of the three spatial axes"}


def _tuple_default(rank: int, value: int):
    """Keras's signature default: a bare int for 1D layers, a tuple for 2D and 3D."""
    return value if rank == 1 else [value] * rank


def _window(rank: int, what: str = "convolution") -> tuple[Param, ...]:
    return (
        Param("kernel_size", INTS, _tuple_default(rank, 3), f"Size of the {what} window along {_AXES[rank]}: one "
              f"int, or {rank}.", length=rank, min=1, key=True),
        Param("strides", INTS, _tuple_default(rank, 1), f"Stride of the {what} along {_AXES[rank]}; strides > 1 is "
              "incompatible with dilation_rate > 1.", length=rank, min=1),
    )


def _dilation(rank: int) -> Param:
    return Param("dilation_rate", INTS, _tuple_default(rank, 1), "Dilation rate of the dilated (atrous) "
                 "convolution.", length=rank, min=1)


def _filters(help="Dimension of the output space (the number of filters in the convolution).") -> Param:
    return positive_int("filters", 32, help)


def _depth_multiplier() -> Param:
    return positive_int("depth_multiplier", 1, "Number of depthwise output channels for each input channel.",
                        key=False)


def conv(rank: int) -> tuple[Param, ...]:
    return (
        _filters(), *_window(rank), padding(causal=rank == 1), data_format(), _dilation(rank),
        Param("groups", INT, 1, "Number of groups the input channels are split into, each convolved separately; "
              "filters and channels must be divisible by it.", min=1),
        activation(), use_bias(), *kernel_and_bias(),
    )


def conv_transpose(rank: int) -> tuple[Param, ...]:
    return (
        _filters("Dimension of the output space (the number of filters in the transposed convolution)."),
        *_window(rank, "transposed convolution"), padding(),
        Param("output_padding", INTS, None, "Padding added to the output along each spatial axis, lower than the "
              "stride; None infers the output shape.", length=rank, min=0, nullable=True),
        data_format(), _dilation(rank), activation(), use_bias(), *kernel_and_bias(),
    )


def separable(rank: int) -> tuple[Param, ...]:
    return (
        _filters("Dimension of the output space (the number of filters in the pointwise convolution)."),
        *_window(rank, "depthwise convolution"), padding(), data_format(), _dilation(rank), _depth_multiplier(),
        activation(), use_bias(),
        initializer("depthwise_initializer", "glorot_uniform", "the depthwise convolution kernel"),
        initializer("pointwise_initializer", "glorot_uniform", "the pointwise convolution kernel"),
        initializer("bias_initializer", "zeros", "the bias vector", vector=True),
        regularizer("depthwise_regularizer", "the depthwise convolution kernel"),
        regularizer("pointwise_regularizer", "the pointwise convolution kernel"),
        regularizer("bias_regularizer", "the bias vector"),
        activity_regularizer(),
        constraint("depthwise_constraint", "the depthwise convolution kernel"),
        constraint("pointwise_constraint", "the pointwise convolution kernel"),
        constraint("bias_constraint", "the bias vector"),
    )


def depthwise(rank: int) -> tuple[Param, ...]:
    return (
        *_window(rank, "depthwise convolution"), padding(), _depth_multiplier(), data_format(), _dilation(rank),
        activation(), use_bias(), *kernel_and_bias("depthwise"),
    )


register(
    entry("Conv1D", "Convolution", "1D convolution layer (e.g. temporal convolution).", params=conv(1)),
    entry("Conv2D", "Convolution", "2D convolution layer (e.g. spatial convolution over images).", params=conv(2)),
    entry("Conv3D", "Convolution", "3D convolution layer (e.g. spatial convolution over volumes).", params=conv(3)),
    entry("Conv1DTranspose", "Convolution", "1D transposed convolution layer (sometimes called deconvolution): "
          "upsamples a sequence.", params=conv_transpose(1)),
    entry("Conv2DTranspose", "Convolution", "2D transposed convolution layer (sometimes called deconvolution): "
          "upsamples an image.", params=conv_transpose(2)),
    entry("Conv3DTranspose", "Convolution", "3D transposed convolution layer (sometimes called deconvolution): "
          "upsamples a volume.", params=conv_transpose(3)),
    entry("SeparableConv1D", "Convolution", "1D separable convolution: a depthwise convolution per channel, then a "
          "pointwise (1x1) convolution mixing channels.", params=separable(1)),
    entry("SeparableConv2D", "Convolution", "2D separable convolution: a depthwise convolution per channel, then a "
          "pointwise (1x1) convolution mixing channels.", params=separable(2)),
    entry("DepthwiseConv1D", "Convolution", "1D depthwise convolution: convolves each input channel with its own "
          "filters, without mixing channels.", params=depthwise(1)),
    entry("DepthwiseConv2D", "Convolution", "2D depthwise convolution: convolves each input channel with its own "
          "filters, without mixing channels.", params=depthwise(2)),
)
