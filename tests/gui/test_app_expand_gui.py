"""An application from the palette expanded into its layers: a collapsed, frozen nested-model group, one undo step.

Keras is the oracle: the exported model's sub-model has the parameters of the same keras.applications model
made by hand. The layers are made in the check engine; the editor never imports TensorFlow.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from layerlab.core.document import Edge
from layerlab.core.project import from_json
from layerlab.gui.canvas.group_layer import trainable_state
from layerlab.gui.commands import AddEdgeCommand, GroupCommand

from .test_training import RUN_TIMEOUT_MS, make_window  # noqa: F401

APP = "applications.MobileNetV2"


def _start(window):
    window.adopt(from_json({"format": "layerlab", "version": 1, "graph": {"nodes": [
        {"id": "image", "type": "Input", "params": {"shape": [96, 96, 3]}, "position": [0, 0]},
        {"id": "head", "type": "Dense", "params": {"units": 2, "activation": "softmax"}, "position": [900, 0]}],
        "edges": []}}))


def _place_from_palette(window) -> str:
    palette = window.palette_panel
    item = palette.item_for(APP)
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    [node_id] = [n for n in window.document.node_ids() if window.document.node_type(n) == APP]
    return node_id


def _wait_checked(qtbot, window):
    svc = window.check_service
    qtbot.waitUntil(lambda: svc.report_revision == window.document.revision and not svc.pending,
                    timeout=RUN_TIMEOUT_MS)


def test_mobilenet_from_the_palette_expands_into_a_frozen_nested_model(qtbot, make_window, tmp_path):
    from layerlab.core.kerasenv import keras

    window = make_window()
    _start(window)
    doc = window.document
    app = _place_from_palette(window)
    window.canvas.select_nodes([app])
    window.inspector.form.edited.emit("alpha", 0.35)  # what the alpha field sends when edited
    for edge in (("image", app), (app, "head")):
        window.undo_stack.push(AddEdgeCommand(doc, Edge(*edge)))
    _wait_checked(qtbot, window)
    assert window.inspector.expand_button.isVisible()
    steps = window.undo_stack.count()
    with qtbot.waitSignal(window.canvas.app_expander.finished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(window.inspector.expand_button, Qt.MouseButton.LeftButton)
    assert not done.args[1], done.args[0]
    assert window.undo_stack.count() == steps + 1 and window.undo_stack.undoText() == f"Expand {app} into layers"

    [group] = [g for g in doc.groups() if g.model]
    assert group.label == app and group.collapsed and group.parent is None
    members = doc.group_members(group.id)
    assert app not in doc and len(members) > 100
    assert trainable_state(doc, members) == "frozen"
    [entry] = [e for e in doc.out_edges("image")]
    assert entry.target in members and doc.node_type(entry.target) == "Conv2D"
    [exit_edge] = doc.in_edges("head")
    assert exit_edge.source in members and doc.node_type(exit_edge.source) == "GlobalAveragePooling2D"

    k = keras()
    reference = k.applications.MobileNetV2(include_top=False, alpha=0.35, input_shape=(96, 96, 3), weights=None)
    target = tmp_path / "expanded.keras"
    window.exporter.adapter.export(window.project, target)
    model = k.models.load_model(target, compile=False)
    base = model.get_layer(app)
    assert isinstance(base, k.Model) and not base.trainable
    assert base.count_params() == reference.count_params()
    assert model.output.shape == (None, 2)

    window.undo_stack.undo()
    assert app in doc and not [g for g in doc.groups() if g.model] and doc.params(app)["alpha"] == 0.35
    assert [e.source for e in doc.in_edges(app)] == ["image"] and [e.source for e in doc.in_edges("head")] == [app]
    assert len(doc) == 3
    window.undo_stack.redo()
    assert [g.id for g in doc.groups() if g.model] == [group.id] and set(doc.group_members(group.id)) == set(members)


def test_an_unwired_application_expands_at_its_default_size_and_preprocessing_does_not(qtbot, make_window):
    window = make_window()
    _start(window)
    app = _place_from_palette(window)
    window.canvas.select_nodes([app])
    window.inspector.form.edited.emit("alpha", 0.35)
    window.undo_stack.push(GroupCommand(window.document, "features", [app, "head"]))
    [outer] = [g.id for g in window.document.groups()]
    expander = window.canvas.app_expander
    with qtbot.waitSignal(expander.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert expander.expand(app)
    assert not done.args[1] and "224, 224, 3 (its default)" in done.args[0]
    [model] = [g for g in window.document.groups() if g.model]
    assert model.parent == outer and window.document.group(outer).nodes == ("head",)  # it stays where it was
    window.undo_stack.undo()
    assert window.document.group_of(app) == outer and not [g for g in window.document.groups() if g.model]
    pre = window.add_layer_at_center("applications.preprocess_input")
    window.canvas.select_nodes([pre])
    assert not window.inspector.expand_button.isVisible()
    with qtbot.waitSignal(expander.finished, timeout=1000) as done:
        assert not expander.expand(pre)
    assert done.args[1] and "only those expand" in done.args[0]
