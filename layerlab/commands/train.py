"""`layerlab train PROJECT`: train a project's model on its dataset, headless.

Prints one line per epoch with every metric (and a progress bar on a
terminal), then the test metrics when the dataset has a test set. Exit codes:
0 trained; 1 invalid project, data or training section, or a failed run
(an error, a NaN loss); 2 unreadable file or bad usage; 130 stopped by Ctrl-C
(the first Ctrl-C stops after the current batch and still writes the outputs
asked for; a second one aborts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, SigintHandler, load_project, print_problems
from layerlab.core.errors import LayerLabError

EXIT_INTERRUPTED = 130


class TrainUsageError(LayerLabError):
    exit_code = EXIT_USAGE


class InvalidInputError(LayerLabError):
    exit_code = EXIT_INVALID


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**32-1, got {value}")
    return value


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help="train a project's model on its dataset",
        description="Train the project's model on its dataset with its training section; print one line "
                    "per epoch, then the test metrics.")
    p.add_argument("project", metavar="PROJECT", help="a .layerlab project file")
    p.add_argument("--epochs", type=_count, metavar="N", help="override training.epochs")
    p.add_argument("--batch-size", type=_count, metavar="N", help="override training.batch_size")
    p.add_argument("--seed", type=_seed, metavar="N", help="override training.seed (same seed, same numbers)")
    p.add_argument("-o", "--output", metavar="MODEL.keras|.h5", help="save the trained model to this file")
    p.add_argument("--history", metavar="H.json",
                   help='write {"history": {metric: [per epoch]}, "test": {metric: value}} to this file')
    p.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard logs to this folder")
    p.add_argument("--distribute", choices=("mirrored", "multi-worker"),
                   help="train on every local GPU (mirrored) or on the workers in TF_CONFIG (multi-worker)")
    p.add_argument("--save", action="store_true",
                   help="continue from the project's saved weights and optimizer state, then save the trained "
                        "weights (beside the project) and the run (in it); the project is locked meanwhile")
    p.add_argument("--fresh", action="store_true",
                   help="with --save: start from fresh weights instead of continuing from the saved ones")
    p.add_argument("--on", metavar="local|ray:ADDRESS", default="local",
                   help="where to train: this computer (default) or a Ray cluster (ray:127.0.0.1:6379, "
                        "ray:ray://host:10001, ray:auto); needs pip install \"layerlab[ray]\"")
    p.add_argument("--cpus", type=_amount, default=1.0, metavar="N", help="CPUs the run takes on the cluster")
    p.add_argument("--gpus", type=_amount, default=0.0, metavar="N", help="GPUs the run takes on the cluster")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from layerlab.core.export import InvalidProjectError

    try:
        return _run(args)
    except InvalidProjectError as exc:  # every problem on a line of its own, as `layerlab check` prints them
        if getattr(args, "debug", False):
            raise
        print(f"layerlab: {exc.where} is invalid; nothing was trained", file=sys.stderr)
        print_problems(args.project, exc.problems, file=sys.stderr)
        return EXIT_INVALID


def _run(args: argparse.Namespace) -> int:
    from layerlab.core.cluster.connect import parse_target
    from layerlab.core.training.distribute import check_kind

    if args.output:
        _check_output(args.output)
    if args.fresh and not args.save:
        raise TrainUsageError("--fresh goes with --save (without --save, training always starts fresh)")
    check_kind(args.distribute)
    target = parse_target(args.on)
    if args.save and Path(args.project).is_file():  # held from reading to writing: a second writer is told at once
        from layerlab.core.lock import project_lock

        with project_lock(args.project, "holds"):
            return _load_and_train(args, target)
    return _load_and_train(args, target)


def _load_and_train(args: argparse.Namespace, target) -> int:
    from layerlab.core.training.config import TrainingConfig

    project = load_project(args.project)
    label = str(project.path)
    _with_label(label, lambda: TrainingConfig.from_section(project.training))  # a bad key fails before the data loads
    if not project.dataset:
        raise InvalidInputError(f'{label}: the project has no "dataset" section to train on')
    report = _check_graph(project)
    if target.kind != "local":
        from layerlab.commands.train_remote import train_on_cluster

        return train_on_cluster(args, project, target)
    config, dataset = _with_label(label, lambda: _load_data(project, report, args))
    return _train(args, project, config, dataset)


def _train(args, project, config, dataset) -> int:
    from layerlab.core.training.callbacks import CallbackSpec
    from layerlab.core.training.console import ConsoleListener, format_metrics
    from layerlab.core.training.jobs import TrainJob, run_job
    from layerlab.core.training.listener import FAILED, STOPPED
    from layerlab.core.training.run import TrainingSession

    label = str(project.path)
    extra = (CallbackSpec("TensorBoard", {"log_dir": str(Path(args.tensorboard).resolve())}, trusted=True),) \
        if args.tensorboard else ()
    session = TrainingSession(project.document, dataset, config, ConsoleListener(sys.stdout),
                              base_dir=project.base_dir, distribute=args.distribute, name=project.name,
                              extra_callbacks=extra)
    _with_label(label, session.prepare)
    if args.save and not args.fresh:
        _continue(label, session, project)
    with _StopOnCtrlC(session) as ctrl_c:  # the editor's training workers run the same job code
        record = run_job(TrainJob(session=session, evaluate=False)).record
    if ctrl_c.aborted:
        return EXIT_INTERRUPTED
    if record.devices:
        print(f"Trained on: {', '.join(record.devices)}", flush=True)
    test = None
    if record.status != FAILED and dataset.has_test:
        from layerlab.core.training.evaluation import evaluate

        test = evaluate(session.model, session.document, dataset, batch_size=config.batch_size)
        print(f"Test - {format_metrics(test)}", flush=True)
    if args.history:
        _write_history(Path(args.history), record.history, test)
    if record.status == FAILED:
        raise InvalidInputError(f"training failed: {record.reason}")
    if args.output:
        from layerlab.core.export import save_model

        path = save_model(session.model, args.output)
        print(f"Saved the trained model to {path}")
    if args.save:
        from layerlab.core.training.jobs import mark_weights_run
        from layerlab.core.training.state import save_trained
        from layerlab.core.weights import weights_path_for

        mark_weights_run(project, session)  # which run (and epoch) the saved weights belong to
        save_trained(project, session.model, [record])
        print(f"Saved the weights to {weights_path_for(project.path)} and the run to {project.path}")
    if record.status == STOPPED:
        print(f"Stopped: {record.reason}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _continue(label: str, session, project) -> None:
    """Put the saved weights and optimizer state into the session, and say where the run goes on from."""
    from layerlab.core.training.state import restore_session
    from layerlab.core.weights import WeightsFileError, weights_path_for

    try:
        report = restore_session(session, project)
    except WeightsFileError as exc:
        raise InvalidInputError(f"{exc}; train with --fresh to start over") from None
    if report is None:
        return
    print(f"Continuing from epoch {session.epochs_done} with the weights in {weights_path_for(project.path)} "
          f"(optimizer state {report.optimizer or 'not saved'}); --fresh starts over", flush=True)
    for layer, why in report.skipped.items():
        print(f"layerlab: layer '{layer}' starts fresh: {why}", file=sys.stderr)


def _with_label(label: str, fn):
    """Call fn; a LayerLabError without a file name gets the project's, and the invalid-input exit code."""
    try:
        return fn()
    except LayerLabError as exc:
        if label in str(exc):
            raise
        err = InvalidInputError(f"{label}: {exc}")
        err.exit_code = getattr(exc, "exit_code", EXIT_INVALID)
        raise err from None


def _check_output(path: str) -> None:
    from layerlab.core.export import export_format

    if export_format(path) == ".py":
        raise TrainUsageError(f"{path}: -o saves the trained model as .keras or .h5 (use `layerlab export` for .py)")


def _check_graph(project):
    from layerlab.core.export import check_project

    return check_project(project)


def _load_data(project, report, args):
    """Load the dataset, pick unset settings from it, check it against the graph (a mismatch: exit 1)."""
    from layerlab.core.data import load_dataset
    from layerlab.core.export import InvalidProjectError
    from layerlab.core.training.config import TrainingConfig
    from layerlab.core.training.jobs import check_model_and_data

    dataset = load_dataset(project.dataset, project.base_dir)
    config = TrainingConfig.from_section(project.training, document=project.document, dataset=dataset,
                                         report=report).with_overrides(epochs=args.epochs,
                                                                       batch_size=args.batch_size, seed=args.seed)
    problems = check_model_and_data(project.document, dataset, config.to_section(), report)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise InvalidProjectError(errors, f"{project.path} (with its data)")
    for p in problems:
        print(f"layerlab: {p}", file=sys.stderr)
    return config, dataset


def _write_history(path: Path, history: dict, test: dict | None) -> None:
    from layerlab.core.project import atomic_write_text
    from layerlab.core.training.run import json_number

    out: dict = {"history": {k: [json_number(v) for v in values] for k, values in history.items()}}
    if test is not None:
        out["test"] = {k: json_number(v) for k, v in test.items()}
    try:
        atomic_write_text(path, json.dumps(out, indent=2) + "\n")
    except OSError as exc:
        raise TrainUsageError(f"{path}: cannot be written ({exc.strerror or exc})") from None


class _StopOnCtrlC(SigintHandler):
    """First Ctrl-C stops after the current batch; a second aborts (main thread only, as signals are)."""

    def __init__(self, session):
        self.session = session
        self.aborted = False

    def on_sigint(self, signum, frame):
        if self.session.stop_requested:
            self.aborted = True
            raise KeyboardInterrupt
        self.session.request_stop()
        print("\nStopping after this batch (Ctrl-C again to abort)", file=sys.stderr, flush=True)

