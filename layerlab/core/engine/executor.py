"""Where an engine runs: one interface, a local process by default.

An :class:`Executor` starts an engine of a role and returns its
:class:`~.connection.EngineConnection`; what the engine does and says is the
same wherever it runs. :class:`LocalExecutor` starts a fresh interpreter on
this machine. Another executor (a cluster) provides a transport with the same
few methods as :class:`~.process.LocalProcess` (``role``, ``pid``,
``send_line``, ``read_line``, ``close_input``, ``wait``, ``kill``,
``exit_reason``, ``release``) and an array folder both sides can read.
"""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable

from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.connection import EngineConnection
from layerlab.core.engine.process import LocalProcess
from layerlab.core.engine.serve import ARRAYS_ENV

EventCallback = Callable[[dict], None]
ExitCallback = Callable[[str, "int | None"], None]


class Executor(ABC):
    """Starts engines somewhere."""

    name = "executor"

    @abstractmethod
    def start(self, role: str, on_event: EventCallback | None = None,
              on_exit: ExitCallback | None = None) -> EngineConnection:
        """Start an engine of `role`; events and its end are reported to the callbacks (on a reader thread)."""

    def describe(self) -> str:
        """Where engines run, in words ("this computer")."""
        return self.name


class LocalExecutor(Executor):
    """Engines as fresh local interpreters (``python -m layerlab.core.engine ROLE``)."""

    name = "local"

    def __init__(self, env: dict[str, str] | None = None):
        self.env = dict(env or {})

    def start(self, role: str, on_event: EventCallback | None = None,
              on_exit: ExitCallback | None = None) -> EngineConnection:
        folder = tempfile.mkdtemp(prefix=f"layerlab-{role}-")
        process = LocalProcess(role, env={**self.env, ARRAYS_ENV: folder})
        return EngineConnection(process, on_event=on_event, on_exit=on_exit, arrays=ArrayFolder(folder),
                                own_arrays=True)

    def describe(self) -> str:
        return "this computer"
