"""Crash recovery: unsaved work is written aside every minute and offered back after a crash.

Each running editor writes its own file, ``recovery-<pid>.json``, in the
recovery folder (``LAYERLAB_RECOVERY_DIR`` if set, else the app's data
folder). The file holds the whole project plus where it was saved, so a
restore gives back exactly what was on the canvas. A clean save or an
explicit discard deletes the file; a file whose process is gone is what a
crash leaves behind.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from layerlab.core import project as project_io
from layerlab.core.errors import ProjectFileError
from layerlab.core.project import Project

FORMAT = "layerlab-recovery"
VERSION = 1
ENV_DIR = "LAYERLAB_RECOVERY_DIR"
DEFAULT_INTERVAL_MS = 60_000


def recovery_dir() -> Path:
    """Where recovery files go: $LAYERLAB_RECOVERY_DIR, else <app data>/recovery."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".local" / "share" / "LayerLab") / "recovery"


@dataclass(frozen=True)
class Recovered:
    """What a recovery file holds."""

    file: Path  # the recovery file itself
    project: Project
    original: Path | None  # where the project was saved, if it ever was
    saved_at: float  # seconds since the epoch
    pid: int

    @property
    def label(self) -> str:
        return self.original.name if self.original else (self.project.name or "an untitled model")

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))


def write_recovery(file: Path, project: Project, original: Path | None) -> None:
    """Write `project` (atomically) with the path it belongs to."""
    payload = {
        "format": FORMAT, "version": VERSION, "pid": os.getpid(), "saved_at": time.time(),
        "original": str(original) if original else None, "project": project.to_json(),
    }
    project_io.atomic_write_text(file, json.dumps(payload, ensure_ascii=False) + "\n")


def read_recovery(file: Path) -> Recovered:
    """Read a recovery file; ProjectFileError if it is damaged."""
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectFileError(f"{file}: unreadable recovery file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("project"), dict):
        raise ProjectFileError(f"{file}: not a LayerLab recovery file")
    original = Path(data["original"]) if isinstance(data.get("original"), str) else None
    proj = project_io.from_json(data["project"], original)
    saved_at = data.get("saved_at")
    pid = data.get("pid")
    return Recovered(Path(file), proj, original, float(saved_at) if isinstance(saved_at, (int, float)) else 0.0,
                     pid if isinstance(pid, int) else -1)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists but is someone else's
    return True


def orphans(folder: Path | None = None) -> list[Path]:
    """Recovery files left by editors that are no longer running, newest first."""
    folder = folder or recovery_dir()
    found = []
    for file in folder.glob("recovery-*.json"):
        stem = file.stem.removeprefix("recovery-")
        pid = int(stem) if stem.isdigit() else -1
        if not _alive(pid):
            found.append(file)
    return sorted(found, key=lambda f: f.stat().st_mtime, reverse=True)


def choose(folder: Path, ask, report) -> Recovered | None:
    """Offer each recovery file left behind, newest first, until one is chosen.

    `ask(recovered)` answers "restore", "discard" (the file is deleted) or
    "later" (it is kept for the next start); `report(text)` hears about a
    damaged file, which is set aside as ``.damaged`` so that it is not offered again.
    """
    for file in orphans(folder):
        try:
            rec = read_recovery(file)
        except ProjectFileError as exc:
            file.rename(file.with_suffix(".damaged"))
            report(str(exc))
            continue
        answer = ask(rec)
        if answer == "restore":
            return rec
        if answer == "discard":
            file.unlink(missing_ok=True)
    return None


class RecoveryKeeper(QObject):
    """Writes this editor's recovery file on a timer while there are unsaved changes.

    The window tells it about changes (`set_dirty`); it snapshots the project
    through `snapshot()` only when the timer fires, so editing costs nothing.
    """

    written = Signal(str)  # path of the recovery file just written
    failed = Signal(str)  # why writing failed (disk full, no permission)

    def __init__(self, snapshot, folder: Path | None = None, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._snapshot = snapshot  # () -> (Project, original path or None)
        self.folder = Path(folder) if folder else recovery_dir()
        self.file = self.folder / f"recovery-{os.getpid()}.json"
        self.dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.write_now)

    @property
    def interval(self) -> int:
        return self._timer.interval()

    def set_dirty(self, dirty: bool) -> None:
        """Unsaved changes appeared (start the timer) or were saved or discarded (remove the file)."""
        self.dirty = dirty
        if dirty:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
            self.discard()

    def write_now(self) -> bool:
        if not self.dirty:
            return False
        project, original = self._snapshot()
        try:
            write_recovery(self.file, project, original)
        except OSError as exc:
            self.failed.emit(f"Could not write the recovery file {self.file}: {exc.strerror or exc}")
            return False
        self.written.emit(str(self.file))
        return True

    def discard(self) -> None:
        try:
            self.file.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.failed.emit(f"Could not remove the recovery file {self.file}: {exc.strerror or exc}")

    def stop(self) -> None:
        self._timer.stop()
