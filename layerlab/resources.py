"""Where LayerLab's bundled files (icons, examples and their data, the user guide) are, however it was installed.

The files live in the repository's top-level ``resources/`` folder. A wheel
(pip, pipx) ships that folder inside the package as ``layerlab/_resources``
(see setup.py), and the PyInstaller bundle puts it at the same place under
``sys._MEIPASS``; an editable install or a source checkout reads it where it
is. Every user of these files asks :func:`resource_path`, so none of them
needs to know which of these cases it runs in.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from layerlab.core.errors import LayerLabError

ENV_VAR = "LAYERLAB_RESOURCES"  # a folder to use instead (distribution packages, tests)
_PACKAGE_DIR = Path(__file__).resolve().parent
_MARKER = "icons"  # a folder every complete resources tree has


class ResourcesNotFoundError(LayerLabError):
    """LayerLab's own files are missing: a broken installation, not a user's mistake in a project."""

    exit_code = 2


def _candidates() -> list[tuple[str, Path]]:
    """The places to look, most specific first, each with the way of running it stands for."""
    places = []
    override = os.environ.get(ENV_VAR)
    if override:
        return [(f"${ENV_VAR}", Path(override).expanduser())]  # asked for: never silently use another
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        places.append(("PyInstaller bundle", Path(frozen) / "layerlab" / "_resources"))
    places.append(("installed package", _PACKAGE_DIR / "_resources"))
    places.append(("source checkout", _PACKAGE_DIR.parent / "resources"))
    return places


@cache
def _root() -> Path:
    places = _candidates()
    for _, place in places:
        if (place / _MARKER).is_dir():
            return place
    looked = "; ".join(f"{path} ({kind})" for kind, path in places)
    raise ResourcesNotFoundError(f"LayerLab's resources (icons, examples) are missing: looked in {looked}. "
                                 "Reinstall LayerLab, or set LAYERLAB_RESOURCES to the resources folder.")


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("icons", "app.svg")``.

    Args:
        *parts: path components below the resources folder; none gives the folder itself.

    Returns:
        The absolute path. Only the resources folder is checked to exist; callers
        decide what a missing file means to them.

    Raises:
        ResourcesNotFoundError: no resources folder was found in any of the places LayerLab runs from.
    """
    return _root().joinpath(*parts)


def docs_path(*parts: str) -> Path:
    """A file of the user documentation, e.g. ``docs_path("user-guide.md")`` (Help › User Guide).

    An installed app has the docs inside its resources (``_resources/docs``, see setup.py and the
    PyInstaller spec); a source checkout has them beside ``resources/``, in ``docs/``.
    """
    bundled = _root() / "docs"
    return (bundled if bundled.is_dir() else _root().parent / "docs").joinpath(*parts)


def forget() -> None:
    """Look again on the next call (after LAYERLAB_RESOURCES changes, in tests)."""
    _root.cache_clear()
