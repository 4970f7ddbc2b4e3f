"""The window's layout: the canvas (or the start page) in the middle, the panels around it in docks.

Layers on the left; Inspector, Data and Training tabbed on the right; Summary,
Problems and Runs tabbed at the bottom; the training lock's banner above the
canvas. Built once, in MainWindow.__init__; each piece is an attribute of the
window (window.palette_panel, window.inspector_dock, ...).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from layerlab.gui import icons
from layerlab.gui.panels.inspector import InspectorPanel
from layerlab.gui.panels.palette import PalettePanel
from layerlab.gui.panels.problems import ProblemsPanel
from layerlab.gui.panels.summary import SummaryPanel
from layerlab.gui.training.controller import TrainingController
from layerlab.gui.training.trained_export import TrainedModelAdapter

_LEFT, _RIGHT = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
_BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


def build_panels(window) -> None:
    """The model's panels and their docks: Layers, Inspector, and the bottom tabs (Summary, Problems)."""
    window.palette_panel = PalettePanel()
    window.inspector = InspectorPanel(window.document, window.undo_stack)
    window.summary = SummaryPanel(window.document)
    window.problems = ProblemsPanel()
    window.bottom_tabs = QTabWidget()
    window.bottom_tabs.setDocumentMode(True)
    window.bottom_tabs.addTab(window.summary, "Summary")
    window.bottom_tabs.addTab(window.problems, "Problems")
    window.palette_dock = add_dock(window, "Layers", window.palette_panel, _LEFT, 240)
    window.inspector_dock = add_dock(window, "Inspector", window.inspector, _RIGHT, 310)
    window.bottom_dock = add_dock(window, "Model", window.bottom_tabs, _BOTTOM, 190)
    window.bottom_dock.setTitleBarWidget(QWidget())  # the tabs are its header


def add_dock(window: QMainWindow, title: str, widget: QWidget, area: Qt.DockWidgetArea, size: int) -> QDockWidget:
    """`widget` in a movable, closable, floatable dock named `title`, `size` pixels wide (or high) in `area`."""
    dock = QDockWidget(title, window)
    dock.setObjectName(f"{title.lower()}Dock")
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    window.addDockWidget(area, dock)
    orientation = Qt.Orientation.Vertical if area == _BOTTOM else Qt.Orientation.Horizontal
    window.resizeDocks([dock], [size], orientation)
    return dock


def install_training(window) -> None:
    """The training side (layerlab.gui.training): Data and Training docks, the Runs tab, the lock banner."""
    window.training = training = TrainingController(window)
    training.store.changed.connect(lambda _key: window.refresh_path_problems())
    window.bottom_tabs.addTab(training.view, icons.icon("train"), "Runs")
    window.data_dock = add_dock(window, "Data", training.data_panel, _RIGHT, 330)
    window.training_dock = add_dock(window, "Training", training.settings_panel, _RIGHT, 330)
    window.tabifyDockWidget(window.inspector_dock, window.data_dock)
    window.tabifyDockWidget(window.data_dock, window.training_dock)
    window.setTabPosition(_RIGHT, QTabWidget.TabPosition.North)
    window.inspector_dock.raise_()
    window.inspector.add_section(training.weights_view)
    window.inspector.node_extra = lambda: window.project.node_extra  # a rename keeps a node's unknown keys
    training.run_panel.dataRequested.connect(lambda: (window.data_dock.show(), window.data_dock.raise_()))
    training.settings_panel.follow(training.data_service, window.check_service, training.data_panel)
    window.exporter.adapter = TrainedModelAdapter(window.exporter.adapter, training.trained_session,
                                                  lambda: training.training, training.weights_source)
    central = QWidget()
    column = QVBoxLayout(central)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    column.addWidget(training.banner)
    column.addWidget(window.stack, 1)
    window.stack.setMinimumSize(320, 200)  # the welcome page's own minimum must not make the window grow
    window.setCentralWidget(central)
