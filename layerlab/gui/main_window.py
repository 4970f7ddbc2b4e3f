"""The editor's main window: palette, canvas, inspector, summary and problems around one project.

The window owns one Project (its document is the single source of truth), one
QUndoStack and one CheckService. Panels listen to the document and to check
reports; every edit is a command on the undo stack. Loading a file replaces
the document's content in one step and clears the stack: it is not an edit.

The window is put together from modules with one job each: docks.py (the
panels and their docks), chrome.py (actions, menus, tool bar), check_status.py
(the status bar's verdict), project_files.py (new, open, save, revert,
recovery) and model_files.py (import and export), the last two mixed in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from layerlab.core import project as project_io
from layerlab.core.project import Project
from layerlab.core.shapes import CheckReport
from layerlab.gui import allowed, chrome, docks, files, group_menu, icons, recovery
from layerlab.gui.canvas.view import CanvasView
from layerlab.gui.check_status import CheckStatus
from layerlab.gui.checking import CheckService
from layerlab.gui.dialogs import Dialogs
from layerlab.gui.files import RecentFiles
from layerlab.gui.model_files import ModelFiles
from layerlab.gui.panels.group_panel import GroupPanel
from layerlab.gui.project_files import ProjectFiles
from layerlab.gui.training.lock import BANNER_TEXT
from layerlab.gui.welcome import WelcomeView

APP_NAME = "LayerLab"


class MainWindow(ProjectFiles, ModelFiles, QMainWindow):
    """One editor window.

    Args:
        settings: where recent files, window state and options live (tests pass a temporary one).
        dialogs: the questions and file choosers (tests pass plain functions).
        recovery_folder: where recovery files go (default: recovery.recovery_dir()).
        recovery_interval_ms: how often unsaved work is written aside.
        interactive: False for screenshots and benchmarks: no recovery files, no saved window state.
        warm_up_delay_ms: how long after the window is shown the first shape check is sent if nothing has
            painted by then (it is sent right after the first paint otherwise).
        check_engine: the CheckEngine for checks, exports, imports and the Data panel (default: the editor's
            shared one, started at once, in parallel with the first paint).
    """

    projectLoaded = Signal()  # noqa: N815 - Qt naming
    firstShown = Signal()  # noqa: N815

    def __init__(self, settings: QSettings | None = None, dialogs: Dialogs | None = None,
                 recovery_folder: Path | None = None, recovery_interval_ms: int = recovery.DEFAULT_INTERVAL_MS,
                 interactive: bool = True, warm_up_delay_ms: int = 300, parent: QWidget | None = None,
                 check_engine=None):
        super().__init__(parent)
        from layerlab.gui import check_engine as engines

        engine = check_engine if check_engine is not None else engines.shared()  # starts now, beside the paint
        self.settings = settings if settings is not None else QSettings()
        allowed.load(self.settings)
        self.dialogs = dialogs or Dialogs()
        self.interactive = interactive
        self.recent = RecentFiles(self.settings)
        self.exporter = files.ModelExporter(self, self.dialogs, engine=engine)
        self.project = Project()
        self.document = self.project.document
        self.undo_stack = QUndoStack(self)
        self.check_service = CheckService(self.document, self, warm_up_delay_ms=warm_up_delay_ms, engine=engine)
        self._restored = False  # content restored from a recovery file: unsaved although the stack is clean
        self.importer = files.ModelImporter(self, engine=engine)
        self._import = None  # a model imported but not saved yet: its weights are written on the first save
        self._disk_stamp = None  # (mtime, size) of the project file when last opened or saved (project_files)
        self._shown = False

        from layerlab.gui.app import editor_style_sheet  # app imports this module: import here

        self.setWindowIcon(icons.app_icon())
        self.setStyleSheet(editor_style_sheet())
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.canvas = CanvasView(self.document, self.undo_stack, self.check_service)
        self.welcome = WelcomeView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.canvas)
        docks.build_panels(self)  # palette_panel, inspector, summary, problems, bottom_tabs and their docks
        docks.install_training(self)  # training, data_dock, training_dock, the Runs tab, the lock banner
        self.training.banner.overlay(self.canvas)  # over the canvas, not above it: the model must not jump

        self.recovery = recovery.RecoveryKeeper(lambda: (self.project, self.project.path), recovery_folder,
                                                recovery_interval_ms, self)
        self.recovery.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
        self.exporter.busyChanged.connect(self._on_export_busy)
        self.exporter.message.connect(lambda msg: self.statusBar().showMessage(msg, 8000))

        chrome.build_actions(self)
        chrome.build_menus(self)
        chrome.build_toolbar(self)
        self.group_panel = GroupPanel(self.inspector, self.canvas.groups, self.check_service)
        group_menu.add_group_actions(self)  # groups, Find in Model (Ctrl+F), the overview map
        self.check_status = CheckStatus(self, self.check_service, self.bottom_tabs)
        self.check_label = self.check_status.label
        self._connect()
        self._refresh_welcome()
        self.stack.setCurrentWidget(self.welcome)
        self._update_title()
        self.resize(1280, 800)
        if interactive:
            self._restore_window_state()

    # -- wiring ---------------------------------------------------------------------
    def _connect(self) -> None:
        # Bound methods, not lambdas: Qt drops them with the window, before its undo stack (a child) is
        # deleted; the stack's clear() on deletion emits both signals, and a lambda would reach a dead window.
        self.undo_stack.cleanChanged.connect(self._on_modified)
        self.undo_stack.indexChanged.connect(self._on_edit)
        self.check_service.reportReady.connect(self._on_report)
        self.check_service.kerasReady.connect(lambda: self.check_status.show(self.check_service.report))
        self.check_service.engineDied.connect(self.check_status.on_engine_died)
        self.canvas.selectionChangedIds.connect(self._on_selection)
        self.canvas.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.palette_panel.layerActivated.connect(self.add_layer_at_center)
        self.inspector.selectRequested.connect(self.go_to_nodes)
        self.inspector.sweepRequested.connect(self.show_sweep_dialog)
        self.summary.nodeActivated.connect(lambda n: self.go_to_nodes([n]))
        self.problems.nodeActivated.connect(lambda n: self.go_to_nodes([n]))
        self.problems.countChanged.connect(self.check_status.on_problem_count)
        self.importer.imported.connect(self._on_model_imported)
        self.importer.failed.connect(self._on_import_failed)
        self.importer.busyChanged.connect(lambda busy: self.menu_actions["import_model"].setEnabled(not busy))
        self.problems.fixRequested.connect(lambda fix: self.training.apply_fixes([fix]))
        self.canvas.selectionChangedIds.connect(self.training.weights_view.show_nodes)
        self.training.unsavedChanged.connect(self._on_modified)
        self.welcome.newRequested.connect(self.new_project)
        self.welcome.openRequested.connect(self.open_dialog)
        self.welcome.pathChosen.connect(self.open_path)
        self.welcome.exampleChosen.connect(self.open_example)
        self.welcome.layerDropped.connect(self.add_layer_at_center)
        self.document.subscribe(self._on_document_change)
        from layerlab.gui import theme

        theme.notifier().changed.connect(self._on_theme_changed)
        self._on_selection([])

    # -- state -----------------------------------------------------------------------------
    def is_modified(self) -> bool:
        """Unsaved changes: edits since the last save, or content restored after a crash."""
        return not self.undo_stack.isClean() or self._restored or self.training.unsaved or self._import is not None

    def display_name(self) -> str:
        if self.project.path is not None:
            return self.project.path.name
        return self.project.name or "Untitled"

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.is_modified())
        if "revert" in getattr(self, "menu_actions", {}):
            self.menu_actions["revert"].setEnabled(self.project.path is not None and self.is_modified())

    def _on_modified(self, *_args) -> None:
        self._update_title()
        if self.interactive:
            self.recovery.set_dirty(self.is_modified())

    def _on_edit(self, *_args) -> None:
        self._show_canvas()

    def _on_document_change(self, change) -> None:
        if len(self.document) and self.stack.currentWidget() is self.welcome:
            self._show_canvas()

    def _show_canvas(self) -> None:
        if self.stack.currentWidget() is not self.canvas:
            self.stack.setCurrentWidget(self.canvas)

    def start_folder(self) -> Path:
        """Where a file dialog opens: the project's folder, else the last one used, else the home folder."""
        if self.project.path is not None:
            return self.project.path.parent
        last = str(self.settings.value("lastDir", "") or "")
        return Path(last) if last and Path(last).is_dir() else Path.home()

    def _refresh_welcome(self) -> None:
        self.welcome.set_examples([(files.example_title(p), p) for p in files.example_paths()])
        self.welcome.set_recent(self.recent.paths())

    # -- check results and selection ------------------------------------------------------------
    def _on_report(self, report: CheckReport) -> None:
        if not len(self.document):  # nothing drawn yet is nothing to fix: no "1 error" on a blank canvas
            report = CheckReport()
        self.summary.set_report(report)
        self.problems.set_report(report)
        self.inspector.set_report(report)
        self.check_status.show(report)

    def refresh_path_problems(self) -> None:
        """List the project's paths that leave its folder (or the allowed ones) as problems."""
        from layerlab.core.confine import path_problems

        p = self.project
        self.problems.set_path_problems(path_problems(p.dataset, p.training, p.base_dir))

    def _on_selection(self, ids: list) -> None:
        self.inspector.show_nodes(list(ids))
        groups = self.canvas.groups.selected_groups()  # one group selected: its summary and switches
        one = groups[0] if len(groups) == 1 and set(ids) <= set(self.document.group_members(groups[0])) else None
        self.group_panel.show_group(one)
        group_menu.update_group_actions(self)
        self.summary.select_ids(list(ids))
        for name in ("cut", "copy", "duplicate", "delete"):
            self.menu_actions[name].setEnabled(bool(ids))

    def go_to_nodes(self, ids: list) -> None:
        """Select the nodes and bring the first into view (from the problems list, the summary...)."""
        ids = [n for n in ids if n in self.document]
        if not ids:
            return
        self._show_canvas()
        self.canvas.select_nodes(ids)
        self.canvas.center_on(ids[0])

    def add_layer_at_center(self, type_name: str) -> str | None:
        """Add a layer of `type_name` at the centre of the view (palette double-click, Enter)."""
        if self.training.locked:
            self.statusBar().showMessage(BANNER_TEXT, 5000)
            return None
        self._show_canvas()
        center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        node_id = self.canvas.add_node_at(type_name, center)
        if node_id:
            self.canvas.select_nodes([node_id])
        return node_id

    def show_sweep_dialog(self, key: str | None = None):
        """The Sweep dialog (layerlab.gui.sweep), made once; `key` is added to its space ("sweep this")."""
        from layerlab.gui.sweep.dialog import SweepDialog

        if getattr(self, "sweep_dialog", None) is None:
            self.sweep_dialog = SweepDialog(self)
        self.sweep_dialog.refresh_keys()
        if key:
            self.sweep_dialog.add_key(key)
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()
        return self.sweep_dialog

    # -- window events ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            QTimer.singleShot(0, self.canvas.initial_view)
            self.firstShown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.training.confirm_close():  # a run: ask, stop it, and close when its thread is done
            event.ignore()
            return
        if not self.maybe_save():
            event.ignore()
            return
        if self.interactive:
            self.settings.setValue("geometry", self.saveGeometry())
            self.settings.setValue("windowState", self.saveState())
            self.recovery.discard()
        self.recovery.stop()
        self.exporter.wait(30)
        self.canvas.close_canvas()
        self.training.shutdown()
        self.check_service.shutdown()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if _project_urls(event.mimeData()) or _model_urls(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if _project_urls(event.mimeData()) or _model_urls(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = _project_urls(event.mimeData())
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(paths[0]))  # let the drag finish before asking
        elif _model_urls(event.mimeData()):
            models = _model_urls(event.mimeData())
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.import_model_file(models[0]))
        else:
            super().dropEvent(event)

    def _restore_window_state(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)

    def _on_snap(self, on: bool) -> None:
        self.settings.setValue("snapToGrid", bool(on))
        self.canvas.set_snap_to_grid(bool(on))

    def _set_theme(self, key: str) -> None:
        from layerlab.gui import theme

        self.settings.setValue("theme", key)
        theme.set_override(None if key == "system" else key)  # emits changed: see _on_theme_changed

    def _on_theme_changed(self) -> None:
        """Light to dark or back: new palette, style sheet and icons drawn in the new text colour."""
        from layerlab.gui import app

        app.apply_palette()
        self.setStyleSheet(app.editor_style_sheet())
        for action in self.menu_actions.values():
            name = action.property("iconName")
            if name:
                action.setIcon(icons.icon(name))
        self.export_button.setIcon(icons.icon("export"))
        self.palette_panel.refresh_icons()
        self.check_status.show(self.check_service.report)


def _project_urls(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls()
            if u.isLocalFile() and u.toLocalFile().endswith(project_io.SUFFIX)]


def _model_urls(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and files.is_model_file(u.toLocalFile())]
