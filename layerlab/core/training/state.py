"""Trained state kept with a project: weights beside it, run history inside it.

- Weights: ``name.weights.h5`` beside ``name.layerlab`` (layerlab.core.weights:
  HDF5 keyed by layer name, read with h5py only, so a layer that an edit left
  unchanged keeps its weights), with the optimizer's state.
- Runs: a list under the top-level key ``"runs"`` of the project JSON, one
  object per run (see RunRecord.to_json): its config, metrics per epoch,
  status, reason, start time and duration.

Saving holds the project's lock (layerlab.core.lock) and writes the weights
first, then the project file, each atomically under a unique temp name, so a
failed or killed save leaves the project file as it was and a reader never
finds a listed run without its weights.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np

from layerlab.core import project as project_io
from layerlab.core import weights
from layerlab.core.project import Project
from layerlab.core.training.errors import StateWriteError, TrainedStateError
from layerlab.core.training.run import RunRecord

RUNS_KEY = "runs"


def runs(project: Project) -> list[RunRecord]:
    """The project's saved runs, oldest first."""
    raw = project.extra.get(RUNS_KEY) or []
    if not isinstance(raw, list):
        raise TrainedStateError(f'{project.path or "project"}: "{RUNS_KEY}" must be a list of runs')
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(RunRecord.from_json(item))
        except (TypeError, ValueError, AttributeError) as exc:
            raise TrainedStateError(f'{project.path or "project"}: {RUNS_KEY}[{i}] is not a run ({exc})') from None
    return out


def add_runs(project: Project, records) -> None:
    """Append runs to the project (a run already there, by id, is replaced, not added again)."""
    raw = list(project.extra.get(RUNS_KEY) or [])
    index = {item.get("id"): i for i, item in enumerate(raw) if isinstance(item, dict)}
    for record in records:
        data = record.to_json()
        if data["id"] in index:
            raw[index[data["id"]]] = data
        else:
            index[data["id"]] = len(raw)
            raw.append(data)
    project.extra[RUNS_KEY] = raw


def epochs_trained(project: Project) -> int:
    """Where the saved runs left off: the epoch number a continued run starts at."""
    return max((r.initial_epoch + r.epochs_run for r in runs(project)), default=0)


def save_trained(project: Project, model, records=(), path: str | Path | None = None) -> Path:
    """Save the project with the model's weights and `records` appended to its runs.

    Returns:
        The project path written.
    """
    if path is None and project.path is None:
        raise TrainedStateError("the project has no file yet: give a path to save it to")
    return commit_trained(project, weights.model_arrays(model), weights.optimizer_state(model), records, path)


def commit_trained(project: Project, arrays: dict, optimizer=None, records=(), path: str | Path | None = None) -> Path:
    """Write weights `arrays` (and `optimizer` state) beside the project, then the project with `records` in it.

    Holds the project's lock (layerlab.core.lock: ProjectLockedError at once when another
    LayerLab holds it) and removes the temp files killed saves left. The weights are committed
    before the project, so a reader in between sees the new weights with the old list of runs,
    never a listed run whose weights are not there. The project is read back before returning:
    a run is only reported saved when it is in the file.

    Returns:
        The project path written.
    """
    from layerlab.core.lock import project_lock

    p = Path(path) if path is not None else project.path
    if p is None:
        raise TrainedStateError("the project has no file yet: give a path to save it to")
    bad = [name for name, values in arrays.items() if any(not _all_finite(v) for v in values)]
    if bad:
        raise TrainedStateError(f"layer '{bad[0]}' has NaN or infinite weights; they were not saved")
    target = weights.weights_path_for(p)
    try:
        with project_lock(p):
            return _commit(project, p, target, arrays, optimizer, records)
    except OSError as exc:  # the lock file cannot be made: neither can the weights beside it
        raise StateWriteError(f"{target}: cannot be written ({exc.strerror or exc})") from None


def _commit(project: Project, p: Path, target: Path, arrays: dict, optimizer, records) -> Path:
    from layerlab.core.lock import clean_stale_temps

    clean_stale_temps(p, target)
    try:
        weights.write_arrays(target, arrays, optimizer)
    except OSError as exc:
        raise StateWriteError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    keep_runs_saved_meanwhile(project, p)
    add_runs(project, records)
    try:
        written = project_io.save(project, p)
    except OSError as exc:
        raise StateWriteError(f"{p}: cannot be written ({exc.strerror or exc})") from None
    _verify(written, [r.id for r in records])
    return written


def save_project(project: Project, records=(), path: str | Path | None = None) -> Path:
    """Save the project (no weights) with `records` appended to its runs, under the project's lock."""
    from layerlab.core.lock import clean_stale_temps, project_lock

    p = Path(path) if path is not None else project.path
    if p is None:
        raise TrainedStateError("the project has no file yet: give a path to save it to")
    with project_lock(p):
        clean_stale_temps(p)
        keep_runs_saved_meanwhile(project, p)
        add_runs(project, records)
        written = project_io.save(project, p)
        _verify(written, [r.id for r in records])
    return written


def keep_runs_saved_meanwhile(project: Project, path: Path) -> None:
    """Add to `project` the runs another LayerLab saved into its file since it was read (hold the lock).

    An editor that opened the project before a `layerlab train --save` finished would otherwise
    write its older list of runs over the new one. Only a save over the project's own file merges
    (a Save As over another file does not); runs are matched by id, and nothing removes runs, so
    a run in the file that the project lacks was added meanwhile.
    """
    if project.path is None or not path.is_file() or Path(project.path).resolve() != path.resolve():
        return
    try:
        on_disk = project_io.load(path).extra.get(RUNS_KEY) or []
    except Exception:  # noqa: BLE001 - an unreadable file has nothing to keep; the save replaces it
        return
    if not isinstance(on_disk, list):
        return
    ours = list(project.extra.get(RUNS_KEY) or [])
    known = {item.get("id") for item in ours if isinstance(item, dict)}
    added = [item for item in on_disk if isinstance(item, dict) and item.get("id") not in known]
    if added:
        merged = ours + added
        merged.sort(key=lambda item: str(item.get("started", "")) if isinstance(item, dict) else "")
        project.extra[RUNS_KEY] = merged


def _verify(path: Path, run_ids: list[str]) -> None:
    """Read the saved project back: every run in `run_ids` must be in it."""
    try:
        saved = project_io.load(path)
        kept = {item.get("id") for item in saved.extra.get(RUNS_KEY) or [] if isinstance(item, dict)}
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the save did not happen
        raise StateWriteError(f"{path}: the saved project cannot be read back ({exc})") from None
    missing = [i for i in run_ids if i not in kept]
    if missing:
        raise StateWriteError(f"{path}: run {missing[0]} is not in the saved file")


def restore_model(project: Project):
    """The project's model with its saved weights, or None when it has no weights file.

    Returns:
        (model, WeightsLoadReport) or None. The model is not compiled.
    """
    if project.path is None:
        return None
    path = weights.weights_path_for(project.path)
    if not path.is_file():
        return None
    from layerlab.core.build import build_model

    model = build_model(project.document, project.name)
    return model, weights.load_model_weights(model, path)


def restore_session(session, project: Project):
    """Put a project's saved weights (and optimizer state) into a TrainingSession, to continue where it left off.

    Returns:
        The WeightsLoadReport, or None when the project has no weights file.
    """
    session.prepare()
    if project.path is None or not weights.weights_path_for(project.path).is_file():
        return None
    scope = session.strategy.scope() if session.strategy is not None else nullcontext()
    with scope:  # the optimizer's variables are made under the strategy
        report = weights.load_model_weights(session.model, weights.weights_path_for(project.path))
    session.epochs_done = epochs_trained(project)
    return report


def _all_finite(a) -> bool:
    a = np.asarray(a)
    return not np.issubdtype(a.dtype, np.floating) or bool(np.isfinite(a).all())
