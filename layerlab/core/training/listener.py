"""What a training run reports, and to whom: the listener interface and the batch throttle.

A listener is called on the training thread. The GUI's listener turns each
call into a queued Qt signal; the CLI's prints. Numbering follows Keras's
callbacks: `epoch` and `batch` are 0-based indices, and epochs number on
across continued runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FINISHED = "finished"  # every epoch ran, or a callback such as EarlyStopping ended the run
STOPPED = "stopped"  # stop was requested; the model keeps what it learned so far
FAILED = "failed"  # an exception, or a NaN/inf loss (then the reason starts with NAN_REASON)
NAN_REASON = "NaN loss"

MAX_BATCH_REPORTS_PER_SECOND = 20


class TrainingListener:
    """Receives a run's progress. Subclass and override what you need; every method is a no-op here."""

    def on_start(self, epochs: int, steps_per_epoch: int, samples: int) -> None:
        """The run starts.

        Args:
            epochs: the epoch count the run ends at (Keras's `epochs`), so a run continued from
                epoch 5 for 3 more reports 8, and its epochs are numbered 5, 6, 7.
            steps_per_epoch: batches per epoch.
            samples: training samples per epoch (after any validation split).
        """

    def on_batch(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        """Running metrics of the epoch so far, at most ~20 times a second."""

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """An epoch ended: its metrics, with `val_*` ones when there is validation data."""

    def on_end(self, status: str, reason: str) -> None:
        """The run ended: `status` is FINISHED, STOPPED or FAILED, and `reason` says why in words."""


class BatchThrottle:
    """Lets a batch report through at most `rate` times a second (the first one always)."""

    def __init__(self, rate: float = MAX_BATCH_REPORTS_PER_SECOND, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / rate
        self._clock = clock
        self._last = -float("inf")

    def ready(self) -> bool:
        now = self._clock()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False
