"""The numbers behind the plots and the runs list (plain Python, no Qt).

A *lineage* is one trained model: a run and the runs that continued it (each
continuation is a RunRecord of its own, with epochs numbered on). Its curves
are keyed by Keras's metric names: batch values (the running mean of the
epoch so far, as Keras reports it) at x = epoch + (batch + 1) / steps, and
epoch values at x = epoch + 1, so a batch line ends where its epoch's point is.
Saved projects keep epoch values only; a continuation is recognised by
starting where an earlier lineage ended.

Batch values arrive ~20 times a second for as long as a run lasts, so they go
into growable numpy buffers (`Series`): appending is O(1) and the plots get
array views without copying, however long the run.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#4f46e5",
          "#ca8a04"]
VAL = "val_"

Points = tuple[list[float], list[float]]
STEADY_TICKS = 5  # a live plot's y axis spans about this many "nice" steps
MIN_FILL = 0.25  # a live plot's y range is made anew when the values fill less of it than this


class Series:
    """(x, y) points in growable float arrays.

    Unpacks like a pair: ``xs, ys = series`` gives array views of the points so far.
    """

    __slots__ = ("_x", "_y", "n")

    def __init__(self, capacity: int = 256):
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self._x):  # doubling: amortised O(1)
            self._x = np.resize(self._x, 2 * self.n)
            self._y = np.resize(self._y, 2 * self.n)
        self._x[self.n] = x
        self._y[self.n] = y
        self.n += 1

    @property
    def xs(self) -> np.ndarray:
        return self._x[:self.n]

    @property
    def ys(self) -> np.ndarray:
        return self._y[:self.n]

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter((self.xs, self.ys))


def steady_range(low: float, high: float, shown: tuple[float, float] | None) -> tuple[float, float] | None:
    """The y range a live plot should show for values in [low, high]; None to keep `shown` as it is.

    Redrawing an axis (its ticks, labels and grid) costs more than the curves, so during a run
    the range stays put while it holds every value and they fill a fair part of it. When a value
    leaves it, the new range leaves room on that side (the values' span again) and ends on whole
    "nice" steps (1, 2 or 5 times a power of ten): a falling loss or a rising accuracy moves the
    axis a few times in a run, not at every redraw, and every point stays in view as with
    auto-range. Values that are all >= 0 get no negative range, and values all in [0, 1] (an
    accuracy) no range above 1.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    span = high - low
    if shown is not None and shown[0] <= low and high <= shown[1] and (
            span == 0 or span >= MIN_FILL * (shown[1] - shown[0])):
        return None
    bottom, top = low, high
    if shown is not None:  # values left the range: room for them to go on as far again that way
        bottom = low - span if low < shown[0] else low
        top = high + span if high > shown[1] else high
    if low >= 0 and bottom < 0:
        bottom = 0.0
    if low >= 0 and high <= 1 and top > 1:  # an accuracy (or a small loss): no room above 1 until a value needs it
        top = 1.0
    step = _nice_step((top - bottom) / STEADY_TICKS or abs(top) / STEADY_TICKS or 1.0)
    nice_bottom, nice_top = math.floor(bottom / step) * step, math.ceil(top / step) * step
    if nice_bottom > bottom:  # rounding error (0.95 / 0.002 * 0.002 > 0.95): the range must hold the values
        nice_bottom -= step
    if nice_top < top:
        nice_top += step
    if nice_top <= nice_bottom:
        nice_top = nice_bottom + step
    return nice_bottom, nice_top


def _nice_step(raw: float) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)


@dataclass
class Lineage:
    id: str
    label: str
    color: str
    records: list = field(default_factory=list)  # RunRecords, oldest first
    visible: bool = True
    live: bool = False
    steps: int = 0  # batches per epoch, for the batch x positions
    config: dict = field(default_factory=dict)  # the training settings of its first run, known from its start
    batch: dict[str, Series] = field(default_factory=dict)
    epochs: dict[str, Points] = field(default_factory=dict)

    def add_batch(self, epoch: int, batch: int, logs: dict) -> None:
        x = epoch + (batch + 1) / self.steps if self.steps else float(epoch)
        for key, value in logs.items():
            if _number(value):
                series = self.batch.get(key)
                if series is None:
                    series = self.batch[key] = Series()
                series.append(x, float(value))

    def add_epoch(self, epoch: int, logs: dict) -> None:
        for key, value in logs.items():
            if _number(value):
                xs, ys = self.epochs.setdefault(key, ([], []))
                xs.append(float(epoch + 1))
                ys.append(float(value))

    def add_record(self, record) -> None:
        """A finished run's epoch values (from a saved project, or a run whose reports were missed)."""
        self.records.append(record)
        for key, values in record.history.items():
            xs, ys = self.epochs.setdefault(key, ([], []))
            for i, value in enumerate(values):
                x = float(record.initial_epoch + i + 1)
                if x not in xs:
                    xs.append(x)
                    ys.append(float(value))

    def unrecorded_run(self, status: str, reason: str):
        """A record of the epochs shown beyond the lineage's records, or None when there are none.

        A run whose worker died never sends its record: the curves it drew stay, as that (failed) run's.
        """
        from layerlab.core.training.run import RunRecord

        start = max((r.initial_epoch + r.epochs_run for r in self.records), default=0)
        history = {}
        for key, (xs, ys) in self.epochs.items():
            later = sorted((x, y) for x, y in zip(xs, ys) if x > start)
            if later:
                history[key] = [y for _, y in later]
        if not history:
            return None
        config = dict(self.records[-1].config if self.records else self.config)
        return RunRecord(config=config, initial_epoch=start, history=history, status=status, reason=reason)

    @property
    def last_epoch(self) -> int:
        return max((int(xs[-1]) for xs, _ in self.epochs.values() if xs), default=0)

    def final(self, key: str) -> float | None:
        points = self.epochs.get(key)
        return points[1][-1] if points and points[1] else None

    @property
    def status(self) -> str:
        return self.records[-1].status if self.records else ("running" if self.live else "")


class RunHistory:
    """Every lineage shown: saved ones from the project, and those trained in this window."""

    def __init__(self) -> None:
        self.lineages: list[Lineage] = []
        self._count = 0

    def clear(self) -> None:
        self.lineages = []
        self._count = 0

    def _new(self) -> Lineage:
        self._count += 1
        color = COLORS[(self._count - 1) % len(COLORS)]
        lineage = Lineage(id=f"lineage-{self._count}", label=f"Run {self._count}", color=color)
        self.lineages.append(lineage)
        return lineage

    def load(self, records) -> None:
        """Saved runs (oldest first): each continuation joins the lineage it continued."""
        self.clear()
        for record in records:
            self.add_finished(record)

    def add_finished(self, record) -> Lineage:
        """A run known only by its record: joined to the lineage it continues, or a new one."""
        parent = self._continued_by(record)
        lineage = parent if parent is not None else self._new()
        lineage.add_record(record)
        return lineage

    def _continued_by(self, record) -> Lineage | None:
        if record.initial_epoch <= 0:
            return None
        for lineage in reversed(self.lineages):
            if lineage.records and lineage.last_epoch == record.initial_epoch:
                return lineage
        return None

    def start(self, continuing: Lineage | None = None) -> Lineage:
        """A run begins: a new lineage, or the continued one (now live)."""
        lineage = continuing if continuing is not None else self._new()
        lineage.live = True
        return lineage

    def metric_names(self) -> list[str]:
        """Base metric names over every lineage: loss first, then in order of appearance (no val_)."""
        names: list[str] = []
        for lineage in self.lineages:
            for key in [*lineage.epochs, *lineage.batch]:
                base = key[len(VAL):] if key.startswith(VAL) else key
                if base not in names:
                    names.append(base)
        return sorted(names, key=lambda n: (n != "loss", not n.endswith("loss"), names.index(n)))

    def csv_text(self, metric: str, visible_only: bool = True) -> str:
        """One plot's numbers: run, kind (batch/epoch), x (epochs), training value, validation value."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["run", "kind", "epoch", metric, VAL + metric])
        for lineage in self.lineages:
            if visible_only and not lineage.visible:
                continue
            xs, ys = lineage.batch.get(metric, ([], []))
            for x, y in zip(xs, ys):
                writer.writerow([lineage.label, "batch", _csv_number(x), _csv_number(y), ""])
            train = dict(zip(*lineage.epochs.get(metric, ([], []))))
            val = dict(zip(*lineage.epochs.get(VAL + metric, ([], []))))
            for x in sorted(set(train) | set(val)):
                writer.writerow([lineage.label, "epoch", _csv_number(x), _csv_number(train.get(x)),
                                 _csv_number(val.get(x))])
        return out.getvalue()


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _csv_number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.10g}"
