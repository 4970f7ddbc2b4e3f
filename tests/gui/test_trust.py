"""The editor and trust: paths outside the project are Problems (with a kind), a locked project is a save
error naming the holder, and a file chosen through the dialog allows its folder."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from layerlab.core import confine
from layerlab.gui import allowed, recovery
from layerlab.gui.dialogs import CANCEL, Dialogs
from layerlab.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
GRAPH = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [2]}, "position": [0, 0]},
                   {"id": "d", "type": "Dense", "params": {"units": 1}, "position": [300, 0]}],
         "edges": [{"source": "x", "target": "d"}]}


class Answers:
    def __init__(self):
        self.errors: list[str] = []
        self.open_from: str | None = None

    def dialogs(self) -> Dialogs:
        return Dialogs(ask=lambda *a, **k: CANCEL, open_file=lambda *a: self.open_from, save_file=lambda *a: None,
                       error=lambda _p, _title, text: self.errors.append(text), info=lambda *a: None)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "recovery"))
    answers = Answers()
    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                   dialogs=answers.dialogs(), recovery_folder=tmp_path / "recovery", warm_up_delay_ms=0)
    w.answers = answers
    qtbot.addWidget(w)
    yield w
    w.undo_stack.setClean()
    w.close()
    w.training.shutdown()
    w.check_service.shutdown()


def _write(folder: Path, **sections) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "p.layerlab"
    path.write_text(json.dumps({"format": "layerlab", "version": 1, "graph": GRAPH, **sections}))
    return path


def test_a_path_outside_the_project_is_a_problem_with_a_kind(window, tmp_path):
    path = _write(tmp_path / "proj", training={"loss": "mse", "callbacks": [
        {"type": "CSVLogger", "params": {"filename": "../victim/important.txt"}}]})
    assert window.open_path(path, ask=False)
    found = [p for p in window.problems.problems if p.kind == confine.KIND]
    assert len(found) == 1 and found[0].key == "training.callbacks[0].filename"
    assert "outside the project folder" in found[0].message
    row = window.problems.problems.index(found[0])
    assert window.problems.list.topLevelItem(row).text(1) == "(project)"


def test_saving_a_project_another_layerlab_holds_says_who(window, tmp_path):
    path = _write(tmp_path / "proj")
    assert window.open_path(path, ask=False)
    before = path.read_text()
    code = textwrap.dedent("""
        import sys
        from layerlab.core.lock import project_lock
        with project_lock(sys.argv[1], "holds"):
            print("held", flush=True)
            sys.stdin.readline()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not window.save_to(path)
        assert window.answers.errors == [f"another LayerLab holds {path} (pid {holder.pid}); "
                                         "try again when it has finished"]
        assert path.read_text() == before
    finally:
        holder.communicate("\n", timeout=30)
    assert window.save_to(path)


def test_a_file_chosen_in_the_dialog_allows_its_folder(window, tmp_path):
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "data.csv").write_text("a,b\n1,0\n2,1\n")
    path = _write(tmp_path / "proj", dataset={"source": "csv"})
    assert window.open_path(path, ask=False)
    window.answers.open_from = str(outside / "data.csv")
    window.training.data_panel.path.browse.click()
    assert window.project.dataset["path"] == str(outside / "data.csv")
    assert not [p for p in window.problems.problems if p.kind == confine.KIND]
    assert str(outside) in allowed.folders(window.settings)
    assert outside in confine.allowed_folders()
