"""Groups on the canvas, by clicks and keys: group/ungroup with undo, collapse/expand, wires to a card's ports,
freeze a group, find in the model, the overview map."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from layerlab.gui.panels.group_panel import GroupPanel
from layerlab.gui.panels.inspector import InspectorPanel

CTRL, SHIFT, NONE = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier, \
    Qt.KeyboardModifier.NoModifier


def click(c, scene_pos: QPointF, modifiers=NONE, double: bool = False) -> None:
    vp, pos = c.view.viewport(), c.viewport_pos(scene_pos)
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, modifiers, pos)
    if double:  # a real double-click: a click, then the double-click event and its release
        QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, modifiers, pos)


def header(c, node_id: str) -> QPointF:
    return c.scene.nodes[node_id].mapToScene(QPointF(60, 12))


def grouped(c, ids=("hidden1", "hidden2")) -> str:
    """Select `ids` by ctrl-clicking their headers and press Ctrl+G; returns the new group."""
    c.view.setFocus()
    for i, node_id in enumerate(ids):
        click(c, header(c, node_id), CTRL if i else NONE)
    assert c.view.selected_ids() == list(ids)
    QTest.keyClick(c.view, Qt.Key.Key_G, CTRL)
    (group,) = c.document.groups()
    return group.id


def test_ctrl_g_groups_the_selection_and_ctrl_shift_g_ungroups_with_undo(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    assert c.document.group(gid).nodes == ("hidden1", "hidden2")
    c.scene.flush()
    frame = c.scene.group_layer.frames[gid]
    for n in ("hidden1", "hidden2"):
        assert frame.frame_rect().contains(c.scene.nodes[n].sceneBoundingRect())
    click(c, frame.title_rect().center())  # the frame's title selects the group
    assert c.view.groups.selected_groups() == [gid]
    QTest.keyClick(c.view, Qt.Key.Key_G, CTRL | SHIFT)
    assert c.document.groups() == []
    c.undo_stack.undo()
    assert [g.id for g in c.document.groups()] == [gid]
    c.undo_stack.undo()
    assert c.document.groups() == []
    c.undo_stack.redo()
    assert c.document.group(gid).nodes == ("hidden1", "hidden2")


def test_double_click_collapses_to_one_card_wired_to_the_inner_ports_and_expands_back(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.wait_checked()
    gid = grouped(c)
    c.scene.flush()
    before = {n: c.document.position(n) for n in c.document.node_ids()}
    click(c, c.scene.group_layer.frames[gid].title_rect().center(), double=True)
    c.scene.flush()
    assert c.document.group(gid).collapsed
    card = c.scene.group_layer.cards[gid]
    assert not c.scene.nodes["hidden1"].isVisible() and not c.scene.nodes["hidden2"].isVisible()
    inside = [e for e in c.scene.edges if e.source == "hidden1" and e.target == "hidden2"]
    assert not c.scene.edges[inside[0]].isVisible()  # the wire inside the group is folded away
    wire_in = c.scene.edges[next(e for e in c.scene.edges if e.target == "hidden1")]
    assert wire_in.endpoints()[1] == card.in_port_pos(0)  # into the card's input port, for hidden1's port
    outs = [item for e, item in c.scene.edges.items() if e.source == "hidden2"]
    assert len(outs) == 2 and all(item.endpoints()[0] == card.out_port_pos(0) for item in outs)
    assert card.face.layers == 2 and card.face.params == (6 * 30 + 30) + (30 * 30 + 30)
    assert card.face.in_shapes == ("(None, 6)",) and card.face.out_shapes == ("(None, 30)",)
    click(c, card.mapToScene(card.card_rect().center()), double=True)
    c.scene.flush()
    assert not c.document.group(gid).collapsed and c.scene.nodes["hidden1"].isVisible()
    c.undo_stack.undo()  # expand and its re-layout: one step
    c.undo_stack.undo()  # collapse and its re-layout: one step
    c.scene.flush()
    assert not c.document.group(gid).collapsed
    assert {n: c.document.position(n) for n in c.document.node_ids()} == before


def test_deleting_a_collapsed_card_deletes_its_layers_and_undo_brings_the_group_back(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    c.view.groups.toggle(gid)
    c.scene.flush()
    card = c.scene.group_layer.cards[gid]
    click(c, card.mapToScene(card.card_rect().center()))
    assert c.view.selected_ids() == ["hidden1", "hidden2"]
    QTest.keyClick(c.view, Qt.Key.Key_Delete)
    assert "hidden1" not in c.document and c.document.groups() == []
    c.undo_stack.undo()
    assert c.document.group(gid).nodes == ("hidden1", "hidden2") and c.document.group(gid).collapsed
    c.scene_matches_document()


def test_the_inspector_freezes_and_unfreezes_a_whole_group_in_one_click(make_canvas, docs, qtbot):
    c = make_canvas(docs.wide_deep())
    inspector = InspectorPanel(c.document, c.undo_stack)
    qtbot.addWidget(inspector)
    panel = GroupPanel(inspector, c.view.groups)
    inspector.show()
    gid = grouped(c)
    panel.show_group(gid)
    qtbot.waitUntil(lambda: panel.trainable.height() >= panel.trainable.sizeHint().height())  # laid out
    assert panel.trainable.isChecked()
    box = panel.trainable
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the check box itself
    assert all(c.document.params(n)["trainable"] is False for n in ("hidden1", "hidden2"))
    assert c.document.params("concat").get("trainable", True)  # outside the group: untouched
    assert not panel.trainable.isChecked()
    assert c.undo_stack.undoText() == "Freeze group 1"
    c.view.groups.toggle(gid)
    c.scene.flush()
    assert c.scene.group_layer.cards[gid].face.trainable == "frozen"
    c.undo_stack.undo()
    c.undo_stack.undo()
    assert all("trainable" not in c.document.params(n) for n in ("hidden1", "hidden2"))


def test_ctrl_f_finds_by_name_type_and_group_and_jumps_into_a_collapsed_group(make_canvas, docs, qtbot):
    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    c.document.set_group(gid, label="trunk")
    c.view.groups.toggle(gid)
    c.scene.flush()
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_F, CTRL)
    bar = c.view.search
    assert bar.isVisible()
    qtbot.keyClicks(bar.edit, "concat")  # by name: the first match is selected and in view
    assert c.view.selected_ids() == ["concat"]
    assert c.view.mapToScene(c.view.viewport().rect()).boundingRect().contains(
        c.scene.nodes["concat"].sceneBoundingRect().center())
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "trunk")  # by group: both layers, shown as their card while collapsed
    assert bar.matches == ["hidden1", "hidden2"]
    assert c.view.groups.selected_groups() == [gid]
    QTest.keyClick(bar.edit, Qt.Key.Key_Return)  # Enter expands the group and selects the layer
    c.scene.flush()
    assert not c.document.group(gid).collapsed and c.view.selected_ids() == ["hidden1"]
    QTest.keyClick(bar.edit, Qt.Key.Key_Return)
    assert c.view.selected_ids() == ["hidden2"]
    QTest.keyClick(bar.edit, Qt.Key.Key_Return, SHIFT)
    assert c.view.selected_ids() == ["hidden1"]
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "dense")  # by type
    assert bar.matches == ["hidden1", "hidden2", "main_output", "aux_output"]
    QTest.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_clicking_and_dragging_in_the_overview_map_moves_the_view(make_canvas, docs):
    c = make_canvas(docs.wide_deep(), size=(900, 600))
    mini = c.view.minimap
    c.view.zoom_to_fit()  # the whole model in view: the map would only cover cards
    c.qtbot.waitUntil(lambda: not mini.isVisible())
    c.view.set_scale(1.0)
    c.view.centerOn(0, 0)
    c.qtbot.waitUntil(mini.isVisible)  # part of it out of view: the map shows
    target = c.scene.nodes["aux_output"].sceneBoundingRect().center()
    QTest.mousePress(mini, Qt.MouseButton.LeftButton, NONE, mini.to_map_point(target))
    center = c.view.mapToScene(c.view.viewport().rect().center())
    assert abs(center.x() - target.x()) < 40 and abs(center.y() - target.y()) < 40
    other = c.scene.nodes["wide_input"].sceneBoundingRect().center()
    QTest.mouseMove(mini, mini.to_map_point(other))
    QTest.mouseRelease(mini, Qt.MouseButton.LeftButton, NONE, mini.to_map_point(other))
    center = c.view.mapToScene(c.view.viewport().rect().center())
    assert abs(center.x() - other.x()) < 40 and abs(center.y() - other.y()) < 40


def test_a_collapsed_card_is_dragged_with_all_its_layers_in_one_undo_step(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    c.view.groups.toggle(gid)
    c.scene.flush()
    card = c.scene.group_layer.cards[gid]
    before = {n: c.document.position(n) for n in ("hidden1", "hidden2")}
    start = card.mapToScene(card.card_rect().center())
    c.drag(start, start + QPointF(100, 60))
    for n, (x, y) in before.items():
        assert c.document.position(n) == (x + 100, y + 60)
    c.undo_stack.undo()
    assert {n: c.document.position(n) for n in before} == before


def test_the_window_s_group_actions_find_and_groups_saved_in_the_project(qtbot, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QKeySequence

    from layerlab.core import project as project_io
    from layerlab.gui.main_window import MainWindow
    from tests.gui.conftest import wide_deep_document

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_folder=tmp_path / "rec", warm_up_delay_ms=0)
    qtbot.addWidget(window)
    window.show()
    try:
        acts = window.menu_actions
        assert acts["find_in_model"].shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
        assert acts["find_layer"].shortcut() == QKeySequence("Ctrl+K")  # the palette keeps a search key of its own
        assert acts["group"].shortcut() == QKeySequence("Ctrl+G")
        loaded = project_io.Project(document=wide_deep_document())
        window.adopt(loaded)
        window.canvas.select_nodes(["hidden1", "hidden2"])
        assert acts["group"].isEnabled() and not acts["ungroup"].isEnabled()
        acts["group"].trigger()
        (gid,) = [g.id for g in window.document.groups()]
        window.canvas.groups.toggle(gid)
        window.canvas.canvas_scene.flush()
        card = window.canvas.canvas_scene.group_layer.cards[gid]
        window.canvas.canvas_scene.clearSelection()
        card.setSelected(True)
        assert window.group_panel.isVisible() and window.group_panel.group_id == gid  # the inspector shows it
        assert acts["ungroup"].isEnabled()
        path = tmp_path / "grouped.layerlab"
        window.project.path = path
        assert window.save()
        assert project_io.load(path).document.groups() == window.document.groups()
        acts["find_in_model"].trigger()
        assert window.canvas.search.isVisible()
    finally:
        window.undo_stack.setClean()
        window.close()
        window.check_service.shutdown()


def test_duplicating_a_collapsed_block_makes_a_grouped_copy_in_one_undo_step(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    inner = c.document.add_group("inner", ["hidden2"], parent=gid)
    c.view.groups.toggle(gid)
    c.scene.flush()
    card = c.scene.group_layer.cards[gid]
    click(c, card.mapToScene(card.card_rect().center()))
    before = c.undo_stack.count(), c.document.groups()
    QTest.keyClick(c.view, Qt.Key.Key_D, CTRL)
    copy = next(g for g in c.document.groups() if g.label == "group 1 copy")
    members = c.document.group_members(copy.id)
    assert len(members) == 2 and not set(members) & {"hidden1", "hidden2"} and copy.collapsed
    nested = next(g for g in c.document.groups() if g.parent == copy.id)
    assert nested.label == "inner" and len(nested.nodes) == 1 and nested.id != inner
    assert c.view.groups.selected_groups() == [copy.id]  # the copy is selected, ready to be moved
    assert c.undo_stack.count() == before[0] + 1
    c.undo_stack.undo()
    assert c.document.groups() == before[1] and len(c.document) == 7
