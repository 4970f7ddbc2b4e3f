"""The `selftest` engine: no Keras, operations that exercise the protocol and an engine's death.

Used by the engine's own tests (and to tell, on a user's machine, whether
engines start at all). Each operation is what a real engine may do: answer,
stream events, honour a stop, send an array by file, fail, or die.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from layerlab.core.engine.serve import Context, Role
from layerlab.core.errors import LayerLabError


def _echo(args: dict, ctx: Context):
    return args


def _count(args: dict, ctx: Context):
    """Emit `n` "tick" events, `delay` seconds apart, stopping early on a stop request."""
    n, delay = int(args.get("n", 10)), float(args.get("delay", 0.01))
    for i in range(n):
        if ctx.stop.is_set():
            return {"stopped_at": i}
        ctx.emit("tick", {"i": i})
        time.sleep(delay)
    return {"stopped_at": None}


def _ignore_stop(args: dict, ctx: Context):
    """Sleep through stop requests (a worker stuck in a C call)."""
    time.sleep(float(args.get("seconds", 60)))
    return {}


def _array(args: dict, ctx: Context):
    a = np.arange(int(args.get("n", 10)), dtype=np.float32).reshape(-1, int(args.get("cols", 1)))
    return {"array": ctx.arrays.put(a, "selftest"), "sum": float(a.sum())}


def _fail(args: dict, ctx: Context):
    raise LayerLabError(str(args.get("message", "failed as asked")))


def _die(args: dict, ctx: Context):
    """End the process the way `how` says: a signal (by number) or an exit code, after a stderr line."""
    print(args.get("say", "selftest engine dying as asked"), file=sys.stderr, flush=True)
    if "signal" in args:
        os.kill(os.getpid(), int(args["signal"]))
        time.sleep(5)
    os._exit(int(args.get("code", 1)))


def _pid(args: dict, ctx: Context):
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
    return {"pid": os.getpid(), "parent": os.getppid(), "modules": heavy}


def _allowed(args: dict, ctx: Context):
    from layerlab.core import confine

    return [str(p) for p in confine.allowed_folders()]


ROLE = Role("selftest", {"echo": _echo, "count": _count, "ignore_stop": _ignore_stop, "array": _array,
                         "fail": _fail, "die": _die, "pid": _pid,
                         "allowed": _allowed}, warm_up=None)
