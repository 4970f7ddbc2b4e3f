"""Shared test setup: quiet TensorFlow, headless Qt, small deterministic runs."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ray_cluster import background  # noqa: E402

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


def pytest_collection_modifyitems(session, config, items):
    """The Ray cluster suite's test goes last: it only reads the result of the suite running beside the others."""
    suite = [item for item in items if item.nodeid == background.SUITE]
    for item in suite:
        items.remove(item)
        items.append(item)


def pytest_collection_finish(session):
    if not session.config.option.collectonly and any(item.nodeid == background.SUITE for item in session.items):
        background.launch.start()


def pytest_sessionfinish(session, exitstatus):
    background.launch.stop()
