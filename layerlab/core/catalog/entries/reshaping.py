"""Reshaping layers: shape changes, padding, cropping, upsampling."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import data_format, entry, int_pairs, positive_int
from layerlab.core.catalog.spec import CHOICE, INTS, JSON, SHAPE, Param


def _target_shape_rule(value) -> str | None:
    if 0 in value:
        return "cannot hold 0"
    return "can hold -1 only once" if value.count(-1) > 1 else None


def _permutation_rule(value) -> str | None:
    if sorted(value) != list(range(1, len(value) + 1)):
        return f"must be a permutation of 1..{len(value)} (the batch axis is not counted)"
    return None


def _padding(rank: int, default, what: str) -> Param:
    if rank == 1:
        return Param("padding", INTS, default, f"Zeros to add at the start and end of the {what} axis: one int, or "
                     "[before, after].", length=2, min=0, key=True)
    return Param("padding", JSON, default, f"Zeros to add on the {what} axes: one int, {rank} ints (symmetric), or "
                 f"{rank} [before, after] pairs.", key=True, check=int_pairs(rank, "whole numbers"))


def _cropping(rank: int, default, what: str) -> Param:
    if rank == 1:
        return Param("cropping", INTS, default, f"Units to trim off the start and end of the {what} axis: one int, "
                     "or [start, end].", length=2, min=0, key=True)
    return Param("cropping", JSON, default, f"Units to trim off the {what} axes: one int, {rank} ints (symmetric), "
                 f"or {rank} [start, end] pairs.", key=True, check=int_pairs(rank, "whole numbers"))


def _size(rank: int, default, what: str) -> Param:
    if rank == 1:
        return positive_int("size", default, "Upsampling factor.")
    return Param("size", INTS, default, f"Upsampling factors for {what}: one int, or {rank} ints.", length=rank,
                 min=1, key=True)


register(
    entry(
        "Flatten", "Reshaping",
        "Flattens the input. Does not affect the batch size.",
        params=(data_format(key=True),),
    ),
    entry(
        "Reshape", "Reshaping",
        "Layer that reshapes inputs into the given shape (the batch size is kept).",
        params=(
            Param("target_shape", SHAPE, [-1], "Target shape, not including the batch size; one dimension can be -1, "
                  "inferred from the others.", min=-1, key=True, check=_target_shape_rule),
        ),
    ),
    entry(
        "Permute", "Reshaping",
        "Permutes the dimensions of the input according to a given pattern (useful to connect RNNs and convnets).",
        params=(
            Param("dims", SHAPE, [2, 1], "Permutation pattern without the batch dimension, indexing from 1; e.g. "
                  "[2, 1] swaps the first two.", min=1, key=True, check=_permutation_rule),
        ),
    ),
    entry(
        "RepeatVector", "Reshaping",
        "Repeats the input n times: (batch, features) becomes (batch, n, features).",
        params=(positive_int("n", 2, "Repetition factor."),),
    ),
    entry("UpSampling1D", "Reshaping", "Upsampling layer for 1D inputs: repeats each temporal step `size` times.",
          params=(_size(1, 2, "steps"),)),
    entry(
        "UpSampling2D", "Reshaping",
        "Upsampling layer for 2D inputs: repeats the rows and columns of the data by size[0] and size[1].",
        params=(
            _size(2, [2, 2], "rows and columns"),
            data_format(),
            Param("interpolation", CHOICE, "nearest", "Interpolation method.",
                  choices=("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"), key=True),
        ),
    ),
    entry("UpSampling3D", "Reshaping", "Upsampling layer for 3D inputs: repeats each of the three spatial axes.",
          params=(_size(3, [2, 2, 2], "dim1, dim2 and dim3"), data_format())),
    entry("ZeroPadding1D", "Reshaping", "Zero-padding layer for 1D input (e.g. temporal sequence).",
          params=(_padding(1, 1, "time"), data_format())),
    entry("ZeroPadding2D", "Reshaping", "Zero-padding layer for 2D input (e.g. picture): pads rows and columns.",
          params=(_padding(2, [1, 1], "height and width"), data_format())),
    entry("ZeroPadding3D", "Reshaping", "Zero-padding layer for 3D data (spatial or spatio-temporal).",
          params=(_padding(3, [[1, 1], [1, 1], [1, 1]], "three spatial"), data_format())),
    entry("Cropping1D", "Reshaping", "Cropping layer for 1D input (e.g. temporal sequence), along the time axis.",
          params=(_cropping(1, [1, 1], "time"),)),
    entry("Cropping2D", "Reshaping", "Cropping layer for 2D input (e.g. picture), along height and width.",
          params=(_cropping(2, [[0, 0], [0, 0]], "height and width"), data_format())),
    entry("Cropping3D", "Reshaping", "Cropping layer for 3D data (e.g. spatial or spatio-temporal).",
          params=(_cropping(3, [[1, 1], [1, 1], [1, 1]], "three spatial"), data_format())),
)
