"""Helpers shared by the bench scripts: a quiet Keras import, timing statistics, markdown tables."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# Make `import layerlab` work when a script is run straight from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@contextlib.contextmanager
def silenced_stderr():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ logging ignores Python's logging settings."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_keras():
    """Import Keras (and TensorFlow) the way LayerLab does, without the start-up chatter."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    from layerlab.core.kerasenv import keras

    with silenced_stderr():
        return keras()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Run `fn` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; numbers are right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [bool(cells) and all(_looks_numeric(r[i]) for r in cells) for i in range(len(headers))]
    head = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric)) + "|"
    body = ["| " + " | ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric)) + " |"
            for r in cells]
    return "\n".join([head, rule, *body])


def _looks_numeric(text: str) -> bool:
    head = text.split(" ")[0].rstrip("x%")
    try:
        float(head.replace(",", ""))
    except ValueError:
        return False
    return True
