"""core.training.progress: fraction done, elapsed time, ETA and samples per second of a run."""

import pytest

from layerlab.core.training.progress import RunProgress, format_duration


def test_progress_counts_this_runs_batches_from_where_it_started():
    now = [100.0]
    progress = RunProgress(clock=lambda: now[0])
    progress.start(8, 10, 320)  # continued from epoch 5 to 8: three epochs of ten batches
    assert progress.text().startswith("Starting…")
    progress.on_batch(5, 0)
    now[0] += 3.0
    progress.on_batch(5, 9)
    progress.on_epoch(5)
    assert progress.total_steps == 30 and progress.done_steps == 10
    assert progress.fraction == pytest.approx(1 / 3)
    assert progress.eta == pytest.approx(6.0)
    assert progress.samples_per_second == pytest.approx(320 / 3.0)
    assert progress.text() == "Epoch 6/8 · batch 10/10 · 0:03 elapsed · ETA 0:06 · 107 samples/s"


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (7.4, "0:07"), (65, "1:05"), (3909, "1:05:09"), (-3, "0:00")])
def test_durations_read_as_a_clock(seconds, text):
    assert format_duration(seconds) == text
