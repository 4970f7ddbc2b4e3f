"""Benchmark: training started from the editor against plain `model.fit`, and how the editor fares meanwhile.

On the same data (scikit-learn's digits, tiled to size, as an .npz dataset)
and the same seed:

- plain: a fresh Python process that has imported Keras and warmed it up as
  a training worker does (one tiny fit) builds the model with LayerLab's
  builder, compiles it and calls `model.fit` (what a Keras script does; the
  same layers, optimizer, loss and metrics); the time from build to the end
  of fit is measured inside it;
- GUI: press Train in a MainWindow (offscreen unless $QT_QPA_PLATFORM says
  otherwise) and wait for the worker's end-of-fit message. The run goes to a
  warm training worker (a fresh process that has imported Keras and warmed
  it up, as the plain one has), so this includes what the editor adds: the job message, loading
  the .npz, the data check, event messages for every reported batch and
  epoch, the live plots, the progress bar.

Repetitions are interleaved (plain, GUI, GUI, plain, ...); before each one the
next warm worker is waited for, so that its start does not load the other
side. Each GUI run makes its plots anew, as the first run in a window does.
Target: GUI / plain <= 1.03 (ratio of medians). CPU seconds are reported
too (the worker's, from /proc, and the editor's, against the plain
process's): on a loaded machine they are steadier than wall times.

Then, in runs of their own (its ticks cost CPU too), a QTimer probe fires
every 5 ms on the GUI thread and records how late each tick is: the event
loop's stalls during the fit (first batch to end) and, apart, from Train to
the first batch. Targets: p99 <= 10 ms, max <= 50 ms. It also records the GUI
thread's own CPU time between two ticks: its work in a stall, apart from
waiting for a core. The editor process's
resident memory is sampled at every epoch: target < 350 MB. The editor must
not have imported TensorFlow at the end.

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

from common import markdown_table, percentile  # noqa: E402

PROBE_MS = 5
EXAMPLE = ROOT / "resources" / "examples" / "digits_mlp.layerlab"


WRITE_DATA = r"""
import sys
import numpy as np
from sklearn.datasets import load_digits
digits = load_digits()
tile = int(sys.argv[2])
x = np.tile(digits.data.astype(np.float32) / 16.0, (tile, 1))
y = np.tile(digits.target.astype(np.int32), tile)
order = np.random.default_rng(0).permutation(len(y))
np.savez(sys.argv[1], x_train=x[order], y_train=y[order])
"""


def write_data(folder: Path, tile: int) -> Path:
    """The digits, tiled, as an .npz; written by a child process so that the editor's memory is its own."""
    import subprocess

    path = folder / "digits.npz"
    subprocess.run([sys.executable, "-c", WRITE_DATA, str(path), str(tile)], check=True)
    return path


PLAIN = r"""
import json, os, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from common import quiet_keras, silenced_stderr
keras = quiet_keras()
from layerlab.core.engine.train_role import warm_up
with silenced_stderr():
    warm_up()  # what a warm training worker has done before its first run: the same for both sides
from layerlab.core import project as project_io
from layerlab.core.build import build_model, compile_model
from layerlab.core.training.config import TrainingConfig
project = project_io.load(sys.argv[2])
arrays = np.load(project.dataset["path"])
x, y = arrays["x_train"], arrays["y_train"]
config = TrainingConfig.from_section(project.training)
wall, cpu = time.perf_counter(), time.process_time()
keras.utils.set_random_seed(config.seed)
model = compile_model(build_model(project.document, project.name), config.compile_section(project.document))
began = []
mark = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: began.append(time.perf_counter()))
model.fit(x, y, verbose=0, callbacks=[mark], **config.fit_kwargs())
end = time.perf_counter()
print(json.dumps([end - wall, time.process_time() - cpu, end - began[0]]))
"""


def plain_fit(path: Path) -> tuple[float, float, float]:
    """Build, compile and fit as a Keras script would, in a fresh process.

    Returns (wall s, CPU s) from build to fit end, and the wall s of the fit alone (its start to its end).
    """
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", PLAIN, str(ROOT / "bench"), str(path)], capture_output=True,
                          text=True, check=True)
    wall, cpu, fit = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, cpu, fit


def rss_mb() -> float:
    """This process's resident memory, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def process_cpu(pid: int | None) -> float:
    """A process's CPU seconds so far (user + system, from /proc; NaN when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle() -> None:
    """Wait for the warm spare worker to be ready, and for released workers to end."""
    from PySide6.QtCore import QCoreApplication

    from layerlab.gui.training.worker import spares

    deadline = time.time() + 120
    while time.time() < deadline:
        QCoreApplication.processEvents()
        client = spares.client
        if client is not None and client.connection.ready.is_set():
            break
        time.sleep(0.02)
    end = time.time() + 1.0  # a released worker's exit
    while time.time() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)


class Probe:
    """A 5 ms timer on the GUI thread; each tick's lateness is a stall of the event loop.

    It also records the GUI thread's CPU time between ticks: the editor's own work in that stall, apart
    from time spent waiting for a core (on a loaded machine the two differ; on a quiet one they agree).
    """

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.stalls: list[tuple[float, float, float]] = []  # (when, lateness, GUI thread CPU since last tick)
        self._last = self._cpu = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last, self._cpu = time.perf_counter(), time.thread_time()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        late = max(0.0, now - self._last - PROBE_MS / 1000)
        self.late.append(late)
        self.stalls.append((now, late, cpu - self._cpu))
        self._last, self._cpu = now, cpu


def gui_fit(window, probing: bool):
    """Press Train and run the event loop until the results are shown.

    Returns (wall s to the end of fit, CPU s, (lateness before the fit starts, lateness during the fit),
    wall s to the outcome, [(seconds after Train, stall s)] for stalls over 20 ms).
    """
    from PySide6.QtCore import QEventLoop

    controller = window.training
    controller.history.clear()  # one run at a time: earlier runs overlaid would make each redraw dearer
    plots = controller.view.plots
    if plots is not None:  # each run makes its plots anew, as the first run in a window does
        plots.setParent(None)
        plots.deleteLater()
        controller.view.plots = None
    probe = Probe()
    loop = QEventLoop()
    done: dict = {}

    def on_started(*_args) -> None:
        done.setdefault("started", time.perf_counter())

    def on_epoch(*_args) -> None:
        if "epoch" not in done:
            done["epoch"] = time.perf_counter()
        done["rss"] = max(done.get("rss", 0.0), rss_mb())

    def on_fit(*_args) -> None:
        done.setdefault("fit", (time.perf_counter(), time.process_time(), time.thread_time()))
        done.setdefault("worker_cpu", process_cpu(worker_pid))
        probe.stop()

    def on_outcome(outcome) -> None:
        done["outcome"] = (time.perf_counter(), outcome)
        loop.quit()

    controller.runner.started.connect(on_started)
    controller.runner.epoch.connect(on_epoch)
    controller.runner.fitEnded.connect(on_fit)
    controller.outcomeReady.connect(on_outcome)
    from layerlab.gui.training.worker import spares

    worker_pid = spares.client.pid if spares.client is not None else None  # the warm worker Train takes
    worker_cpu = process_cpu(worker_pid)
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
    before = [late for t, late, _cpu in probe.stalls if t <= first]
    during = [late for t, late, _cpu in probe.stalls if t > first]
    steady = [late for t, late, _cpu in probe.stalls if t > epoch]
    own = [cpu for t, _late, cpu in probe.stalls if t > first]
    big = [(t - wall, late, cpu) for t, late, cpu in probe.stalls if late > 0.020]
    return (fit_wall - wall, fit_cpu - cpu, (before, during, steady, own), done["outcome"][0] - wall, big,
            fit_gui_cpu - gui_cpu, done.get("rss", rss_mb()), fit_wall - first, done["worker_cpu"] - worker_cpu)


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
    with tempfile.TemporaryDirectory() as tmp:
        data = write_data(Path(tmp), args.tile)
        project = project_io.load(EXAMPLE)
        project.dataset = {"source": "npz", "path": str(data)}
        project.training = {**project.training, "epochs": args.epochs, "seed": 0}
        path = project_io.save(project, Path(tmp) / "bench.layerlab")
        y = np.load(data)["y_train"]

        window = MainWindow(settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat),
                            interactive=False, warm_up_delay_ms=0)
        window.resize(1400, 900)
        window.show()
        window.open_path(path, ask=False)
        deadline = time.time() + 300
        while window.check_service.pending and time.time() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        window.training.runner.warm()
        settle()
        print(f"{len(y):,} samples, batch {project.training['batch_size']}, {args.epochs} epochs, "
              f"validation split {project.training['validation_split']}, {args.reps} repetitions\n", flush=True)

        gui_fit(window, probing=False)  # warm-up (the disk cache, the editor's plots)
        settle()
        plain_fit(path)
        plain, gui, starting, stalls, steady, totals, worst, gui_thread, rss = [], [], [], [], [], [], [], [], []
        own = []
        for rep in range(args.reps):
            order = ("plain", "gui") if rep % 2 == 0 else ("gui", "plain")
            for kind in order:
                if kind == "plain":
                    plain.append(plain_fit(path))
                else:
                    wall, cpu, _late, total, _big, gui_cpu, mb, fit, worker = gui_fit(window, probing=False)
                    gui.append((wall, cpu, fit, worker))
                    gui_thread.append(gui_cpu / wall)
                    totals.append(total)
                    rss.append(mb)
                    settle()
            print(f"rep {rep + 1}: plain {plain[-1][0]:.2f} s, GUI {gui[-1][0]:.2f} s", flush=True)
        for _rep in range(args.reps):  # the probe's own ticks cost CPU: stalls are measured in runs of their own
            _wall, _cpu, late, _total, big, _gui_cpu, mb, _fit, _worker = gui_fit(window, probing=True)
            starting.extend(late[0])
            stalls.extend(late[1])
            steady.extend(late[2])
            own.extend(late[3])
            worst.extend(big)
            rss.append(mb)
            settle()
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        window.training.unsaved_records, window.training.weights_unsaved = [], False
        window.undo_stack.setClean()
        window.close()

    def med(values, i):
        return statistics.median(v[i] for v in values)

    rows = [["plain: build, compile, model.fit (its own process)", f"{med(plain, 0):.2f}",
             f"{min(v[0] for v in plain):.2f}", f"{med(plain, 1):.2f}"],
            ["GUI: Train pressed to end of fit (in a worker)", f"{med(gui, 0):.2f}", f"{min(v[0] for v in gui):.2f}",
             f"{med(gui, 1):.2f} (editor only)"]]
    print()
    print(markdown_table(["variant", "wall median s", "wall min s", "CPU median s"], rows))
    print()
    ratio = [["GUI / plain", f"{med(gui, 0) / med(plain, 0):.3f}",
              f"{min(v[0] for v in gui) / min(v[0] for v in plain):.3f}", "<= 1.03"]]
    print(markdown_table(["ratio", "wall: medians", "wall: minima", "target"], ratio))
    cpu_ratio = (med(gui, 3) + med(gui, 1)) / med(plain, 1)
    print(f"\nCPU seconds, Train pressed to end of fit: the worker {med(gui, 3):.2f} s + the editor "
          f"{med(gui, 1):.2f} s against plain {med(plain, 1):.2f} s (ratio {cpu_ratio:.3f}; "
          "on a loaded machine a steadier measure than wall time).")
    print(f"\nThe fit alone (its first callback to its end): plain {med(plain, 2):.2f} s, GUI {med(gui, 2):.2f} s "
          f"(ratio {med(gui, 2) / med(plain, 2):.3f}); before it, plain {med(plain, 0) - med(plain, 2):.2f} s "
          f"(build, compile), GUI {med(gui, 0) - med(gui, 2):.2f} s (the job message, loading and checking the "
          "data, build, compile).")
    print()
    stall_rows = []
    for label, values in (("during the fit (first batch to end)", stalls),
                          ("during the fit, after its first epoch", steady),
                          ("Train pressed to first batch (data check, model build)", starting)):
        ms = [v * 1000 for v in values]
        stall_rows.append([label, f"{len(ms):,}", f"{percentile(ms, 50):.1f}", f"{percentile(ms, 99):.1f}",
                           f"{max(ms):.1f}"])
    print(markdown_table(["GUI event loop (5 ms probe)", "ticks", "lateness p50 ms", "p99 ms", "max ms"], stall_rows))
    print("\nTarget: p99 <= 10 ms, max <= 50 ms.")
    ms = [v * 1000 for v in own]
    print(f"\nThe GUI thread's own CPU time between two ticks during the fit (its work, without waiting for a core): "
          f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms.")
    print(f"\nThe editor's resident memory during runs: max {max(rss):.0f} MB (target < 350 MB); "
          f"TensorFlow or Keras modules in the editor: {len(heavy) or 'none'}.")
    if worst:
        shown = ", ".join(f"{late * 1000:.0f} ms at {at:.2f} s (CPU {cpu * 1000:.0f} ms)"
                          for at, late, cpu in sorted(worst, key=lambda w: -w[1])[:10])
        print(f"\nThe longest stalls (time after Train): {shown}")
    print(f"\nThe GUI thread's own CPU time during a run (messages, progress, plots): median "
          f"{statistics.median(gui_thread):.1%} of the run's wall time.")
    print(f"\n(Train to results shown, with the evaluation on the validation split: median "
          f"{statistics.median(totals):.2f} s.)")


if __name__ == "__main__":
    main()
