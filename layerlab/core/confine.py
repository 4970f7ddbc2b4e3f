"""Where a project may read and write: inside its own folder, or folders the user allowed.

A project file is untrusted input (someone may send it to you). Every path it
names (dataset files and folders, callback outputs) is resolved here, once, and
refused when it leaves the project's folder, with symbolic links followed (a
link that points out counts as leaving), and ``~``, absolute and ``..`` paths
included. The user, never the file, may allow more folders:

- ``--allow-path DIR`` on the command line (every command that reads a project),
- the ``LAYERLAB_ALLOW_PATH`` environment variable (folders separated by ``:``),
- the editor's list of folders the user chose files from through a file dialog.

Allowed folders are kept process-wide and copied into the environment, so the
engine processes an editor or a command starts inherit them.

Error messages name the key and the path as written in the file; they never
read the file the path points to, so nothing of an outside file is ever shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from layerlab.core.errors import LayerLabError, Problem, ProblemKind

ENV_VAR = "LAYERLAB_ALLOW_PATH"
KIND = ProblemKind.PATH  # the kind of every Problem this module reports

# Callback parameters that name a file or folder the callback writes (and their default when left out).
CALLBACK_PATH_PARAMS = {"ModelCheckpoint": "filepath", "TensorBoard": "log_dir", "CSVLogger": "filename"}
CALLBACK_PATH_DEFAULTS = {"TensorBoard": "logs"}
# Dataset keys that name a file or a folder to read.
DATASET_PATH_KEYS = ("path", "test_path")


class PathOutsideError(LayerLabError):
    """A path named by a project leaves the project's folder and no allowed folder holds it."""

    exit_code = 1  # an invalid project
    kind = KIND

    def __init__(self, message: str, where: str, key: str, path: str):
        super().__init__(message)
        self.where, self.key, self.path = where, key, path


@dataclass(frozen=True)
class PathProblem(Problem):
    """A confinement violation as a check reports it: `key` (e.g. ``dataset.path``) and the path as written."""

    key: str = ""
    path: str = ""

    def to_json(self) -> dict:
        return {**super().to_json(), "kind": KIND.value, "key": self.key, "path": self.path}


_allowed: list[Path] = []


def allow(*folders: str | os.PathLike) -> None:
    """Allow projects to use paths inside `folders` (for this process and the processes it starts)."""
    for folder in folders:
        real = Path(os.path.realpath(Path(folder).expanduser()))
        if real not in _allowed:
            _allowed.append(real)
    os.environ[ENV_VAR] = os.pathsep.join(str(p) for p in allowed_folders())


def reset() -> None:
    """Forget every folder allowed in this process and in the environment (tests; a fresh start)."""
    _allowed.clear()
    os.environ.pop(ENV_VAR, None)


def allowed_folders() -> tuple[Path, ...]:
    """The folders the user allowed, besides each project's own."""
    out = list(_allowed)
    for item in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if item.strip():
            real = Path(os.path.realpath(Path(item.strip()).expanduser()))
            if real not in out:
                out.append(real)
    return tuple(out)


def _builtin_read_roots() -> tuple[Path, ...]:
    """LayerLab's own example data: readable by any project (an example opened as an untitled copy)."""
    try:
        from layerlab.resources import resource_path

        return (Path(os.path.realpath(resource_path("examples"))),)
    except LayerLabError:
        return ()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve(raw: object, base_dir: str | os.PathLike, where: str, key: str, write: bool = False) -> Path:
    """The absolute path `raw` names, relative to `base_dir`; refused when it leaves every allowed folder.

    Args:
        raw: the path as written in the project (a non-empty string).
        base_dir: the project's folder.
        where: what names the path, for messages (``dataset``, ``training.callbacks[0] (CSVLogger)``).
        key: the key holding the path (``path``, ``filename``).
        write: the path is written to (LayerLab's own example folder is then not allowed).

    Raises:
        PathOutsideError: the path leaves the project's folder and every allowed folder.
    """
    text = str(raw)
    if "\x00" in text:
        raise PathOutsideError(f'{where} "{key}": the path holds a NUL character', where, key, text.replace("\x00", ""))
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(base_dir) / path
    real = Path(os.path.realpath(path))  # follows every link, also those of folders on the way
    base = Path(os.path.realpath(Path(base_dir).expanduser()))
    roots = (base, *allowed_folders(), *(() if write else _builtin_read_roots()))
    if not any(_inside(real, root) for root in roots):
        raise PathOutsideError(
            f'{where} "{key}": {text} is outside the project folder {base}'
            + (f" (it leads to {real})" if str(real) != text else "")
            + "; move it into the project folder, or allow its folder with --allow-path "
              f"{real.parent if not real.is_dir() else real} (or {ENV_VAR})",
            where, key, text)
    return path


def project_paths(dataset: dict | None, training: dict | None) -> list[tuple[str, str, str, bool]]:
    """Every path a project names: (where, key, path as written, written-to) for each."""
    out: list[tuple[str, str, str, bool]] = []
    if isinstance(dataset, dict):
        for key in DATASET_PATH_KEYS:
            value = dataset.get(key)
            if isinstance(value, str) and value:
                out.append(("dataset", key, value, False))
    callbacks = training.get("callbacks") if isinstance(training, dict) else None
    if isinstance(callbacks, list):
        for i, item in enumerate(callbacks):
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                continue
            type_name = next((t for t in CALLBACK_PATH_PARAMS
                              if t.lower() == item["type"].replace("_", "").lower()), None)
            if type_name is None:
                continue
            params = item.get("params") if isinstance(item.get("params"), dict) else {}
            key = CALLBACK_PATH_PARAMS[type_name]
            value = params.get(key, CALLBACK_PATH_DEFAULTS.get(type_name))
            if isinstance(value, str) and value:
                out.append((f"training.callbacks[{i}] ({type_name})", key, value, True))
    return out


def path_problems(dataset: dict | None, training: dict | None, base_dir: str | os.PathLike) -> list[PathProblem]:
    """One error per path of the project that leaves its folder (and every allowed folder)."""
    problems = []
    for where, key, value, write in project_paths(dataset, training):
        try:
            resolve(value, base_dir, where, key, write=write)
        except PathOutsideError as exc:
            problems.append(PathProblem(str(exc), kind=KIND, key=f"{where.split(' ')[0]}.{key}", path=exc.path))
    return problems


def check_project(project) -> None:
    """Raise PathOutsideError for the first path of a loaded project that leaves its folder."""
    for where, key, value, write in project_paths(project.dataset, project.training):
        resolve(value, project.base_dir, where, key, write=write)
