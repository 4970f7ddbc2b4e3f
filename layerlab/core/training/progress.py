"""Progress of a run: fraction done, elapsed time, ETA and samples per second (plain Python).

Fed with the listener's reports: `start` (Keras's epoch count, where the run
ends; steps per epoch; samples per epoch), then batches and epochs. A run
continued from epoch 5 reports epoch indices from 5; the first report fixes
where this run started, so the figures are for this run alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def format_duration(seconds: float) -> str:
    """0:07, 1:05:09: minutes and seconds, with hours when there are some."""
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self.active = False
        self.epochs_end = 0
        self.steps = 0
        self.samples = 0
        self.first_epoch: int | None = None
        self.epoch = 0
        self.batch = -1
        self.began = 0.0
        self.done_steps = 0

    def start(self, epochs_end: int, steps: int, samples: int) -> None:
        self.reset()
        self.active = True
        self.epochs_end, self.steps, self.samples = int(epochs_end), max(0, int(steps)), int(samples)
        self.began = self._clock()

    def on_batch(self, epoch: int, batch: int) -> None:
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.epoch, self.batch = epoch, batch
        self.done_steps = max(self.done_steps, (epoch - self.first_epoch) * self.steps + batch + 1)

    def on_epoch(self, epoch: int) -> None:
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.epoch, self.batch = epoch, self.steps - 1
        self.done_steps = max(self.done_steps, (epoch - self.first_epoch + 1) * self.steps)

    @property
    def total_steps(self) -> int:
        first = self.first_epoch if self.first_epoch is not None else self.epochs_end
        return max(0, (self.epochs_end - first) * self.steps) if self.first_epoch is not None else 0

    @property
    def fraction(self) -> float:
        total = self.total_steps
        return min(1.0, self.done_steps / total) if total else 0.0

    @property
    def elapsed(self) -> float:
        return self._clock() - self.began if self.active else 0.0

    @property
    def eta(self) -> float | None:
        if not self.done_steps or not self.total_steps:
            return None
        return self.elapsed * (self.total_steps - self.done_steps) / self.done_steps

    @property
    def samples_per_second(self) -> float | None:
        elapsed = self.elapsed
        if not self.done_steps or not self.steps or elapsed <= 0:
            return None
        return self.done_steps * self.samples / self.steps / elapsed

    def text(self) -> str:
        """'Epoch 3/20 · batch 12/45 · 0:04 elapsed · ETA 0:21 · 1,520 samples/s'."""
        if not self.active:
            return ""
        if self.first_epoch is None:
            return f"Starting… · {self.samples:,} samples per epoch"
        parts = [f"Epoch {self.epoch + 1}/{self.epochs_end}", f"batch {self.batch + 1}/{self.steps}",
                 f"{format_duration(self.elapsed)} elapsed"]
        eta = self.eta
        if eta is not None:
            parts.append(f"ETA {format_duration(eta)}")
        return " · ".join(parts + self._rate())

    def ended_text(self) -> str:
        """Once a run has ended: 'Epoch 9/30 · 0:03 in all · 3,950 samples/s' (no ETA left to wait for)."""
        if self.first_epoch is None:
            return ""
        return " · ".join([f"Epoch {self.epoch + 1}/{self.epochs_end}", f"{format_duration(self.elapsed)} in all",
                           *self._rate()])

    def _rate(self) -> list[str]:
        rate = self.samples_per_second
        return [] if rate is None else [f"{rate:,.0f} samples/s"]
