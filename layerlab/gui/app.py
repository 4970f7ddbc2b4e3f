"""QApplication setup and the editor's entry point (`layerlab open`).

Nothing here imports TensorFlow: the window shows first, and the shape
checker loads Keras on its own thread afterwards.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from layerlab.core.errors import LayerLabError

ORGANIZATION = "LayerLab"
APPLICATION = "LayerLab"
BENCH_ENV = "LAYERLAB_BENCH_FIRST_PAINT"  # bench/bench_startup.py: print the first paint time and quit
BENCH_SHAPES_ENV = "LAYERLAB_BENCH_FIRST_SHAPES"  # ... and wait for the first shapes, print their time, then quit

_system_palette: QPalette | None = None


class ScreenshotError(LayerLabError):
    """The screenshot cannot be written (bad path or type)."""

    exit_code = 2


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created once, with names (for QSettings), icon and palette."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QGuiApplication.setDesktopFileName("layerlab")
    from layerlab.gui import icons

    app.setWindowIcon(icons.app_icon())
    apply_palette(app)
    return app


def apply_palette(app: QApplication | None = None) -> None:
    """Follow the theme: the system's palette, or a light or dark one when the theme is pinned."""
    global _system_palette
    from layerlab.gui import icons, theme

    app = app or QApplication.instance()
    if app is None:
        return
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    app.setPalette(_system_palette)  # first, so that "follow the system" reads the system's own colours
    system_dark = _system_palette.color(QPalette.ColorRole.Window).lightness() < 128
    current = theme.current()
    if current.dark and not system_dark:
        app.setPalette(_dark_palette())
    elif not current.dark and system_dark:
        app.setPalette(app.style().standardPalette())
    icons.clear_cache()


def _dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, hex_ in ((roles.Window, "#25282e"), (roles.WindowText, "#e5e7eb"), (roles.Base, "#1d2025"),
                       (roles.AlternateBase, "#24272d"), (roles.ToolTipBase, "#2f333a"),
                       (roles.ToolTipText, "#e5e7eb"), (roles.Text, "#e5e7eb"), (roles.Button, "#2d3138"),
                       (roles.ButtonText, "#e5e7eb"), (roles.BrightText, "#ffffff"), (roles.Link, "#7fb3ff"),
                       (roles.Highlight, "#3b82f6"), (roles.HighlightedText, "#ffffff"),
                       (roles.PlaceholderText, "#8b929e"), (roles.Mid, "#3a3f47"), (roles.Dark, "#15171b"),
                       (roles.Light, "#3d424b"), (roles.Midlight, "#343840"), (roles.Shadow, "#0b0c0e")):
        p.setColor(role, QColor(hex_))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    return p


def editor_style_sheet() -> str:
    """A few rules the palette cannot express: error and secondary text, the totals line, dock titles."""
    from layerlab.gui import theme

    t = theme.current()
    app = QApplication.instance()
    palette = app.palette() if app else QPalette()
    mid = palette.color(QPalette.ColorRole.Mid).name()
    light = palette.color(QPalette.ColorRole.Midlight).name()
    window = palette.color(QPalette.ColorRole.Window).name()
    return f"""
        QLabel[role="error"] {{ color: {t.error.name()}; }}
        QLabel[role="secondary"] {{ color: {t.text_muted.name()}; }}
        QLabel#summaryTotals {{ border-top: 1px solid {mid}; color: {t.text_muted.name()}; }}
        QFrame#nestedParams {{ border: 0px; border-left: 2px solid {mid}; background: transparent; }}
        QDockWidget::title {{ padding: 5px 8px; }}
        QTreeView {{ outline: 0; }}
        QTreeWidget#summaryTable::item {{ padding: 0px 6px; }}
        QTreeWidget#summaryTable QHeaderView::section {{
            padding: 3px 6px; border: none; border-bottom: 1px solid {mid}; border-right: 1px solid {light};
            background: {window}; }}
    """


class _FirstPaint(QObject):
    """Prints the wall-clock time of the window's first paint, then quits (for the startup benchmark)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.shapes = bool(os.environ.get(BENCH_SHAPES_ENV))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint and isinstance(watched, QObject) and _inside(watched, self.window):
            print(f"first-paint {time.time():.6f}", flush=True)
            QApplication.instance().removeEventFilter(self)
            if self.shapes:
                self.window.check_service.reportReady.connect(self._on_report)
            else:
                QTimer.singleShot(0, QApplication.instance().quit)
        return False

    def _on_report(self, _report) -> None:
        service = self.window.check_service
        if service.report_revision == self.window.document.revision:
            print(f"first-shapes {time.time():.6f}", flush=True)
            QTimer.singleShot(0, QApplication.instance().quit)


def _inside(obj, window) -> bool:
    widget = obj
    while widget is not None:
        if widget is window:
            return True
        widget = widget.parent() if hasattr(widget, "parent") else None
    return False


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); ScreenshotError for anything else."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ScreenshotError(f"--size must look like 1280x800, not '{text}'") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise ScreenshotError(f"--size {text}: each side must be between 200 and 8000 pixels")
    return w, h


def run_editor(path: str | None = None, screenshot: str | None = None, size: tuple[int, int] = (1280, 800),
               timeout: float = 60.0) -> int:
    """Open the editor (on `path` if given) and run it; with `screenshot`, write a PNG of the window and exit."""
    from layerlab.core import project as project_io
    from layerlab.gui import files

    out = None
    if screenshot:
        out = Path(screenshot)
        if out.suffix.lower() != ".png":
            raise ScreenshotError(f"{out}: a screenshot is written as .png")
        if not out.parent.is_dir():
            raise ScreenshotError(f"{out.parent}: no such folder")
    loaded, load_error, model_file = None, None, None
    if path and Path(path).suffix.lower() in (".keras", ".h5", ".hdf5"):
        if out is not None:
            raise ScreenshotError(f"{path}: --screenshot takes a project; make one with `layerlab import` first")
        model_file = Path(path)  # imported once the window shows, as File > Import does
    elif path:
        try:
            loaded = project_io.load(path)
        except LayerLabError as exc:
            if out is not None:
                raise
            load_error = str(exc)

    app = make_app()
    bench = bool(os.environ.get(BENCH_ENV))
    window = make_window(screenshot=out is not None, bench=bench)
    if out is not None:
        window.resize(*size)
    if loaded is not None and out is None and files.is_example(path):
        window.open_example(path, ask=False)  # `make run`: a copy, so that Save never overwrites the example
    elif loaded is not None:
        window.adopt(loaded)
        if out is None and not bench:  # after the first paint: the settings file is written with fsync
            QTimer.singleShot(500, lambda: window.recent.add(loaded.path))
    if bench:
        app.installEventFilter(_FirstPaint(window))
    window.show()
    if out is not None:
        return _screenshot(app, window, out, timeout)
    if load_error:
        QTimer.singleShot(0, lambda: window.dialogs.error(window, "Cannot open the project", load_error))
    if model_file is not None:
        QTimer.singleShot(0, lambda: window.import_model_file(model_file, ask=False))
    if not bench:
        QTimer.singleShot(0, window.offer_recovery)
    previous = _close_on_interrupt(window)
    try:
        return app.exec()
    finally:
        signal.signal(signal.SIGINT, previous)  # the caller (a test, an embedding script) gets its handler back


def make_window(screenshot: bool = False, bench: bool = False, settings=None, dialogs=None):
    """The editor's MainWindow as `layerlab open` makes it (docs/screenshots.py makes its windows here too).

    Args:
        screenshot: not interactive (no recovery files, no saved window state), and Keras loaded at once.
        bench: the startup benchmark: Keras is never loaded.
        settings: a QSettings to use instead of the user's.
        dialogs: the questions and file choosers (dialogs.Dialogs) to use instead of Qt's.
    """
    from layerlab.gui.main_window import MainWindow

    return MainWindow(settings=settings, dialogs=dialogs, interactive=not screenshot,
                      warm_up_delay_ms=0 if screenshot else 600_000 if bench else 300)


def _close_on_interrupt(window):
    """Ctrl+C in the terminal closes the window as the close button does (asking about unsaved work).

    Returns the SIGINT handler it replaced.
    """
    previous = signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, window.close))
    wake = QTimer(window)  # Qt's loop holds the interpreter; wake it now and then so the handler can run
    wake.timeout.connect(lambda: None)
    wake.start(300)
    return previous


def wait_for_report(window, timeout: float) -> bool:
    """Run the event loop until the window's shapes are checked; False on timeout."""
    service = window.check_service
    if service.report is not None and not service.pending:
        return True
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)

    def on_report(_report) -> None:
        if not service.pending:
            loop.quit()

    service.reportReady.connect(on_report)
    timer.start(int(timeout * 1000))
    loop.exec()
    service.reportReady.disconnect(on_report)
    return service.report is not None and not service.pending


def settle(app: QApplication) -> None:
    """Let the panels and the canvas lay out with what they were just given."""
    for _ in range(3):
        app.processEvents()


def write_png(widget, out: Path) -> None:
    """Render `widget` (a window, or one panel of it) as it is now into the PNG file `out`."""
    if not widget.grab().save(str(out), "PNG"):
        raise ScreenshotError(f"{out}: cannot be written")


def _screenshot(app: QApplication, window, out: Path, timeout: float) -> int:
    if not wait_for_report(window, timeout):
        print(f"layerlab: warning: shapes were not checked within {timeout:g} s; the screenshot shows them pending",
              file=sys.stderr)
    settle(app)
    window.canvas.initial_view()  # what opening the project shows
    app.processEvents()
    write_png(window, out)
    window.check_service.shutdown()
    window.close()
    return 0
