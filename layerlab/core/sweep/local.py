"""A sweep on this computer: trials as training workers (the `train` engine's `run`), `parallel` at a time.

No Ray needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from layerlab.core.engine.connection import EngineDied, EngineError
from layerlab.core.sweep.trials import FAILED, STOPPED, TrialResult, from_death, from_job


class LocalTrials:
    """Runs prepared trials [(number, params, project)] on local engines; `stop()` ends them all."""

    def __init__(self, parallel: int = 1, on_trial: Callable[[TrialResult], None] | None = None):
        self.parallel = max(1, int(parallel))
        self.on_trial = on_trial  # called as each trial ends, on that trial's thread
        self._handles: dict[int, object] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def run(self, trials: list) -> list[TrialResult]:
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="layerlab-trial") as pool:
            futures = [pool.submit(self._one, number, params, project) for number, params, project in trials]
            return [future.result() for future in futures]

    def stop(self) -> None:
        """Stop every running trial after its current batch; trials not started yet are not run."""
        self._stopped.set()
        with self._lock:
            handles = list(self._handles.values())
        for handle in handles:
            handle.stop()

    def _one(self, number: int, params: dict, project) -> TrialResult:
        from layerlab.core.cluster.remote import start_job
        from layerlab.core.engine.executor import LocalExecutor

        if self._stopped.is_set():
            return self._report(TrialResult(number, params, STOPPED, reason="the sweep was stopped first"))
        try:
            handle = start_job(LocalExecutor(), project)
        except Exception as exc:  # noqa: BLE001 - a trial that cannot start is that trial's failure
            return self._report(TrialResult(number, params, FAILED, reason=str(exc)))
        with self._lock:
            self._handles[number] = handle
        try:
            job = handle.wait()
            result = from_job(number, params, job.record, job.test)
        except EngineDied as exc:
            result = from_death(number, params, exc.reason, exc.returncode)
        except EngineError as exc:
            result = TrialResult(number, params, FAILED, reason=str(exc))
        finally:
            with self._lock:
                self._handles.pop(number, None)
        return self._report(result)

    def _report(self, result: TrialResult) -> TrialResult:
        if self.on_trial is not None:
            self.on_trial(result)
        return result
