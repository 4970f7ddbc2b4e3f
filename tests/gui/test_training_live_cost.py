"""What keeps the editor light while a worker trains: plots made ahead, no needless repaints or rebuilds.

No timing here (bench/bench_gui_training.py measures); these check that the
work happens where it should: the plots before the first report, one row of
the runs list per epoch, no busy animation left running.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from layerlab.core.training.run import RunRecord
from layerlab.core.training.series import RunHistory
from layerlab.gui.training.controller import plot_count


def _plots(qtbot, history):
    from layerlab.gui.training.plots import MetricPlots

    plots = MetricPlots(history)
    qtbot.addWidget(plots)
    plots.resize(900, 300)
    plots.show()
    return plots


def test_plots_are_made_ahead_and_the_first_report_uses_them(qtbot):
    history = RunHistory()
    plots = _plots(qtbot, history)
    lineage = history.start(None)
    lineage.steps = 10
    plots.prepare(2)
    # made one per turn of the event loop, each with the live run's curves
    qtbot.waitUntil(lambda: len(plots.spares) == 2 and all(lineage.id in c.curves for c in plots.spares))
    made = list(plots.spares)
    curves = [card.curves[lineage.id] for card in made]
    assert plots.cards == {} and not any(card.isVisible() for card in made)

    lineage.add_batch(0, 0, {"loss": 2.0, "accuracy": 0.1})
    plots.mark_dirty(lineage)
    plots.flush()
    assert list(plots.cards) == ["loss", "accuracy"]
    assert list(plots.cards.values()) == made and plots.spares == []  # no plot made during the run
    assert [card.curves[lineage.id] for card in made] == curves
    assert plots.cards["accuracy"].metric_name == "accuracy" and "Accuracy" in plots.cards["accuracy"].title.text()
    batch = plots.cards["loss"].curves[lineage.id][0]
    assert list(batch.getData()[1]) == [2.0]


def test_new_plots_are_laid_out_in_one_tick_and_given_their_points_in_the_next(qtbot):
    history = RunHistory()
    plots = _plots(qtbot, history)
    lineage = history.start(None)
    lineage.steps = 10
    lineage.add_batch(0, 0, {"loss": 2.0})
    plots.mark_dirty(lineage)
    plots._tick()  # the redraw timer's tick: the new plot is shown, still empty
    card = plots.cards["loss"]
    batch = card.curves_for(lineage)[0]
    assert card.isVisible() and _ys(batch) == []
    qtbot.waitUntil(lambda: _ys(batch) == [2.0])  # the next turn

    lineage.add_batch(0, 1, {"loss": 1.5})
    plots.mark_dirty(lineage)
    plots._tick()  # the plots are there: the points are drawn in the same tick
    assert _ys(batch) == [2.0, 1.5] and plots.cards["loss"] is card


def _ys(curve) -> list:
    ys = curve.getData()[1]
    return [] if ys is None else list(ys)


def test_plots_of_metrics_gone_are_emptied_and_reused(qtbot):
    history = RunHistory()
    history.load([RunRecord(config={}, history={"loss": [1.0, 0.5], "mae": [0.3, 0.2]})])
    plots = _plots(qtbot, history)
    plots.rebuild()
    old = dict(plots.cards)
    assert list(old) == ["loss", "mae"]

    history.clear()
    plots.rebuild()
    assert plots.cards == {} and sorted(map(id, plots.spares)) == sorted(map(id, old.values()))
    assert all(card.curves == {} and not card.isVisible() for card in plots.spares)

    history.load([RunRecord(config={}, history={"loss": [0.9], "accuracy": [0.6], "val_accuracy": [0.5]})])
    plots.rebuild()
    assert list(plots.cards) == ["loss", "accuracy"]
    assert {id(c) for c in plots.cards.values()} == {id(c) for c in old.values()}
    lineage = history.lineages[0]
    _batch, train, val = plots.cards["accuracy"].curves[lineage.id]
    assert list(train.getData()[1]) == [0.6] and list(val.getData()[1]) == [0.5]


def test_plot_count_estimates_one_plot_per_reported_metric():
    assert plot_count({"metrics": ["accuracy"]}, 1) == 2
    assert plot_count({"metrics": ["mae", "mse"]}, 1) == 3
    assert plot_count(None, 1) == 2  # picked from the model: one metric
    assert plot_count({"metrics": {"a": ["mae"], "b": ["accuracy", "auc"]}}, 2) == 1 + 2 + 3
    assert plot_count({}, 2) == 1 + 2 + 2


class _Paints(QObject):
    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_progress_bar_stops_animating_once_the_run_reports(qtbot):
    from PySide6.QtGui import QAction

    from layerlab.gui.training.run_panel import RunPanel

    panel = RunPanel(QAction("Train"), QAction("Stop"), QAction("Continue"))
    qtbot.addWidget(panel)
    panel.resize(900, 80)
    panel.show()
    panel.set_busy(True)  # Starting…: a busy bar moves
    paints = _Paints(panel.progress)
    qtbot.wait(300)
    assert paints.count > 3
    panel.set_busy(False)  # the run started and reports progress 0
    panel.show_progress(0.0, "Epoch 1/15 · batch 1/270")
    qtbot.wait(50)
    paints.count = 0
    qtbot.wait(300)
    # Fusion left the busy animation running (60 repaints a second) while a determinate bar showed 0
    assert paints.count <= 2


def test_an_epoch_updates_its_run_row_in_place(qtbot):
    from layerlab.gui.training.runs import RunsPanel

    history = RunHistory()
    lineage = history.start(None)
    lineage.steps = 4
    runs = RunsPanel(history)
    qtbot.addWidget(runs)
    assert runs.columns == [] and runs.tree.topLevelItem(0).text(2) == "0"

    # the first epoch brings the metrics: the list is made anew with their columns
    lineage.add_epoch(0, {"loss": 0.9, "accuracy": 0.6, "val_loss": 1.0, "val_accuracy": 0.55})
    runs.update_lineage(lineage)
    assert runs.columns == ["loss", "accuracy"]
    assert runs.tree.headerItem().text(3) == "loss" and runs.tree.headerItem().text(6) == "val_accuracy"
    item = runs.tree.topLevelItem(0)
    assert item.text(2) == "1"

    lineage.add_epoch(1, {"loss": 0.7, "accuracy": 0.75, "val_loss": 0.8, "val_accuracy": 0.7})
    runs.update_lineage(lineage)
    assert runs.tree.topLevelItem(0) is item and runs.tree.topLevelItemCount() == 1  # the same row
    assert item.text(2) == "2"
    shown = [item.text(c) for c in range(7)]
    runs.refresh()  # a rebuild of the whole list shows the same
    assert [runs.tree.topLevelItem(0).text(c) for c in range(7)] == shown


def test_the_next_runs_confusion_matrix_reuses_its_labels(qtbot):
    import numpy as np

    from layerlab.gui.training.confusion import ConfusionMatrixView

    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.set_matrix(np.array([[5, 1], [2, 7]]), ["cat", "dog"])
    labels = list(view.labels)
    assert [view.cell_text(t, p) for t in range(2) for p in range(2)] == ["5", "1", "2", "7"]

    view.set_matrix(np.array([[9, 0], [3, 4]]), ["cat", "dog"])  # the same classes: the same items, new numbers
    assert view.labels == labels
    assert [view.cell_text(t, p) for t in range(2) for p in range(2)] == ["9", "0", "3", "4"]
    assert view.labels[0].color.red() == 255 and view.labels[1].color.red() == 30  # the darkest cell: white

    view.set_matrix(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))  # three classes: made anew
    assert len(view.labels) == 9 and not set(map(id, view.labels)) & set(map(id, labels))
    assert view.cell_text(2, 2) == "1" and view.cell_text(2, 1) == "0"


def test_a_theme_change_makes_the_plots_and_the_spares_anew(qtbot):
    history = RunHistory()
    history.load([RunRecord(config={}, history={"loss": [1.0, 0.5]})])
    plots = _plots(qtbot, history)
    plots.rebuild()
    plots.prepare(3)
    qtbot.waitUntil(lambda: len(plots.cards) + len(plots.spares) == 3)
    before = [*plots.cards.values(), *plots.spares]  # held, so that no id is reused
    plots.restyle()  # made in the old palette: none is kept
    assert list(plots.cards) == ["loss"] and all(plots.cards["loss"] is not c for c in before)
    qtbot.waitUntil(lambda: len(plots.spares) == 2)
    assert not {id(c) for c in plots.spares} & {id(c) for c in before}


def test_full_garbage_collections_wait_until_the_last_runs_end():
    import gc

    from layerlab.gui.training import collector

    first, second = object(), object()
    collector.hold(first)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    collector.hold(second)  # a second window's run: nothing frozen again
    assert gc.get_freeze_count() == frozen
    collector.release(first)
    assert gc.get_freeze_count() == frozen  # the other run goes on
    collector.release(first)  # told twice (its window closed after its run): no effect
    collector.release(second)
    assert gc.get_freeze_count() == 0
