"""Placing a reusable block again from the palette, by double-clicks: a shared call (same weights) or a copy
(new weights), each one undo step; Keras counts the weights."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from layerlab.core import project as project_io
from layerlab.core.build import build_model
from layerlab.gui.main_window import MainWindow
from layerlab.gui.panels.block_shelf import TITLE
from tests.gui.conftest import wide_deep_document

BLOCK = ("hidden1", "hidden2")  # Dense 6 -> 30 -> 30: 210 + 930 weights


def double_click(tree, item) -> None:
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def weights(document) -> int:
    return build_model(document).count_params()


def export_and_reload(document, path):
    from layerlab.core.export import save_model
    from layerlab.core.kerasenv import keras

    return keras().models.load_model(save_model(build_model(document), path))


def test_a_block_is_placed_again_as_a_shared_call_or_a_copy_each_one_undo_step(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_folder=tmp_path / "rec", warm_up_delay_ms=0)
    qtbot.addWidget(window)
    window.show()
    try:
        window.adopt(project_io.Project(document=wide_deep_document()))
        doc, acts, shelf = window.document, window.menu_actions, window.block_shelf
        assert shelf.top.isHidden()  # no block yet
        window.canvas.select_nodes(list(BLOCK))
        acts["group"].trigger()
        (gid,) = [g.id for g in doc.groups()]
        window.canvas.canvas_scene.flush()
        window.canvas.canvas_scene.clearSelection()
        window.canvas.canvas_scene.group_layer.frames[gid].setSelected(True)
        acts["reusable_block"].trigger()
        assert doc.group(gid).model
        assert not shelf.top.isHidden() and shelf.top.text(0) == TITLE
        assert shelf.top.child(0).text(0) == doc.group(gid).label
        base = weights(doc)
        tree = window.palette_panel.tree

        # a second call: new nodes calling the block's layers, grouped as it is; no new weights
        before = set(doc.node_ids())
        double_click(tree, shelf.item_for(gid, shared=True))
        call = [g for g in doc.groups() if g.id != gid]
        # the same Keras model called again (core/nested.py builds one sub-model, called twice)
        assert len(call) == 1 and call[0].model and call[0].extra == {"shares": gid}
        assert shelf.top.childCount() == 1  # a call is not a block of its own
        placed = [n for n in doc.node_ids() if n not in before]
        assert sorted(doc.shares(n) for n in placed) == sorted(BLOCK)
        assert set(doc.group_members(call[0].id)) == set(placed)
        first = next(n for n in placed if doc.shares(n) == "hidden1")
        doc.add_edge("deep_input", first)  # fed like the block: its output becomes one more model output
        assert weights(doc) == base  # Keras: the same layers, called again
        saved = export_and_reload(doc, tmp_path / "call.keras")
        assert saved.count_params() == base  # and Keras reloads it so
        doc.remove_edge(next(e for e in doc.in_edges(first)))
        assert window.undo_stack.undoText() == f"Call {doc.group(gid).label} again"
        window.undo_stack.undo()
        assert set(doc.node_ids()) == before and [g.id for g in doc.groups()] == [gid]

        # a copy: its own layers and weights, itself a reusable block with a label of its own
        double_click(tree, shelf.item_for(gid, shared=False))
        copy = [g for g in doc.groups() if g.id != gid]
        assert len(copy) == 1 and copy[0].model and copy[0].label != doc.group(gid).label
        placed = [n for n in doc.node_ids() if n not in before]
        assert len(placed) == 2 and all(doc.shares(n) is None for n in placed)
        first = next(n for n in placed if doc.in_edges(n) == [])
        doc.add_edge("deep_input", first)
        assert weights(doc) == base + (6 * 30 + 30) + (30 * 30 + 30)
        assert export_and_reload(doc, tmp_path / "copy.keras").count_params() == base + (6 * 30 + 30) + (30 * 30 + 30)
        doc.remove_edge(next(e for e in doc.in_edges(first)))
        assert [shelf.top.child(i).text(0) for i in range(shelf.top.childCount())] == \
            [doc.group(gid).label, copy[0].label]  # the copy is a block too: it can be placed again
        window.undo_stack.undo()
        assert set(doc.node_ids()) == before and [g.id for g in doc.groups()] == [gid]
        window.undo_stack.redo()
        assert len(doc.groups()) == 2 and set(doc.node_ids()) > before
    finally:
        window.undo_stack.setClean()
        window.close()
        window.check_service.shutdown()
