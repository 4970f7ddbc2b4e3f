"""The Data and Training panels, the runs list and the plots, without training a model.

Panel edits must land in the project's sections as undo steps and be read
back by the engine's own checks; the preview must show the real data; the
plots must export what they show.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

import csv
import io
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from layerlab.core.training.config import TrainingConfig
from layerlab.core.training.run import RunRecord
from layerlab.core.training.series import RunHistory

from .test_training import EXAMPLE, ROOT, RUN_TIMEOUT_MS, make_window  # noqa: F401

BREAST_CANCER = ROOT / "resources" / "examples" / "data" / "breast_cancer.csv"


def test_the_data_panel_previews_the_digits_with_their_classes(qtbot, make_window):
    window = make_window()
    service = window.training.data_service
    with qtbot.waitSignal(service.datasetReady, timeout=RUN_TIMEOUT_MS):
        window.open_example(EXAMPLE)
    preview = window.training.data_panel.preview
    assert preview.images.count() == 20 and preview.images.item(0).text() == "0"
    assert preview.counts.counts == {str(d): n for d, n in zip(range(10), (178, 182, 177, 183, 181, 182, 181, 179,
                                                                         174, 180))}
    assert "1,797" in preview.facts.text() and "(1797, 64)" in preview.facts.text()
    assert service.dataset.x_shape == (1797, 64) and service.dataset.num_train == 1797  # the arrays: in the engine
    qtbot.waitUntil(lambda: "fits the model" in window.training.data_panel.problem_label.text(),
                    timeout=RUN_TIMEOUT_MS)
    assert not window.training.data_panel.shapes_button.isEnabled()


def test_data_panel_edits_are_undoable_section_changes(qtbot, make_window):
    window = make_window()
    window.open_example(EXAMPLE)
    panel, store = window.training.data_panel, window.training.store
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    panel.source.activated.emit(panel.source.currentIndex())
    assert store.raw("dataset") == {"source": "csv"}
    assert "Choose the file" in panel.preview.status.text()
    with qtbot.waitSignal(window.training.data_service.previewReady, timeout=RUN_TIMEOUT_MS):
        panel.path.choose(str(BREAST_CANCER))  # the target is guessed from the columns: "diagnosis"
    assert store.raw("dataset") == {"source": "csv", "path": str(BREAST_CANCER), "target": "diagnosis"}
    [target] = panel.mapping.output_fields.values()
    assert target.findText("mean_radius") >= 0  # the CSV's columns are offered, read from its first line
    assert target.value() == "diagnosis" and panel.target_note.isVisibleTo(panel)
    assert panel.preview.table.rowCount() == 20 and panel.preview.counts.counts == {"benign": 357, "malignant": 212}
    panel.standardize.setChecked(True)
    assert store.raw("dataset")["standardize"] is True
    window.undo_stack.undo()
    assert "standardize" not in store.raw("dataset") and not panel.standardize.isChecked()
    window.undo_stack.undo()  # the file and its guessed target: one step
    window.undo_stack.undo()
    assert store.raw("dataset") == {"source": "sklearn", "name": "digits", "scale": 16}
    assert panel.source.value() == "sklearn"


def _choose_csv(qtbot, window, path):
    panel = window.training.data_panel
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    panel.source.activated.emit(panel.source.currentIndex())
    panel.path.choose(str(path))
    qtbot.waitUntil(lambda: (window.training.store.raw("dataset") or {}).get("target") is not None)
    return panel


def test_the_source_says_what_to_do_before_one_is_chosen(make_window):
    window = make_window()
    panel = window.training.data_panel
    assert panel.source.currentIndex() == -1 and panel.source.placeholderText() == "Choose a data source…"
    image = QImage(panel.source.size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    panel.source.render(image)  # the placeholder is drawn, not a blank box
    assert image != _blank_like(panel.source)


def _blank_like(combo):
    from PySide6.QtWidgets import QComboBox

    blank = QComboBox(combo.parentWidget())
    blank.resize(combo.size())
    image = QImage(combo.size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    blank.render(image)
    blank.deleteLater()
    return image


def test_the_target_is_guessed_last_column_and_marked_until_the_user_changes_it(qtbot, make_window, tmp_path,
                                                                                monkeypatch):
    monkeypatch.setenv("LAYERLAB_ALLOW_PATH", str(tmp_path))  # the data file is outside the example's folder
    names = [f"feature_{i}_with_a_rather_long_name" for i in range(30)] + ["species"]
    rows = [",".join(names)] + [",".join(str(i + j) for j in range(30)) + f",{'ab'[i % 2]}" for i in range(8)]
    data = tmp_path / "wide.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = make_window()
    window.open_example(EXAMPLE)
    panel = _choose_csv(qtbot, window, data)
    store = window.training.store
    assert store.raw("dataset")["target"] == "species"  # no column named like a target: the last one
    qtbot.waitUntil(lambda: panel.target_note.isVisibleTo(panel))
    assert "'species' from the data (the last column)" in panel.target_note.text()
    [target] = panel.mapping.output_fields.values()
    assert target.value() == "species"
    # the popup shows many rows, as wide as the longest name
    assert 20 <= target.maxVisibleItems() <= 25
    assert target.view().minimumWidth() > target.view().fontMetrics().horizontalAdvance(names[0])
    target.setCurrentIndex(target.findText(names[3]))
    target.activated.emit(target.currentIndex())
    assert store.raw("dataset")["target"] == names[3] and not panel.target_note.isVisibleTo(panel)
    window.undo_stack.undo()
    assert store.raw("dataset")["target"] == "species" and panel.target_note.isVisibleTo(panel)
    window.undo_stack.undo()  # the file and its guess go together; no new guess comes back
    assert "path" not in store.raw("dataset") and "target" not in store.raw("dataset")


def test_the_training_panel_writes_a_section_the_engine_accepts(qtbot, make_window, tmp_path):
    window = make_window()
    window.open_example(EXAMPLE)
    panel, store = window.training.settings_panel, window.training.store
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    panel.optimizer.activated.emit(panel.optimizer.currentIndex())
    panel.learning_rate.setText("0.05")
    panel.learning_rate.editingFinished.emit()
    panel.momentum.setValue(0.9)
    panel.epochs.setValue(7)
    panel.epochs.setValue(8)  # the same field twice in a row: one undo step
    panel.batch_size.setValue(64)
    panel.seed.setText("7")
    panel.seed.editingFinished.emit()
    panel.callbacks.toggles["EarlyStopping"].setChecked(True)
    panel.callbacks.fields[("EarlyStopping", "patience")].setValue(5)
    panel.callbacks.toggles["ReduceLROnPlateau"].setChecked(True)
    section = store.raw("training")
    assert section["optimizer"] == "sgd" and section["learning_rate"] == 0.05 and section["momentum"] == 0.9
    assert section["epochs"] == 8 and section["batch_size"] == 64 and section["seed"] == 7
    assert section["callbacks"] == [
        {"type": "EarlyStopping", "params": {"monitor": "val_loss", "patience": 5, "restore_best_weights": True}},
        {"type": "ReduceLROnPlateau", "params": {"monitor": "val_loss", "factor": 0.5, "patience": 2}}]
    config = TrainingConfig.from_section(section)  # the engine reads what the panel wrote
    assert (config.optimizer, config.learning_rate, config.epochs, len(config.callbacks)) == ("sgd", 0.05, 8, 2)
    assert not panel.problem.isVisible()

    path = tmp_path / "digits.layerlab"
    assert window.save_as(path)
    assert json.loads(path.read_text(encoding="utf-8"))["training"] == section
    window.undo_stack.undo()  # ReduceLROnPlateau off
    window.undo_stack.undo()  # patience back to 3
    assert store.raw("training")["callbacks"][0]["params"]["patience"] == 3
    assert panel.callbacks.fields[("EarlyStopping", "patience")].value() == 3
    for _ in range(6):
        window.undo_stack.undo()
    assert store.raw("training")["epochs"] == 20  # 7 then 8 was one step
    assert panel.epochs.value() == 20


def test_a_value_the_engine_refuses_is_named_under_the_form(qtbot, make_window):
    window = make_window()
    window.open_example(EXAMPLE)
    window.training.store.set_field("training", "loss", ["mse", "mse"])  # two losses for a one-output model
    problem = window.training.settings_panel.problem
    assert not problem.isHidden() and "training.loss has 2 entries" in problem.text()


def test_runs_can_be_overlaid_toggled_and_exported(qtbot, tmp_path):
    from layerlab.gui.training.plots import MetricPlots
    from layerlab.gui.training.runs import RunsPanel

    history = RunHistory()
    first = RunRecord(config={"optimizer": "adam", "batch_size": 32, "seed": 1}, history={
        "loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    more = RunRecord(config={"optimizer": "adam", "batch_size": 32, "seed": 1}, initial_epoch=2,
                     history={"loss": [0.4], "val_loss": [0.6], "accuracy": [0.85]})
    second = RunRecord(config={"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 16, "seed": 2},
                       history={"loss": [2.0, 1.5, 1.2], "val_loss": [2.1, 1.6, 1.4], "accuracy": [0.2, 0.4, 0.5]})
    history.load([first, more, second])
    assert [len(lineage.records) for lineage in history.lineages] == [2, 1]  # the continuation joined its run
    paths = iter([str(tmp_path / "loss"), str(tmp_path / "loss.csv")])
    plots = MetricPlots(history, ask_path=lambda *_a: next(paths))
    runs = RunsPanel(history)
    qtbot.addWidget(plots)
    qtbot.addWidget(runs)
    runs.visibilityChanged.connect(plots.rebuild)
    plots.resize(900, 400)
    plots.show()
    plots.rebuild()
    assert list(plots.cards) == ["loss", "accuracy"]
    run1, run2 = history.lineages
    _batch, train, val = plots.cards["loss"].curves[run1.id]
    assert list(train.getData()[0]) == [1.0, 2.0, 3.0] and list(val.getData()[1]) == pytest.approx([1.1, 0.7, 0.6])
    assert train.isVisible()

    runs.set_visible(run1.id, False)
    assert not run1.visible and not train.isVisible() and plots.cards["loss"].curves[run2.id][1].isVisible()
    assert runs.tree.topLevelItem(1).checkState(0) == Qt.CheckState.Unchecked
    runs.set_visible(run1.id, True)
    # what tells the runs apart comes first, where a narrow list still shows it
    assert runs.tree.headerItem().text(1) == "Settings"
    assert [runs.tree.topLevelItem(i).text(1) for i in range(2)] == ["sgd lr 0.1 · batch 16 · seed 2",
                                                                       "adam · batch 32 · seed 1"]
    assert train.isVisible()

    with qtbot.waitSignal(plots.exported):
        plots.cards["loss"].exportRequested.emit("loss", "png")
    image = QImage(str(tmp_path / "loss.png"))  # the suffix was added
    assert image.width() == 1200 and image.height() > 100
    with qtbot.waitSignal(plots.exported):
        plots.cards["loss"].exportRequested.emit("loss", "csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "loss.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["run", "kind", "epoch", "loss", "val_loss"]
    assert rows[1:4] == [["Run 1", "epoch", "1", "1", "1.1"], ["Run 1", "epoch", "2", "0.5", "0.7"],
                         ["Run 1", "epoch", "3", "0.4", "0.6"]]
    assert [r[0] for r in rows[4:]] == ["Run 2"] * 3


