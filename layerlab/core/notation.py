"""How the core writes shapes and sizes: once, for the canvas, the panels, the summary and the messages."""

from __future__ import annotations

# Bytes per weight of each dtype Keras layers take (anything else: float32's 4), as Keras's summary counts.
DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int64": 8, "int32": 4, "int8": 1,
               "uint8": 1}
UNKNOWN_SHAPE = "?"


def dtype_size(dtype) -> int:
    """Bytes per weight of a layer with this dtype (None: the float32 default)."""
    return DTYPE_BYTES.get(str(dtype or "float32"), 4)


def format_shape(shape) -> str:
    """(None, 12): a shape as Keras prints it, batch dimension included; (3,) for one dimension."""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def readable_size(n: float) -> str:
    """Bytes as Keras's summary writes them: "1.55 MB"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PB"


def format_bytes(n: float) -> str:
    """Memory as the checker's messages write it: "1.5 GiB"."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def shapes_text(shapes) -> str:
    """One shape, several (a list: joined with ", "), several by name (a dict), or "?" when unknown."""
    if shapes is None:
        return UNKNOWN_SHAPE
    if isinstance(shapes, dict):
        return ", ".join(f"{k}: {format_shape(tuple(v))}" for k, v in shapes.items())
    if isinstance(shapes, list):
        return ", ".join(format_shape(tuple(s)) for s in shapes)
    return format_shape(tuple(shapes))
