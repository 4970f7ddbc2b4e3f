"""File helpers of the editor: recent files, recovery files, diagrams, background exports, examples."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QGraphicsScene

from layerlab.core import project as project_io
from layerlab.core.document import GraphDocument
from layerlab.core.errors import LayerLabError, ProjectFileError
from layerlab.core.project import Project
from layerlab.gui import files, recovery


def tiny_project() -> Project:
    d = GraphDocument()
    d.add_node("Input", {"shape": [3]}, (0, 0), node_id="x")
    d.add_node("Dense", {"units": 2}, (300, 0), node_id="y")
    d.add_edge("x", "y")
    return Project(document=d, name="tiny")


def test_recent_files_newest_first_existing_only(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    recent = files.RecentFiles(settings, limit=3)
    paths = []
    for i in range(4):
        p = tmp_path / f"p{i}.layerlab"
        project_io.save(tiny_project(), p)
        paths.append(p)
        recent.add(p)
    assert recent.paths() == [p.resolve() for p in reversed(paths[1:])]
    recent.add(paths[2])  # reopening moves it to the top, once
    assert recent.paths()[0] == paths[2].resolve() and len(recent.paths()) == 3
    paths[3].unlink()
    assert paths[3].resolve() not in recent.paths()
    again = files.RecentFiles(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.paths() == recent.paths()  # kept in the settings file
    recent.clear()
    assert recent.paths() == []


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_recovery_files_round_trip_and_orphans(tmp_path):
    project = tiny_project()
    mine = tmp_path / f"recovery-{os.getpid()}.json"
    recovery.write_recovery(mine, project, Path("/somewhere/model.layerlab"))
    data = json.loads(mine.read_text())
    assert data["format"] == "layerlab-recovery" and data["pid"] == os.getpid()
    rec = recovery.read_recovery(mine)
    assert rec.original == Path("/somewhere/model.layerlab") and rec.label == "model.layerlab"
    assert (rec.project.document.nodes(), rec.project.document.edges()) == (
        project.document.nodes(), project.document.edges())
    assert recovery.orphans(tmp_path) == []  # this process is alive: its file is not an orphan
    left = tmp_path / f"recovery-{dead_pid()}.json"
    mine.rename(left)
    assert recovery.orphans(tmp_path) == [left]


@pytest.mark.parametrize("text, words", [("{broken", "unreadable recovery file"),
                                         ('{"format": "other"}', "not a LayerLab recovery file")])
def test_damaged_recovery_file_is_a_clear_error(tmp_path, text, words):
    bad = tmp_path / "recovery-1.json"
    bad.write_text(text)
    with pytest.raises(ProjectFileError, match=words):
        recovery.read_recovery(bad)


def test_recovery_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(recovery.ENV_DIR, str(tmp_path / "here"))
    assert recovery.recovery_dir() == tmp_path / "here"


def test_diagram_png_and_svg_from_a_scene(qtbot, tmp_path):
    scene = QGraphicsScene()
    scene.addRect(0, 0, 200, 100)
    scene.addText("Dense").setPos(20, 20)
    png, svg = tmp_path / "d.png", tmp_path / "d.svg"
    size = files.write_diagram_png(scene, png, QColor("white"), scale=2.0)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (size.width(), size.height())
    rect = scene.itemsBoundingRect()
    assert image.width() == round((rect.width() + 2 * files.DIAGRAM_MARGIN) * 2)
    assert image.pixelColor(2, 2) == QColor("white")
    files.write_diagram_svg(scene, svg, QColor("white"), "tiny")
    assert QSvgRenderer(str(svg)).isValid()
    assert "<title>tiny</title>" in svg.read_text()
    with pytest.raises(files.DiagramError, match="cannot be written"):
        files.write_diagram_png(scene, tmp_path / "no-such-dir" / "d.png", QColor("white"))


def test_background_task_reports_results_and_failures(qtbot):
    ok = files.BackgroundTask(lambda: 6 * 7)
    with qtbot.waitSignal(ok.done) as blocker:
        ok.start()
    assert blocker.args == [42]

    def refuse():
        raise LayerLabError("model.h5: the project has 2 errors")

    bad = files.BackgroundTask(refuse)
    with qtbot.waitSignal(bad.failed) as blocker:
        bad.start()
    assert blocker.args == ["model.h5: the project has 2 errors"]


def test_examples_are_listed_with_titles():
    paths = files.example_paths()
    assert paths and all(p.suffix == ".layerlab" for p in paths)
    for p in paths:
        assert files.example_title(p)
        project_io.load(p)  # each one opens
    assert files.example_paths(Path("/nonexistent")) == []


def test_export_adapter_writes_a_python_script(tmp_path, check_engine):
    adapter = files.ExportAdapter()
    assert adapter.available, adapter.missing
    result = adapter.export(tiny_project(), tmp_path / "m.py")
    assert (tmp_path / "m.py").read_text().count("Dense") >= 1
    assert result.total_params == 3 * 2 + 2
