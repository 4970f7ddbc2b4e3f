"""A sweep from start to end: draw the trials, check each, run the valid ones where asked, pick the best.

Each trial is the project with the trial's parameters set. Its shapes and
training section are checked before it runs: a trial whose parameters make
the graph invalid is reported ``invalid`` (with the first problems) and never
started. The rest run on this computer (:class:`.local.LocalTrials`) or on a
Ray cluster (:class:`.ray_tune.TuneTrials`); each result is passed to
`on_trial` as it ends. :func:`apply_best` writes the best trial's parameters
into the project file (an atomic save).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from layerlab.core.cluster.connect import Target
from layerlab.core.errors import LayerLabError
from layerlab.core.sweep.params import problems, set_params, with_params
from layerlab.core.sweep.space import Dimension, check_keys, draw
from layerlab.core.sweep.trials import INVALID, TrialResult, best


class SweepError(LayerLabError):
    """A sweep that cannot start (bad options); the message says which."""


@dataclass
class SweepOptions:
    trials: int = 10
    parallel: int = 1
    metric: str = "val_loss"
    mode: str = "min"
    seed: int | None = None
    asha: bool = False  # Ray only: stop trials that fall behind (ASHA)
    cpus: float = 1.0
    gpus: float = 0.0


@dataclass
class SweepResult:
    trials: list[TrialResult] = field(default_factory=list)
    best: TrialResult | None = None


class Sweep:
    """One sweep of `project` over `space`; `run()` blocks, `stop()` (from another thread) ends it early."""

    def __init__(self, project, space: list[Dimension], options: SweepOptions, target: Target | None = None,
                 on_trial: Callable[[TrialResult], None] | None = None):
        if options.trials < 1 or options.parallel < 1:
            raise SweepError("a sweep needs --trials and --parallel of 1 or more")
        if options.mode not in ("min", "max"):
            raise SweepError(f"--mode must be min or max, got {options.mode!r}")
        check_keys(space, project)
        self.project, self.space, self.options = project, space, options
        self.target = target or Target("local")
        self._on_trial = on_trial
        self._lock = threading.Lock()
        self._runner = None
        self._stopped = False

    def _report(self, result: TrialResult) -> None:
        if self._on_trial is not None:
            with self._lock:  # one trial's line at a time
                self._on_trial(result)

    def run(self) -> SweepResult:
        opts = self.options
        results: list[TrialResult] = []
        runnable = []
        for number, params in enumerate(draw(self.space, opts.trials, opts.seed), start=1):
            trial = with_params(self.project, params)
            reason = problems(trial)
            if reason is None:
                runnable.append((number, params, trial))
            else:
                results.append(TrialResult(number, params, INVALID, reason=reason))
                self._report(results[-1])
        with self._lock:
            if self._stopped:
                runnable = []
            self._runner = self._make_runner()
        results += self._runner.run(runnable)
        results.sort(key=lambda r: r.trial)
        return SweepResult(results, best(results, opts.metric, opts.mode))

    def _make_runner(self):
        opts = self.options
        if self.target.kind == "local":
            from layerlab.core.sweep.local import LocalTrials

            return LocalTrials(opts.parallel, on_trial=self._report)
        from layerlab.core.sweep.ray_tune import TuneTrials

        return TuneTrials(self.target.address, opts.parallel, opts.metric, opts.mode, opts.asha, opts.cpus,
                          opts.gpus, on_trial=self._report)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            runner = self._runner
        if runner is not None:
            runner.stop()


def apply_best(project, result: TrialResult):
    """Write `result`'s parameters into `project` and save it (atomically); the path written."""
    from layerlab.core import project as project_io

    set_params(project, result.params)
    return project_io.save(project, project.path)
