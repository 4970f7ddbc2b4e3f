"""Confinement: a project reads and writes only inside its folder, or folders the user allowed.

Each hostile project names one path key pointing out of its folder (absolute, `..`, `~`, or through a
symbolic link); `check` reports it, every command refuses it, nothing outside is read or written.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_train_cli import make_project

from layerlab import cli
from layerlab.core import confine
from layerlab.core.confine import KIND, PathOutsideError, resolve
from layerlab.core.data import load_dataset

SECRET = "TOP-SECRET-CELL,42"


def run(capsys, *argv):
    try:
        code = cli.main([*map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A project folder, a victim folder beside it (with a file that must survive), and a fake home."""
    project_dir, victim = tmp_path / "project", tmp_path / "victim"
    project_dir.mkdir()
    victim.mkdir()
    (victim / "important.txt").write_text(SECRET + "\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return project_dir, victim, home


def _outside_forms(project_dir: Path, victim: Path, home: Path, name: str) -> dict[str, str]:
    """The ways a path can leave the project folder, each naming `name` outside it."""
    (project_dir / "link").symlink_to(victim, target_is_directory=True)
    return {"absolute": str(victim / name), "dotdot": f"../victim/{name}", "home": f"~/{name}",
            "symlink": f"link/{name}"}


CALLBACK_KEYS = [("CSVLogger", "filename", "log.csv"), ("ModelCheckpoint", "filepath", "evil.keras"),
                 ("TensorBoard", "log_dir", "tb")]


def _hostile(project_dir, training=None, dataset=None):
    from test_training_support import CLASSIFY

    path = make_project(project_dir, training=dict(CLASSIFY, seed=1, **(training or {})), dataset=dataset)
    return path


@pytest.mark.parametrize("form", ["absolute", "dotdot", "home", "symlink"])
@pytest.mark.parametrize("callback, key, name", CALLBACK_KEYS)
def test_a_callback_path_outside_is_invalid_for_check_and_refused_by_train(places, capsys, form, callback, key, name):
    project_dir, victim, home = places
    raw = _outside_forms(project_dir, victim, home, name)[form]
    path = _hostile(project_dir, {"callbacks": [{"type": callback, "params": {key: raw}}]})
    code, out, _ = run(capsys, "check", "--json", path)
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    [problem] = [e for e in report["errors"] if e.get("kind") == KIND]
    assert problem["key"] == f"training.callbacks[0].{key}" and problem["path"] == raw
    assert raw in problem["message"] and key in problem["message"]
    code, out, err = run(capsys, "train", path, "--epochs", "1")
    assert code == 1 and "outside the project folder" in err and "Traceback" not in err
    assert "Epoch 1" not in out  # refused before training
    assert sorted(p.name for p in victim.iterdir()) == ["important.txt"]  # nothing written outside
    assert (victim / "important.txt").read_text() == SECRET + "\n"
    assert not (home / name).exists()


@pytest.mark.parametrize("form", ["absolute", "dotdot", "home", "symlink"])
def test_a_dataset_file_outside_is_never_read_nor_echoed(places, capsys, form):
    project_dir, victim, home = places
    (home / "important.txt").write_text(SECRET + "\n")
    raw = _outside_forms(project_dir, victim, home, "important.txt")[form]
    path = _hostile(project_dir, dataset={"source": "csv", "path": raw, "target": 0})
    code, out, _ = run(capsys, "check", "--json", path)
    report = json.loads(out)
    assert not report["valid"]
    assert [e["key"] for e in report["errors"] if e.get("kind") == KIND] == ["dataset.path"]
    for argv in (["train", path, "--epochs", "1"], ["export", path, "-o", project_dir / "m.keras"],
                 ["export", path, "-o", project_dir / "m.py"]):
        code, out, err = run(capsys, *argv)
        assert code == 1, (argv, err)
        assert "outside the project folder" in err
        assert "TOP-SECRET" not in out + err
    assert not (project_dir / "m.keras").exists() and not (project_dir / "m.py").exists()


def test_test_path_and_image_folder_outside_are_refused(places, capsys):
    project_dir, victim, _ = places
    (project_dir / "train.csv").write_text("a,b\n1,0\n2,1\n")
    csv = _hostile(project_dir, dataset={"source": "csv", "path": "train.csv", "test_path": "../victim/important.txt",
                                         "target": "b"})
    report = json.loads(run(capsys, "check", "--json", csv)[1])
    assert [e["key"] for e in report["errors"] if e.get("kind") == KIND] == ["dataset.test_path"]
    with pytest.raises(PathOutsideError, match='dataset "path": .* is outside the project folder'):
        load_dataset({"source": "images", "path": str(victim)}, project_dir)


def test_every_violation_is_reported_at_once(places, capsys):
    project_dir, victim, _ = places
    callbacks = [{"type": t, "params": {k: f"/{n}"}} for t, k, n in CALLBACK_KEYS]
    path = _hostile(project_dir, {"callbacks": callbacks}, dataset={"source": "npz", "path": str(victim / "x.npz")})
    report = json.loads(run(capsys, "check", "--json", path)[1])
    keys = [e["key"] for e in report["errors"] if e.get("kind") == KIND]
    assert keys == ["dataset.path", "training.callbacks[0].filename", "training.callbacks[1].filepath",
                    "training.callbacks[2].log_dir"]


def test_paths_inside_the_project_stay_allowed_and_are_written_there(places, capsys):
    project_dir, _, _ = places
    (project_dir / "sub").mkdir()
    path = _hostile(project_dir, {"callbacks": [{"type": "CSVLogger", "params": {"filename": "sub/../logs/l.csv"}}]})
    assert json.loads(run(capsys, "check", "--json", path)[1])["valid"]
    code, _, err = run(capsys, "train", path, "--epochs", "1")
    assert code == 0, err
    assert (project_dir / "logs" / "l.csv").read_text().startswith("epoch")


def test_the_user_allows_a_folder_with_an_option_or_the_environment_never_the_file(places, capsys, monkeypatch):
    project_dir, victim, _ = places
    np.savez(victim / "data.npz", x_train=np.zeros((4, 4), "float32"), y_train=np.zeros(4, "int32"))
    path = _hostile(project_dir, dataset={"source": "npz", "path": str(victim / "data.npz")})
    data = json.loads(path.read_text())
    data["allow_path"] = [str(victim)]  # a file cannot grant itself anything
    path.write_text(json.dumps(data))
    assert run(capsys, "check", "--json", path)[0] == 1
    code, out, _ = run(capsys, "check", "--json", path, "--allow-path", victim)
    assert code == 0 and json.loads(out)["valid"]
    confine.reset()
    monkeypatch.setenv(confine.ENV_VAR, str(victim))
    assert run(capsys, "check", path)[0] == 0


def test_resolve_follows_links_and_allows_links_that_stay_inside(tmp_path):
    inside = tmp_path / "p"
    (inside / "real").mkdir(parents=True)
    (inside / "alias").symlink_to(inside / "real", target_is_directory=True)
    assert resolve("alias/f.csv", inside, "dataset", "path") == inside / "alias" / "f.csv"
    (inside / "out").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(PathOutsideError) as err:
        resolve("out/f.csv", inside, "dataset", "path")
    assert err.value.key == "path" and err.value.path == "out/f.csv" and err.value.kind == KIND


def test_a_hostile_csvlogger_run_in_a_real_process_leaves_the_victim_alone(places):
    project_dir, victim, _ = places
    path = _hostile(project_dir, {"callbacks": [{"type": "CSVLogger",
                                                 "params": {"filename": "../victim/important.txt"}}]})
    out = subprocess.run([sys.executable, "-m", "layerlab.cli", "train", str(path), "--epochs", "1"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.returncode == 1, out.stderr
    assert 'training.callbacks[0] (CSVLogger) "filename": ../victim/important.txt is outside' in out.stderr
    assert (victim / "important.txt").read_text() == SECRET + "\n"
