"""The canvas's right-click menu: the edits that apply where the click was, groups' among them."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMenu

from layerlab.gui.canvas import clipboard
from layerlab.gui.canvas.group_actions import GroupError
from layerlab.gui.canvas.group_item import GroupCardItem, GroupFrameItem
from layerlab.gui.canvas.group_layer import trainable_state


def group_at(view, scene_pos):
    """The group whose card or frame title is under `scene_pos`, or None."""
    for item in view.canvas_scene.items(scene_pos):
        if isinstance(item, GroupCardItem) or (isinstance(item, GroupFrameItem)
                                               and item.title_rect().contains(scene_pos)):
            return item
    return None


def show_context_menu(view, event) -> None:
    scene_pos = view.mapToScene(event.pos())
    item = view.canvas_scene.node_item_at(scene_pos)
    group_item = group_at(view, scene_pos) if item is None else None
    if item is not None and not item.isSelected():
        view.select_nodes([item.node_id])
    elif group_item is not None and not group_item.isSelected():
        view.canvas_scene.clearSelection()
        group_item.setSelected(True)
    menu = QMenu(view)
    ids = view.selected_ids()
    has_selection = bool(ids or view.selected_edges())
    if item is None and group_item is None:
        view._quick_add_pos = scene_pos
        global_pos = event.globalPos()
        menu.addAction("Add Layer…", lambda: view.quick_add.open_at(global_pos))
        menu.addSeparator()
    for text, slot, enabled in (("Cut", view.cut, bool(ids)),
                                ("Copy", view.copy, bool(ids)),
                                ("Paste", view.paste, clipboard.from_mime(
                                    QGuiApplication.clipboard().mimeData()) is not None),
                                ("Duplicate", view.duplicate, bool(ids)),
                                ("Delete", view.delete_selected, has_selection)):
        menu.addAction(text, slot).setEnabled(enabled)
    expander = getattr(view, "app_expander", None)  # set by gui/app_expand.install
    if item is not None and len(ids) == 1 and expander is not None:
        from layerlab.gui.app_expand import expandable

        if expandable(view.document, item.node_id):
            menu.addSeparator()
            menu.addAction("Expand into Layers", lambda n=item.node_id: expander.request(n)).setEnabled(
                not expander.busy)
    menu.addSeparator()
    add_group_entries(view, menu)
    menu.addSeparator()
    menu.addAction("Select All", view.select_all)
    menu.addAction("Auto-layout", view.auto_layout)
    menu.addAction("Zoom to Fit", view.zoom_to_fit)
    menu.exec(event.globalPos())


def add_group_entries(view, menu: QMenu) -> None:
    """Group / Ungroup / Collapse / Rename / Reusable block / Freeze, as they apply to the selection."""
    actions, doc = view.groups, view.document
    groups = actions.selected_groups()
    menu.addAction("Group Selection", lambda: try_group_action(view, actions.group_selection)).setEnabled(
        bool(actions.selected_loose_nodes() or groups))
    if not groups:
        return
    gid = groups[0]
    group = doc.group(gid)
    menu.addAction("Ungroup", lambda: try_group_action(view, actions.ungroup))
    menu.addAction("Expand" if group.collapsed else "Collapse", lambda: actions.toggle(gid))
    menu.addAction("Rename Group…", lambda: rename_dialog(view, gid))
    block = menu.addAction("Reusable Block (Keras Model)", lambda on: actions.make_block(gid, on))
    block.setCheckable(True)
    block.setChecked(group.model)
    frozen = trainable_state(doc, doc.group_members(gid)) == "frozen"
    menu.addAction("Unfreeze (Trainable)" if frozen else "Freeze (Not Trainable)",
                   lambda: actions.set_trainable(gid, frozen))


def rename_dialog(view, group_id: str) -> None:
    label, ok = QInputDialog.getText(view, "Rename Group", "Group name:", text=view.document.group(group_id).label)
    if ok:
        view.groups.rename(group_id, label)


def try_group_action(view, action) -> None:
    """Run a group action; what does not apply to the selection is said in the status bar."""
    try:
        action()
    except GroupError as exc:
        window = view.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(str(exc), 5000)
