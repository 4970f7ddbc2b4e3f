"""A sweep on a Ray cluster with Ray Tune: each trial is a Tune trial placed on a node, with ASHA as an option.

The trials are drawn by LayerLab (layerlab.core.sweep.space, with a seed),
so a sweep draws the same trials here as on this computer; Tune runs them
(``grid_search`` over the trial numbers), `parallel` at a time, each with
its CPUs and GPUs, and with ASHA stops the ones that fall behind at each
rung. Inside a trial the job runs exactly as locally: a training worker
process on the trial's node, its project and data files unpacked into a
folder there. Each epoch is reported to Tune; the last report carries the
trial's result as LayerLab writes it.
"""

from __future__ import annotations

import json
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from layerlab.core.sweep.trials import EARLY_STOPPED, FAILED, TrialResult, from_death, from_job

RESULT_KEY = "layerlab_result"  # the last report's JSON of the trial's TrialResult


class TuneTrials:
    """Runs prepared trials [(number, params, project)] as Ray Tune trials on the cluster at `address`."""

    def __init__(self, address: str, parallel: int = 1, metric: str = "val_loss", mode: str = "min",
                 asha: bool = False, cpus: float = 1, gpus: float = 0,
                 on_trial: Callable[[TrialResult], None] | None = None):
        self.address, self.parallel = address, max(1, int(parallel))
        self.metric, self.mode, self.asha = metric, mode, asha
        self.cpus, self.gpus = float(cpus), float(gpus)
        self.on_trial = on_trial
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def run(self, trials: list) -> list[TrialResult]:
        import os

        from layerlab.core.cluster.connect import connect

        if not trials:
            return []
        os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # no result files on the nodes
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
        connect(self.address)
        from ray import tune

        params = {number: p for number, p, _ in trials}
        payloads = {number: _portable(project) for number, _, project in trials}
        results: dict[int, TrialResult] = {}
        storage = tempfile.mkdtemp(prefix="layerlab-tune-")
        try:
            tuner = tune.Tuner(
                tune.with_resources(tune.with_parameters(_trainable, payloads=payloads, params=params),
                                    {"cpu": self.cpus, "gpu": self.gpus}),
                param_space={"trial": tune.grid_search(sorted(params))},
                tune_config=tune.TuneConfig(max_concurrent_trials=self.parallel, scheduler=self._scheduler()),
                run_config=tune.RunConfig(
                    name="layerlab-sweep", storage_path=storage, verbose=0, stop=_StopAll(self._stopped),
                    failure_config=tune.FailureConfig(max_failures=0),
                    callbacks=[_Collect(params, results, self.on_trial)]))
            tuner.fit()
        finally:
            shutil.rmtree(storage, ignore_errors=True)
        return [results.get(n) or TrialResult(n, params[n], FAILED, reason="Ray Tune did not run it")
                for n in sorted(params)]

    def _scheduler(self):
        if not self.asha:
            return None
        from ray.tune.schedulers import ASHAScheduler

        return ASHAScheduler(metric=self.metric, mode=self.mode, grace_period=1, time_attr="training_iteration")


def _portable(project) -> dict:
    """The project's job (JSON and data files) as plain values that Tune can hand to a trial."""
    from layerlab.core.cluster.bundle import job_spec
    from layerlab.core.engine.arrays import ArrayFolder

    folder = tempfile.mkdtemp(prefix="layerlab-bundle-")
    try:
        arrays = ArrayFolder(folder)
        spec = job_spec(project, arrays)
        files = [(f["path"], arrays.get(f["data"]).tobytes()) for f in spec["files"]]
        return {"project": spec["project"], "files": files, "allow": spec["allow"]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _trainable(config: dict, payloads: dict, params: dict) -> None:
    """One trial, on its Ray worker: the job as a local engine there, each epoch reported to Tune."""
    import ray
    from ray import tune

    from layerlab.core import project as project_io
    from layerlab.core.cluster.bundle import allow_shared
    from layerlab.core.cluster.job import PROJECT_FILE
    from layerlab.core.cluster.remote import start_job
    from layerlab.core.engine.connection import EngineDied, EngineError
    from layerlab.core.engine.executor import LocalExecutor
    from layerlab.core.training.listener import TrainingListener

    number = int(config["trial"])
    payload, trial_params = payloads[number], params[number]
    node = ray.get_runtime_context().get_node_id()
    folder = Path(tempfile.mkdtemp(prefix="layerlab-trial-"))
    epochs: queue.Queue = queue.Queue()

    class Epochs(TrainingListener):
        def on_epoch(self, epoch, logs):
            epochs.put({**logs, "epoch": epoch + 1})

    try:
        for rel, data in payload["files"]:
            target = folder.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        project = project_io.from_json(payload["project"], folder / PROJECT_FILE)
        allow_shared(payload)
        handle = start_job(LocalExecutor(), project, Epochs())
        outcome: list = []

        def wait() -> None:
            try:
                job = handle.wait()
                outcome.append(from_job(number, trial_params, job.record, job.test, node))
            except EngineDied as exc:
                outcome.append(from_death(number, trial_params, exc.reason, exc.returncode))
            except EngineError as exc:
                outcome.append(TrialResult(number, trial_params, FAILED, reason=str(exc)))
            epochs.put(None)

        threading.Thread(target=wait, daemon=True).start()
        while (logs := epochs.get()) is not None:
            tune.report({**logs, "node": node})
        result = outcome[0]
        result.node = node
        tune.report({**result.metrics, "node": node, RESULT_KEY: json.dumps(result.to_json())})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _trial_from(trial, params: dict, status_if_running: str) -> TrialResult:
    number = int(trial.config["trial"])
    last = trial.last_result or {}
    if RESULT_KEY in last:
        data = json.loads(last[RESULT_KEY])
        return TrialResult(number, params[number], data["status"], data.get("metrics") or {},
                           data.get("reason", ""), data.get("node", ""), int(data.get("epochs", 0)))
    metrics = {k: v for k, v in last.items() if isinstance(v, float) and not k.startswith(("time_", "timestamp"))}
    return TrialResult(number, params[number], status_if_running, metrics, node=str(last.get("node", "")),
                       epochs=int(last.get("epoch", 0) or 0))


class _Collect:
    """Tune callback: each ended trial becomes a TrialResult, passed on as it ends."""

    def __new__(cls, *args, **kwargs):
        from ray.tune import Callback

        class Collect(Callback):
            def __init__(self, params, results, on_trial):
                self.params, self.results, self.on_trial = params, results, on_trial

            def __getstate__(self):  # Tune pickles its run config for a restore that a sweep never does
                return {"params": self.params, "results": {}, "on_trial": None}

            def on_trial_complete(self, iteration, trials, trial, **info):
                # Ended without its final report: ASHA (or a stop) ended it between epochs.
                self._keep(_trial_from(trial, self.params, EARLY_STOPPED))

            def on_trial_error(self, iteration, trials, trial, **info):
                result = _trial_from(trial, self.params, FAILED)
                if RESULT_KEY not in (trial.last_result or {}):  # its worker died mid-run
                    result.status, result.reason = FAILED, _error_of(trial)
                self._keep(result)

            def _keep(self, result: TrialResult) -> None:
                if result.trial in self.results:
                    return
                self.results[result.trial] = result
                if self.on_trial is not None:
                    self.on_trial(result)

        return Collect(*args, **kwargs)


class _StopAll:
    def __new__(cls, flag: threading.Event):
        from ray.tune import Stopper

        class StopAll(Stopper):
            def __init__(self, flag):
                self.flag = flag

            def __getstate__(self):  # see Collect.__getstate__
                return {"flag": None}

            def __call__(self, trial_id, result):
                return False

            def stop_all(self):
                return self.flag is not None and self.flag.is_set()

        return StopAll(flag)


def _error_of(trial) -> str:
    text = ""
    try:
        path = getattr(trial, "error_file", None) or getattr(trial, "pickled_error_file", None)
        if path and Path(path).is_file() and str(path).endswith(".txt"):
            text = Path(path).read_text(errors="replace")
    except OSError:
        pass
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "the trial's Ray worker failed (its node was lost or it was killed)"

