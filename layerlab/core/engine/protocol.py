"""The messages between the editor and an engine: one JSON object per line, versioned.

Three shapes, each with ``"v": PROTOCOL_VERSION``:

- a request, editor to engine: ``{"v": 1, "id": 7, "op": "check", "args": {...}}``, with
  ``"allow": [folder, ...]`` when the user has allowed folders outside projects (layerlab.core.confine);
- a reply, engine to editor: ``{"v": 1, "id": 7, "ok": true, "result": {...}}`` or
  ``{"v": 1, "id": 7, "ok": false, "error": {"kind": "...", "message": "..."}}``;
- an event, engine to editor: ``{"v": 1, "event": "epoch", "data": {...}}`` (with the ``id`` of the
  request it belongs to, when it belongs to one).

Control requests (``CONTROL_OPS``: ``stop``, ``shutdown``) are handled the moment they arrive, never
queued behind a running request. Nothing is unpickled: a message is JSON, and arrays go by file.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from layerlab.core.errors import LayerLabError

PROTOCOL_VERSION = 1
MAX_LINE = 64 * 1024 * 1024  # a message larger than this is a bug (arrays go by file)

STOP = "stop"  # finish the current batch, then end the request that runs
SHUTDOWN = "shutdown"  # end the engine cleanly
CONTROL_OPS = frozenset({STOP, SHUTDOWN})

HELLO = "hello"  # the first event of every engine: {"pid", "role", "protocol"}
READY = "ready"  # the engine has imported what it needs (Keras) and answers quickly from now on


class ProtocolError(LayerLabError):
    """A line that is not a message of this protocol (or of another version of it)."""


def _plain(value: Any) -> Any:
    """NumPy scalars and small arrays as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be sent in a message (send arrays by file)")


def encode(message: dict) -> bytes:
    """One message as one line of UTF-8 JSON (NaN and infinity allowed: both ends are LayerLab)."""
    body = {"v": PROTOCOL_VERSION, **message}
    return (json.dumps(body, default=_plain, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def decode(line: bytes | str) -> dict:
    """The message on `line`; ProtocolError for anything else."""
    if len(line) > MAX_LINE:
        raise ProtocolError(f"a message of {len(line):,} bytes is over the limit of {MAX_LINE:,}")
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        text = line[:80] if isinstance(line, str) else line[:80].decode(errors="replace")
        raise ProtocolError(f"not a message: {text!r} ({exc})") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"not a message: a JSON {type(message).__name__}, not an object")
    version = message.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {version!r}, expected {PROTOCOL_VERSION}: "
                            "the engine and the editor come from different LayerLab installations")
    if not any(k in message for k in ("op", "event", "ok")):
        raise ProtocolError(f"a message with none of op, event or ok: {sorted(message)}")
    return message


def request(op: str, args: dict | None = None, id: int | None = None) -> dict:  # noqa: A002 - the field's name
    msg: dict = {"op": op, "args": args or {}}
    if id is not None:
        msg["id"] = id
    return msg


def reply(id: int, result: Any = None) -> dict:  # noqa: A002
    return {"id": id, "ok": True, "result": result}


def failure(id: int | None, kind: str, message: str) -> dict:  # noqa: A002
    return {"id": id, "ok": False, "error": {"kind": kind, "message": message}}


def event(name: str, data: Any = None, id: int | None = None) -> dict:  # noqa: A002
    msg: dict = {"event": name, "data": data}
    if id is not None:
        msg["id"] = id
    return msg


def finite_or_none(value: float) -> float | None:
    """For values that leave LayerLab as strict JSON (files other tools read)."""
    return value if math.isfinite(value) else None
