"""Trained state kept with the project: weights beside it, runs inside it; reopening restores both."""

import json

import numpy as np
import pytest
from test_training_support import CLASSIFY, blob_dataset, mlp

from layerlab.core import project as project_io
from layerlab.core.project import Project
from layerlab.core.training import TrainingSession
from layerlab.core.training.errors import StateWriteError, TrainedStateError
from layerlab.core.training.state import (
    RUNS_KEY,
    epochs_trained,
    restore_model,
    restore_session,
    runs,
    save_trained,
)
from layerlab.core.weights import read_arrays, weights_path_for


def _trained(tmp_path):
    ds = blob_dataset()
    project = Project(document=mlp(), name="blobs", training=dict(CLASSIFY), dataset={"source": "npz"})
    session = TrainingSession(project.document, ds, project.training)
    session.run()
    path = save_trained(project, session.model, session.records, tmp_path / "blobs.layerlab")
    return project, session, ds, path


def test_reopened_project_predicts_exactly_as_before(tmp_path):
    project, session, ds, path = _trained(tmp_path)
    before = session.model.predict(ds.x_test, verbose=0)
    assert weights_path_for(path) == tmp_path / "blobs.weights.h5"
    assert set(read_arrays(weights_path_for(path))) == {"hidden", "out"}

    reopened = project_io.load(path)
    model, report = restore_model(reopened)
    assert sorted(report.loaded) == ["hidden", "out"] and not report.skipped
    np.testing.assert_array_equal(model.predict(ds.x_test, verbose=0), before)


def test_runs_are_kept_in_the_project_json_and_saving_again_does_not_duplicate_them(tmp_path):
    project, session, _, path = _trained(tmp_path)
    data = json.loads(path.read_text())
    assert data["graph"]["nodes"][0]["id"] == "x"  # the project itself is intact
    [saved] = data[RUNS_KEY]
    assert saved["status"] == "finished" and saved["config"]["epochs"] == 2
    assert saved["history"]["loss"] == session.records[0].history["loss"]
    assert runs(project_io.load(path))[0].history == session.records[0].history

    session.continue_for(1)
    save_trained(project, session.model, session.records)
    reopened = project_io.load(path)
    assert [r.initial_epoch for r in runs(reopened)] == [0, 2]
    assert epochs_trained(reopened) == 3
    # save -> load -> save is byte-identical with runs in it, too.
    again = tmp_path / "again.layerlab"
    project_io.save(reopened, again)
    assert again.read_text() == path.read_text()


def test_training_continues_from_a_reopened_project(tmp_path):
    _, session, ds, path = _trained(tmp_path)
    reopened = project_io.load(path)
    resumed = TrainingSession(reopened.document, ds, reopened.training)
    report = restore_session(resumed, reopened)
    assert sorted(report.loaded) == ["hidden", "out"]
    np.testing.assert_array_equal(resumed.model.predict(ds.x_test, verbose=0),
                                  session.model.predict(ds.x_test, verbose=0))
    record = resumed.continue_for(1)
    assert record.initial_epoch == 2 and record.status == "finished"


def test_nan_weights_are_not_saved(tmp_path):
    project, session, _, path = _trained(tmp_path)
    layer = session.model.get_layer("hidden")
    kernel, bias = layer.get_weights()
    kernel[0, 0] = np.nan
    layer.set_weights([kernel, bias])
    saved_before = path.read_bytes()
    with pytest.raises(TrainedStateError, match="layer 'hidden' has NaN"):
        save_trained(project, session.model, [], path)
    assert path.read_bytes() == saved_before


def test_a_project_without_weights_restores_nothing_and_bad_runs_are_errors(tmp_path):
    project = Project(document=mlp(), path=tmp_path / "fresh.layerlab")
    assert restore_model(project) is None
    project.extra[RUNS_KEY] = {"not": "a list"}
    with pytest.raises(TrainedStateError, match='"runs" must be a list'):
        runs(project)
    with pytest.raises(TrainedStateError, match="no file yet"):
        save_trained(Project(document=mlp()), None)


def test_an_unwritable_place_is_an_error_naming_the_file(tmp_path):
    project, session, _, path = _trained(tmp_path)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    with pytest.raises(StateWriteError, match="not_a_folder/blobs.weights.h5: cannot be written") as err:
        save_trained(project, session.model, [], blocker / "blobs.layerlab")
    assert err.value.exit_code == 2
