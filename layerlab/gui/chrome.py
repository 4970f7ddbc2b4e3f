"""The main window's actions, menus and tool bar (built once, in MainWindow.__init__).

Each action is named (window.menu_actions[name]) so that tests, the training
controller and the toolbar find it by name; slots are the window's own methods.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from layerlab.gui import help as help_pages
from layerlab.gui import icons


def _action(window, name: str, text: str, slot=None, shortcut=None, icon: str | None = None,
            tip: str = "", checkable: bool = False) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if icon:
        action.setIcon(icons.icon(icon))
        action.setProperty("iconName", icon)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    if slot is not None:
        action.triggered.connect(slot)
    window.menu_actions[name] = action
    return action


def build_actions(window) -> None:
    """Every QAction of the window, in window.menu_actions by name (the training actions too)."""
    window.menu_actions = {}
    keys = QKeySequence.StandardKey
    a = partial(_action, window)
    a("new", "&New", window.new_project, keys.New, "new", "Start a new, empty model")
    a("open", "&Open…", window.open_dialog, keys.Open, "open", "Open a LayerLab project")
    a("import_model", "&Import Model…", window.import_model_dialog, "Ctrl+I", None,
      "Open a saved Keras model (.keras or .h5) as a new project, with its weights")
    a("save", "&Save", window.save, keys.Save, "save", "Save the project")
    a("save_as", "Save &As…", window.save_as, keys.SaveAs, None, "Save the project under a new name")
    a("revert", "Re&vert to Saved", window.revert, None, None, "Throw away the changes since the last save")
    a("quit", "&Quit", window.close, keys.Quit)
    for suffix, text in ((".keras", "Keras Model (.keras)…"), (".h5", "Legacy HDF5 Model (.h5)…"),
                         (".py", "Python Script (.py)…")):
        act = a(f"export{suffix}", text, lambda _=False, s=suffix: window.export_model_dialog(s))
        act.setEnabled(window.exporter.available)
        act.setToolTip(window.exporter.missing or f"Export the model as {suffix}")
    a("export.png", "Diagram as PNG…", lambda: window.export_diagram_dialog(".png"), None, "image")
    a("export.svg", "Diagram as SVG…", lambda: window.export_diagram_dialog(".svg"), None, "image")

    undo = window.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence(keys.Undo))
    undo.setIcon(icons.icon("undo"))
    undo.setProperty("iconName", "undo")
    redo = window.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence(keys.Redo), QKeySequence("Ctrl+Y")])
    redo.setIcon(icons.icon("redo"))
    redo.setProperty("iconName", "redo")
    window.menu_actions["undo"], window.menu_actions["redo"] = undo, redo
    a("cut", "Cu&t", lambda: window.canvas.cut(), keys.Cut, "cut")
    a("copy", "&Copy", lambda: window.canvas.copy(), keys.Copy, "copy")
    a("paste", "&Paste", lambda: window.canvas.paste(), keys.Paste, "paste")
    a("duplicate", "D&uplicate", lambda: window.canvas.duplicate(), "Ctrl+D", "duplicate")
    a("delete", "&Delete", lambda: window.canvas.delete_selected(), keys.Delete, "delete",
      "Delete the selected layers and connections")
    a("select_all", "Select &All", lambda: window.canvas.select_all(), keys.SelectAll, "select-all")
    a("find_layer", "&Find Layer Type", window.palette_panel.focus_search, keys.Find, "search",
      "Search the layer palette")
    a("auto_layout", "Auto &Layout", lambda: window.canvas.auto_layout(), "Ctrl+L", "layout",
      "Arrange the layers left to right (one undo step)")

    a("zoom_fit", "Zoom to &Fit", lambda: window.canvas.zoom_to_fit(), "Ctrl+0", "zoom-fit", "Show the whole model")
    a("zoom_in", "Zoom &In", lambda: window.canvas.zoom_by(1.25), keys.ZoomIn, "zoom-in")
    a("zoom_out", "Zoom &Out", lambda: window.canvas.zoom_by(0.8), keys.ZoomOut, "zoom-out")
    snap = a("snap", "&Snap to Grid", window._on_snap, None, "grid", "Snap moved layers to the grid", True)
    snap.setChecked(_to_bool(window.settings.value("snapToGrid", True)))
    snap.setIconVisibleInMenu(False)  # a check mark reads better than a sunken icon in the menu
    window.canvas.set_snap_to_grid(snap.isChecked())
    a("user_guide", "&User Guide", lambda: help_pages.show_user_guide(window), keys.HelpContents, None,
      "Read the user guide")
    a("shortcuts", "&Keyboard Shortcuts", lambda: help_pages.show_shortcuts(window), "Ctrl+/", None,
      "Every keyboard shortcut")
    a("about", "&About LayerLab", lambda: help_pages.show_about(window))
    for action in window.training.actions:
        window.menu_actions[action.objectName()] = action


def build_menus(window) -> None:
    """The menu bar: File, Edit, View, Run, Help."""
    act = window.menu_actions
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([act["new"], act["open"]])
    window.recent_menu = file_menu.addMenu(icons.icon("recent"), "Open &Recent")
    window.recent_menu.aboutToShow.connect(window._fill_recent_menu)
    window.examples_menu = file_menu.addMenu(icons.icon("example"), "&Examples")
    window.examples_menu.aboutToShow.connect(window._fill_examples_menu)
    file_menu.addAction(act["import_model"])
    window._fill_recent_menu()
    window._fill_examples_menu()
    file_menu.addSeparator()
    file_menu.addActions([act["save"], act["save_as"], act["revert"]])
    file_menu.addSeparator()
    window.export_menu = file_menu.addMenu(icons.icon("export"), "&Export")
    window.export_menu.setToolTipsVisible(True)
    window.export_menu.addActions([act["export.keras"], act["export.h5"], act["export.py"]])
    window.export_menu.addSeparator()
    window.export_menu.addActions([act["export.png"], act["export.svg"]])
    file_menu.addSeparator()
    file_menu.addAction(act["quit"])

    edit = bar.addMenu("&Edit")
    edit.addActions([act["undo"], act["redo"]])
    edit.addSeparator()
    edit.addActions([act["cut"], act["copy"], act["paste"], act["duplicate"], act["delete"]])
    edit.addSeparator()
    edit.addActions([act["select_all"], act["find_layer"]])
    edit.addSeparator()
    edit.addAction(act["auto_layout"])

    view = bar.addMenu("&View")
    view.addActions([act["zoom_fit"], act["zoom_in"], act["zoom_out"]])
    view.addSeparator()
    view.addAction(act["snap"])
    view.addSeparator()
    for dock, shortcut in ((window.palette_dock, "Ctrl+1"), (window.inspector_dock, "Ctrl+2"),
                           (window.bottom_dock, "Ctrl+3")):
        toggle = dock.toggleViewAction()
        toggle.setText(f"Show {dock.windowTitle()} Panel")
        toggle.setShortcut(QKeySequence(shortcut))
        view.addAction(toggle)
    view.addSeparator()
    view.addMenu(_theme_menu(window))

    run = bar.addMenu("&Run")
    run.addActions(window.training.actions)
    run.addAction("S&weep…", window.show_sweep_dialog)  # layerlab.gui.sweep
    run.addSeparator()
    for dock in (window.data_dock, window.training_dock):
        toggle = dock.toggleViewAction()
        toggle.setText(f"Show {dock.windowTitle()} Panel")
        run.addAction(toggle)
    run.addAction("Show Runs", window.training.show_runs_tab)

    help_menu = bar.addMenu("&Help")
    help_menu.addActions([act["user_guide"], act["shortcuts"]])
    help_menu.addSeparator()
    help_menu.addAction(act["about"])


def _theme_menu(window) -> QMenu:
    from layerlab.gui import theme

    menu = QMenu("&Theme", window)
    group = QActionGroup(menu)
    chosen = window.settings.value("theme", "system")
    for key, text in (("system", "Follow the &System"), ("light", "&Light"), ("dark", "&Dark")):
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(key == chosen)
        action.setData(key)
        group.addAction(action)
        action.triggered.connect(lambda _=False, k=key: window._set_theme(k))
    if chosen in ("light", "dark"):
        theme.set_override(chosen)
    return menu


def build_toolbar(window) -> None:
    """The main tool bar: files, undo, canvas tools, the Export menu and Train / Stop / Continue."""
    bar = QToolBar("Main")
    bar.setObjectName("mainToolBar")
    bar.setMovable(False)
    bar.setIconSize(QSize(20, 20))
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    act = window.menu_actions
    bar.addActions([act["new"], act["open"], act["save"]])
    bar.addSeparator()
    bar.addActions([act["undo"], act["redo"]])
    bar.addSeparator()
    bar.addActions([act["delete"], act["auto_layout"], act["zoom_fit"], act["snap"]])
    bar.addSeparator()
    export = window.export_button = QToolButton()
    export.setIcon(icons.icon("export"))
    export.setToolTip("Export the model or its diagram")
    export.setText("Export")
    export.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    export.setMenu(window.export_menu)
    bar.addWidget(export)
    bar.addSeparator()
    for action in window.training.actions:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(button)
    for name in ("new", "open", "save", "delete", "auto_layout", "zoom_fit", "snap"):
        shortcut = act[name].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if shortcut:
            act[name].setToolTip(f"{act[name].toolTip() or act[name].text().replace('&', '')} ({shortcut})")
    window.addToolBar(bar)
    window.toolbar = bar


def _to_bool(value) -> bool:
    """A QSettings value as a bool (INI files give back strings)."""
    return value in (True, "true", "1", 1)
