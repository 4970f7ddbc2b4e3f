"""`layerlab sweep --on ray:…`: Ray Tune trials across the two nodes, an invalid trial and a killed one."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from projects import make_project

from layerlab.core import project as project_io

ROOT = Path(__file__).resolve().parents[2]
SPACE = {"training.learning_rate": {"loguniform": [0.005, 0.05]}, "nodes.hidden.units": {"choice": [0, 8, 16]}}


def engines(role="train"):
    """Pids of the engine processes of `role` in this namespace (Ray runs trials' engines as ours here)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"layerlab.core.engine" in args and role.encode() in args:
                out.append(int(entry.name))
    return out


def kill_first_engine(done: threading.Event, killed: list):
    while not done.is_set():
        pids = engines()
        if pids:
            os.kill(min(pids), signal.SIGKILL)
            killed.append(min(pids))
            return
        time.sleep(0.1)


def test_sweep_on_ray_reports_invalid_and_killed_trials_while_the_others_finish(cluster, tmp_path):
    path = make_project(tmp_path, {"epochs": 4})
    (tmp_path / "space.json").write_text(json.dumps(SPACE))
    done, killed = threading.Event(), []
    killer = threading.Thread(target=kill_first_engine, args=(done, killed))
    killer.start()
    try:
        # seed 0 draws hidden units 8, 0, 0, 16, 16, 16: trials 2 and 3 are invalid
        run = subprocess.run([sys.executable, "-m", "layerlab.cli", "sweep", str(path), "--space",
                              str(tmp_path / "space.json"), "--trials", "6", "--parallel", "2", "--seed", "0",
                              "--on", f"ray:{cluster}", "--json", "--apply"],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        done.set()
        killer.join()
    assert run.returncode == 0, run.stderr[-4000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    trials = {t["trial"]: t for t in lines[:-1]}
    assert sorted(trials) == [1, 2, 3, 4, 5, 6]
    assert [trials[n]["status"] for n in (2, 3)] == ["invalid", "invalid"]
    assert killed, "no trial engine was seen"
    statuses = sorted(trials[n]["status"] for n in (1, 4, 5, 6))
    assert statuses == ["finished", "finished", "finished", "killed"], {
        n: (t["status"], t.get("reason", "")) for n, t in trials.items()}
    dead = next(t for t in trials.values() if t["status"] == "killed")
    assert "SIGKILL" in dead["reason"]
    finished = [t for t in trials.values() if t["status"] == "finished"]
    assert all(t["epochs"] == 4 and "val_loss" in t["metrics"] for t in finished)
    assert len({t["node"] for t in finished}) == 2  # both nodes ran trials
    winner = min(finished, key=lambda t: t["metrics"]["val_loss"])
    assert lines[-1]["best"]["trial"] == winner["trial"]
    saved = project_io.load(path)
    assert saved.training["learning_rate"] == winner["params"]["training.learning_rate"]
    assert saved.document.params("hidden")["units"] == winner["params"]["nodes.hidden.units"]
