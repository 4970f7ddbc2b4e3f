"""Catalog entries, one module per palette category; importing registers them."""

from layerlab.core.catalog.entries import (  # noqa: F401
    activation,
    applications,
    attention,
    augmentation,
    convolution,
    core,
    inputs,
    lookup,
    merge,
    normalization,
    operations,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
