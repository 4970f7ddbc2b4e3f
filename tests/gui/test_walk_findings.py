"""What a walk through the editor under X found and the other tests missed, one test per finding.

Each test does what the person did (by widgets and signals, offscreen) and checks what they should
have seen. The check engine tests start and kill their own engine.
"""

import os
import signal

import pytest

from layerlab.gui.check_engine import CheckEngine

from .conftest import CHECK_TIMEOUT_MS


@pytest.fixture
def own_engine(qapp):
    engine = CheckEngine()
    engine.start()
    yield engine
    engine.shutdown()


def test_the_data_is_read_again_after_the_check_engine_dies_without_a_spurious_error(qtbot, tmp_path, own_engine):
    """Killing the check engine left 'Data: stopped: a newer section was chosen' in Problems for good."""
    from layerlab.gui.training.data_service import DataService

    rows = ["a,b,y"] + [f"{i},{i * 2},{i % 2}" for i in range(20)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    service = DataService(engine=own_engine)
    errors: list[str] = []
    service.failed.connect(errors.append)
    section = {"source": "csv", "path": "d.csv", "target": "y"}
    with qtbot.waitSignal(service.datasetReady, timeout=CHECK_TIMEOUT_MS):
        service.request(section, tmp_path)
    first = own_engine.pid

    with qtbot.waitSignal(own_engine.restarted, timeout=CHECK_TIMEOUT_MS):
        os.kill(first, signal.SIGKILL)
    qtbot.waitUntil(lambda: service.dataset is not None or bool(service.error), timeout=CHECK_TIMEOUT_MS)
    assert errors == [] and service.error == ""
    assert service.dataset.num_train == 20
    service.shutdown()
