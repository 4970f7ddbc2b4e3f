"""The one place that imports Keras, lazily and quietly.

TensorFlow takes seconds to import, so nothing imports it at module level;
callers ask for :func:`keras` inside the function that needs it.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_keras = None


def keras():
    """Return the ``keras`` module, importing it (and TensorFlow) on first use."""
    global _keras
    if _keras is None:
        with _lock:
            if _keras is None:
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
                os.environ.setdefault("KERAS_BACKEND", "tensorflow")
                import keras as _k  # noqa: TID253 - the sanctioned lazy import

                try:
                    import absl.logging

                    absl.logging.set_verbosity(absl.logging.ERROR)
                except ImportError:  # pragma: no cover - absl ships with TF
                    pass
                _keras = _k
    return _keras


def is_loaded() -> bool:
    """True once Keras has been imported (the GUI shows shapes as pending until then)."""
    return _keras is not None
