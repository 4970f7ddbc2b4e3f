"""Catalog entries, one module per palette category; importing registers them."""

from layerlab.core.catalog.entries import (  # noqa: F401
    activation,
    attention,
    convolution,
    core,
    inputs,
    merge,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
