"""Where a run goes (`--on local` or `--on ray:ADDRESS`), and the connection to a Ray cluster.

Ray is optional (``pip install "layerlab[ray]"``); without it a Ray target
says how to install it. The address is anything ``ray.init`` accepts:
``127.0.0.1:6379`` (a cluster's GCS), ``ray://host:10001`` (Ray Client) or
``auto`` (the cluster this machine belongs to). Ray 2.60 clusters use token
authentication: the token comes from ``RAY_AUTH_TOKEN`` or ``~/.ray/auth_token``
(``ray get-auth-token``), as with Ray's own tools.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass

from layerlab.core.errors import LayerLabError

INSTALL_HINT = 'Ray is not installed; install it with: pip install "layerlab[ray]"'
LOCAL = "local"
PREFIX = "ray:"


class ClusterError(LayerLabError):
    """A Ray target that cannot be used: Ray missing, a bad address, a cluster that does not answer."""


@dataclass(frozen=True)
class Target:
    """Where runs execute: this computer, or a Ray cluster at `address`."""

    kind: str  # "local" or "ray"
    address: str = ""

    def __str__(self) -> str:
        return LOCAL if self.kind == LOCAL else f"{PREFIX}{self.address}"


def parse_target(text: str | None) -> Target:
    """`local` (or nothing) or `ray:ADDRESS`; ClusterError naming the value otherwise."""
    text = (text or LOCAL).strip()
    if text == LOCAL:
        return Target(LOCAL)
    if text.startswith(PREFIX) and text[len(PREFIX):].strip():
        return Target("ray", text[len(PREFIX):].strip())
    raise ClusterError(f"--on {text!r}: expected 'local' or 'ray:ADDRESS' (e.g. ray:127.0.0.1:6379, "
                       "ray:ray://host:10001, ray:auto)")


def require_ray():
    """The ray module, or ClusterError with the install command."""
    try:
        import ray
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    return ray


_lock = threading.Lock()
_connected: str | None = None


def connect(address: str):
    """Connect this process to the cluster at `address` once (later calls reuse it); the ray module."""
    global _connected
    if not address.strip():
        raise ClusterError("no Ray cluster address given (e.g. 127.0.0.1:6379, ray://host:10001 or auto)")
    ray = require_ray()
    with _lock:
        if _connected == address and ray.is_initialized():
            return ray
        if ray.is_initialized():
            ray.shutdown()
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        _answers(address)
        try:
            # Workers find LayerLab on the nodes' own install; their stdout stays on the nodes (engines
            # talk through their host, and their last stderr lines come back with their exit reason).
            ray.init(address=address, logging_level="ERROR", log_to_driver=False, configure_logging=True)
        except Exception as exc:  # noqa: BLE001 - Ray raises many kinds for an unreachable or refusing cluster
            raise ClusterError(f"cannot connect to the Ray cluster at {address}: {_first_line(exc)}"
                               f"{_token_hint()}") from None
        _connected = address
    return ray


def _answers(address: str, timeout: float = 5.0) -> None:
    """For a HOST:PORT address, fail fast when nothing listens there (ray.init would retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", ray://: Ray's own checks
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"cannot connect to the Ray cluster at {address}: nothing answers there "
                           f"({exc.strerror or exc}); is the head node started (ray start --head)?") from None


TOKEN_SOURCES = ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")  # and ~/.ray/auth_token, where Ray looks


def _token_hint() -> str:
    """Something answers at the address but Ray could not connect: most often the token (Ray only retries)."""
    from pathlib import Path

    if any(os.environ.get(k) for k in TOKEN_SOURCES) or (Path.home() / ".ray" / "auth_token").is_file():
        return ("; if the cluster uses token authentication, check that this computer's token is the cluster's "
                "(`ray get-auth-token` on the head node prints it)")
    return ("; if the cluster uses token authentication, this computer has no token: set RAY_AUTH_TOKEN, or put "
            "the token in ~/.ray/auth_token (`ray get-auth-token` on the head node prints it)")


def disconnect() -> None:
    global _connected
    ray = require_ray()
    with _lock:
        if ray.is_initialized():
            ray.shutdown()
        _connected = None


@dataclass(frozen=True)
class ClusterInfo:
    address: str
    nodes: int
    cpus: float
    gpus: float

    def describe(self) -> str:
        return (f"{self.address}: {self.nodes} node{'s' * (self.nodes != 1)}, {_n(self.cpus)} CPUs, "
                f"{_n(self.gpus)} GPUs")


def cluster_info(address: str) -> ClusterInfo:
    """What the cluster has (alive nodes, CPUs, GPUs): the editor's connection check."""
    ray = connect(address)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    total = ray.cluster_resources()
    return ClusterInfo(address, len(nodes), float(total.get("CPU", 0)), float(total.get("GPU", 0)))


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
