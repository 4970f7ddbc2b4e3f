"""The live plots' numbers: growable point buffers and the y range that holds still during a run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from layerlab.core import project as project_io
from layerlab.core.training.run import RunRecord
from layerlab.core.training.series import STEADY_TICKS, Lineage, RunHistory, Series, steady_range

EXAMPLE = Path(__file__).resolve().parents[1] / "resources" / "examples" / "digits_mlp.layerlab"


def test_a_series_grows_past_its_capacity_and_unpacks_as_views():
    series = Series(capacity=2)
    for i in range(5):
        series.append(i * 0.5, float(i * i))
    xs, ys = series
    assert len(series) == 5
    assert xs.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0] and ys.tolist() == [0.0, 1.0, 4.0, 9.0, 16.0]
    series.append(2.5, math.nan)  # a NaN loss is kept; the plot leaves it out
    assert len(series.ys) == 6 and math.isnan(series.ys[-1])


def test_batch_values_go_to_series_at_fractional_epochs():
    lineage = Lineage(id="r1", label="Run 1", color="#000", steps=4)
    for batch in range(4):
        lineage.add_batch(0, batch, {"loss": 1.0 - batch / 10, "accuracy": batch / 4, "flag": True})
    xs, ys = lineage.batch["loss"]
    assert xs.tolist() == [0.25, 0.5, 0.75, 1.0]
    assert ys.tolist() == pytest.approx([1.0, 0.9, 0.8, 0.7])
    assert "flag" not in lineage.batch  # a bool is not a metric


@pytest.mark.parametrize("low, high", [(0.02, 2.3), (0.5, 0.5), (-3.0, 7.0), (0.95, 0.951), (1e-6, 3e-6)])
def test_a_new_steady_range_holds_the_values_on_nice_steps(low, high):
    bottom, top = steady_range(low, high, None)
    assert bottom <= low and high <= top and bottom < top
    if low >= 0:
        assert bottom >= 0  # no negative range for losses and accuracies
    assert top - bottom <= 3 * max(high - low, abs(high) / STEADY_TICKS)  # the values fill a fair part of it


def test_the_range_holds_still_until_a_value_leaves_it_then_leaves_room_that_way():
    shown = steady_range(0.8, 2.3, None)
    assert steady_range(0.7, 2.3, shown) is None  # still inside and filling it: the axis is not touched
    assert shown[0] > 0.1
    falling = steady_range(0.1, 2.3, shown)
    assert falling is not None and falling == (0.0, falling[1]) and falling[1] >= 2.3  # a loss stops at 0
    rising = steady_range(0.8, 3.0, shown)
    assert rising is not None and rising[1] >= 3.0 + (3.0 - 0.8) * 0.99  # room to go on rising
    assert rising[0] <= 0.8


def test_a_rising_accuracy_gets_no_room_above_one():
    shown = steady_range(0.22, 0.6, None)
    rising = steady_range(0.22, 0.9, shown)
    assert rising is not None and rising[1] == pytest.approx(1.0) and rising[0] <= 0.22
    assert steady_range(0.22, 0.95, rising) is None  # it holds until the run ends
    assert steady_range(0.5, 1.4, rising)[1] >= 1.4  # a loss that climbs past 1 is still shown


def test_a_range_the_values_have_shrunk_into_a_corner_of_is_made_anew():
    shown = (0.0, 10.0)
    narrowed = steady_range(0.30, 0.32, shown)
    assert narrowed is not None and narrowed[0] <= 0.30 and narrowed[1] >= 0.32
    assert narrowed[1] - narrowed[0] < 2.5


def test_no_range_for_values_that_are_not_finite():
    assert steady_range(math.inf, -math.inf, None) is None  # nothing finite drawn yet
    assert steady_range(float(np.float64("nan")), 1.0, None) is None


def test_saved_runs_reopen_as_lineages(tmp_path):
    from layerlab.core.training import state

    project = project_io.load(EXAMPLE)
    records = [RunRecord(config={"epochs": 2}, history={"loss": [1.0, 0.5]}),
               RunRecord(config={"epochs": 1}, initial_epoch=2, history={"loss": [0.4]})]
    state.add_runs(project, records)
    history = RunHistory()
    history.load(state.runs(project))
    [lineage] = history.lineages
    assert lineage.last_epoch == 3 and lineage.epochs["loss"] == ([1.0, 2.0, 3.0], [1.0, 0.5, 0.4])


def test_a_run_known_only_by_its_shown_epochs_becomes_a_record_of_those_after_the_recorded_ones():
    history = RunHistory()
    lineage = history.add_finished(RunRecord(config={"epochs": 2}, history={"loss": [0.9, 0.8]}))
    assert lineage.unrecorded_run("failed", "gone") is None  # every epoch shown is recorded
    history.start(lineage)
    lineage.add_epoch(2, {"loss": 0.7, "val_loss": 0.75})
    lineage.add_epoch(3, {"loss": 0.6, "val_loss": 0.65})
    record = lineage.unrecorded_run("failed", "the worker was killed")
    assert (record.initial_epoch, record.epochs_run, record.status, record.reason) == (2, 2, "failed",
                                                                                      "the worker was killed")
    assert record.history == {"loss": [0.7, 0.6], "val_loss": [0.75, 0.65]}
    assert record.config == {"epochs": 2}
