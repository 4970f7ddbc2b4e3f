"""Shared test setup: quiet TensorFlow, headless Qt, small deterministic runs."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@pytest.fixture(autouse=True)
def _no_allowed_folders_leak():
    """Folders allowed by one test (--allow-path sets them process-wide) are forgotten after it."""
    from layerlab.core import confine

    before = os.environ.get(confine.ENV_VAR)
    yield
    confine.reset()
    if before is not None:
        os.environ[confine.ENV_VAR] = before
