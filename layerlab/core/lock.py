"""One writer per project: an advisory lock beside the project file, and clean-up after killed saves.

The lock is ``fcntl.flock`` on ``.NAME.layerlab.lock`` next to the project.
The kernel drops it when its holder exits, however it exits (``kill -9``
too), so a crash never leaves a project locked; the file itself stays (removing
a lock file while another process waits on it would let two writers in). It
holds the holder's pid and what it is doing, for the message the next writer
reads: "another LayerLab is saving PROJECT (pid N)".

Within one process the lock is re-entrant: `layerlab train --save` holds it for
the whole run, and the save at its end takes it again without waiting.

Every temp file a save writes is named ``.NAME.<random>.tmp`` in the target's
folder (layerlab.core.project.atomic_write_bytes); a save killed half-way
leaves one behind, and the next save of that project, holding the lock, removes
them.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from layerlab.core.errors import LayerLabError


class ProjectLockedError(LayerLabError):
    """Another process holds the project's lock."""

    exit_code = 2
    kind = "project-locked"


_held: dict[Path, list] = {}  # lock file -> [fd, depth] for the locks this process holds
_guard = threading.Lock()


def lock_path(project_path: str | os.PathLike) -> Path:
    p = Path(os.path.abspath(project_path))
    return p.with_name(f".{p.name}.lock")


@contextmanager
def project_lock(project_path: str | os.PathLike, doing: str = "is saving"):
    """Hold the project's lock; raise ProjectLockedError at once when another process holds it.

    Args:
        project_path: the .layerlab file (it need not exist yet).
        doing: what the holder does, for the message others read: "is saving", "holds".
    """
    path = lock_path(project_path)
    with _guard:
        entry = _held.get(path)
        if entry is not None:
            entry[1] += 1
        else:
            _held[path] = _acquire(path, Path(project_path), doing)
    try:
        yield path
    finally:
        with _guard:
            entry = _held[path]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[path]
                os.close(entry[0])  # closing the file releases the lock


def _acquire(path: Path, project: Path, doing: str) -> list:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # in the project's folder, which must exist
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise ProjectLockedError(f"another LayerLab {holder.get('doing', 'is saving')} {project}"
                                 f" (pid {holder.get('pid', '?')}); try again when it has finished") from None
    except OSError as exc:
        os.close(fd)
        raise ProjectLockedError(f"{project}: cannot be locked for saving ({exc.strerror or exc})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n{doing}\n".encode(), 0)
    return [fd, 1]


def _read_holder(fd: int) -> dict:
    try:
        lines = os.pread(fd, 400, 0).decode("utf-8", "replace").splitlines()
    except OSError:
        return {}
    out = {}
    if lines and lines[0].strip().isdigit():
        out["pid"] = lines[0].strip()
    if len(lines) > 1 and lines[1].strip():
        out["doing"] = lines[1].strip()
    return out


def holds(project_path: str | os.PathLike) -> bool:
    """Whether this process holds the project's lock."""
    return lock_path(project_path) in _held


def clean_stale_temps(*targets: str | os.PathLike) -> list[Path]:
    """Remove the temp files that killed saves of `targets` left (``.NAME.<random>.tmp``); hold the lock first.

    Returns:
        The files removed.
    """
    removed = []
    for target in targets:
        t = Path(target)
        if not t.parent.is_dir():
            continue
        for stale in t.parent.glob(f".{_glob_escape(t.name)}.*.tmp"):
            try:
                stale.unlink()
                removed.append(stale)
            except OSError:
                pass
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
