"""The Sweep dialog: a real local sweep from the editor, its table and plot, Apply best and Undo."""

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from layerlab.gui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ray_cluster.projects import make_project  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                   recovery_folder=tmp_path / "recovery", warm_up_delay_ms=0)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(make_project(tmp_path), ask=False)
    return w


def test_a_bad_row_is_named_and_nothing_starts(window):
    dialog = window.show_sweep_dialog("training.learning_rate")
    dialog.space.item(0, 2).setText("0.1")
    dialog.start()
    assert "training.learning_rate" in dialog.status.text() and "two numbers" in dialog.status.text()
    assert not dialog.sweep.running


def test_sweep_this_from_the_inspector_adds_the_parameter(window, qtbot):
    window.canvas.select_nodes(["hidden"])
    form = window.inspector.form
    label = form._labels["units"]
    (action,) = [a for a in label.actions() if a.text() == "Sweep this…"]
    action.trigger()
    assert window.sweep_dialog.isVisible()
    assert window.sweep_dialog.space.keys() == ["nodes.hidden.units"]


def test_the_candidate_keys_are_the_projects(window):
    dialog = window.show_sweep_dialog()
    keys = [dialog.key_pick.itemText(i) for i in range(dialog.key_pick.count())]
    assert "training.learning_rate" in keys and "nodes.hidden.units" in keys and "nodes.out.activation" in keys
    dialog.add_key("nodes.hidden.units")
    assert dialog.space.space() == {"nodes.hidden.units": {"choice": [4, 8, 16]}}  # around the current 8


def test_the_status_says_what_start_will_do_as_keys_come_and_go(window):
    dialog = window.show_sweep_dialog()
    assert dialog.status.text() == "Add the keys to vary, then Start."
    dialog.add_key("training.learning_rate")
    assert dialog.status.text() == "1 key to vary: press Start to run 8 trials."
    dialog.add_key("nodes.hidden.units")
    dialog.add_key("training.batch_size")
    dialog.trial_count.setValue(12)
    assert dialog.status.text() == "3 keys to vary: press Start to run 12 trials."
    dialog.space.selectRow(0)
    dialog.space.remove_selected()
    assert dialog.status.text() == "2 keys to vary: press Start to run 12 trials."


def test_running_trials_get_their_rows_at_once_with_their_parameters(window, qtbot):
    from layerlab.core.sweep.space import draw, parse_space

    dialog = window.show_sweep_dialog("training.learning_rate")
    dialog.add_key("nodes.hidden.units")
    dialog.trial_count.setValue(5)
    dialog.parallel.setValue(2)
    dialog.seed.setValue(7)
    dialog.start()
    try:
        assert dialog.sweep.running and dialog.table.rowCount() == 2
        header = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
        assert header == ["trial", "status", "training.learning_rate", "nodes.hidden.units", "val_loss"]
        expected = draw(parse_space(dialog.space.space()), 5, 7)[:2]  # what `layerlab sweep --seed 7` runs first
        for row, params in enumerate(expected):
            cells = [dialog.table.item(row, c).text() for c in range(5)]
            assert cells[:2] == [str(row + 1), "running"] and cells[4] == ""  # no metrics yet
            assert float(cells[2]) == params["training.learning_rate"]
            assert int(cells[3]) == params["nodes.hidden.units"]
        # a trial that ends fills its row in place; the next one starts (trials start in order)
        dialog._on_trial({"trial": 2, "status": "finished", "params": expected[1], "metrics": {"val_loss": 0.5},
                          "history": {"val_loss": [0.5]}})
        rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(3)}
        assert rows == {"1": "running", "2": "finished", "3": "running"}
    finally:
        with qtbot.waitSignal(dialog.sweep.finished, timeout=120_000):
            dialog.sweep.stop()
    assert dialog.table.rowCount() == 1  # trials that never ended lose their rows


@pytest.mark.slow
def test_a_sweep_from_the_editor_fills_the_table_and_plot_and_applies_the_best_undoably(window, qtbot):
    dialog = window.show_sweep_dialog("training.learning_rate")
    dialog.space.item(0, 2).setText("0.005, 0.05")
    dialog.add_key("nodes.hidden.units")
    dialog.space.item(1, 2).setText("0, 8, 16")  # seed 5 draws 0, 16, 16 (as tests/test_sweep.py): one invalid
    dialog.trial_count.setValue(3)
    dialog.parallel.setValue(2)
    dialog.seed.setValue(5)
    with qtbot.waitSignal(dialog.sweep.finished, timeout=600_000):
        dialog.start()
        planned = list(dialog.planned)  # the rows shown at once hold the parameters the process draws
    assert [t["params"] for t in sorted(dialog.trials, key=lambda t: t["trial"])] == planned
    assert dialog.table.rowCount() == 3
    statuses = sorted(dialog.table.item(r, 1).text() for r in range(3))
    assert statuses == ["finished", "finished", "invalid"]
    assert sorted(n for n, _ in dialog.plot.lines) == sorted(t["trial"] for t in dialog.trials
                                                             if t["status"] == "finished")
    # sort by the metric column (after trial, status and the two keys): lowest val_loss first
    dialog.table.sortItems(4, Qt.SortOrder.AscendingOrder)
    assert dialog.table.horizontalHeaderItem(4).text() == "val_loss"
    ranked = [r for r in range(3) if dialog.table.item(r, 4).text()]  # the invalid trial has no val_loss
    losses = [float(dialog.table.item(r, 4).text()) for r in ranked]
    assert losses == sorted(losses) and int(dialog.table.item(ranked[0], 0).text()) == dialog.best["trial"]
    # each trial is a run in the Training view too, labelled by its parameters, its curves in the plots
    runs = window.training.view.runs.tree
    labels = [runs.topLevelItem(i).text(0) for i in range(runs.topLevelItemCount())]
    shown = sorted((label.split(" · ")[0], set(label.rsplit(" ", 1)[0].split(" · ")[1:])) for label in labels)
    expected = sorted((f"Trial {t['trial']}", {f"learning_rate {t['params']['training.learning_rate']:.3g}",
                                                f"hidden.units {t['params']['nodes.hidden.units']}"})
                      for t in dialog.trials)
    assert shown == expected
    assert sorted(label.rsplit(" ", 1)[1] for label in labels) == ["✓", "✓", "✖"]
    lineages = {ln.label: ln for ln in window.training.history.lineages}
    plots = window.training.view.ensure_plots()
    for trial in dialog.trials:
        lineage = next(ln for label, ln in lineages.items() if label.startswith(f"Trial {trial['trial']} "))
        assert lineage.records[0].config["learning_rate"] == trial["params"]["training.learning_rate"]
        if trial["status"] == "finished":  # drawn like a run: its val_loss curve holds its epochs
            xs, ys = plots.cards["loss"].curves[lineage.id][2].getData()
            assert list(xs) == [1.0, 2.0, 3.0] and ys[-1] == pytest.approx(trial["metrics"]["val_loss"])
    assert not window.training.unsaved  # shown, not kept in the project

    before_rate = window.project.training["learning_rate"]
    dialog.apply_best()
    assert window.project.document.params("hidden")["units"] == 16
    assert window.project.training["learning_rate"] == dialog.best["params"]["training.learning_rate"]
    assert window.is_modified()
    window.undo_stack.undo()
    assert window.project.document.params("hidden")["units"] == 8
    assert window.project.training["learning_rate"] == before_rate
    assert not list(Path(window.project.path.parent).glob(".*.sweep-*"))  # the sweep's copy is gone


def test_the_cluster_check_says_why_it_cannot_connect(window, qtbot):
    dialog = window.show_sweep_dialog()
    dialog.run_on.setCurrentText("Ray cluster")
    dialog.address.setText("127.0.0.1:1")
    with qtbot.waitSignal(dialog.check.done, timeout=120_000):
        dialog.check_cluster()
    text = dialog.cluster_status.text()
    assert text.startswith("Cannot use the cluster:")
    assert "nothing answers there" in text or "pip install" in text
