"""The registry of layer types, keyed by Keras class name.

Each category module lists its entries; adding a type is one entry there.
The registry knows nothing about nodes or graphs (those live in the document).
"""

from __future__ import annotations

from layerlab.core.catalog.spec import LayerSpec, Param

_REGISTRY: dict[str, LayerSpec] = {}

CATEGORIES = (
    "Inputs",
    "Core",
    "Convolution",
    "Pooling",
    "Recurrent",
    "Merge",
    "Attention",
    "Normalization",
    "Regularization",
    "Activation",
    "Reshaping",
    "Preprocessing",
    "Augmentation",
    "Operations",
    "Applications",
)


def register(*specs: LayerSpec) -> None:
    for spec in specs:
        if spec.type in _REGISTRY:
            raise ValueError(f"layer type {spec.type!r} is registered twice")
        if spec.category not in CATEGORIES:
            raise ValueError(f"layer type {spec.type!r} has unknown category {spec.category!r}")
        _REGISTRY[spec.type] = spec


def get(type_name: str) -> LayerSpec | None:
    _load()
    return _REGISTRY.get(type_name)


def all_specs() -> list[LayerSpec]:
    """Every entry, including the nested-only ones (RNN cells)."""
    _load()
    return list(_REGISTRY.values())


def by_category() -> dict[str, list[LayerSpec]]:
    _load()
    groups: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
    for spec in _REGISTRY.values():
        if not spec.nested_only:  # RNN cells live inside an RNN's parameters only
            groups[spec.category].append(spec)
    return {c: specs for c, specs in groups.items() if specs}


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from layerlab.core.catalog import entries  # noqa: F401  (registers on import)


__all__ = ["LayerSpec", "Param", "get", "all_specs", "by_category", "register", "CATEGORIES"]
