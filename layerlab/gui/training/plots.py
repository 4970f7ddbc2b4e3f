"""Live plots (pyqtgraph): one for the loss and one per metric, training against validation.

Each run (lineage) has its colour. Batch values are a light thin line, epoch
values bold points joined by a line: solid for training, dashed with hollow
points for validation. Reports only append to the RunHistory and mark the
run dirty; a timer redraws dirty curves a few times a second with
`setData` (on the GUI thread), so a burst of reports costs one redraw and
the plots never hold training back. Zoom with the wheel, pan by dragging,
right-click for pyqtgraph's menu; each plot exports its picture (PNG) or its
numbers (CSV).

What a redraw costs is what the window stalls for while training (and the GIL
the training thread then waits for), so it is kept small
(bench/bench_gui_training.py): a curve whose points did not change is not
touched, the batch line comes from array views (no copy, no finiteness check
in pyqtgraph), and during a run the axes are fixed: x to the run's epochs, y
to a "steady" range that only widens when a value leaves it. Auto-range would
move the y axis at every redraw, and re-laying out its ticks, labels and grid
cost five times the curves. Once the user zooms or pans a plot, it is theirs
until the next run; after a run the axes auto-range again.

pyqtgraph is imported when the plots are first built, not at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QGraphicsItem, QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from layerlab.core.errors import LayerLabError
from layerlab.core.training.series import VAL, Lineage, RunHistory, steady_range

REDRAW_MS = 500
MAX_COLUMNS = 3
MAX_SPARES = 6  # plots kept hidden for reuse


class PlotExportError(LayerLabError):
    exit_code = 2


def metric_title(name: str) -> str:
    return name.replace("_", " ").capitalize() if name in ("loss", "accuracy", "learning_rate") else name


class _PlotCard(QFrame):
    """One metric's plot with its title and export buttons."""

    exportRequested = Signal(str, str)  # noqa: N815 - metric, "png" or "csv"

    def __init__(self, metric: str = "", parent: QWidget | None = None):
        import pyqtgraph as pg

        super().__init__(parent)
        self.metric_name = metric
        self.setObjectName("plotCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(0)
        header = QHBoxLayout()
        self.title = QLabel()
        self.bind(metric)
        header.addWidget(self.title)
        header.addStretch(1)
        for kind, tip in (("png", "Save this plot as a PNG image"), ("csv", "Save this plot's numbers as CSV")):
            button = QToolButton()
            button.setText(kind.upper())
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(lambda _=False, k=kind: self.exportRequested.emit(self.metric_name, k))
            header.addWidget(button)
        layout.addLayout(header)
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.WindowText)
        self.widget = pg.PlotWidget(background=background)
        self.widget.setMinimumHeight(110)
        item = self.plot = self.widget.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.12)
        item.setLabel("bottom", "epoch")
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(text))
            item.getAxis(axis).setTextPen(pg.mkPen(text))
            # The left axis draws the grid, so it spans the plot and every curve update repainted its ticks,
            # labels and grid (most of a redraw). Cached as a pixmap, it is blitted until the axis changes.
            item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.setMenuEnabled(True)
        layout.addWidget(self.widget, 1)
        self.curves: dict[str, tuple] = {}  # lineage id -> (batch, train, val)
        self._drawn: dict[tuple[str, int], tuple] = {}  # (lineage id, curve) -> (points, visible) last drawn
        self._bounds: dict[tuple[str, int], tuple[float, float]] = {}  # finite y range of what is drawn
        self.steady: tuple[float, float] | None = None  # the y range while the axes are fixed (a run)
        self.user_view = False  # the user zoomed or panned: leave the range alone
        item.getViewBox().sigRangeChangedManually.connect(self._on_user_view)

    def bind(self, metric: str) -> None:
        """Show `metric` (a card is made before its metric is known, and reused for another)."""
        self.metric_name = metric
        self.title.setText(f"<b>{metric_title(metric)}</b>" if metric else "")

    def reset(self) -> None:
        """Back to an empty plot (its curves dropped, the view its own again), to be bound to a metric anew."""
        for lineage_id in list(self.curves):
            self.drop(lineage_id)
        self._drawn.clear()
        self._bounds.clear()
        self.steady = None
        self.user_view = False
        self.plot.enableAutoRange()

    def _on_user_view(self, *_args) -> None:
        self.user_view = True

    def curves_for(self, lineage: Lineage) -> tuple:
        import pyqtgraph as pg

        found = self.curves.get(lineage.id)
        if found is None:
            color = QColor(lineage.color)
            light = QColor(color)
            light.setAlpha(90)
            batch = self.plot.plot(pen=pg.mkPen(light, width=1))
            batch.setClipToView(True)
            batch.setDownsampling(auto=True, method="peak")
            train = self.plot.plot(pen=pg.mkPen(color, width=2), symbol="o", symbolSize=7,
                                   symbolBrush=pg.mkBrush(color), symbolPen=pg.mkPen(color))
            val = self.plot.plot(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine), symbol="o",
                                 symbolSize=7, symbolBrush=pg.mkBrush(self.palette().color(QPalette.ColorRole.Base)),
                                 symbolPen=pg.mkPen(color, width=2))
            for curve, name in ((train, "training"), (val, "validation")):
                curve.opts["name"] = name
                # Else pyqtgraph makes each epoch curve's symbols again at every change of the y range (its limit
                # against huge values); during a run the range only widens to hold every point.
                curve.setDynamicRangeLimit(None)
            found = self.curves[lineage.id] = (batch, train, val)
        return found

    def draw(self, lineage: Lineage) -> None:
        """Give the lineage's curves their points; a curve whose points and visibility did not change is skipped."""
        curves = self.curves_for(lineage)
        name = self.metric_name
        for i, points in enumerate((lineage.batch.get(name), lineage.epochs.get(name),
                                    lineage.epochs.get(VAL + name))):
            key = (lineage.id, i)
            xs, ys = points if points is not None else ((), ())
            if self._drawn.get(key) == (len(ys), lineage.visible):
                continue
            self._drawn[key] = (len(ys), lineage.visible)
            xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
            finite = np.isfinite(ys)
            if not finite.all():  # a NaN loss is told, not drawn
                xs, ys = xs[finite], ys[finite]
            curves[i].setData(xs, ys, skipFiniteCheck=True)
            curves[i].setVisible(lineage.visible)
            if len(ys) and lineage.visible:
                self._bounds[key] = (float(ys.min()), float(ys.max()))
            else:
                self._bounds.pop(key, None)

    def forget(self) -> None:
        """Draw every curve again at the next `draw`, changed or not."""
        self._drawn.clear()

    def keep_steady(self) -> None:
        """During a run: widen the y range when a value has left it (steady_range), else leave the axis alone."""
        if self.user_view or not self._bounds:
            return
        low = min(b[0] for b in self._bounds.values())
        high = max(b[1] for b in self._bounds.values())
        wanted = steady_range(low, high, self.steady)
        if wanted is not None:
            self.steady = wanted
            self.plot.setYRange(*wanted, padding=0.02)

    def release(self) -> None:
        """The run ended: the axes auto-range again (unless the user has set the view)."""
        self.steady = None
        if not self.user_view:
            self.plot.enableAutoRange()

    def drop(self, lineage_id: str) -> None:
        for curve in self.curves.pop(lineage_id, ()):
            self.plot.removeItem(curve)
        for i in range(3):
            self._drawn.pop((lineage_id, i), None)
            self._bounds.pop((lineage_id, i), None)


class MetricPlots(QWidget):
    """The plots for every metric of the RunHistory's runs.

    Args:
        history: the runs to draw.
        ask_path: (caption, suggested file name, filter) -> chosen path or None.
    """

    exported = Signal(str)  # path written
    exportFailed = Signal(str)  # noqa: N815 - what went wrong

    def __init__(self, history: RunHistory, ask_path: Callable[[str, str, str], str | None] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("MetricPlots")
        self.history = history
        self.ask_path = ask_path or (lambda *_a: None)
        self.cards: dict[str, _PlotCard] = {}
        self._dirty: set[str] = set()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setSpacing(6)
        self.placeholder = QLabel("The loss and the metrics appear here while the model trains.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setProperty("role", "secondary")
        self._grid.addWidget(self.placeholder, 0, 0)
        self.legend = QLabel("solid ● training · dashed ○ validation · thin line: batches (running mean)")
        self.legend.setProperty("role", "secondary")
        self.legend.hide()
        self.redraws = 0  # for tests and benchmarks
        self.x_end: float | None = None  # during a run: the epoch axis spans the whole run, fixed
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._tick)
        self._next = QTimer(self)  # the points of plots laid out in the last tick (see _tick)
        self._next.setSingleShot(True)
        self._next.setInterval(0)
        self._next.timeout.connect(self.flush)
        self.spares: list[_PlotCard] = []  # plots made ahead (hidden), or left over when the metrics changed
        self._wanted = 0
        self._maker = QTimer(self)  # makes one spare plot per turn of the event loop
        self._maker.setSingleShot(True)
        self._maker.setInterval(0)
        self._maker.timeout.connect(self._make_spare)

    # -- plots made ahead ---------------------------------------------------------------------------
    def prepare(self, count: int) -> None:
        """A run starts that reports about `count` metrics: have that many plots ready before its first report.

        Making a plot (pyqtgraph's PlotItem, its axes and menus) takes 15-40 ms; made all at once at the
        first report they stalled the window for ~90 ms in the middle of a run. Here they are made one
        per turn of the event loop, while the worker loads the data and builds the model.
        """
        self._wanted = max(0, int(count))
        self._maker.start()

    def _make_spare(self) -> None:
        """One slice of `prepare`: a plot, or the curves of a live run in a plot made earlier."""
        live = [lineage for lineage in self.history.lineages if lineage.live]
        for card in [*self.cards.values(), *self.spares]:
            missing = [lineage for lineage in live if lineage.id not in card.curves]
            if missing:  # a run's three curves cost as much again as a plot: made ahead too
                card.curves_for(missing[0])
                self._maker.start()
                return
        if len(self.cards) + len(self.spares) >= self._wanted:
            return
        card = _PlotCard(parent=self)
        card.hide()
        card.exportRequested.connect(self._on_export)
        self.spares.append(card)
        self._maker.start()

    def _take_card(self, metric: str) -> _PlotCard:
        if self.spares:
            card = self.spares.pop(0)
        else:
            card = _PlotCard(parent=self)
            card.exportRequested.connect(self._on_export)
        card.bind(metric)
        self._apply_x(card)
        card.show()
        return card

    def _recycle(self, card: _PlotCard) -> None:
        """A plot no longer shown: emptied and kept for the next metric (a few at most)."""
        self._grid.removeWidget(card)
        card.hide()
        if len(self.spares) < MAX_SPARES:
            card.reset()
            card.bind("")
            self.spares.append(card)
        else:
            card.deleteLater()

    # -- updates ------------------------------------------------------------------------------------
    def mark_dirty(self, lineage: Lineage) -> None:
        """New numbers for a run: drawn at the next tick (many reports, one redraw)."""
        self._dirty.add(lineage.id)
        if not self._timer.isActive():
            self._timer.start()

    def _tick(self) -> None:
        """The redraw timer's tick: new plots are laid out (and painted) in this turn, their points drawn in the next.

        Done in one turn of the event loop, the two were the editor's longest stall of a run (~50 ms).
        """
        if self._ensure_cards():
            self._next.start()
            return
        self.flush()

    def flush(self) -> None:
        """Draw what changed now (the timer calls this; tests and exports may too)."""
        self._timer.stop()
        self._next.stop()
        self._ensure_cards()
        ids = self._dirty
        self._dirty = set()
        for lineage in self.history.lineages:
            if lineage.id in ids:
                for card in self.cards.values():
                    card.draw(lineage)
        if ids and self.x_end:
            for card in self.cards.values():
                card.keep_steady()
        if ids:
            self.redraws += 1

    def rebuild(self) -> None:
        """The runs changed (loaded, removed, shown or hidden): draw everything again."""
        known = {lineage.id for lineage in self.history.lineages}
        for card in self.cards.values():
            for lineage_id in [i for i in card.curves if i not in known]:
                card.drop(lineage_id)
            card.forget()  # a lineage id can come back (history cleared, project reopened) with other points
        self._dirty = set(known)
        self.flush()

    def _ensure_cards(self) -> bool:
        """A plot for every metric; True when the set of plots changed (every run is then to be drawn)."""
        names = self.history.metric_names()
        if list(self.cards) == names:
            return False
        self._dirty = {lineage.id for lineage in self.history.lineages}
        # With no runs left (a new project, an import) the plots go: nothing of the last project stays.
        for card in self.cards.values():
            self._recycle(card)
        self.cards = {}
        self._grid.removeWidget(self.placeholder)
        self._grid.removeWidget(self.legend)
        self.placeholder.setVisible(not names)
        self.legend.setVisible(bool(names))
        if not names:
            self._grid.addWidget(self.placeholder, 0, 0)
            return True
        columns = min(MAX_COLUMNS, len(names)) if len(names) != 4 else 2
        for i, name in enumerate(names):
            card = self.cards[name] = self._take_card(name)
            self._grid.addWidget(card, i // columns, i % columns)
        self._grid.addWidget(self.legend, (len(names) - 1) // columns + 1, 0, 1, columns)
        return True

    def restyle(self) -> None:
        """The theme changed: make the plots again in the new palette's colours."""
        for card in [*self.cards.values(), *self.spares]:  # made in the old palette
            self._grid.removeWidget(card)
            card.deleteLater()
        self.cards, self.spares = {}, []
        self.rebuild()
        self.prepare(self._wanted)

    def fix_epochs(self, end: float | None) -> None:
        """During a run, show epochs 0 to `end` (the run's last): the axis need not be redrawn as points come.

        None gives the axis back to auto-range (after the run).
        """
        self.x_end = end
        for card in self.cards.values():
            self._apply_x(card)

    def _apply_x(self, card: _PlotCard) -> None:
        if self.x_end:
            card.user_view = False  # a new run: the axes follow it again
            card.steady = None
            card.plot.setXRange(0, self.x_end, padding=0.02)
            card.plot.disableAutoRange(axis="y")
            card.keep_steady()
        else:
            card.release()

    # -- export ---------------------------------------------------------------------------------------
    def _on_export(self, metric: str, kind: str) -> None:
        suffix = ".png" if kind == "png" else ".csv"
        what = "PNG image (*.png)" if kind == "png" else "CSV file (*.csv)"
        path = self.ask_path(f"Save the {metric_title(metric).lower()} plot", f"{metric}{suffix}", what)
        if not path:
            return
        path = Path(path)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        try:
            if kind == "png":
                self.export_png(metric, path)
            else:
                self.export_csv(metric, path)
        except LayerLabError as exc:
            self.exportFailed.emit(str(exc))
            return
        self.exported.emit(str(path))

    def export_png(self, metric: str, path: Path, width: int = 1200) -> Path:
        """The plot as a PNG image, `width` pixels wide."""
        import pyqtgraph.exporters

        self.flush()
        card = self.cards.get(metric)
        if card is None:
            raise PlotExportError(f"there is no plot of '{metric}'")
        exporter = pyqtgraph.exporters.ImageExporter(card.plot)
        exporter.parameters()["width"] = width
        try:
            exporter.export(str(path))
        except Exception as exc:  # pyqtgraph reports an unwritable path in several ways
            raise PlotExportError(f"{path}: cannot be written ({exc})") from None
        if not Path(path).is_file():
            raise PlotExportError(f"{path}: cannot be written")
        return Path(path)

    def export_csv(self, metric: str, path: Path) -> Path:
        """The plot's numbers (every shown run): run, kind, epoch, training value, validation value."""
        from layerlab.core.project import atomic_write_text

        try:
            atomic_write_text(Path(path), self.history.csv_text(metric))
        except OSError as exc:
            raise PlotExportError(f"{path}: cannot be written ({exc.strerror or exc})") from None
        return Path(path)
