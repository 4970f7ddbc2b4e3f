"""Engines on a Ray cluster: the same engine, placed on a node by Ray, behind the same connection.

:class:`RayExecutor` places a Ray actor holding an :class:`~.host.EngineHost`
(with the run's CPUs and GPUs as the actor's resources) and returns an
:class:`~layerlab.core.engine.connection.EngineConnection` over a
:class:`RayTransport`, which has :class:`~layerlab.core.engine.process.LocalProcess`'s
methods: lines go to the actor by method call and come back by long polls.
Array files named in messages (``{"$npy": name}``) travel with them: the
transport sends the files a request names before the request, and fetches
the files a reply or event names into the editor's own folder before handing
the line on, so both sides read arrays exactly as they do locally.

A node that is lost or a Ray worker that is killed ends the connection with
a reason that says so; the requests pending fail with EngineDied.
"""

from __future__ import annotations

import collections
import json
import tempfile
import threading
from pathlib import Path

from layerlab.core.cluster.connect import ClusterError, connect
from layerlab.core.cluster.host import EngineHost
from layerlab.core.engine.arrays import REF, ArrayFolder
from layerlab.core.engine.connection import EngineConnection
from layerlab.core.engine.executor import EventCallback, Executor, ExitCallback

POLL_WAIT = 1.0  # seconds a poll waits on the node for the engine's next line
PLACE_TIMEOUT = 120.0  # seconds to wait for a node with the resources asked for
LOST = "the Ray worker running the engine died (its node was lost or the worker was killed)"


class RayExecutor(Executor):
    """Engines as Ray actors on the cluster at `address`, `cpus`/`gpus` each."""

    name = "ray"

    def __init__(self, address: str, cpus: float = 1, gpus: float = 0, env: dict[str, str] | None = None,
                 place_timeout: float = PLACE_TIMEOUT):
        self.address = address
        self.cpus, self.gpus = float(cpus), float(gpus)
        self.env = dict(env or {})
        self.place_timeout = place_timeout

    def start(self, role: str, on_event: EventCallback | None = None,
              on_exit: ExitCallback | None = None) -> EngineConnection:
        transport = RayTransport(self, role)
        folder = tempfile.mkdtemp(prefix=f"layerlab-{role}-ray-")
        transport.arrays = ArrayFolder(folder)
        return EngineConnection(transport, on_event=on_event, on_exit=on_exit, arrays=transport.arrays,
                                own_arrays=True)

    def describe(self) -> str:
        return f"the Ray cluster at {self.address}"


class RayTransport:
    """Moves an engine's lines (and the array files they name) between this process and its Ray actor."""

    def __init__(self, executor: RayExecutor, role: str):
        self.ray = connect(executor.address)
        self.role = role
        self.arrays: ArrayFolder | None = None
        self._lost: str | None = None
        self._ended = False
        self._buffer: collections.deque[bytes] = collections.deque()
        self._send_lock = threading.Lock()
        actor_class = self.ray.remote(EngineHost)
        self.actor = actor_class.options(num_cpus=executor.cpus, num_gpus=executor.gpus, max_concurrency=4,
                                         max_restarts=0).remote(role, executor.env)
        self.where = self._place(executor)
        self.pid = self.where.get("pid")
        self.node = self.where.get("node_ip") or self.where.get("host", "")

    def _place(self, executor: RayExecutor) -> dict:
        ref = self.actor.where.remote()
        ready, _ = self.ray.wait([ref], timeout=executor.place_timeout)
        if not ready:
            self.ray.kill(self.actor)
            raise ClusterError(
                f"no node of the Ray cluster at {executor.address} had {_n(executor.cpus)} CPU(s) and "
                f"{_n(executor.gpus)} GPU(s) free within {executor.place_timeout:g} s")
        try:
            return self.ray.get(ref)
        except Exception as exc:  # noqa: BLE001 - the actor failed to start on its node
            raise ClusterError(f"the engine could not start on the Ray cluster: {_first_line(exc)}") from None

    # -- lines ---------------------------------------------------------------------------------------
    def send_line(self, line: bytes) -> bool:
        if self._lost or self._ended:
            return False
        with self._send_lock:
            try:
                for name in _refs(line):
                    self.ray.get(self.actor.put_file.remote(name, (Path(self.arrays.folder) / name).read_bytes()))
                return bool(self.ray.get(self.actor.send_line.remote(line)))
            except OSError:
                return False
            except Exception as exc:  # noqa: BLE001 - Ray's errors for a dead actor are many
                self._lose(exc)
                return False

    def read_line(self) -> bytes | None:
        while not self._buffer:
            if self._ended or self._lost:
                return None
            try:
                lines, ended = self.ray.get(self.actor.poll.remote(POLL_WAIT))
                for line in lines:
                    for name in _refs(line):
                        self.arrays.folder.joinpath(name).write_bytes(self.ray.get(self.actor.get_file.remote(name)))
            except Exception as exc:  # noqa: BLE001
                self._lose(exc)
                return None
            self._buffer.extend(lines)
            self._ended = ended
        return self._buffer.popleft()

    @property
    def lost(self) -> str | None:
        """Why the Ray side failed (the node lost, the Ray worker killed), or None."""
        return self._lost

    def _lose(self, exc: BaseException) -> None:
        if self._lost is None:
            self._lost = f"{LOST}: {_first_line(exc)}"

    def close_input(self) -> None:
        self._call("close_input")

    def wait(self, timeout: float | None = None) -> int | None:
        if self._lost:
            return None
        return self._call("wait", timeout, timeout=None if timeout is None else timeout + 5)

    def kill(self) -> None:
        if not self._lost:
            self.actor.kill.remote()

    def exit_reason(self) -> str:
        if self._lost:
            return self._lost
        reason = self._call("exit_reason", timeout=10)
        return f"on Ray node {self.node}, the engine {reason}" if reason else self._lost or LOST

    def release(self) -> None:
        try:
            self.ray.get(self.actor.release.remote(), timeout=10)
        except Exception:  # noqa: BLE001,S110 - already gone is fine
            pass
        try:
            self.ray.kill(self.actor)
        except Exception:  # noqa: BLE001,S110
            pass

    def kill_worker(self) -> None:
        """End the Ray actor itself (not just its engine), as a crashed or killed Ray worker would."""
        self.ray.kill(self.actor, no_restart=True)

    def _call(self, method: str, *args, timeout: float | None = 30):
        try:
            return self.ray.get(getattr(self.actor, method).remote(*args), timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            self._lose(exc)
            return None


def _refs(line: bytes) -> list[str]:
    """The array file names a message line carries."""
    if REF.encode() not in line:
        return []
    out: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if set(value) == {REF} and isinstance(value[REF], str):
                name = value[REF]
                if name and "/" not in name and "\\" not in name and not name.startswith("."):
                    out.append(name)
                return
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    try:
        walk(json.loads(line))
    except ValueError:
        return []
    return out


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _first_line(exc: BaseException) -> str:
    text = [t for t in str(exc).strip().splitlines() if t.strip()]
    return text[0].strip() if text else type(exc).__name__


