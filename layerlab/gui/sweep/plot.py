"""A parallel-coordinates plot of a sweep: one vertical axis per swept key and one for the metric.

Each trial that trained is a line across the axes, coloured by its metric
(dark: best, light: worst), the best one drawn thick. Numeric keys are
scaled between their smallest and largest values (on a log scale when the
key was drawn log-uniform), choices spread by their position in the list.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from layerlab.core.sweep.trials import RANKED

AXIS_PEN = pg.mkPen((120, 120, 120), width=1)


class ParallelCoordinates(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.getPlotItem().hideAxis("left")
        self.getPlotItem().hideAxis("bottom")
        self.lines: list = []  # (trial number, PlotDataItem): what the tests and a tooltip read

    def show_trials(self, trials: list[dict], keys: list[str], metric: str, mode: str = "min",
                    log_keys: tuple[str, ...] = ()) -> None:
        self.clear()
        self.lines = []
        ranked = [t for t in trials if t.get("status") in RANKED and _finite((t.get("metrics") or {}).get(metric))]
        axes = [*keys, metric]
        if not ranked:
            self._axes(axes, [("", "")] * len(axes))
            return
        columns, ends = [], []
        for key in keys:
            values = [t["params"].get(key) for t in ranked]
            column, low, high = _scale(values, key in log_keys)
            columns.append(column)
            ends.append((low, high))
        scores = [t["metrics"][metric] for t in ranked]
        column, low, high = _scale(scores, False)
        columns.append(column)
        ends.append((low, high))
        self._axes(axes, ends)
        order = np.argsort(scores)
        if mode == "max":
            order = order[::-1]
        rank = {int(i): r for r, i in enumerate(order)}
        cmap = pg.colormap.get("viridis")
        n = len(ranked)
        x = np.arange(len(axes), dtype=float)
        for i in sorted(range(n), key=lambda j: -rank[j]):  # the best drawn last, on top
            share = rank[i] / max(n - 1, 1)
            color = cmap.map(0.85 * share, mode="qcolor")
            pen = pg.mkPen(color, width=4 if rank[i] == 0 else 1.5)
            y = np.array([col[i] for col in columns], dtype=float)
            item = self.plot(x, y, pen=pen)
            item.setToolTip(f"trial {ranked[i]['trial']}")
            self.lines.append((ranked[i]["trial"], item))

    def _axes(self, names: list[str], ends: list[tuple[str, str]]) -> None:
        for i, (name, (low, high)) in enumerate(zip(names, ends)):
            self.addItem(pg.InfiniteLine(pos=i, angle=90, pen=AXIS_PEN))
            # the value at each end just beyond it, the axis's name under the whole
            for text, y, anchor in ((high, 1.0, (0.5, 1)), (low, 0.0, (0.5, 0)), (name, -0.13, (0.5, 0))):
                if text:
                    label = pg.TextItem(text, color=(20, 20, 20) if y < 0 else (90, 90, 90), anchor=anchor)
                    label.setPos(i, y)
                    self.addItem(label)
        self.setXRange(-0.4, len(names) - 0.6, padding=0)
        self.setYRange(-0.26, 1.1, padding=0)


def _scale(values: list, log: bool) -> tuple[list[float], str, str]:
    """Values mapped to 0..1 and the texts of the axis's ends."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if not numeric:
        cats = list(dict.fromkeys(json_text(v) for v in values))
        pos = {c: (i / (len(cats) - 1) if len(cats) > 1 else 0.5) for i, c in enumerate(cats)}
        return [pos[json_text(v)] for v in values], cats[0], cats[-1]
    use_log = log and all(v > 0 for v in values)
    f = [math.log10(v) if use_log else float(v) for v in values]
    low, high = min(f), max(f)
    span = high - low
    out = [(v - low) / span if span else 0.5 for v in f]
    lo, hi = min(values), max(values)
    return out, _fmt(lo), _fmt(hi)


def json_text(v) -> str:
    return str(v)


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


