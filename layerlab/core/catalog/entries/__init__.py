"""Catalog entries, one module per palette category; importing registers them."""

from layerlab.core.catalog.entries import (  # noqa: F401
    core,
    inputs,
    merge,
    recurrent,
)
