"""No lost runs: the project lock, unique temp files, weights before project, clean-up after killed saves.

Real processes throughout: a second process holding the lock, two `layerlab train --save` at once,
and a loop of saves killed with SIGKILL at random moments.
"""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from test_train_cli import make_project

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.lock import ProjectLockedError, project_lock
from layerlab.core.training.run import RunRecord
from layerlab.core.training.state import RUNS_KEY, commit_trained, runs
from layerlab.core.weights import read_arrays, weights_path_for

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

HOLD = textwrap.dedent("""
    import sys
    from layerlab.core.lock import project_lock
    with project_lock(sys.argv[1], "is saving"):
        print("held", flush=True)
        sys.stdin.readline()
""")

SAVE_LOOP = textwrap.dedent("""
    import sys
    import numpy as np
    from layerlab.core import project as project_io
    from layerlab.core.training.run import RunRecord
    from layerlab.core.training.state import commit_trained
    path = sys.argv[1]
    rng = np.random.default_rng(int(sys.argv[2]))
    print("ready", flush=True)
    if not sys.stdin.readline():  # started early (while the one before saves), it saves only when told
        sys.exit()
    while True:
        project = project_io.load(path)
        arrays = {"hidden": [rng.normal(size=(4, 8)).astype("float32"), np.zeros(8, "float32")],
                  "out": [rng.normal(size=(8, 3)).astype("float32"), np.zeros(3, "float32")],
                  "ballast": [rng.normal(size=(600, 1000)).astype("float32")]}  # a save takes a while
        commit_trained(project, arrays, None, [RunRecord(config={"epochs": 1}, history={"loss": [1.0]})])
""")


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"hidden": [rng.normal(size=(4, 8)).astype("float32"), np.zeros(8, "float32")],
            "out": [rng.normal(size=(8, 3)).astype("float32"), np.zeros(3, "float32")]}


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


def test_a_second_writer_is_told_who_holds_the_project(tmp_path):
    path = make_project(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "held"
        project = project_io.load(path)
        with pytest.raises(ProjectLockedError) as err:
            commit_trained(project, _arrays(), None, [RunRecord(config={})])
        assert str(err.value).startswith(f"another LayerLab is saving {path} (pid {holder.pid})")
        assert not weights_path_for(path).exists() and RUNS_KEY not in json.loads(path.read_text())
    finally:
        holder.communicate("\n", timeout=30)
    commit_trained(project_io.load(path), _arrays(), None, [RunRecord(config={})])  # released at its exit
    assert len(runs(project_io.load(path))) == 1


def test_the_lock_is_reentrant_in_one_process_and_released_after(tmp_path):
    path = tmp_path / "p.layerlab"
    with project_lock(path, "holds"), project_lock(path):
        pass
    with project_lock(path):  # free again
        pass


def test_temp_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = make_project(tmp_path)
    for name in (".blobs.layerlab.k1ll3d.tmp", ".blobs.weights.h5.x9y8z7.tmp"):
        (tmp_path / name).write_bytes(b"half a file")
    (tmp_path / ".other.csv.abc.tmp").write_text("not ours")
    commit_trained(project_io.load(path), _arrays(), None, [RunRecord(config={})])
    assert _temps(tmp_path) == [".other.csv.abc.tmp"]


def test_two_train_save_processes_at_once_never_lose_a_run(tmp_path):
    path = make_project(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "layerlab.cli", "train", str(path), "--save", "--epochs", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for _ in range(2)]
    results = [(p.pid, *p.communicate(timeout=600), p.returncode) for p in procs]
    saved = [r for r in results if r[3] == 0]
    refused = [r for r in results if r[3] != 0]
    kept = runs(project_io.load(path))
    assert len(kept) == len(saved) >= 1  # every process that said "Saved" has its run in the file
    for _, out, _, _ in saved:
        assert "Saved the weights to" in out
    for _, out, err, code in refused:  # the other one was told, before training
        assert code == 2 and "another LayerLab holds" in err and "(pid " in err, err
        assert "Saved" not in out and "Epoch 1" not in out
    read_arrays(weights_path_for(path))
    assert _temps(tmp_path) == []


def test_saves_killed_at_random_moments_leave_a_loadable_project_and_weights(tmp_path, capsys):
    path = make_project(tmp_path)
    commit_trained(project_io.load(path), _arrays(), None, [RunRecord(config={})])
    rng = random.Random(12)

    def saver(i):
        return subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(path), str(i)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)

    coming = saver(0)
    for i in range(20):
        proc, coming = coming, saver(i + 1) if i < 19 else None  # the next one imports while this one saves
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        time.sleep(rng.uniform(0.0, 0.6))  # a random moment: before, during or between saves
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        project = project_io.load(path)  # whole: the old file or the new one
        assert cli.main(["check", str(path)]) == 0
        arrays = read_arrays(weights_path_for(path))
        assert arrays["hidden"][0].shape == (4, 8)
        assert len(runs(project)) >= 1
    capsys.readouterr()
    before = len(runs(project_io.load(path)))
    commit_trained(project_io.load(path), _arrays(1), None, [RunRecord(config={})])
    assert len(runs(project_io.load(path))) == before + 1
    assert _temps(tmp_path) == []  # what the killed saves left is gone


def test_a_save_keeps_the_runs_another_layerlab_saved_since_the_project_was_read(tmp_path, capsys):
    path = make_project(tmp_path)
    opened = project_io.load(path)  # an editor opened the project ...
    # ... then a command line trained it (run here: what it saved is in the files, as from another process)
    assert cli.main(["train", str(path), "--save", "--epochs", "1"]) == 0, capsys.readouterr().err
    [theirs] = runs(project_io.load(path))
    mine = RunRecord(config={}, started="2100-01-01T00:00:00+00:00")
    from layerlab.core.training.state import save_project

    save_project(opened, [mine])  # the editor saves its older copy with a run of its own
    assert [r.id for r in runs(project_io.load(path))] == [theirs.id, mine.id]
