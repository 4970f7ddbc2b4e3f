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
from layerlab.core.weights import apply_arrays, read_arrays, weights_path_for


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


def test_continuing_after_reopening_equals_continuing_without_closing(tmp_path):
    """The optimizer's state (Adam's moments and step count) is saved with the weights: Keras is the oracle."""
    ds = blob_dataset()
    training = dict(CLASSIFY, shuffle=False)  # the same batches in the same order either way
    project = Project(document=mlp(), name="blobs", training=training, dataset={"source": "npz"})
    session = TrainingSession(project.document, ds, project.training)
    session.run()
    path = save_trained(project, session.model, session.records, tmp_path / "blobs.layerlab")
    session.continue_for(1)  # never closed

    reopened = project_io.load(path)
    resumed = TrainingSession(reopened.document, ds, reopened.training)
    report = restore_session(resumed, reopened)
    assert report.optimizer.startswith("restored (") and resumed.model.optimizer.iterations.numpy() > 0
    resumed.continue_for(1)
    for kept, back in zip(session.model.get_weights(), resumed.model.get_weights()):
        np.testing.assert_allclose(back, kept, rtol=1e-5, atol=1e-6)

    fresh = TrainingSession(reopened.document, ds, reopened.training)  # what happened before: Adam afresh
    fresh.prepare()
    apply_arrays(fresh.model, read_arrays(weights_path_for(path)))
    fresh.epochs_done = 2
    fresh.continue_for(1)
    assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(session.model.get_weights(),
                                                                 fresh.model.get_weights()))


def test_optimizer_state_is_kept_only_where_it_still_fits(tmp_path):
    _, _, ds, path = _trained(tmp_path)
    reopened = project_io.load(path)
    reopened.training = dict(reopened.training, optimizer="sgd")
    other = TrainingSession(reopened.document, ds, reopened.training)
    assert "saved for Adam, the project now uses SGD" in restore_session(other, reopened).optimizer

    reopened = project_io.load(path)
    reopened.document.set_params("hidden", {**reopened.document.params("hidden"), "units": 5})  # reshaped
    reshaped = TrainingSession(reopened.document, ds, reopened.training)
    report = restore_session(reshaped, reopened)
    assert report.skipped.keys() == {"hidden", "out"}
    assert report.optimizer == "restored (1 variable; 8 start afresh)"  # the step count only: both layers changed
    assert float(reshaped.model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)  # the project's
