"""`layerlab train P --on ray:ADDRESS`: the same run, placed on a Ray cluster, its results back here.

The project and its data files travel with the job (see
layerlab.core.cluster.bundle); the epoch lines print as they arrive; Ctrl-C
stops the run after its current batch (a second Ctrl-C kills it); `-o`,
`--history` and `--save` write the same files as a local run. With
`--save` (and not `--fresh`), the weights saved beside the project travel
with the job, and the run continues from them and their optimizer state
exactly as a local `train --save` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, SigintHandler
from layerlab.core.errors import LayerLabError

EXIT_INTERRUPTED = 130


class RemoteRunError(LayerLabError):
    exit_code = EXIT_INVALID


def train_on_cluster(args, project, target) -> int:
    from layerlab.core.cluster.ray_executor import RayExecutor
    from layerlab.core.cluster.remote import keep_result, start_job
    from layerlab.core.engine.connection import EngineDied, EngineError
    from layerlab.core.training.console import ConsoleListener, format_metrics
    from layerlab.core.training.listener import FAILED, STOPPED

    for flag, value in (("--tensorboard", args.tensorboard), ("--distribute", args.distribute)):
        if value:
            raise RemoteRunError(f"{flag} works on this computer only, not with --on {target}")
    executor = RayExecutor(target.address, cpus=args.cpus, gpus=args.gpus)
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed}
    model_file = Path(args.output).suffix.lower() if args.output else None
    print(f"Training on {executor.describe()}", file=sys.stderr, flush=True)
    from layerlab.core.weights import weights_path_for

    saved = weights_path_for(project.path)
    carry = bool(args.save and not args.fresh and saved.is_file())  # continue there as a local --save does
    if carry:
        print(f"Continuing with the weights in {saved} (and their optimizer state); --fresh starts over",
              file=sys.stderr, flush=True)
    handle = start_job(executor, project, ConsoleListener(sys.stdout), overrides, model_file, weights=carry)
    with _StopOnCtrlC(handle):
        try:
            result = handle.wait()
        except EngineError as exc:
            raise RemoteRunError(f"{project.path}: {exc}") from None
        except EngineDied as exc:
            raise RemoteRunError(f"{project.path}: the run failed: {exc.reason}") from None
    if result.test is not None:
        print(f"Test - {format_metrics(result.test)}", flush=True)
    if args.history:
        from layerlab.commands.train import _write_history
        from layerlab.core.training.run import RunRecord

        _write_history(Path(args.history), RunRecord.from_json(result.record).history, result.test)
    if result.status == FAILED:
        raise RemoteRunError(f"training failed: {result.reason}")
    if args.output and result.model is not None:
        from layerlab.core.project import atomic_write_bytes

        atomic_write_bytes(Path(args.output), result.model)
        print(f"Saved the trained model to {args.output}")
    if args.save:
        keep_result(project, result)
        print(f"Saved the weights to {weights_path_for(project.path)} and the run to {project.path}")
    if result.status == STOPPED:
        print(f"Stopped: {result.reason}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


class _StopOnCtrlC(SigintHandler):
    """First Ctrl-C stops the remote run after its current batch; a second kills it."""

    def __init__(self, handle):
        self.handle = handle
        self.stopping = False

    def on_sigint(self, signum, frame):
        if self.stopping:
            self.handle.kill()
            return
        self.stopping = True
        self.handle.stop()
        print("\nStopping after this batch (Ctrl-C again to kill the run)", file=sys.stderr, flush=True)
