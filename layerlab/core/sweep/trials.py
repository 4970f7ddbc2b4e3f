"""A sweep's trials as results: how each ended, its final metrics, and which one is best."""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass, field

FINISHED, STOPPED, EARLY_STOPPED = "finished", "stopped", "early-stopped"
FAILED, KILLED, INVALID = "failed", "killed", "invalid"
RANKED = (FINISHED, STOPPED, EARLY_STOPPED)  # trials whose metrics count for "best"


@dataclass
class TrialResult:
    trial: int  # 1, 2, ... in the order drawn
    params: dict
    status: str
    metrics: dict = field(default_factory=dict)  # each metric's last epoch value; test_* from the test set
    reason: str = ""
    node: str = ""  # where it ran (a Ray node id), "" on this computer
    epochs: int = 0
    history: dict = field(default_factory=dict)  # metric -> per-epoch values (for the Runs list)

    def to_json(self) -> dict:
        out = {"trial": self.trial, "params": self.params, "status": self.status,
               "metrics": {k: _num(v) for k, v in self.metrics.items()}, "epochs": self.epochs}
        if self.reason:
            out["reason"] = self.reason
        if self.node:
            out["node"] = self.node
        if self.history:  # per epoch, for the editor's Runs list and plots
            out["history"] = {k: [_num(v) for v in vals] for k, vals in self.history.items()}
        return out


def from_job(trial: int, params: dict, record: dict, test: dict | None, node: str = "") -> TrialResult:
    """A trial's result from its job's run record (RunRecord.to_json) and test metrics."""
    history = {k: [math.nan if v is None else float(v) for v in vals]
               for k, vals in (record.get("history") or {}).items()}
    metrics = {k: vals[-1] for k, vals in history.items() if vals}
    metrics.update({f"test_{k}": float(v) for k, v in (test or {}).items() if v is not None})
    status = str(record.get("status") or FAILED)
    return TrialResult(trial, params, status, metrics, str(record.get("reason") or ""), node,
                       int(record.get("epochs_run") or 0), history)


def from_death(trial: int, params: dict, reason: str, returncode: int | None) -> TrialResult:
    """A trial whose engine died: `killed` for a kill signal, else `failed`."""
    killed = returncode is not None and -returncode in (signal.SIGKILL, signal.SIGTERM)
    return TrialResult(trial, params, KILLED if killed else FAILED, reason=reason)


def best(results: list[TrialResult], metric: str, mode: str = "min") -> TrialResult | None:
    """The trial with the lowest (`min`) or highest (`max`) final `metric`, among trials that trained."""
    ranked = [r for r in results if r.status in RANKED and _finite(r.metrics.get(metric))]
    if not ranked:
        return None
    pick = min if mode == "min" else max
    return pick(ranked, key=lambda r: r.metrics[metric])


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _num(v):
    return float(v) if _finite(v) else None
