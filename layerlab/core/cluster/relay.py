"""An engine on a Ray cluster for the editor: a small local process relays it, so the editor never runs Ray.

:class:`RelayExecutor` starts, on this computer, ``python -m layerlab.core.engine
ray-relay`` (see :mod:`layerlab.core.engine.serve`) with the engine's role and
the cluster's address in its environment. That process is the Ray driver: it
connects, places the engine on a node (:class:`.ray_executor.RayTransport`),
then copies lines both ways, the engine's array files going through the
editor's own array folder. To the editor it is an engine process like any
other (pipes, HELLO, READY, a pid to kill), so Ray is never imported in the
editor, and connecting or waiting for a node never blocks its window.

Ending it ends the remote engine: Ray kills the actors of a driver that goes
away, and the engine on the node ends with its actor. When the remote side
fails (no connection, no node with the resources, the node lost, the Ray
worker killed, the engine killed on its node), the relay writes why as its
last stderr line after :data:`REASON` and exits with :data:`EXIT_LOST`; the
editor's exit reason is that sentence.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading

from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.connection import EngineConnection
from layerlab.core.engine.executor import EventCallback, Executor, ExitCallback
from layerlab.core.engine.process import LocalProcess
from layerlab.core.engine.serve import ARRAYS_ENV

PROGRAM = "ray-relay"  # what `python -m layerlab.core.engine` runs instead of a role
ENV = "LAYERLAB_RAY_RELAY"  # JSON: {"address", "role", "cpus", "gpus"}
REASON = "layerlab-reason: "
EXIT_LOST = 4


class RelayProcess(LocalProcess):
    """The relay's process; its exit reason is the relay's own sentence when it wrote one."""

    def exit_reason(self) -> str:
        for line in reversed(self.stderr_tail()):
            if line.startswith(REASON):
                return line[len(REASON):]
        return super().exit_reason()


class RelayExecutor(Executor):
    """Engines on the Ray cluster at `address` (`cpus`/`gpus` each), reached through a local relay process."""

    name = "ray"

    def __init__(self, address: str, cpus: float = 1, gpus: float = 0):
        self.address = address
        self.cpus, self.gpus = float(cpus), float(gpus)

    def start(self, role: str, on_event: EventCallback | None = None,
              on_exit: ExitCallback | None = None) -> EngineConnection:
        folder = tempfile.mkdtemp(prefix=f"layerlab-{role}-ray-")
        spec = {"address": self.address, "role": role, "cpus": self.cpus, "gpus": self.gpus}
        process = RelayProcess(PROGRAM, env={ARRAYS_ENV: folder, ENV: json.dumps(spec)})
        process.role = role
        return EngineConnection(process, on_event=on_event, on_exit=on_exit, arrays=ArrayFolder(folder),
                                own_arrays=True)

    def describe(self) -> str:
        return f"the Ray cluster at {self.address}"


def main() -> int:
    """The relay process: connect, place the engine, copy lines until either side ends."""
    from layerlab.core.cluster.connect import ClusterError
    from layerlab.core.cluster.ray_executor import RayExecutor, RayTransport

    spec = json.loads(os.environ[ENV])
    channel = os.fdopen(os.dup(1), "wb", buffering=0)  # stdout is the message channel; Ray's prints go to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    executor = RayExecutor(spec["address"], cpus=spec.get("cpus", 1), gpus=spec.get("gpus", 0))
    try:
        transport = RayTransport(executor, spec["role"])
    except ClusterError as exc:
        return _fail(f"could not start on the Ray cluster: {exc}")
    transport.arrays = ArrayFolder(os.environ[ARRAYS_ENV])  # the editor's folder: its files go as they are

    def pump_in() -> None:
        for line in sys.stdin.buffer:
            if not transport.send_line(line):
                break
        transport.close_input()  # the editor is gone or done: the engine ends as it would locally

    threading.Thread(target=pump_in, name="layerlab-relay-in", daemon=True).start()
    while True:
        line = transport.read_line()
        if line is None:
            break
        try:
            channel.write(line)
        except OSError:  # the editor is gone
            break
    if transport.lost:
        reason = transport.lost
    else:
        code = transport.wait(10)
        reason = None if code == 0 else transport.exit_reason()
    transport.release()
    return _fail(reason) if reason else 0


def _fail(reason: str) -> int:
    print(f"{REASON}{reason}", file=sys.stderr, flush=True)
    return EXIT_LOST
