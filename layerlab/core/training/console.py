"""A listener that prints a run: one line per epoch with every metric, and a progress bar on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from layerlab.core.training.listener import TrainingListener


def format_metrics(logs: dict) -> str:
    """`loss: 0.1234 - out_loss: ... - accuracy: 0.9000 - val_loss: ...`: the total loss first, validation last."""
    def order(key: str):
        base = key[4:] if key.startswith("val_") else key
        return (key.startswith("val_"), base != "loss", not base.endswith("loss"), base)

    return " - ".join(f"{k}: {_fmt(v)}" for k, v in sorted(logs.items(), key=lambda kv: order(kv[0])))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if 1e-3 <= abs(v) < 1e5 or v == 0 else f"{v:.4g}"
    return str(v)


class ConsoleListener(TrainingListener):
    """Prints epochs to `stream`; with `progress`, redraws a one-line bar during each epoch."""

    def __init__(self, stream: TextIO | None = None, progress: bool | None = None, width: int = 24):
        self.stream = stream or sys.stdout
        self.progress = self.stream.isatty() if progress is None else progress
        self.width = width
        self.epochs = self.steps = 0
        self._epoch_began = time.monotonic()
        self._bar_shown = False

    def on_start(self, epochs, steps_per_epoch, samples):
        self.epochs, self.steps = epochs, steps_per_epoch
        self._epoch_began = time.monotonic()

    def on_batch(self, epoch, batch, logs):
        if not self.progress:
            return
        done = min(batch + 1, self.steps) if self.steps else batch + 1
        filled = int(self.width * done / self.steps) if self.steps else 0
        bar = "=" * filled + (">" if filled < self.width else "") + " " * max(self.width - filled - 1, 0)
        loss = logs.get("loss")
        tail = f" - loss: {_fmt(loss)}" if loss is not None else ""
        self.stream.write(f"\r\x1b[KEpoch {epoch + 1}/{self.epochs} [{bar}] {done}/{self.steps}{tail}")
        self.stream.flush()
        self._bar_shown = True

    def on_epoch(self, epoch, logs):
        now = time.monotonic()
        seconds, self._epoch_began = now - self._epoch_began, now
        clear = "\r\x1b[K" if self._bar_shown else ""
        self._bar_shown = False
        self.stream.write(f"{clear}Epoch {epoch + 1}/{self.epochs} - {seconds:.1f}s - {format_metrics(logs)}\n")
        self.stream.flush()

    def on_end(self, status, reason):
        if self._bar_shown:
            self.stream.write("\r\x1b[K")
            self._bar_shown = False
        self.stream.flush()
