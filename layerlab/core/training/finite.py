"""Finite weights: a run whose weights hold NaN or infinity has failed, whatever its loss said."""

from __future__ import annotations

import numpy as np


def non_finite_layer(model) -> str | None:
    """The name of the first layer with a NaN or infinite weight, or None when every weight is finite."""
    for layer in model.layers:
        for w in layer.weights:
            value = np.asarray(w.numpy())
            if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
                return layer.name
    return None
