"""`layerlab sweep PROJECT --space SPACE.json --trials N`: train many variants of a project and pick the best.

Each trial is the project with parameters drawn from SPACE.json (see
layerlab.core.sweep.space); a trial whose parameters make the graph invalid is
reported `invalid` and not run. Trials run `--parallel` at a time, on this
computer (worker processes; no Ray needed) or with `--on ray:ADDRESS` as Ray
Tune trials on a cluster (`--asha` stops the ones that fall behind). One
line per trial as it ends (`--json`: one JSON object per trial, then
{"best": ...}); `--apply` writes the best trial's parameters into the
project. Exit codes: 0 a best trial was found; 1 no trial trained (or an
invalid project or space); 2 bad usage; 130 stopped by Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import sys

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, SigintHandler, load_project
from layerlab.commands.train import _amount, _count, _seed
from layerlab.core.errors import LayerLabError

EXIT_INTERRUPTED = 130


class SweepFailed(LayerLabError):
    exit_code = EXIT_INVALID


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sweep", help="train variants of a project (a hyperparameter sweep) and pick the best",
        description="Train trials of the project with parameters drawn from a search space, in parallel, "
                    "on this computer or a Ray cluster; report each trial and the best.")
    p.add_argument("project", metavar="PROJECT", help="a .layerlab project file")
    p.add_argument("--space", required=True, metavar="SPACE.json",
                   help='keys to distributions, e.g. {"training.learning_rate": {"loguniform": [1e-4, 1e-2]}, '
                        '"nodes.hidden1.units": {"choice": [8, 16, 32]}}')
    p.add_argument("--trials", type=_count, default=10, metavar="N", help="how many trials (default 10)")
    p.add_argument("--parallel", type=_count, default=1, metavar="K", help="trials at a time (default 1)")
    p.add_argument("--metric", default="val_loss", help="the final metric that ranks trials (default val_loss)")
    p.add_argument("--mode", choices=("min", "max"), default="min", help="lower (min) or higher (max) is better")
    p.add_argument("--seed", type=_seed, help="seed of the trials' draw (the same seed draws the same trials)")
    p.add_argument("--on", metavar="local|ray:ADDRESS", default="local",
                   help="this computer (default) or a Ray cluster (ray:127.0.0.1:6379, ray:auto, ...)")
    p.add_argument("--cpus", type=_amount, default=1.0, metavar="N", help="CPUs per trial on the cluster")
    p.add_argument("--gpus", type=_amount, default=0.0, metavar="N", help="GPUs per trial on the cluster")
    p.add_argument("--asha", action="store_true", help="on Ray: stop trials that fall behind (ASHA scheduler)")
    p.add_argument("--json", action="store_true", help="one JSON line per trial, then the best")
    p.add_argument("--apply", action="store_true", help="write the best trial's parameters into the project")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from layerlab.core.cluster.connect import parse_target
    from layerlab.core.sweep.run import Sweep, SweepOptions, apply_best
    from layerlab.core.sweep.space import load_space

    target = parse_target(args.on)
    if args.asha and target.kind == "local":
        raise SweepFailed("--asha needs a Ray cluster (--on ray:ADDRESS)")
    project = load_project(args.project)
    space = load_space(args.space)
    options = SweepOptions(trials=args.trials, parallel=args.parallel, metric=args.metric, mode=args.mode,
                           seed=args.seed, asha=args.asha, cpus=args.cpus, gpus=args.gpus)
    sweep = Sweep(project, space, options, target, on_trial=lambda r: _print_trial(r, args.json))
    if not args.json:
        print(f"Sweeping {args.trials} trials of {args.project} on {target}, {args.parallel} at a time",
              file=sys.stderr, flush=True)
    with _StopOnCtrlC(sweep) as ctrl_c:
        result = sweep.run()
    best = result.best
    if args.json:
        print(json.dumps({"best": best.to_json() if best else None}), flush=True)
    elif best is not None:
        print(f"Best: trial {best.trial} ({args.metric} {best.metrics[args.metric]:.4g}): {_params(best.params)}")
    if best is None:
        raise SweepFailed(f"no trial finished with a {args.metric!r} to rank it by"
                          + (" (give --metric loss when the project has no validation data)"
                             if args.metric.startswith("val_") else ""))
    if args.apply:
        path = apply_best(project, best)
        print(f"Applied trial {best.trial}'s parameters to {path}", file=sys.stderr)
    return EXIT_INTERRUPTED if ctrl_c.stopped else EXIT_OK


def _print_trial(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json()), flush=True)
        return
    metrics = " - ".join(f"{k}: {v:.4f}" for k, v in sorted(result.metrics.items()))
    tail = f" - {metrics}" if metrics else ""
    why = f" ({result.reason})" if result.reason and result.status != "finished" else ""
    print(f"Trial {result.trial} {result.status}{why}: {_params(result.params)}{tail}", flush=True)


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


class _StopOnCtrlC(SigintHandler):
    def __init__(self, sweep):
        self.sweep, self.stopped = sweep, False

    def on_sigint(self, signum, frame):
        if self.stopped:
            raise KeyboardInterrupt
        self.stopped = True
        self.sweep.stop()
        print("\nStopping the sweep's trials after their current batch (Ctrl-C again to abort)", file=sys.stderr,
              flush=True)
