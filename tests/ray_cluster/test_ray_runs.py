"""Engines and training runs on a real two-node Ray cluster (see conftest.py)."""

import os
import threading

import numpy as np
import pytest
from projects import make_project

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.cluster.ray_executor import RayExecutor
from layerlab.core.cluster.remote import start_job
from layerlab.core.engine.connection import EngineDied
from layerlab.core.training.listener import TrainingListener
from layerlab.core.training.state import runs
from layerlab.core.weights import read_arrays, read_optimizer_state, weights_path_for


class Epochs(TrainingListener):
    def __init__(self):
        self.epochs, self.first = [], threading.Event()

    def on_epoch(self, epoch, logs):
        self.epochs.append((epoch, logs))
        self.first.set()


def test_engine_arrays_travel_and_a_killed_ray_worker_fails_the_request(cluster):
    conn = RayExecutor(cluster, cpus=1).start("selftest")
    try:
        assert conn.wait_ready(120)
        got = conn.call("array", {"n": 12, "cols": 3}, timeout=60)
        assert conn.arrays.get(got["array"]).tolist() == np.arange(12, dtype=np.float32).reshape(4, 3).tolist()
        sent = np.linspace(0, 1, 7)
        echoed = conn.call("echo", {"a": conn.arrays.put(sent, "sent")}, timeout=60)
        assert np.array_equal(conn.arrays.unpack(echoed)["a"], sent)  # to the node and back, by file
        pending = conn.request("count", {"n": 10_000, "delay": 0.05})
        conn.transport.kill_worker()
        with pytest.raises(EngineDied, match="Ray worker running the engine died"):
            pending.result(60)
        assert conn.ended.wait(30) and "Ray worker" in conn.exit_reason
    finally:
        conn.kill()


def test_a_run_streams_epochs_and_stops_on_request(cluster, tmp_path):
    project = project_io.load(make_project(tmp_path, {"epochs": 500}))
    listener = Epochs()
    handle = start_job(RayExecutor(cluster, cpus=1), project, listener)
    assert listener.first.wait(180), "no epoch arrived from the cluster"
    handle.stop()
    result = handle.wait(120)
    assert result.status == "stopped"
    assert 1 <= len(listener.epochs) < 500
    assert len(result.record["history"]["loss"]) >= len(listener.epochs)
    assert result.weights  # what it learned so far comes back


def test_weights_back_from_the_cluster_equal_a_local_runs(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir(), remote.mkdir()
    p_local, p_remote = make_project(local), make_project(remote)
    assert cli.main(["train", str(p_local), "--save"]) == 0
    assert cli.main(["train", str(p_remote), "--on", f"ray:{cluster}", "--cpus", "1", "--save"]) == 0
    assert_same_training(p_local, p_remote)
    (run_l,), (run_r,) = runs(project_io.load(p_local)), runs(project_io.load(p_remote))
    assert run_r.status == "finished" and run_r.epochs_run == 3

    # --save again continues from the saved weights and optimizer state: they travel with the job
    assert cli.main(["train", str(p_local), "--save", "--epochs", "2"]) == 0
    assert cli.main(["train", str(p_remote), "--on", f"ray:{cluster}", "--save", "--epochs", "2"]) == 0
    assert_same_training(p_local, p_remote)
    (_, run_l), (_, run_r) = runs(project_io.load(p_local)), runs(project_io.load(p_remote))
    assert (run_r.initial_epoch, run_r.epochs_run) == (run_l.initial_epoch, run_l.epochs_run) == (3, 2)
    assert project_io.load(p_remote).extra["weights_run"] == {"id": run_r.id, "epochs": 5}


def assert_same_training(p_local, p_remote):
    w_local, w_remote = read_arrays(weights_path_for(p_local)), read_arrays(weights_path_for(p_remote))
    assert w_local.keys() == w_remote.keys() == {"hidden", "out"}
    for name in w_local:
        for a, b in zip(w_local[name], w_remote[name]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    opt_local, opt_remote = read_optimizer_state(weights_path_for(p_local)), \
        read_optimizer_state(weights_path_for(p_remote))
    assert opt_remote is not None and opt_remote.arrays.keys() == opt_local.arrays.keys()
    for key, value in opt_local.arrays.items():
        np.testing.assert_allclose(value, opt_remote.arrays[key], rtol=1e-4, atol=1e-5, err_msg=key)
    run_l, run_r = runs(project_io.load(p_local))[-1], runs(project_io.load(p_remote))[-1]
    np.testing.assert_allclose(run_l.history["loss"], run_r.history["loss"], rtol=1e-4)


def test_the_connection_check_says_what_the_cluster_has_or_that_the_token_is_missing(cluster, tmp_path):
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "layerlab.core.cluster", cluster], capture_output=True, text=True,
                          timeout=120)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and (info["nodes"], info["cpus"], info["gpus"]) == (2, 2.0, 0.0)
    assert info["text"] == f"{cluster}: 2 nodes, 2 CPUs, 0 GPUs"

    home = tmp_path / "home"  # a computer without the cluster's token: no variable, no ~/.ray/auth_token
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")}
    done = subprocess.run([sys.executable, "-m", "layerlab.core.cluster", cluster], capture_output=True, text=True,
                          timeout=300, env={**env, "HOME": str(home)})
    error = json.loads(done.stdout.strip().splitlines()[-1])["error"]
    assert done.returncode == 1 and error.startswith(f"cannot connect to the Ray cluster at {cluster}")
    assert "this computer has no token: set RAY_AUTH_TOKEN, or put the token in ~/.ray/auth_token" in error


def test_without_a_cluster_the_address_is_named(tmp_path, capsys):
    p = make_project(tmp_path)
    assert cli.main(["train", str(p), "--on", "ray:127.0.0.1:1"]) == 2
    assert "cannot connect to the Ray cluster at 127.0.0.1:1" in capsys.readouterr().err
