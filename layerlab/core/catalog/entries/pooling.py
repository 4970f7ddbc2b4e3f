"""Pooling layers: windowed max/average pooling and global pooling."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import data_format, entry, padding
from layerlab.core.catalog.spec import BOOL, INTS, Param

_AXES = {1: "the time axis", 2: "height and width", 3: "each of the three spatial axes"}
_DATA = {1: "temporal", 2: "2D spatial", 3: "3D (spatial or spatio-temporal)"}


def _pooling(rank: int, mode: str) -> tuple[Param, ...]:
    # Keras's defaults: 2 for 1D, (2, 2) and (2, 2, 2) otherwise (AveragePooling requires it; same starter).
    size = 2 if rank == 1 else [2] * rank
    return (
        Param("pool_size", INTS, size, f"Size of the {mode} pooling window along {_AXES[rank]}: one int, or {rank}.",
              length=rank, min=1, key=True),
        Param("strides", INTS, None, "How far the window moves at each step; None means pool_size.", length=rank,
              min=1, nullable=True, key=True),
        padding(),
        data_format(),
    )


def _global() -> tuple[Param, ...]:
    return (
        data_format(),
        Param("keepdims", BOOL, False, "Whether to keep the pooled dimensions with length 1 (then the rank stays the "
              "same); by default they are removed.", key=True),
    )


_POOLING = [
    entry(f"{kind}Pooling{rank}D", "Pooling", f"{mode.capitalize()} pooling operation for {_DATA[rank]} data.",
          params=_pooling(rank, mode))
    for kind, mode in (("Max", "max"), ("Average", "average")) for rank in (1, 2, 3)
]
_GLOBAL = [
    entry(f"Global{kind}Pooling{rank}D", "Pooling",
          f"Global {mode} pooling operation for {_DATA[rank]} data: one {mode} per channel.",
          params=_global())
    for kind, mode in (("Max", "max"), ("Average", "average")) for rank in (1, 2, 3)
]

register(*_POOLING, *_GLOBAL)

_ADAPTIVE = [
    entry(f"Adaptive{kind}Pooling{rank}D", "Pooling",
          f"Adaptive {mode} pooling for {_DATA[rank]} data: windows chosen so that the output has output_size.",
          params=(Param("output_size", INTS, 1 if rank == 1 else [1] * rank, f"The output size along "
                        f"{_AXES[rank]}: one int, or {rank}.", length=rank, min=1, key=True),
                  data_format()))
    for kind, mode in (("Max", "max"), ("Average", "average")) for rank in (1, 2, 3)
]

register(*_ADAPTIVE)
