"""A newcomer's first hour (issue 15): defaults that fit, no stale or clipped views, help, number boxes.

The walk builds the classic 30-12-8-1 breast-cancer MLP, loads the CSV by the Data panel's own widgets and
reads what the Training panel shows.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

from PySide6.QtCore import Qt

from layerlab.core import project as project_io
from layerlab.core.document import GraphDocument
from layerlab.core.project import Project

from .test_training import ROOT, RUN_TIMEOUT_MS, make_window  # noqa: F401

BREAST_CANCER = ROOT / "resources" / "examples" / "data" / "breast_cancer.csv"


def breast_cancer_mlp() -> Project:
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [30]}, node_id="features")
    last = "features"
    for name, units in (("hidden1", 12), ("hidden2", 8)):
        doc.add_node("Dense", {"units": units, "activation": "relu"}, node_id=name)
        doc.add_edge(last, name)
        last = name
    doc.add_node("Dense", {"units": 1, "activation": "sigmoid"}, node_id="diagnosis")
    doc.add_edge(last, "diagnosis")
    for i, node in enumerate(doc.node_ids()):
        doc.move_node(node, (i * 200.0, 0.0))
    return Project(document=doc, name="breast cancer")


def choose(field, value) -> None:
    """Pick `value` in a ChoiceField as a user does (select, then activate)."""
    field.setCurrentIndex(field.findData(value) if field.findData(value) >= 0 else field.findText(value))
    field.activated.emit(field.currentIndex())


def load_breast_cancer(qtbot, window) -> None:
    panel = window.training.data_panel
    choose(panel.source, "csv")
    assert "fits the model" not in panel.problem_label.text()  # nothing chosen: nothing can fit yet
    panel.path.choose(str(BREAST_CANCER))
    assert "fits the model" not in panel.problem_label.text()
    [target] = panel.mapping.output_fields.values()
    with qtbot.waitSignal(window.training.data_service.datasetReady, timeout=RUN_TIMEOUT_MS):
        choose(target, "diagnosis")


def test_loss_and_metrics_come_from_the_model_and_the_data_until_the_user_picks(qtbot, make_window):
    window = make_window()
    window.adopt(breast_cancer_mlp())
    settings = window.training.settings_panel
    assert settings.epochs.value() == 10 and settings.validation_split.value() == 0.2
    load_breast_cancer(qtbot, window)
    qtbot.waitUntil(lambda: "fits the model" in window.training.data_panel.problem_label.text(),
                    timeout=RUN_TIMEOUT_MS)
    [loss] = settings.loss_fields.values()
    assert loss.currentText() == "binary_crossentropy"
    checked = [settings.metrics.item(i).text() for i in range(settings.metrics.count())
               if settings.metrics.item(i).checkState().name == "Checked"]
    assert checked == ["accuracy"]
    note = settings.picked_note.text()
    assert not settings.picked_note.isHidden()
    assert "Loss and metrics from the data" in note and "sigmoid, 1 unit, 2 classes" in note
    assert window.training.store.raw("training") is None  # shown, not written: the project stays as it was

    choose(loss, "mse")
    assert window.training.store.raw("training") == {"loss": "mse"}
    assert settings.picked_note.text().startswith("Metrics from the data")
    window.undo_stack.undo()
    assert loss.currentText() == "binary_crossentropy" and "Loss and metrics" in settings.picked_note.text()


def test_a_number_box_explains_what_it_refuses(qtbot):
    from layerlab.core import catalog
    from layerlab.gui.panels.param_widgets import make_editor

    editor = make_editor(catalog.get("Dense").param("units"))
    qtbot.addWidget(editor)
    editor.set_value(12)
    said: list[str] = []
    editor.problemChanged.connect(said.append)
    line = editor.spin.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "-3")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    editor.spin.editingFinished.emit()
    assert editor.value() == 12  # never silently 3
    assert said and said[-1].startswith("'-3' refused: units must be")
    said.clear()
    line.selectAll()
    qtbot.keyClicks(line, "abc")
    assert said and said[0] == "'a' refused: units must be a whole number."
    assert editor.value() == 12


def test_new_and_import_show_nothing_of_the_previous_projects_runs(qtbot, make_window, tmp_path):
    from layerlab.core.training import state
    from layerlab.core.training.run import RunRecord

    from .test_training import EXAMPLE

    project = project_io.load(EXAMPLE)
    state.add_runs(project, [RunRecord(config={"epochs": 2}, history={
        "aux_output_loss": [1.0, 0.5], "main_output_mae": [0.9, 0.4], "loss": [1.9, 0.9]})])
    path = tmp_path / "trained.layerlab"
    project_io.save(project, path)
    window = make_window()
    assert window.open_path(path, ask=False)
    window.bottom_tabs.setCurrentWidget(window.training.view)
    plots = window.training.view.ensure_plots()
    plots.flush()
    assert set(plots.cards) == {"loss", "aux_output_loss", "main_output_mae"}

    window.new_project()
    plots.flush()
    assert plots.cards == {} and not plots.placeholder.isHidden() and plots.legend.isHidden()
    tree = window.training.view.runs.tree
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == ["No runs yet."]

    assert window.open_path(path, ask=False)
    plots.flush()
    assert plots.cards
    window.adopt(breast_cancer_mlp())  # what an imported model does: a new project in the same window
    plots.flush()
    assert plots.cards == {}


# -- Help, dialogs, examples, Train without data, quitting, zoom -------------------------------------------------
def test_help_opens_the_user_guide_rendered(qtbot, make_window):
    from layerlab.gui import help as help_pages

    window = make_window()
    window.menu_actions["user_guide"].trigger()
    dialog = window._help_dialogs["guide"]
    qtbot.waitExposed(dialog)
    text = dialog.browser.toPlainText()
    assert text.startswith("User guide") and "An example opens as an untitled copy" in text
    assert "# User guide" not in text  # rendered, not shown as Markdown source
    assert help_pages.guide_path().is_file()
    dialog.close()


def test_the_shortcuts_page_lists_the_real_actions_keys(qtbot, make_window):
    from PySide6.QtGui import QKeySequence

    window = make_window()
    window.menu_actions["shortcuts"].trigger()
    table = window._help_dialogs["shortcuts"].table
    rows = {(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())}
    native = QKeySequence.SequenceFormat.NativeText
    for name in ("train", "stop", "continue", "undo", "auto_layout", "zoom_in", "user_guide"):
        action = window.menu_actions.get(name) or window.menu_actions[f"run.{name}"]
        keys = ", ".join(k.toString(native) for k in action.shortcuts())
        assert (action.text().replace("&", "").rstrip("…"), keys) in rows, (name, keys)
    assert ("Add a layer by name", "Tab") in rows
    window._help_dialogs["shortcuts"].close()


def test_file_dialogs_start_in_the_projects_folder_else_home(qtbot, make_window, tmp_path, monkeypatch):
    from pathlib import Path

    window = make_window()
    starts: list[str] = []
    window.dialogs.open_file = lambda _parent, _caption, start, _filter: starts.append(start)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    (tmp_path / "home").mkdir()
    window.open_dialog()
    window.import_model_dialog()
    assert starts == [str(tmp_path / "home")] * 2
    saved = tmp_path / "work" / "mine.layerlab"
    saved.parent.mkdir()
    project_io.save(breast_cancer_mlp(), saved)
    assert window.open_path(saved, ask=False)
    window.open_dialog()
    assert starts[-1] == str(saved.parent)


def test_opening_the_tracked_example_opens_a_copy_that_save_never_writes(qtbot, make_window):
    from .test_training import EXAMPLE

    before = EXAMPLE.read_bytes()
    window = make_window()
    assert window.open_path(EXAMPLE, ask=False)  # what `make run` (layerlab open EXAMPLE) does
    assert window.project.path is None and "Untitled" not in window.windowTitle()
    window.add_layer_at_center("Dense")
    assert not window.save()  # Save asks where (the test's dialog answers nothing): no write
    assert EXAMPLE.read_bytes() == before


def test_train_without_data_offers_the_data_panel(qtbot, make_window):
    window = make_window()
    window.adopt(breast_cancer_mlp())
    window.inspector_dock.raise_()
    panel = window.training.run_panel
    assert not window.training.train()
    assert "no data to train on" in panel.message.text()
    assert not panel.data_button.isHidden()
    qtbot.mouseClick(panel.data_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training.data_panel.isVisible())
    panel.show_message("info", "something else")
    assert panel.data_button.isHidden()


def test_keyboard_zoom_keeps_to_the_zoom_limits(qtbot, make_window):
    from layerlab.gui.canvas.view import MAX_SCALE, MIN_SCALE

    window = make_window()
    window.adopt(breast_cancer_mlp())
    for _ in range(40):
        window.menu_actions["zoom_in"].trigger()
    assert window.canvas.scale_factor() == MAX_SCALE
    for _ in range(80):
        window.menu_actions["zoom_out"].trigger()
    assert window.canvas.scale_factor() == MIN_SCALE


QUIT_SCRIPT = """
import sys, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from layerlab.gui.app import make_app
from layerlab.gui.dialogs import DISCARD, Dialogs
from layerlab.gui.main_window import MainWindow

app = make_app()
tmp = Path(tempfile.mkdtemp())
dialogs = Dialogs(ask=lambda *a, **k: DISCARD, open_file=lambda *a: None, save_file=lambda *a: None,
                  error=lambda *a: None, info=lambda *a: None)
window = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), dialogs=dialogs,
                    recovery_folder=tmp / "recovery")
window.show()
window.add_layer_at_center("Dense")
assert window.is_modified()
QTimer.singleShot(100, window.menu_actions["quit"].trigger)
app.exec()
del window
print("quit")
"""


def test_quitting_with_unsaved_changes_leaves_no_error(tmp_path):
    """File › Quit, Discard: the window goes without a word on stderr (was: RuntimeError from _update_title)."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", QUIT_SCRIPT], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "quit"
    assert "Traceback" not in done.stderr and "already deleted" not in done.stderr, done.stderr
