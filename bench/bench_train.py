"""Benchmark: what LayerLab's training adds on top of plain Keras `model.fit`.

Compares, on the same data (scikit-learn's digits, tiled to size) and seed:

- in-process: a TrainingSession run with a listener attached (build, compile,
  fit) against the same model written with Keras directly (build, compile, fit);
- whole process: `layerlab train PROJECT` against `python plain_fit.py`, each a
  fresh interpreter that imports TensorFlow, loads the data and trains.

Repetitions are interleaved (ABAB..., the order rotating each round) so that
load from other processes hits both sides alike. Both wall time and CPU time
(all threads; for whole processes, the child's user + system time) are
measured: on a shared, busy machine CPU time is the steadier of the two.
Prints markdown tables of medians and ratios. The target is at most 3% overhead.

    python bench/bench_train.py [--epochs 20] [--reps 7] [--tile 6]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HIDDEN = (256, 128)
SEED = 0
BATCH = 32

PLAIN_SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import numpy as np
    import keras
    data = np.load(sys.argv[1])
    epochs = int(sys.argv[2])
    keras.utils.set_random_seed({seed})
    x = keras.Input((64,), name="x")
    h = x
    for i, units in enumerate({hidden}):
        h = keras.layers.Dense(units, activation="relu", name=f"hidden_{{i}}")(h)
    out = keras.layers.Dense(10, activation="softmax", name="out")(h)
    model = keras.Model(x, out)
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    history = model.fit(data["x_train"], data["y_train"], epochs=epochs, batch_size={batch},
                        validation_split=0.1, verbose=0)
    for e in range(epochs):
        print("epoch", e + 1, {{k: v[e] for k, v in history.history.items()}})
""").format(seed=SEED, hidden=HIDDEN, batch=BATCH)


def make_data(tile: int):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = np.tile((digits.data / 16.0).astype("float32"), (tile, 1))
    y = np.tile(digits.target.astype("int32"), tile)
    return x, y


def project_json(epochs: int) -> dict:
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [64]}}]
    edges, last = [], "x"
    for i, units in enumerate(HIDDEN):
        nid = f"hidden_{i}"
        nodes.append({"id": nid, "type": "Dense", "params": {"units": units, "activation": "relu"}})
        edges.append({"source": last, "target": nid})
        last = nid
    nodes.append({"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}})
    edges.append({"source": last, "target": "out"})
    return {"format": "layerlab", "version": 1, "name": "bench",
            "graph": {"nodes": nodes, "edges": edges},
            "dataset": {"source": "npz", "path": "digits.npz"},
            "training": {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
                         "epochs": epochs, "batch_size": BATCH, "validation_split": 0.1, "seed": SEED}}


# -- in-process -------------------------------------------------------------------

class Clock:
    """Wall and CPU seconds of a block of work."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return False


def plain_fit(x, y, epochs: int) -> tuple[float, float]:
    from layerlab.core.kerasenv import keras

    k = keras()
    clock = Clock().__enter__()
    k.utils.set_random_seed(SEED)
    inp = k.Input((64,), name="x")
    h = inp
    for i, units in enumerate(HIDDEN):
        h = k.layers.Dense(units, activation="relu", name=f"hidden_{i}")(h)
    out = k.layers.Dense(10, activation="softmax", name="out")(h)
    model = k.Model(inp, out)
    model.compile(optimizer=k.optimizers.Adam(), loss=k.losses.SparseCategoricalCrossentropy(),
                  metrics=[k.metrics.SparseCategoricalAccuracy(name="accuracy")])
    model.fit(x, y, epochs=epochs, batch_size=BATCH, validation_split=0.1, verbose=0)
    clock.__exit__()
    return clock.wall, clock.cpu


def session_run(x, y, epochs: int) -> tuple[float, float]:
    from layerlab.core.data import Dataset
    from layerlab.core.project import from_json
    from layerlab.core.training import TrainingListener, TrainingSession

    class Collecting(TrainingListener):
        """What a GUI listener does on the training thread: keep the numbers, hand them on."""

        def __init__(self):
            self.batches, self.epochs = [], []

        def on_batch(self, epoch, batch, logs):
            self.batches.append((epoch, batch, logs))

        def on_epoch(self, epoch, logs):
            self.epochs.append((epoch, logs))

    clock = Clock().__enter__()
    project = from_json(project_json(epochs))
    listener = Collecting()
    record = TrainingSession(project.document, Dataset(x, y), project.training, listener, name="bench").run()
    clock.__exit__()
    assert record.status == "finished", record.reason
    assert len(listener.epochs) == epochs
    return clock.wall, clock.cpu


def accounting(x, y, epochs: int, folder: Path) -> dict[str, float]:
    """Time spent in LayerLab's own code, measured directly (immune to other processes' load).

    - the run's callback (stop and NaN checks, throttle, listener calls), summed over every call;
    - what `layerlab train` does besides building and fitting: reading the project, the shape
      check, loading the data and checking it against the graph.
    """
    from layerlab.core.data import check_data, load_dataset
    from layerlab.core.export import check_project
    from layerlab.core.project import load
    from layerlab.core.training import TrainingListener, TrainingSession
    from layerlab.core.training import run as run_module
    from layerlab.core.training.config import TrainingConfig

    spent = {"callback": 0.0, "calls": 0}
    monitor = run_module._monitor_class()
    originals = {}
    for hook in ("on_train_begin", "on_epoch_begin", "on_train_batch_end", "on_epoch_end"):
        originals[hook] = getattr(monitor, hook)

        def timed(self, *a, _orig=originals[hook], **kw):
            began = time.perf_counter()
            try:
                return _orig(self, *a, **kw)
            finally:
                spent["callback"] += time.perf_counter() - began
                spent["calls"] += 1

        setattr(monitor, hook, timed)
    try:
        began = time.perf_counter()
        project = load(folder / "bench.layerlab")
        report = check_project(project)
        config = TrainingConfig.from_section(project.training)
        dataset = load_dataset(project.dataset, project.base_dir)
        check_data(dataset, project.document, report, training=config.compile_section(project.document))
        checks = time.perf_counter() - began
        session = TrainingSession(project.document, dataset, config, TrainingListener())
        began = time.perf_counter()
        record = session.run(epochs)
        total = time.perf_counter() - began
        assert record.status == "finished", record.reason
    finally:
        for hook, original in originals.items():
            setattr(monitor, hook, original)
    return {"callback": spent["callback"], "calls": spent["calls"], "run": total, "checks": checks}


# -- whole process ------------------------------------------------------------------

def whole(argv: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed:\n{proc.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--tile", type=int, default=6, help="copies of digits (1797 samples each)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        run_bench(args, Path(tmp))


def run_bench(args, folder: Path) -> None:
    x, y = make_data(args.tile)
    np.savez(folder / "digits.npz", x_train=x, y_train=y)
    (folder / "bench.layerlab").write_text(json.dumps(project_json(args.epochs)))
    (folder / "plain_fit.py").write_text(PLAIN_SCRIPT)

    variants = {
        "in-process: plain fit": lambda: plain_fit(x, y, args.epochs),
        "in-process: session + listener": lambda: session_run(x, y, args.epochs),
        "whole process: python plain_fit.py": lambda: whole(
            [sys.executable, str(folder / "plain_fit.py"), str(folder / "digits.npz"), str(args.epochs)]),
        "whole process: layerlab train": lambda: whole(
            [sys.executable, "-m", "layerlab.cli", "train", str(folder / "bench.layerlab")]),
    }
    pairs = [("in-process: session + listener", "in-process: plain fit"),
             ("whole process: layerlab train", "whole process: python plain_fit.py")]

    plain_fit(x, y, 1)  # warm up TensorFlow in this process (both in-process variants profit alike)
    session_run(x, y, 1)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    names = list(variants)
    for rep in range(args.reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            times[name].append(variants[name]())
            wall, cpu = times[name][-1]
            print(f"rep {rep + 1}/{args.reps} {name}: wall {wall:.2f} s, cpu {cpu:.2f} s", file=sys.stderr, flush=True)

    acc = accounting(x, y, args.epochs, folder)
    samples = int(len(x) * 0.9)
    print(f"\n{len(x)} samples (digits x{args.tile}, {samples} for training), MLP 64-{'-'.join(map(str, HIDDEN))}-10, "
          f"batch {BATCH}, {args.epochs} epochs, {args.reps} interleaved repetitions, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print("| variant | wall median s | wall min s | CPU median s | CPU min s |")
    print("|---|---:|---:|---:|---:|")
    for name in variants:
        wall, cpu = [t[0] for t in times[name]], [t[1] for t in times[name]]
        print(f"| {name} | {statistics.median(wall):.2f} | {min(wall):.2f} | {statistics.median(cpu):.2f} | "
              f"{min(cpu):.2f} |")
    print("\n| LayerLab / plain Keras | wall: ratio of medians | wall: ratio of minima | CPU: ratio of medians "
          "| CPU: ratio of minima |")
    print("|---|---:|---:|---:|---:|")
    for ours, plain in pairs:
        cells = []
        for i in (0, 1):
            a, b = [t[i] for t in times[ours]], [t[i] for t in times[plain]]
            cells += [statistics.median(a) / statistics.median(b), min(a) / min(b)]
        print(f"| {ours.split(': ')[0]} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print(f"\nMeasured directly: LayerLab's callback took {acc['callback'] * 1e3:.0f} ms over {acc['calls']} calls "
          f"in a {acc['run']:.2f} s run ({100 * acc['callback'] / acc['run']:.2f}%); `layerlab train`'s checks before "
          f"training (project, shapes, data) took {acc['checks'] * 1e3:.0f} ms "
          f"({100 * acc['checks'] / acc['run']:.2f}% of that run).")


if __name__ == "__main__":
    main()
