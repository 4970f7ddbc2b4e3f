"""Normalization layers."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import axis, beta_gamma, center_scale, entry, epsilon, initializer
from layerlab.core.catalog.spec import FLOAT, INT, LAYER, Param


def _groups_rule(value) -> str | None:
    return None if value >= 1 or value == -1 else "must be at least 1, or -1 (one group per channel)"


register(
    entry(
        "BatchNormalization", "Normalization",
        "Normalizes its inputs to mean 0 and standard deviation 1, using batch statistics in training and moving "
        "averages in inference.",
        params=(
            Param("axis", INT, -1, "The axis to normalize, typically the features axis (1 after a channels_first "
                  "Conv2D).", key=True),
            Param("momentum", FLOAT, 0.99, "Momentum for the moving average.", min=0, max=1, key=True),
            epsilon(),
            *center_scale(),
            *beta_gamma()[:2],
            initializer("moving_mean_initializer", "zeros", "the moving mean", vector=True),
            initializer("moving_variance_initializer", "ones", "the moving variance", vector=True),
            *beta_gamma()[2:],
            # renorm and synchronized are left out: Keras 3.6 does not know them.
        ),
    ),
    entry(
        "LayerNormalization", "Normalization",
        "Layer normalization (Ba et al., 2016): normalizes each sample independently, across the given axes.",
        params=(axis(), epsilon(), *center_scale(), *beta_gamma()),
    ),
    entry(
        "GroupNormalization", "Normalization",
        "Group normalization (Yuxin Wu, Kaiming He): normalizes groups of channels within each sample.",
        params=(
            Param("groups", INT, 32, "Number of groups; the channel count must be divisible by it (-1: one per "
                  "channel).", key=True, check=_groups_rule),
            axis(help="The axis holding the channels; -1 is the last axis."),
            epsilon(), *center_scale(), *beta_gamma(),
        ),
    ),
    entry(
        "UnitNormalization", "Normalization",
        "Unit normalization: scales each sample to an L2 norm of 1 along the given axes.",
        params=(axis(help="Axis or axes to normalize across; -1 is the last (features) axis."),),
    ),
)

register(
    entry(
        "RMSNormalization", "Normalization",
        "Root-mean-square normalization (Zhang and Sennrich, 2019): scales by the inverse RMS, with a learned scale.",
        params=(axis(), Param("epsilon", FLOAT, 1e-6, "Small float added to the mean square to avoid dividing by "
                              "zero.", min=0, min_exclusive=True)),
    ),
    entry(
        "SpectralNormalization", "Normalization",
        "Wraps a Dense or convolution layer and normalizes its kernel by its spectral norm (GAN discriminators).",
        params=(
            Param("layer", LAYER, {"type": "Dense", "params": {"units": 32}}, "The layer whose kernel is "
                  "normalized.", choices=("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
                                          "Conv2DTranspose", "Conv3DTranspose", "Embedding"), key=True),
            Param("power_iterations", INT, 1, "Number of power iterations per step.", min=1, key=True),
        ),
    ),
)
