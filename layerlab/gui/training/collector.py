"""No full garbage collection of the editor's objects during a training run.

A full (generation 2) pass of Python's cyclic collector walks every tracked object: with Qt, pyqtgraph and a
model open that took 66-92 ms on the GUI thread, the longest stall of a run
(bench/bench_gui_training.py). While a run goes on, the objects that existed when it started are moved
out of the collector's reach (``gc.freeze``); when the last run ends they are given back
(``gc.unfreeze``) and any garbage among them is collected as usual.
"""

from __future__ import annotations

import gc

_holders: set[int] = set()  # the windows (their training controllers) with a run going on


def hold(owner: object) -> None:
    """A run of `owner` started: the objects there are now are frozen (by the first run of all)."""
    if not _holders:
        gc.freeze()
    _holders.add(id(owner))


def release(owner: object) -> None:
    """`owner`'s run ended, or its window closed: with no run left, the frozen objects are given back."""
    if id(owner) not in _holders:
        return
    _holders.discard(id(owner))
    if not _holders:
        gc.unfreeze()


def follow(running, owner: object) -> None:
    """Hold while `running` (a Qt signal of bool: a run started, a run ended) says a run goes on."""
    running.connect(lambda on: hold(owner) if on else release(owner))
