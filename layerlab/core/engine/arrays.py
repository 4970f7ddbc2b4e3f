"""Arrays between processes: ``.npy`` files in a folder both sides can read, named in messages.

A message carries ``{"$npy": "name.npy"}`` where an array stands; the reader
loads it with ``allow_pickle=False``, so a file can hold numbers and nothing
that runs. The folder belongs to one engine; its owner removes it when the
engine ends.
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from layerlab.core.engine.protocol import ProtocolError

REF = "$npy"
_counter = itertools.count()
_lock = threading.Lock()


class ArrayFolder:
    """Writes arrays into `folder` and reads them back from references."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def put(self, array, name: str = "a") -> dict:
        """Write `array`; the reference to send in its place."""
        a = np.asarray(array)
        if a.dtype == object:
            raise TypeError("arrays of Python objects cannot be sent")
        with _lock:
            n = next(_counter)
        file = f"{_safe(name)}-{os.getpid()}-{n}.npy"
        tmp = self.folder / (file + ".part")
        with open(tmp, "wb") as fh:
            np.save(fh, a, allow_pickle=False)
        os.replace(tmp, self.folder / file)
        return {REF: file}

    def get(self, ref: dict) -> np.ndarray:
        """The array a reference names; ProtocolError for a name outside the folder or a bad file."""
        name = ref.get(REF) if isinstance(ref, dict) else None
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
            raise ProtocolError(f"not an array reference: {ref!r}")
        try:
            return np.load(self.folder / name, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ProtocolError(f"array file {name}: {exc}") from None

    def pack(self, value: Any, name: str = "a") -> Any:
        """`value` with every ndarray in it (in dicts and lists) replaced by a reference."""
        if isinstance(value, np.ndarray) and value.ndim > 0:
            return self.put(value, name)
        if isinstance(value, dict):
            return {k: self.pack(v, f"{name}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.pack(v, f"{name}.{i}") for i, v in enumerate(value)]
        return value

    def unpack(self, value: Any) -> Any:
        """The inverse of :meth:`pack`."""
        if isinstance(value, dict):
            if set(value) == {REF}:
                return self.get(value)
            return {k: self.unpack(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.unpack(v) for v in value]
        return value


    def remove(self, value: Any) -> None:
        """Delete the files of every reference in `value` (once read, they are of no more use)."""
        if isinstance(value, dict):
            if set(value) == {REF}:
                name = value[REF]
                if isinstance(name, str) and "/" not in name and "\\" not in name and not name.startswith("."):
                    (self.folder / name).unlink(missing_ok=True)
                return
            for v in value.values():
                self.remove(v)
        elif isinstance(value, list):
            for v in value:
                self.remove(v)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:40] or "a"
