"""The folders the user let projects use by choosing a file there through a dialog.

A project may only name paths inside its own folder (layerlab.core.confine).
When the user picks a data file outside it with the editor's file dialog, that
choice (never the project file) allows the file's folder: it is kept in the
settings under ``allowedFolders`` and given to core at start-up and at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from layerlab.core import confine

KEY = "allowedFolders"


def folders(settings: QSettings) -> list[str]:
    value = settings.value(KEY, [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list in INI files
        value = [value]
    return [str(v) for v in value or [] if v]


def load(settings: QSettings) -> None:
    """Allow the folders kept in `settings` (at start-up)."""
    existing = [f for f in folders(settings) if os.path.isdir(f)]
    if existing:
        confine.allow(*existing)


def remember_choice(settings: QSettings, chosen: str, base_dir: Path | None) -> None:
    """The user chose `chosen` in a dialog: allow its folder when it is outside the project's."""
    path = Path(os.path.realpath(chosen))
    folder = path if path.is_dir() else path.parent
    if base_dir is not None:
        base = Path(os.path.realpath(base_dir))
        if folder == base or base in folder.parents:
            return
    kept = folders(settings)
    if str(folder) not in kept:
        settings.setValue(KEY, [*kept, str(folder)])
    confine.allow(folder)
