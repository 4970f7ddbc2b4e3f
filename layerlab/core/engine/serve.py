"""The engine's side: read requests, run them one at a time, answer; control requests at once.

An engine is a role (a name and its operations) served over its stdin and
stdout. A reader thread takes each line as it comes: ``stop`` sets the
context's stop flag (and calls what the running operation registered, such
as a training session's ``request_stop``) right away, ``shutdown`` ends the
engine after the running request; other requests queue for the main thread.
The end of stdin means the editor is gone: the engine exits at once, so no
engine outlives its editor (Linux's parent-death signal is the second guard).
"""

from __future__ import annotations

import importlib
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from layerlab.core.engine import protocol
from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.errors import LayerLabError

ARRAYS_ENV = "LAYERLAB_ENGINE_ARRAYS"  # the folder arrays travel through, set by the executor
ORPHAN_EXIT = 3  # the exit code of an engine whose editor went away

# role name -> "module:attribute" of its Role; the modules import Keras only when their ops run
ROLES = {
    "check": "layerlab.core.engine.check_role:ROLE",
    "selftest": "layerlab.core.engine.selftest:ROLE",
    "train": "layerlab.core.engine.train_role:ROLE",
}

# helpers started the same way that are not engines: "name" -> "module:function" returning the exit code
PROGRAMS = {
    "ray-relay": "layerlab.core.cluster.relay:main",  # the editor's link to an engine on a Ray cluster
    "ray-info": "layerlab.core.cluster.__main__:from_env",  # the editor's connection check
}


@dataclass
class Role:
    """What an engine of one kind does: operations by name, and an optional warm-up before READY."""

    name: str
    ops: dict[str, Callable[[dict, Context], Any]]
    warm_up: Callable[[], None] | None = None


class Context:
    """What an operation gets besides its arguments: events, the stop flag, the array folder."""

    def __init__(self, write: Callable[[dict], None], arrays: ArrayFolder | None):
        self._write = write
        self.arrays = arrays
        self.request_id: int | None = None
        self.stop = threading.Event()
        self._on_stop: list[Callable[[], None]] = []
        self._cancelled: set = set()  # ids of queued requests stopped before they began
        self._lock = threading.Lock()

    def emit(self, name: str, data: Any = None) -> None:
        """Send an event about the running request."""
        self._write(protocol.event(name, data, self.request_id))

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` when a stop arrives (at once if one already has) during this request."""
        with self._lock:
            self._on_stop.append(callback)
            stopped = self.stop.is_set()
        if stopped:
            callback()

    def request_stop(self) -> None:
        with self._lock:
            self.stop.set()
            callbacks = list(self._on_stop)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a stop must never kill the reader
                traceback.print_exc()

    def cancel(self, request_id) -> None:
        """Stop request `request_id`: now if it runs, when it begins if it is queued."""
        with self._lock:
            running = request_id == self.request_id
            if not running:
                self._cancelled.add(request_id)
        if running:
            self.request_stop()

    def begin(self, request_id: int | None) -> None:
        with self._lock:
            self.request_id = request_id
            self.stop.clear()
            self._on_stop = []
            if request_id is not None and request_id in self._cancelled:
                self.stop.set()  # stopped while it waited: the operation sees it at its first step
            if isinstance(request_id, int):  # ids grow: older cancellations can never match again
                self._cancelled = {r for r in self._cancelled if not isinstance(r, int) or r > request_id}


@dataclass
class _Writer:
    out: BinaryIO
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, message: dict) -> None:
        line = protocol.encode(message)
        with self.lock:
            self.out.write(line)
            self.out.flush()


def load_role(name: str) -> Role:
    target = ROLES.get(name)
    if target is None:
        raise LayerLabError(f"no engine role {name!r}; known: {', '.join(sorted(ROLES))}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def guard_against_orphaning() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG); nothing elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = os.environ.get("LAYERLAB_ENGINE_PARENT")
    if parent and parent.isdigit() and os.getppid() != int(parent):
        os._exit(ORPHAN_EXIT)  # the parent died before the guard was set


def serve(role: Role, instream: BinaryIO, outstream: BinaryIO, arrays: ArrayFolder | None = None) -> int:
    """Serve `role` until shutdown (0) or the end of `instream` (ORPHAN_EXIT, at once)."""
    write = _Writer(outstream)
    ctx = Context(write, arrays)
    inbox: queue.Queue = queue.Queue()

    def read() -> None:
        for line in instream:
            try:
                message = protocol.decode(line)
            except protocol.ProtocolError as exc:
                write(protocol.failure(None, "ProtocolError", str(exc)))
                continue
            op = message.get("op")
            if op == protocol.STOP:
                target = (message.get("args") or {}).get("id")
                if target is None:
                    ctx.request_stop()
                else:
                    ctx.cancel(target)
            elif op == protocol.SHUTDOWN:
                ctx.request_stop()
                inbox.put(None)
                return
            else:
                inbox.put(message)
        os._exit(ORPHAN_EXIT)  # the editor is gone: nobody wants what is running

    write(protocol.event(protocol.HELLO, {"pid": os.getpid(), "role": role.name,
                                          "protocol": protocol.PROTOCOL_VERSION}))
    threading.Thread(target=read, name="layerlab-engine-inbox", daemon=True).start()
    if role.warm_up is not None:
        try:
            role.warm_up()
        except Exception as exc:  # noqa: BLE001 - reported on every request instead
            print(f"layerlab engine: warm-up failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    write(protocol.event(protocol.READY, {"role": role.name}))
    while True:
        message = inbox.get()
        if message is None:
            return 0
        write(_answer(role, message, ctx))


def _answer(role: Role, message: dict, ctx: Context) -> dict:
    rid, op = message.get("id"), message.get("op")
    handler = role.ops.get(op)
    if handler is None:
        return protocol.failure(rid, "UnknownOperation", f"the {role.name} engine has no operation {op!r}")
    ctx.begin(rid)
    if message.get("allow"):  # folders the user allowed in the editor (a file can never grant them)
        from layerlab.core import confine

        confine.allow(*(str(f) for f in message["allow"]))
    try:
        return protocol.reply(rid, handler(message.get("args") or {}, ctx))
    except LayerLabError as exc:
        return protocol.failure(rid, type(exc).__name__, str(exc))
    except MemoryError as exc:
        return protocol.failure(rid, "MemoryError", f"out of memory: {exc}")
    except Exception as exc:  # noqa: BLE001 - the editor must get an answer, whatever happened
        traceback.print_exc()
        return protocol.failure(rid, "InternalError", f"{type(exc).__name__}: {exc}")
    finally:
        ctx.begin(None)


def main(argv: list[str] | None = None) -> int:
    """`python -m layerlab.core.engine ROLE`."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m layerlab.core.engine ROLE", file=sys.stderr)
        return 2
    guard_against_orphaning()
    if argv[0] in PROGRAMS:  # a helper started like an engine (so a packaged app can start it too)
        module, _, attr = PROGRAMS[argv[0]].partition(":")
        return getattr(importlib.import_module(module), attr)()
    role = load_role(argv[0])
    folder = os.environ.get(ARRAYS_ENV)
    # stdout is the message channel: anything else printing there (a library) goes to stderr instead
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return serve(role, sys.stdin.buffer, channel, ArrayFolder(folder) if folder else None)
