"""Benchmark: training started from the editor against plain `model.fit`, and how long the GUI stalls meanwhile.

On the same data (scikit-learn's digits, tiled to size, as an .npz dataset)
and the same seed, in one process:

- plain: build the model with LayerLab's builder, compile it, `model.fit` (what
  a Keras script does; the same layers, optimizer, loss and metrics);
- GUI: press Train in a MainWindow (offscreen unless $QT_QPA_PLATFORM says
  otherwise) and wait for the training thread's end-of-fit signal. This
  includes what the editor adds: the data check against the graph, queued
  signals for every reported batch and epoch, the live plots, the progress bar.

Repetitions are interleaved (plain, GUI, GUI, plain, ...). Wall time, the
process's CPU time (all threads) and the GUI thread's own CPU time are
measured. The target is at most 5% slower.

Then, in runs of their own (its ticks cost CPU too), a QTimer probe fires
every 5 ms on the GUI thread and records how late each tick is: the event
loop's stalls, reported during the fit (first batch to end) and, apart,
from Train to the first batch (the data check and the model build on the
training thread). Targets: p99 <= 20 ms, max <= 50 ms.

    python bench/bench_gui_training.py [--epochs 15] [--reps 5] [--tile 6]

Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import markdown_table, percentile, quiet_keras  # noqa: E402

PROBE_MS = 5
EXAMPLE = ROOT / "resources" / "examples" / "digits_mlp.layerlab"


def write_data(folder: Path, tile: int) -> Path:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = np.tile(digits.data.astype(np.float32) / 16.0, (tile, 1))
    y = np.tile(digits.target.astype(np.int32), tile)
    order = np.random.default_rng(0).permutation(len(y))
    path = folder / "digits.npz"
    np.savez(path, x_train=x[order], y_train=y[order])
    return path


def plain_fit(project, x, y) -> tuple[float, float]:
    """Build, compile and fit as a Keras script would; (wall s, CPU s)."""
    keras = quiet_keras()
    from layerlab.core.build import build_model, compile_model
    from layerlab.core.training.config import TrainingConfig

    config = TrainingConfig.from_section(project.training)
    wall, cpu = time.perf_counter(), time.process_time()
    keras.utils.set_random_seed(config.seed)
    model = compile_model(build_model(project.document, project.name), config.compile_section(project.document))
    model.fit(x, y, verbose=0, **config.fit_kwargs())
    return time.perf_counter() - wall, time.process_time() - cpu


class Probe:
    """A 5 ms timer on the GUI thread; each tick's lateness is a stall of the event loop."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.stalls: list[tuple[float, float]] = []  # (when, lateness)
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, now - self._last - PROBE_MS / 1000)
        self.late.append(late)
        self.stalls.append((now, late))
        self._last = now


def gui_fit(window, probing: bool):
    """Press Train and run the event loop until the results are shown.

    Returns (wall s to the end of fit, CPU s, (lateness before the fit starts, lateness during the fit),
    wall s to the outcome, [(seconds after Train, stall s)] for stalls over 20 ms).
    """
    from PySide6.QtCore import QEventLoop

    controller = window.training
    controller.history.clear()  # one run at a time: earlier runs overlaid would make each redraw dearer
    if controller.view.plots is not None:
        controller.view.plots.rebuild()
    probe = Probe()
    loop = QEventLoop()
    done: dict = {}

    def on_started(*_args) -> None:
        done.setdefault("started", time.perf_counter())

    def on_epoch(*_args) -> None:
        if "epoch" not in done:
            done["epoch"] = time.perf_counter()

    def on_fit(*_args) -> None:
        done.setdefault("fit", (time.perf_counter(), time.process_time(), time.thread_time()))
        probe.stop()

    def on_outcome(outcome) -> None:
        done["outcome"] = (time.perf_counter(), outcome)
        loop.quit()

    controller.runner.started.connect(on_started)
    controller.runner.epoch.connect(on_epoch)
    controller.runner.fitEnded.connect(on_fit)
    controller.outcomeReady.connect(on_outcome)
    wall, cpu, gui_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    if probing:
        probe.start()
    assert controller.train()
    loop.exec()
    controller.runner.started.disconnect(on_started)
    controller.runner.epoch.disconnect(on_epoch)
    controller.runner.fitEnded.disconnect(on_fit)
    controller.outcomeReady.disconnect(on_outcome)
    outcome = done["outcome"][1]
    if outcome.status != "finished":
        raise SystemExit(f"the GUI run did not finish: {outcome.status}: {outcome.reason}")
    fit_wall, fit_cpu, fit_gui_cpu = done["fit"]
    first, epoch = done["started"], done.get("epoch", float("inf"))
    before = [late for t, late in probe.stalls if t <= first]
    during = [late for t, late in probe.stalls if t > first]
    steady = [late for t, late in probe.stalls if t > epoch]
    big = [(t - wall, late) for t, late in probe.stalls if late > 0.020]
    return (fit_wall - wall, fit_cpu - cpu, (before, during, steady), done["outcome"][0] - wall, big,
            fit_gui_cpu - gui_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tile", type=int, default=6)
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication, QSettings

    from layerlab.core import project as project_io
    from layerlab.gui.app import make_app
    from layerlab.gui.main_window import MainWindow

    make_app()
    quiet_keras()
    with tempfile.TemporaryDirectory() as tmp:
        data = write_data(Path(tmp), args.tile)
        project = project_io.load(EXAMPLE)
        project.dataset = {"source": "npz", "path": str(data)}
        project.training = {**project.training, "epochs": args.epochs, "seed": 0}
        path = project_io.save(project, Path(tmp) / "bench.layerlab")
        arrays = np.load(data)
        x, y = arrays["x_train"], arrays["y_train"]

        window = MainWindow(settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat),
                            interactive=False, warm_up_delay_ms=0)
        window.resize(1400, 900)
        window.show()
        window.open_path(path, ask=False)
        deadline = time.time() + 300
        while (window.training.data_service.dataset is None or window.check_service.pending) and time.time() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        print(f"{len(y):,} samples, batch {project.training['batch_size']}, {args.epochs} epochs, "
              f"validation split {project.training['validation_split']}, {args.reps} repetitions\n", flush=True)

        gui_fit(window, probing=False)  # warm-up: the first fit in a process is slower
        plain_fit(project, x, y)
        plain, gui, starting, stalls, steady, totals, worst, gui_thread = [], [], [], [], [], [], [], []
        for rep in range(args.reps):
            order = ("plain", "gui") if rep % 2 == 0 else ("gui", "plain")
            for kind in order:
                if kind == "plain":
                    plain.append(plain_fit(project, x, y))
                else:
                    wall, cpu, _late, total, _big, gui_cpu = gui_fit(window, probing=False)
                    gui.append((wall, cpu))
                    gui_thread.append(gui_cpu / wall)
                    totals.append(total)
            print(f"rep {rep + 1}: plain {plain[-1][0]:.2f} s, GUI {gui[-1][0]:.2f} s", flush=True)
        for _rep in range(args.reps):  # the probe's own ticks cost CPU: stalls are measured in runs of their own
            _wall, _cpu, late, _total, big, _gui_cpu = gui_fit(window, probing=True)
            starting.extend(late[0])
            stalls.extend(late[1])
            steady.extend(late[2])
            worst.extend(big)
        window.training.unsaved_records, window.training.weights_unsaved = [], False
        window.undo_stack.setClean()
        window.close()

    def med(values, i):
        return statistics.median(v[i] for v in values)

    rows = [["plain: build, compile, model.fit", f"{med(plain, 0):.2f}", f"{min(v[0] for v in plain):.2f}",
             f"{med(plain, 1):.2f}"],
            ["GUI: Train pressed to end of fit", f"{med(gui, 0):.2f}", f"{min(v[0] for v in gui):.2f}",
             f"{med(gui, 1):.2f}"]]
    print()
    print(markdown_table(["variant", "wall median s", "wall min s", "CPU median s"], rows))
    print()
    ratio = [["GUI / plain", f"{med(gui, 0) / med(plain, 0):.3f}",
              f"{min(v[0] for v in gui) / min(v[0] for v in plain):.3f}", f"{med(gui, 1) / med(plain, 1):.3f}",
              "<= 1.05"]]
    print(markdown_table(["ratio", "wall: medians", "wall: minima", "CPU: medians", "target"], ratio))
    print()
    stall_rows = []
    for label, values in (("during the fit (first batch to end)", stalls),
                          ("during the fit, after its first epoch", steady),
                          ("Train pressed to first batch (data check, model build)", starting)):
        ms = [v * 1000 for v in values]
        stall_rows.append([label, f"{len(ms):,}", f"{percentile(ms, 50):.1f}", f"{percentile(ms, 99):.1f}",
                           f"{max(ms):.1f}"])
    print(markdown_table(["GUI event loop (5 ms probe)", "ticks", "lateness p50 ms", "p99 ms", "max ms"], stall_rows))
    print("\nTarget: p99 <= 20 ms, max <= 50 ms.")
    if worst:
        shown = ", ".join(f"{late * 1000:.0f} ms at {at:.2f} s"
                          for at, late in sorted(worst, key=lambda w: -w[1])[:10])
        print(f"\nThe longest stalls (time after Train): {shown}")
    print(f"\nThe GUI thread's own CPU time during a run (signals, progress, plots): median "
          f"{statistics.median(gui_thread):.1%} of the run's wall time.")
    print(f"\n(Train to results shown, with the evaluation on the validation split: median "
          f"{statistics.median(totals):.2f} s.)")


if __name__ == "__main__":
    main()
