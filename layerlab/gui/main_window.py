"""The editor's main window: palette, canvas, inspector, summary and problems around one project.

The window owns one Project (its document is the single source of truth), one
QUndoStack and one CheckService. Panels listen to the document and to check
reports; every edit is a command on the undo stack. Loading a file replaces
the document's content in one step and clears the stack: it is not an edit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from layerlab.core import project as project_io
from layerlab.core.errors import LayerLabError
from layerlab.core.project import Project
from layerlab.core.shapes import CheckReport
from layerlab.gui import allowed, chrome, files, group_menu, icons, recovery
from layerlab.gui.canvas.view import CanvasView
from layerlab.gui.checking import CheckService
from layerlab.gui.files import CANCEL, DISCARD, SAVE, Dialogs, ExportAdapter, RecentFiles
from layerlab.gui.panels.group_panel import GroupPanel
from layerlab.gui.panels.inspector import InspectorPanel
from layerlab.gui.panels.palette import PalettePanel
from layerlab.gui.panels.problems import ProblemsPanel
from layerlab.gui.panels.summary import SummaryPanel
from layerlab.gui.training.controller import TrainingController, anchored_dataset
from layerlab.gui.training.lock import BANNER_TEXT
from layerlab.gui.training.trained_export import TrainedModelAdapter
from layerlab.gui.welcome import WelcomeView

APP_NAME = "LayerLab"


class MainWindow(QMainWindow):
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

        self.palette_panel = PalettePanel()
        self.inspector = InspectorPanel(self.document, self.undo_stack)
        self.summary = SummaryPanel(self.document)
        self.problems = ProblemsPanel()
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.summary, "Summary")
        self.bottom_tabs.addTab(self.problems, "Problems")
        self.palette_dock = self._dock("Layers", self.palette_panel, Qt.DockWidgetArea.LeftDockWidgetArea, 240)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea, 310)
        self.bottom_dock = self._dock("Model", self.bottom_tabs, Qt.DockWidgetArea.BottomDockWidgetArea, 190)
        self.bottom_dock.setTitleBarWidget(QWidget())  # the tabs are its header
        self._install_training()

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
        self._build_status_bar()
        self._connect()
        self._refresh_welcome()
        self.stack.setCurrentWidget(self.welcome)
        self._update_title()
        self.resize(1280, 800)
        if interactive:
            self._restore_window_state()

    # -- construction ----------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea, size: int) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        orientation = Qt.Orientation.Vertical if area == Qt.DockWidgetArea.BottomDockWidgetArea \
            else Qt.Orientation.Horizontal
        self.resizeDocks([dock], [size], orientation)
        return dock

    def _install_training(self) -> None:
        """The training side (layerlab.gui.training): Data and Training docks, the Runs tab, the lock banner."""
        self.training = TrainingController(self)
        self.training.store.changed.connect(lambda _key: self.refresh_path_problems())
        self.bottom_tabs.addTab(self.training.view, icons.icon("train"), "Runs")
        self.data_dock = self._dock("Data", self.training.data_panel, Qt.DockWidgetArea.RightDockWidgetArea, 330)
        self.training_dock = self._dock("Training", self.training.settings_panel,
                                        Qt.DockWidgetArea.RightDockWidgetArea, 330)
        self.tabifyDockWidget(self.inspector_dock, self.data_dock)
        self.tabifyDockWidget(self.data_dock, self.training_dock)
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
        self.inspector_dock.raise_()
        self.inspector.add_section(self.training.weights_view)
        self.inspector.node_extra = lambda: self.project.node_extra  # a rename keeps a node's unknown keys
        self.training.run_panel.dataRequested.connect(lambda: (self.data_dock.show(), self.data_dock.raise_()))
        self.training.settings_panel.follow(self.training.data_service, self.check_service, self.training.data_panel)
        self.exporter.adapter = TrainedModelAdapter(self.exporter.adapter, self.training.trained_session,
                                                    lambda: self.training.training, self.training.weights_source)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.training.banner)
        column.addWidget(self.stack, 1)
        self.stack.setMinimumSize(320, 200)  # the welcome page's own minimum must not make the window grow
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.check_icon = QLabel()
        self.check_label = QLabel()
        self.check_label.setContentsMargins(0, 0, 8, 0)
        status.addPermanentWidget(self.check_icon)
        status.addPermanentWidget(self.check_label)
        self._show_check_status(None)

    def _connect(self) -> None:
        # Bound methods, not lambdas: Qt drops them with the window, before its undo stack (a child) is
        # deleted; the stack's clear() on deletion emits both signals, and a lambda would reach a dead window.
        self.undo_stack.cleanChanged.connect(self._on_modified)
        self.undo_stack.indexChanged.connect(self._on_edit)
        self.check_service.reportReady.connect(self._on_report)
        self.check_service.kerasReady.connect(lambda: self._show_check_status(self.check_service.report))
        self.check_service.engineDied.connect(self._on_check_engine_died)
        self.canvas.selectionChangedIds.connect(self._on_selection)
        self.palette_panel.layerActivated.connect(self.add_layer_at_center)
        self.inspector.selectRequested.connect(self.go_to_nodes)
        self.inspector.sweepRequested.connect(self.show_sweep_dialog)
        self.summary.nodeActivated.connect(lambda n: self.go_to_nodes([n]))
        self.problems.nodeActivated.connect(lambda n: self.go_to_nodes([n]))
        self.problems.countChanged.connect(self._on_problem_count)
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
        self._show_check_status(report)

    def refresh_path_problems(self) -> None:
        """List the project's paths that leave its folder (or the allowed ones) as problems."""
        from layerlab.core.confine import path_problems

        p = self.project
        self.problems.set_path_problems(path_problems(p.dataset, p.training, p.base_dir))

    def _on_check_engine_died(self, reason: str) -> None:
        """The check engine crashed: say so; a new one is starting and shapes come back when it answers."""
        restarting = not self.check_service.engine.gave_up
        self.statusBar().showMessage(reason + (" Restarting it; shapes come back in a moment." if restarting else ""),
                                     15_000 if restarting else 0)
        self._show_check_status(None)

    def _show_check_status(self, report: CheckReport | None) -> None:
        if not len(self.document):
            self.check_icon.clear()
            self.check_label.setText("Empty model")
            return
        if report is None or self.check_service.pending and not self.check_service.keras_loaded:
            name, text = "pending", "Loading Keras…" if not self.check_service.keras_loaded else "Checking shapes…"
        elif report.errors:
            count = len(report.errors)
            name, text = "error", f"{count} error{'s' if count != 1 else ''}"
        else:
            layers = len(self.document)
            name = "warning" if report.warnings else "ok"
            text = f"{layers} layer{'s' if layers != 1 else ''} · {report.total_params:,} params"
            if report.warnings:
                text += f" · {len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}"
        self.check_icon.setPixmap(icons.render(name, 16, None, self.devicePixelRatioF()))
        self.check_label.setText(text)

    def _on_problem_count(self, errors: int, warnings: int) -> None:
        total = errors + warnings
        self.bottom_tabs.setTabText(1, f"Problems ({total})" if total else "Problems")
        self.bottom_tabs.setTabIcon(1, icons.icon("error") if errors else icons.icon("warning") if warnings
                                    else icons.icon("ok"))

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

    # -- files ------------------------------------------------------------------------------------
    def maybe_save(self, doing: str = "closing") -> bool:
        """Ask about unsaved changes; True if it is fine to go on."""
        if not self.is_modified():
            return True
        answer = self.dialogs.ask(self, "Unsaved changes", f"Save the changes to {self.display_name()} before "
                                  f"{doing}?", (SAVE, DISCARD, CANCEL),
                                  "Your changes will be lost if you don't save them.")
        if answer == SAVE:
            return self.save()
        if answer == DISCARD:
            self.recovery.discard()
            return True
        return False

    def new_project(self) -> None:
        if not self.maybe_save("starting a new model"):
            return
        self.adopt(Project())
        self._show_canvas()

    def _choose_file(self, doing: str, caption: str, filters: str) -> str | None:
        """Ask about unsaved changes, then for a file (the dialog starts in start_folder())."""
        if not self.maybe_save(doing):
            return None
        return self.dialogs.open_file(self, caption, str(self.start_folder()), filters)

    def open_dialog(self) -> None:
        path = self._choose_file("opening another project", "Open Project", files.PROJECT_FILTER)
        if path:
            self.open_path(path, ask=False)

    def _load(self, path: str | Path, ask: bool, doing: str, title: str, failed=None) -> Project | None:
        """Ask about unsaved changes (when `ask`), then read `path`; None when cancelled or unreadable (said)."""
        if ask and not self.maybe_save(doing):
            return None
        try:
            return project_io.load(path)
        except LayerLabError as exc:
            self.dialogs.error(self, title, str(exc))
            if failed is not None:
                failed()
            return None

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file (asking first about unsaved changes when `ask`); a bundled example as a copy."""
        if files.is_example(path):
            return self.open_example(path, ask=ask)
        loaded = self._load(path, ask, "opening another project", "Cannot open the project",
                            failed=lambda: self.recent.remove(Path(path)))
        if loaded is None:
            return False
        self.adopt(loaded)
        self.recent.add(loaded.path)
        self.settings.setValue("lastDir", str(loaded.path.parent))
        self.statusBar().showMessage(f"Opened {loaded.path}", 5000)
        return True

    def open_example(self, path: str | Path, ask: bool = True) -> bool:
        """Open a bundled example as an untitled copy, so that saving never writes into the examples."""
        loaded = self._load(path, ask, "opening an example", "Cannot open the example")
        if loaded is None:
            return False
        loaded.path = None
        loaded.name = loaded.name or files.example_title(Path(path))
        loaded.dataset = anchored_dataset(loaded.dataset, Path(path).parent)  # its data stays with the example
        self.adopt(loaded)
        self.statusBar().showMessage(f"Opened a copy of the example '{loaded.name}': save it to keep your changes.",
                                     8000)
        return True

    # -- importing models ------------------------------------------------------------------------
    def import_model_dialog(self) -> None:
        path = self._choose_file("importing a model", "Import Keras Model", files.MODEL_FILTER)
        if path:
            self.import_model_file(path, ask=False)

    def import_model_file(self, path: str | Path, ask: bool = True) -> files.BackgroundTask | None:
        """Import a saved Keras model (.keras, .h5) as a new untitled project, reading it on a worker thread.

        Returns the running task, or None if nothing was started (an import is running, or the question
        about unsaved changes was cancelled). The project opens when the file has been read.
        """
        if self.importer.busy:
            self.statusBar().showMessage("Another model is still being imported.", 5000)
            return None
        if ask and not self.maybe_save("importing a model"):
            return None
        self.statusBar().showMessage(f"Importing {Path(path).name}…")
        return self.importer.start(Path(path))

    def _on_model_imported(self, result) -> None:
        self.adopt(result.project)
        self._import = result  # unsaved until the first save writes the project and its weights
        self._on_modified()
        self._show_canvas()
        source = result.source or Path("model")
        self.settings.setValue("lastDir", str(source.parent))
        doc = result.project.document
        weights = f"weights of {len(result.weights)} layers are kept until you save" if result.weights \
            else "no weights"
        self.statusBar().showMessage(f"Imported {source.name}: {len(doc)} layers, {weights}.", 10_000)
        if result.notes:
            count = len(result.notes)
            self.dialogs.notify(self, "Model imported", f"{source.name} was imported, with {count} "
                                f"note{'s' if count != 1 else ''}:", "\n".join(f"• {n}" for n in result.notes))

    def _on_import_failed(self, message: str) -> None:
        self.statusBar().showMessage("The model was not imported.", 5000)
        self.dialogs.error(self, "Cannot import the model", message)

    def _imported_weights_saved(self) -> bool:
        """Exports read the weights saved beside the project: an imported model is saved first."""
        if self._import is None or not self._import.weights:
            return True
        answer = self.dialogs.ask(self, "Save the imported model first?", "Save the project before exporting "
                                  "it?", (SAVE, CANCEL), "The imported weights are written beside the project "
                                  "when it is saved; an export made before that would have fresh weights.")
        return answer == SAVE and self.save()

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

    def adopt(self, loaded: Project) -> None:
        """Show `loaded` in this window: the document is replaced in one step and the undo stack cleared."""
        unplaced = any(loaded.document.position(n) is None for n in loaded.document.node_ids())
        self._import = None
        p = self.project
        p.name, p.dataset, p.training, p.path = loaded.name, loaded.dataset, loaded.training, loaded.path
        p.extra, p.node_extra, p.load_problems = loaded.extra, loaded.node_extra, list(loaded.load_problems)
        self.document.load(loaded.document.nodes(), loaded.document.edges(), loaded.document.groups())
        if unplaced:
            self._place_all()
        self.undo_stack.clear()
        self._restored = False
        self.check_service.set_extra_problems(list(loaded.load_problems))
        self.problems.set_problems(list(loaded.load_problems))
        self.inspector.show_nodes([])
        self.summary.refresh()
        if len(self.document):
            self._show_canvas()
        self._update_title()
        if self.interactive:
            self.recovery.set_dirty(False)
        QTimer.singleShot(0, self.canvas.initial_view)
        self.training.project_loaded()
        self.refresh_path_problems()
        self.projectLoaded.emit()

    def _place_all(self) -> None:
        """A file without positions (hand-written, imported): lay it out, as part of loading (no undo step)."""
        for node_id, pos in self.canvas.layout_positions().items():  # spaced for the cards as drawn
            self.document.move_node(node_id, pos)

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self.save_to(self.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            start = str(self.project.path or self.start_folder() /
                        f"{(self.project.name or 'untitled').replace(' ', '_').lower()}{project_io.SUFFIX}")
            path = self.dialogs.save_file(self, "Save Project As", start, files.PROJECT_FILTER)
            if not path:
                return False
        path = Path(path)
        if path.suffix != project_io.SUFFIX:
            path = path.with_name(path.name + project_io.SUFFIX)
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        from layerlab.core.lock import project_lock

        old = self.project.path
        try:
            with project_lock(path):  # another LayerLab saving this project: say so, write nothing
                if self._import is not None:  # an imported model's weights, before any trained ones replace them
                    files.write_imported_weights(self._import, path)
                note = self.training.save_project(path)  # with the trained weights and the runs
        except OSError as exc:
            self.dialogs.error(self, "Cannot save the project", f"{path}: {exc.strerror or exc}")
            return False
        except LayerLabError as exc:
            self.dialogs.error(self, "Cannot save the project", str(exc))
            return False
        files.carry_weights(old, path)
        self.undo_stack.setClean()
        self._restored = False
        self._import = None
        self._on_modified()
        self.recent.add(path)
        self.refresh_path_problems()  # the project's folder may have changed
        self.settings.setValue("lastDir", str(path.parent))
        self.statusBar().showMessage(f"Saved {path}" + (f". {note}" if note else ""), 8000 if note else 5000)
        return True

    def revert(self) -> None:
        if self.project.path is None or not self.is_modified():
            return
        answer = self.dialogs.ask(self, "Revert to saved", f"Throw away the changes to {self.display_name()}?",
                                  (DISCARD, CANCEL), "This cannot be undone.")
        if answer == DISCARD:
            self.recovery.discard()
            self.open_path(self.project.path, ask=False)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent.paths()
        for i, path in enumerate(paths):
            action = menu.addAction(f"&{i + 1} {path.name}" if i < 9 else path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Recent")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.recent.clear()
        self._refresh_welcome()

    def _fill_examples_menu(self) -> None:
        menu = self.examples_menu
        menu.clear()
        examples = files.example_paths()
        for path in examples:
            action = menu.addAction(files.example_title(path))
            action.setStatusTip(f"Open a copy of {path.name}")
            action.triggered.connect(lambda _=False, p=path: self.open_example(p))
        if not examples:
            menu.addAction("No examples installed").setEnabled(False)

    # -- exports --------------------------------------------------------------------------------------
    def export_model_dialog(self, suffix: str) -> None:
        if not self._imported_weights_saved():
            return
        base = self.project.path.with_suffix(suffix) if self.project.path else self.start_folder() / f"model{suffix}"
        path = self.dialogs.save_file(self, "Export Model", str(base), ExportAdapter.FORMATS[suffix])
        if path:
            path = Path(path)
            self.export_model(path if path.suffix == suffix else path.with_name(path.name + suffix))

    def export_model(self, path: Path) -> files.BackgroundTask | None:
        """Export a snapshot of the project on a background thread; the outcome is reported when done."""
        return self.exporter.export(self.project, path)

    def _on_export_busy(self, busy: bool) -> None:
        for suffix in (".keras", ".h5", ".py"):
            self.menu_actions[f"export{suffix}"].setEnabled(self.exporter.available and not busy)

    def export_diagram_dialog(self, suffix: str) -> None:
        stem = self.project.path.stem if self.project.path else "model"
        base = self.start_folder() / f"{stem}{suffix}"
        kind = "PNG image (*.png)" if suffix == ".png" else "SVG drawing (*.svg)"
        path = self.dialogs.save_file(self, "Export Diagram", str(base), kind)
        if path:
            path = Path(path)
            self.export_diagram(path if path.suffix.lower() == suffix else path.with_name(path.name + suffix))

    def export_diagram(self, path: Path) -> bool:
        """Draw the model (every layer and connection, in full detail) into a .png or .svg file."""
        try:
            files.write_canvas_diagram(self.canvas.canvas_scene, path, self.display_name())
        except LayerLabError as exc:
            self.dialogs.error(self, "Cannot export the diagram", str(exc))
            return False
        self.statusBar().showMessage(f"Diagram written to {path}", 5000)
        return True

    # -- recovery ---------------------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """After a crash: offer to restore the newest recovery file left behind. True if one was restored."""
        def ask(rec: recovery.Recovered) -> str:
            return self.dialogs.ask(
                self, "Restore unsaved work?",
                f"LayerLab closed without saving {rec.label}. Restore the copy kept at {rec.when}?",
                ("restore", DISCARD, "later"), "Discard deletes the copy; Later keeps it for the next start.")

        chosen = recovery.choose(self.recovery.folder, ask, lambda msg: self.statusBar().showMessage(msg, 10_000))
        if chosen is not None:
            self.restore(chosen)
        return chosen is not None

    def restore(self, rec: recovery.Recovered) -> None:
        """Show the recovered project as unsaved work, then let this editor's own recovery file take over."""
        self.adopt(rec.project)
        self._restored = True
        self._on_modified()
        self._show_canvas()
        if self.recovery.write_now() or not self.interactive:
            rec.file.unlink(missing_ok=True)
        self.statusBar().showMessage(f"Restored {rec.label}: save it to keep it.", 10_000)

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
        self._show_check_status(self.check_service.report)


def _project_urls(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls()
            if u.isLocalFile() and u.toLocalFile().endswith(project_io.SUFFIX)]


def _model_urls(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and files.is_model_file(u.toLocalFile())]
