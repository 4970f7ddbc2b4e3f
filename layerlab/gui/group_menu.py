"""The window's actions for groups, search and the overview, added to the Edit and View menus.

Kept apart from chrome.py (which builds the rest of the menus): the window
calls `add_group_actions` once its menus exist.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from layerlab.gui import app_expand
from layerlab.gui.canvas.context_menu import rename_dialog
from layerlab.gui.canvas.group_actions import GroupError
from layerlab.gui.panels.block_shelf import BlockShelf

PALETTE_SEARCH_KEYS = "Ctrl+K"  # the palette's own search (Ctrl+F finds in the model)
DIRECTIONS = (("auto", "By the Model's Shape"), ("left-to-right", "Left to Right"), ("top-to-bottom", "Top to Bottom"))


def _menu(window, title: str):
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return window.menuBar().addMenu(title)


def add_group_actions(window) -> None:
    """Group (Ctrl+G), Ungroup, Collapse/Expand, Rename, Reusable Block, Find in Model, Overview, Layout direction."""
    canvas, acts = window.canvas, window.menu_actions

    def run(action) -> None:
        try:
            action()
        except GroupError as exc:
            window.statusBar().showMessage(str(exc), 5000)

    def each_group(fn):
        return lambda: [fn(g) for g in canvas.groups.selected_groups()]

    def add(name: str, text: str, slot, keys=None, tip: str = "") -> QAction:
        action = QAction(text, window)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        acts[name] = action
        return action

    if "find_layer" in acts:
        acts["find_layer"].setShortcut(QKeySequence(PALETTE_SEARCH_KEYS))
    add("find_in_model", "F&ind in Model…", lambda: (window._show_canvas(), canvas.search.open()),
        QKeySequence.StandardKey.Find, "Find a layer of the model by name, type or group")
    add("group", "&Group", lambda: run(canvas.groups.group_selection), "Ctrl+G",
        "Make a group of the selected layers")
    add("ungroup", "U&ngroup", lambda: run(canvas.groups.ungroup), "Ctrl+Shift+G", "Dissolve the selected groups")
    add("toggle_group", "Collapse / E&xpand Group", each_group(canvas.groups.toggle), "Ctrl+E",
        "Show a group as one card, or its layers")
    add("rename_group", "&Rename Group…", each_group(lambda g: rename_dialog(canvas, g)), None)
    block = add("reusable_block", "Reusable &Block (Keras Model)",
                lambda on: [canvas.groups.make_block(g, on) for g in canvas.groups.selected_groups()], None,
                "Export the group as a nested Keras model named after it")
    block.setCheckable(True)
    edit = _menu(window, "Edit")
    edit.addSeparator()
    edit.addActions([acts["find_in_model"], acts["group"], acts["ungroup"], acts["toggle_group"],
                     acts["rename_group"], block])

    view = _menu(window, "View")
    overview = add("overview", "Show &Overview Map", lambda on: canvas.minimap.set_wanted(on), "Ctrl+M",
                   "A map of the whole model with the part in view (when part of it is out of view)")
    overview.setCheckable(True)
    overview.setChecked(str(window.settings.value("showOverview", True)).lower() not in ("false", "0"))
    canvas.minimap.set_wanted(overview.isChecked())
    overview.toggled.connect(lambda on: window.settings.setValue("showOverview", on))
    direction_menu = view.addMenu("Layout Direction")
    choice = QActionGroup(window)
    saved = str(window.settings.value("layoutDirection", "auto"))
    saved = {"rows": "top-to-bottom"}.get(saved, saved)  # the first round's name
    canvas.layout_direction = saved if saved in dict(DIRECTIONS) else "auto"
    for key, text in DIRECTIONS:
        action = direction_menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(key == canvas.layout_direction)
        action.triggered.connect(lambda _=False, k=key: _set_direction(window, k))
        choice.addAction(action)
    view.insertAction(view.actions()[3] if len(view.actions()) > 3 else None, overview)
    shelf = window.block_shelf = BlockShelf(window.palette_panel.tree)  # place a reusable block again
    shelf.placeRequested.connect(lambda gid, shared: (canvas.place_block(gid, shared), canvas.setFocus()))
    window.undo_stack.indexChanged.connect(lambda _i: shelf.refresh(window.document))  # a block made or unmade
    window.projectLoaded.connect(lambda: shelf.refresh(window.document))
    shelf.refresh(window.document)
    app_expand.install(window)  # an application node's "Expand into Layers" (inspector, context menu)
    update_group_actions(window)


def _set_direction(window, key: str) -> None:
    window.canvas.layout_direction = key
    window.settings.setValue("layoutDirection", key)
    window.canvas.auto_layout()


def update_group_actions(window) -> None:
    """Enable what applies to the selection (the window calls it when the selection changes)."""
    canvas, acts = window.canvas, window.menu_actions
    groups = canvas.groups.selected_groups()
    acts["group"].setEnabled(bool(groups or canvas.groups.selected_loose_nodes()))
    for name in ("ungroup", "toggle_group", "rename_group", "reusable_block"):
        acts[name].setEnabled(bool(groups))
    acts["reusable_block"].setChecked(bool(groups) and window.document.group(groups[0]).model)
