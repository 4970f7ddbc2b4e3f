"""Faults during training in the editor: each ends with a clear message, and the editor goes on.

Data that does not fit the model (with its fix, one undo step), data that
cannot be read, running out of memory (a real TensorFlow allocation failure),
an exception in the worker (a callback that cannot write its file), and an
export asked for during a run.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from layerlab.core import confine
from layerlab.core.document import GraphDocument
from layerlab.core.project import Project
from layerlab.core.training import FAILED, FINISHED
from layerlab.gui.commands import SetParamsCommand

from .test_training import RUN_TIMEOUT_MS, make_window, open_digits, run  # noqa: F401

DIGITS = {"source": "sklearn", "name": "digits", "scale": 16}


def wait_for_data_problem(qtbot, window, text: str):
    controller = window.training
    qtbot.waitUntil(lambda: any(text in p.message for p in controller.data_problems), timeout=RUN_TIMEOUT_MS)
    return next(p for p in controller.data_problems if text in p.message)


def data_row(window):
    """The problems list's row about the data not fitting Input 'pixels'."""
    listed = [window.problems.list.topLevelItem(i) for i in range(window.problems.list.topLevelItemCount())]
    [row] = [item for item in listed if item.text(0).startswith("Data: Input 'pixels'")]
    return row


def test_data_that_does_not_fit_is_refused_and_its_fix_is_one_undo_step(qtbot, make_window):
    window = make_window()
    open_digits(window, epochs=1)
    controller = window.training
    window.undo_stack.push(SetParamsCommand(window.document, "pixels", {"shape": [30]}))
    problem = wait_for_data_problem(qtbot, window, "Input 'pixels' expects (30,), the data gives (64,)")
    assert problem.fix is not None and problem.fix.value == [64]
    assert data_row(window).text(1) == "pixels"
    assert controller.data_panel.shapes_button.isEnabled()

    outcome = run(qtbot, window)
    assert outcome.status == FAILED and outcome.record is None
    assert outcome.reason.startswith("The data does not fit the model: Input 'pixels' expects (30,)")
    assert "Problems list offers a fix" in controller.run_panel.message.text()
    assert controller.history.lineages == []  # nothing was trained, so no run is listed
    assert not controller.locked

    steps = window.undo_stack.count()
    window.bottom_tabs.setCurrentWidget(window.problems)  # as a person would look at the Problems tab
    button = window.problems.list.itemWidget(data_row(window), 2)
    qtbot.waitUntil(button.isVisible)
    assert button.text() == "Set Input 'pixels' shape to (64,)"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.document.params("pixels")["shape"] == [64]
    assert window.undo_stack.count() == steps + 1
    qtbot.waitUntil(lambda: not controller.data_problems, timeout=RUN_TIMEOUT_MS)
    assert "fits the model" in controller.data_panel.problem_label.text()
    window.undo_stack.undo()
    assert window.document.params("pixels")["shape"] == [30]
    window.undo_stack.redo()
    assert run(qtbot, window).status == FINISHED


def test_unreadable_data_is_named_in_the_panel_the_problems_and_the_run(qtbot, make_window, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("a,b,label\n1,2,x\n3,oops,y\n5,6,x\n", encoding="utf-8")
    window = make_window()
    open_digits(window, epochs=1)
    confine.allow(tmp_path)  # as choosing the file through the dialog does: it is outside the project's folder
    window.training.store.edit("dataset", {"source": "csv", "path": str(data), "target": "label"})
    problem = wait_for_data_problem(qtbot, window, "row 3, column 'b'")
    assert problem.level == "error"
    assert "row 3, column 'b'" in window.training.data_panel.preview.status.text()
    outcome = run(qtbot, window)
    assert outcome.status == FAILED and "row 3, column 'b'" in outcome.reason
    assert "Training failed" in window.training.run_panel.message.text()


def test_running_out_of_memory_ends_the_run_with_a_clear_message(qtbot, make_window):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [64]}, (0, 0), node_id="pixels")
    doc.add_node("RepeatVector", {"n": 10**9}, (300, 0), node_id="huge")  # 8 TB of activations per batch
    doc.add_node("GlobalAveragePooling1D", {}, (600, 0), node_id="pool")
    doc.add_node("Dense", {"units": 10, "activation": "softmax"}, (900, 0), node_id="digit")
    for source, target in (("pixels", "huge"), ("huge", "pool"), ("pool", "digit")):
        doc.add_edge(source, target)
    window = make_window()
    window.adopt(Project(document=doc, name="Too big", dataset=dict(DIGITS), training={
        "loss": "sparse_categorical_crossentropy", "epochs": 1, "batch_size": 32}))
    before = (window.document.nodes(), window.document.edges())
    outcome = run(qtbot, window)
    assert outcome.status == FAILED
    text = window.training.run_panel.message.text()
    assert text.startswith("Out of memory in layer 'huge'") and "smaller batch size" in text
    assert (window.document.nodes(), window.document.edges()) == before
    assert not window.training.locked and not window.training.runner.busy


def test_an_exception_in_the_worker_is_reported_and_earlier_runs_stay(qtbot, make_window, tmp_path):
    window = make_window()
    open_digits(window, epochs=1)
    first = run(qtbot, window)
    assert first.status == FINISHED
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    confine.allow(tmp_path)  # the user's own folder (--allow-path): the fault under test is the blocker
    window.training.store.set_field("training", "callbacks", [
        {"type": "ModelCheckpoint", "params": {"filepath": str(blocker / "best.keras")}}])
    failed = run(qtbot, window)
    assert failed.status == FAILED
    text = window.training.run_panel.message.text()
    assert text.startswith("Training failed:") and "not-a-folder" in text
    assert [lineage.records[0] for lineage in window.training.history.lineages] == [first.record]
    assert window.training.session is first.session  # the trained model is kept: it can be saved or continued
    assert window.training.continue_action.isEnabled()
    window.training.store.set_field("training", "callbacks", None)
    assert run(qtbot, window, lambda: window.training.continue_training(1)).status == FINISHED


def test_an_export_during_a_run_is_refused_with_a_reason(qtbot, make_window, tmp_path):
    window = make_window()
    open_digits(window, epochs=300)
    controller = window.training
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        controller.train()
    assert not window.menu_actions["export.h5"].isEnabled()  # locked with the model
    with qtbot.waitSignal(window.exporter.busyChanged, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda b: not b):
        window.export_model(tmp_path / "m.h5")
    assert window.answers.errors and "A run is in progress" in window.answers.errors[-1]
    assert not (tmp_path / "m.h5").exists()
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS):
        controller.stop()


@pytest.mark.parametrize("reason, expected", [
    ("ResourceExhaustedError: Graph execution error: Detected at node functional_1/big/Tile defined at",
     "Out of memory in layer 'big'"),
    ("MemoryError: Unable to allocate 7.5 TiB", "Out of memory: the run needs more memory"),
])
def test_out_of_memory_messages_name_the_layer_when_tensorflow_does(reason, expected):
    from layerlab.core.training.messages import end_message

    level, text = end_message(FAILED, reason, 3.0, {"big": "big"})
    assert level == "error" and text.startswith(expected)
