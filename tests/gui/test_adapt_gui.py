"""One-click Adapt in the Data panel: a Normalization after an Input fed by a small CSV, Keras as the oracle.

The adapting runs in the check engine; the editor stores the answer as one undo step and exports carry it.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt

from .test_training import RUN_TIMEOUT_MS, make_window  # noqa: F401

ROWS = [(1.5, 10.0, 0), (2.0, 30.0, 1), (4.0, 20.0, 0), (8.0, 60.0, 1), (16.0, 40.0, 0), (3.0, 5.0, 1)]


def _project(tmp_path, extra_nodes=(), extra_edges=()):
    (tmp_path / "small.csv").write_text("a,b,y\n" + "".join(f"{a},{b},{y}\n" for a, b, y in ROWS))
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [2]}, "position": [0, 0]},
             {"id": "norm", "type": "Normalization", "params": {}, "position": [300, 0]},
             {"id": "out", "type": "Dense", "params": {"units": 1, "activation": "sigmoid"}, "position": [600, 0]},
             *extra_nodes]
    edges = [{"source": "x", "target": "norm"}, {"source": "norm", "target": "out"}, *extra_edges]
    path = tmp_path / "adapt.layerlab"
    path.write_text(json.dumps({"format": "layerlab", "version": 1, "graph": {"nodes": nodes, "edges": edges},
                                "dataset": {"source": "csv", "path": "small.csv", "target": "y"}}))
    return path


def _open(qtbot, window, path):
    with qtbot.waitSignal(window.training.data_service.datasetReady, timeout=RUN_TIMEOUT_MS):
        window.open_path(path, ask=False)
    box = window.training.data_panel.adapt_box
    qtbot.waitUntil(lambda: box.buttons and box.buttons["norm"].isEnabled(), timeout=RUN_TIMEOUT_MS)
    return box


def test_adapt_sets_keras_statistics_undo_removes_them_and_exports_carry_them(qtbot, make_window, tmp_path):
    from layerlab.core.kerasenv import keras

    window = make_window()
    box = _open(qtbot, window, _project(tmp_path))
    assert "not adapted" in box.findChild(type(box.message), "adaptState.norm").text()
    with qtbot.waitSignal(window.training.adapter.finished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(box.buttons["norm"], Qt.MouseButton.LeftButton)
    assert done.args == ["Adapted norm to the data.", False]
    reference = keras().layers.Normalization()
    reference.adapt(np.array([r[:2] for r in ROWS], "float32"))
    params = window.document.params("norm")
    np.testing.assert_allclose(params["mean"], np.ravel(reference.mean), rtol=1e-6)
    np.testing.assert_allclose(params["variance"], np.ravel(reference.variance), rtol=1e-6)
    assert window.undo_stack.undoText() == "Adapt norm to the data"
    qtbot.waitUntil(lambda: "adapted: mean and variance of 2 values" in
                    box.findChild(type(box.message), "adaptState.norm").text())
    window.canvas.select_nodes(["norm"])
    assert window.inspector.adapted_label.text() == "mean and variance of 2 values"

    target = tmp_path / "adapted.keras"
    window.exporter.adapter.export(window.project, target)
    layer = keras().models.load_model(target, compile=False).get_layer("norm")
    np.testing.assert_allclose(np.ravel(layer.mean), np.ravel(reference.mean), rtol=1e-6)
    np.testing.assert_allclose(np.ravel(layer.variance), np.ravel(reference.variance), rtol=1e-6)

    window.undo_stack.undo()
    assert "mean" not in window.document.params("norm") and "variance" not in window.document.params("norm")
    assert window.inspector.adapted_label.text() == "not adapted: adapt it in the Data panel"
    with qtbot.waitSignal(window.training.adapter.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.inspector.adapt_button, Qt.MouseButton.LeftButton)  # the inspector's own button
    np.testing.assert_allclose(window.document.params("norm")["mean"], np.ravel(reference.mean), rtol=1e-6)
    assert window.inspector.adapted_label.text() == "mean and variance of 2 values"


def test_what_cannot_be_adapted_is_said_in_the_panel(qtbot, make_window, tmp_path):
    window = make_window()
    extra = [{"id": "hidden", "type": "Dense", "params": {"units": 3}, "position": [300, 200]},
             {"id": "late", "type": "Normalization", "params": {}, "position": [600, 200]},
             {"id": "words", "type": "StringLookup", "params": {}, "position": [300, 400]},
             {"id": "merge", "type": "Concatenate", "params": {}, "position": [900, 200]}]
    edges = [{"source": "x", "target": "hidden"}, {"source": "hidden", "target": "late"},
             {"source": "x", "target": "words"}, {"source": "late", "target": "merge"},
             {"source": "words", "target": "merge", "port": 1}]
    box = _open(qtbot, window, _project(tmp_path, extra, edges))
    assert list(box.buttons) == ["norm", "late", "words"]
    revision = window.document.revision
    with qtbot.waitSignal(window.training.adapter.finished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(box.buttons["late"], Qt.MouseButton.LeftButton)
    text, error = done.args
    assert error and "late: 'late' is fed through layers with weights (hidden)" in text
    assert window.document.revision == revision and not window.undo_stack.canUndo()
    with qtbot.waitSignal(window.training.adapter.finished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(box.buttons["words"], Qt.MouseButton.LeftButton)
    assert done.args[1] and "StringLookup 'words' adapts to texts" in done.args[0]
    assert box.message.isVisible() and "adapts to texts" in box.message.text()
    with qtbot.waitSignal(window.training.adapter.finished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(box.all_button, Qt.MouseButton.LeftButton)  # one succeeds, two are refused: one step
    assert done.args[0].startswith("Adapted norm to the data.") and done.args[1]
    assert window.undo_stack.count() == 1 and "mean" in window.document.params("norm")


def test_without_loaded_data_nothing_is_adapted(qtbot, make_window, tmp_path):
    window = make_window()
    adapter = window.training.adapter
    window.document.add_node("Input", {"shape": [2]}, node_id="x")
    with qtbot.waitSignal(adapter.finished, timeout=1000) as done:
        assert not adapter.adapt(["x"])
    assert done.args[1] and "No data is loaded" in done.args[0]
