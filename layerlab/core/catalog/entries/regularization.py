"""Regularization layers: dropout and noise (active only during training)."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import base_params, data_format, entry, rate, seed
from layerlab.core.catalog.spec import FLOAT, SHAPE, Param


def _noise_shape(what: str) -> Param:
    return Param("noise_shape", SHAPE, None,
                 f"Shape of the binary {what} mask, batch included (e.g. [None, 1, 64] to share it over timesteps).",
                 nullable=True, min=1)


# SpatialDropout*'s constructors name their arguments and take no **kwargs (so no `trainable`).
_NAME_AND_DTYPE = base_params(trainable=False)

register(
    entry(
        "Dropout", "Regularization",
        "Applies dropout to the input: randomly sets input units to 0 with a frequency of `rate` during training.",
        params=(rate(0.5), _noise_shape("dropout"), seed()),
    ),
    entry(
        "SpatialDropout1D", "Regularization",
        "Spatial 1D version of Dropout: drops entire 1D feature maps instead of individual elements.",
        params=(rate(0.5), seed()), base=_NAME_AND_DTYPE,
    ),
    entry(
        "SpatialDropout2D", "Regularization",
        "Spatial 2D version of Dropout: drops entire 2D feature maps instead of individual elements.",
        params=(rate(0.5), data_format(), seed()), base=_NAME_AND_DTYPE,
    ),
    entry(
        "SpatialDropout3D", "Regularization",
        "Spatial 3D version of Dropout: drops entire 3D feature maps instead of individual elements.",
        params=(rate(0.5), data_format(), seed()), base=_NAME_AND_DTYPE,
    ),
    entry(
        "GaussianNoise", "Regularization",
        "Apply additive zero-centered Gaussian noise (a regularizer, active only at training time).",
        params=(
            Param("stddev", FLOAT, 0.1, "Standard deviation of the noise distribution, between 0 and 1.", min=0, max=1,
                  key=True),
            seed(),
        ),
    ),
    entry(
        "GaussianDropout", "Regularization",
        "Apply multiplicative 1-centered Gaussian noise (active only at training time).",
        params=(
            rate(0.1, "Drop probability (as with Dropout); the noise has standard deviation sqrt(rate / (1 - rate))."),
            seed(),
        ),
    ),
    entry(
        "AlphaDropout", "Regularization",
        "Applies Alpha Dropout, which keeps the mean and variance of the inputs (pairs with selu activations).",
        params=(rate(0.1, "Fraction of the input units to drop, between 0 and 1."), _noise_shape("alpha dropout"),
                seed()),
    ),
    entry(
        "ActivityRegularization", "Regularization",
        "Layer that applies an update to the cost function based on input activity.",
        params=(
            Param("l1", FLOAT, 0.0, "L1 regularization factor (a non-negative float).", min=0, key=True),
            Param("l2", FLOAT, 0.0, "L2 regularization factor (a non-negative float).", min=0, key=True),
        ),
    ),
)
