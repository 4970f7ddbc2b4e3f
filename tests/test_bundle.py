"""A training job bundled for another machine carries its data files and saved weights (core/cluster/bundle.py).

The editor's Train on a Ray cluster and `train --on ray --save` rely on it. Here the worker is a local
`train` engine whose project folder is moved away before it runs: it can only read what travelled.
"""

import signal
import sys
from pathlib import Path

import pytest

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.cluster.bundle import BundleError, bundle, job_spec
from layerlab.core.cluster.remote import start_job
from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.connection import EngineDied
from layerlab.core.engine.executor import LocalExecutor
from layerlab.core.sweep.trials import KILLED, from_death
from layerlab.core.training import FINISHED
from layerlab.core.training.outcome import outcome_from_json
from layerlab.core.training.state import runs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ray_cluster.projects import make_project  # noqa: E402


def test_a_bundled_job_continues_from_the_saved_weights_with_only_what_travelled(tmp_path):
    src = tmp_path / "src"
    path = make_project(src, {"epochs": 2})
    assert cli.main(["train", str(path), "--save"]) == 0
    project = project_io.load(path)
    [first] = runs(project)
    conn = LocalExecutor().start("train")
    try:
        args = {"project": project.to_json(), "path": str(path), "base_dir": str(src), "epochs": 1,
                "restore": True, "train": True, "evaluate": False}
        args.update(bundle(project.to_json(), src, conn.arrays, weights_from=path))
        assert [f["path"] for f in args["files"]] == ["data/blobs.csv"] and args["weights"]
        src.rename(tmp_path / "gone")  # nothing is left where the project was
        outcome = outcome_from_json(conn.call("train", args, timeout=600), conn.arrays)
    finally:
        conn.kill()
    assert outcome.status == FINISHED, outcome.reason
    assert outcome.record.initial_epoch == first.epochs_run == 2  # it went on from the saved weights
    assert outcome.weights_run == outcome.record.id and outcome.epochs_done == 3


def test_without_saved_weights_the_job_says_so_before_anything_travels(tmp_path):
    path = make_project(tmp_path)
    with pytest.raises(BundleError, match=r"blobs\.weights\.h5 does not exist: there are no saved weights"):
        job_spec(project_io.load(path), ArrayFolder(tmp_path / "arrays"), weights=True)


class _Recorded(LocalExecutor):
    """A local executor that keeps the engines it started; with `kill`, each is SIGKILLed as it starts."""

    def __init__(self, kill=False):
        super().__init__()
        self.kill, self.started = kill, []

    def start(self, role, on_event=None, on_exit=None):
        conn = super().start(role, on_event, on_exit)
        self.started.append(conn)
        if self.kill:  # it dies, and its array folder goes with it, before the job is packed
            conn.kill()
            assert conn.ended.wait(10)
        return conn


def test_an_engine_killed_while_its_job_is_packed_is_a_killed_run_not_a_crash(tmp_path):
    executor = _Recorded(kill=True)
    handle = start_job(executor, project_io.load(make_project(tmp_path)))
    with pytest.raises(EngineDied) as died:
        handle.wait(timeout=30)
    assert died.value.returncode == -signal.SIGKILL and "SIGKILL" in died.value.reason
    assert from_death(1, {}, died.value.reason, died.value.returncode).status == KILLED


def test_a_job_that_cannot_be_packed_leaves_no_engine_behind(tmp_path):
    executor = _Recorded()
    with pytest.raises(BundleError, match="no saved weights"):
        start_job(executor, project_io.load(make_project(tmp_path)), weights=True)
    [conn] = executor.started
    assert conn.ended.wait(10) and not conn.alive


def test_only_a_vanished_array_folder_is_read_as_the_engines_death():
    conn = LocalExecutor().start("train")
    try:
        assert not conn.died_during(PermissionError("data.csv: permission denied"))  # the engine lives
        conn.kill()
        assert conn.ended.wait(10)
        assert conn.died_during(FileNotFoundError("the folder went with the engine"))
        assert not conn.died_during(ValueError("not an OSError"))
    finally:
        conn.kill()
