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
                _k = _import_quietly()

                try:
                    import absl.logging

                    absl.logging.set_verbosity(absl.logging.ERROR)
                except ImportError:  # pragma: no cover - absl ships with TF
                    pass
                _keras = _k
    return _keras


def _import_quietly():
    """Import Keras with the C++ start-up chatter (oneDNN notices, absl banners) kept off stderr.

    TensorFlow prints those from C++ before its log level applies, so stderr's
    file descriptor is pointed at /dev/null for the import only. Python
    exceptions still propagate.
    """
    saved = devnull = None
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:  # no usable stderr descriptor: import as is
        saved = None
    try:
        import keras as _k  # noqa: TID253 - the sanctioned lazy import

        return _k
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
        if devnull is not None:
            os.close(devnull)


def forget_uninitialized() -> None:
    """Drop Keras's list of deferred variables, so that nothing ever allocates them (the shape checker)."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - Keras moved it; the list then only leaks a little
        return
    global_state.set_global_attribute("uninitialized_variables", [])
