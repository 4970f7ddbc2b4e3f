"""A sweep's trials in the Training view's Runs list, as they end: one run each, labelled by its parameters.

Each trial that ends (``layerlab sweep --json`` prints it with its per-epoch
history) becomes a run record shown like any run: its colour, its curves in
the plots (overlaid with the others' to compare), its final metrics, and the
training settings it used (the project's, with the trial's `training.*`
values). The label names the trial and its parameters. Trial runs are shown,
not kept: the project's saved runs are the runs trained in the editor or by
`layerlab train --save`; "Apply best" then Train makes the winner a run of its own.
"""

from __future__ import annotations

import math

from layerlab.core.training.listener import FAILED, FINISHED, STOPPED
from layerlab.core.training.run import RunRecord
from layerlab.core.training.series import Lineage

_STATUS = {"finished": FINISHED, "stopped": STOPPED, "early-stopped": STOPPED}  # any other: failed
TRAINING = "training."


def trial_label(trial: dict) -> str:
    """'Trial 3 · learning_rate 0.0123 · hidden.units 16'."""
    parts = [f"Trial {trial.get('trial', '?')}"]
    for key, value in (trial.get("params") or {}).items():
        name = key[len(TRAINING):] if key.startswith(TRAINING) else key.removeprefix("nodes.")
        parts.append(f"{name} {_value(value)}")
    return " · ".join(parts)


def trial_record(trial: dict, training: dict | None) -> RunRecord:
    """The run record of an ended trial: its settings, per-epoch history and how it ended."""
    config = dict(training or {})
    for key, value in (trial.get("params") or {}).items():
        if key.startswith(TRAINING):
            config[key[len(TRAINING):]] = value
    history = {str(k): [math.nan if v is None else float(v) for v in values]
               for k, values in (trial.get("history") or {}).items()}
    status = str(trial.get("status", ""))
    reason = str(trial.get("reason") or "") or f"sweep trial {trial.get('trial')}: {status}"
    return RunRecord(config=config, history=history, status=_STATUS.get(status, FAILED), reason=reason)


def show_trial(controller, trial: dict) -> Lineage:
    """Add `trial` to `controller`'s Runs list and plots (the window's TrainingController)."""
    record = trial_record(trial, controller.store.get("training") or None)
    lineage = controller.history.add_finished(record)
    lineage.label = trial_label(trial)
    controller.view.runs.refresh()
    controller.view.ensure_plots().rebuild()
    return lineage


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
