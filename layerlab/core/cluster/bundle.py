"""A training job as one message: the project's JSON and the data files it reads, wherever it runs.

The dataset section's files (``path``, ``test_path``; an image folder's
files) that lie inside the project's folder travel with the job, as byte
arrays through the engine's array folder, and are written back under the
same relative paths on the node, so the section reads them unchanged. A
path outside the project's folder is not copied: the node reads it at the
same absolute path (a folder the cluster shares, such as an NFS mount).

Paths are confined as for a local run (layerlab.core.confine, where present):
a path leaving the project's folder and every folder the user allowed is
refused here, before anything travels; the allowed folders a shared path
lies in go with the job, so the node allows them too.
"""

from __future__ import annotations

import importlib
from pathlib import Path, PurePosixPath

import numpy as np

from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.errors import LayerLabError

FILE_KEYS = ("path", "test_path")
MAX_FILES = 20000  # an image folder bigger than this belongs on a shared path


class BundleError(LayerLabError):
    """A data file the job needs cannot travel with it."""


def job_spec(project, arrays: ArrayFolder, overrides: dict | None = None, model_file: str | None = None,
             weights: bool = False) -> dict:
    """The `train` request's arguments for `project` (a Project read from its file).

    With `weights`, the weights file saved beside the project (weights and optimizer state) travels too,
    so that the job continues from it as a local ``train --save`` does.
    """
    spec = bundle(project.to_json(), project.base_dir, arrays,
                  weights_from=project.path if weights else None)
    return {**spec, "name": project.name, "overrides": dict(overrides or {}), "model_file": model_file}


def bundle(data: dict, base_dir, arrays: ArrayFolder, weights_from=None) -> dict:
    """`{"project", "files", "allow"[, "weights"]}`: a project's JSON with the data files it reads, by array file."""
    saved = None
    if weights_from is not None:  # checked first: nothing travels for a job that cannot start
        from layerlab.core.weights import weights_path_for

        saved = weights_path_for(weights_from)
        if not saved.is_file():
            raise BundleError(f"{saved} does not exist: there are no saved weights to continue from")
    base = Path(base_dir).resolve()
    data = dict(data)
    dataset = dict(data.get("dataset") or {})
    files: list[dict] = []
    allow: list[str] = []
    for key in FILE_KEYS:
        value = dataset.get(key)
        if not isinstance(value, str) or not value:
            continue
        path = _confined(value, base, key)
        if not _inside(path, base):
            dataset[key] = str(path)  # read on the node at the same place: a shared path
            allow.append(str(path.parent if path.is_file() else path))
            continue
        for file in _files(path, key):
            rel = file.relative_to(base).as_posix()
            files.append({"path": rel, "data": arrays.put(np.frombuffer(file.read_bytes(), dtype=np.uint8), "file")})
        dataset[key] = path.relative_to(base).as_posix()
    if data.get("dataset") is not None:
        data["dataset"] = dataset
    out = {"project": data, "files": files, "allow": allow}
    if saved is not None:
        out["weights"] = arrays.put(np.frombuffer(saved.read_bytes(), dtype=np.uint8), "weights")
    return out


def is_bundle(args: dict) -> bool:
    """The request carries its project's files (it was made by :func:`bundle` for another machine)."""
    return isinstance(args.get("files"), list)


def unbundle(args: dict, arrays: ArrayFolder, folder: Path, project_file: str) -> Path:
    """On the node: the job's files (and saved weights) written under `folder`; the project's path there."""
    unpack_files(args, arrays, folder)
    allow_shared(args)
    path = folder / project_file
    if args.get("weights") is not None:
        from layerlab.core.weights import weights_path_for

        weights_path_for(path).write_bytes(arrays.get(args["weights"]).tobytes())
    return path


def allow_shared(spec: dict) -> None:
    """On the node: allow the shared folders the editor's side allowed (when paths are confined)."""
    confine = _confine()
    if confine is not None and spec.get("allow"):
        confine.allow(*[str(p) for p in spec["allow"]])


def _confine():
    try:
        return importlib.import_module("layerlab.core.confine")
    except ModuleNotFoundError:  # a LayerLab without path confinement
        return None


def _confined(value: str, base: Path, key: str) -> Path:
    confine = _confine()
    if confine is not None:
        return Path(confine.resolve(value, base, "dataset", key)).resolve()
    return (base / Path(value).expanduser()).resolve()


def unpack_files(spec: dict, arrays: ArrayFolder, folder: Path) -> None:
    """Write the job's files under `folder` (the node's side of :func:`job_spec`)."""
    for item in spec.get("files") or []:
        rel = PurePosixPath(str(item.get("path", "")))
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise BundleError(f"a job file must lie inside the project's folder: {item.get('path')!r}")
        target = folder.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(arrays.get(item["data"]).tobytes())


def _inside(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
        return True
    except ValueError:
        return False


def _files(path: Path, key: str) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        if len(files) > MAX_FILES:
            raise BundleError(f"dataset.{key}: {path} holds {len(files)} files; put it on a path the cluster "
                              "shares and give that absolute path")
        return files
    raise BundleError(f"dataset.{key}: {path} does not exist")
