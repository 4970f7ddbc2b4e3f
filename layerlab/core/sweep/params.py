"""A trial's parameters put into a project, and the check that tells an invalid trial before it runs."""

from __future__ import annotations

import copy

from layerlab.core.errors import LayerLabError


def with_params(project, params: dict):
    """A copy of `project` (same path, so its data files resolve the same) with `params` set."""
    from layerlab.core import project as project_io

    trial = project_io.from_json(copy.deepcopy(project.to_json()), project.path)
    set_params(trial, params)
    return trial


def set_params(project, params: dict) -> None:
    """Set each `training.KEY` / `nodes.ID.PARAM` of `params` in `project` (in place)."""
    for key, value in params.items():
        parts = key.split(".")
        if parts[0] == "training":
            project.training = {**(project.training or {}), parts[1]: copy.deepcopy(value)}
        else:
            project.document.set_param(parts[1], parts[2], value)


def problems(project) -> str | None:
    """Why a trial's project cannot train (its shapes or its training section), or None."""
    from layerlab.core.export import InvalidProjectError, check_project
    from layerlab.core.training.config import TrainingConfig

    try:
        TrainingConfig.from_section(project.training)
        check_project(project)
    except InvalidProjectError as exc:
        return "; ".join(str(p) for p in exc.problems[:3]) or str(exc)
    except LayerLabError as exc:
        return str(exc)
    return None
