"""Start to window shown: wall time from launching `layerlab open` to the window's first paint.

Each run starts a fresh process (`python -m layerlab.cli open [PROJECT]`) with
LAYERLAB_BENCH_FIRST_PAINT=1, which makes the editor print the time of its
first paint event and quit. The figure includes the interpreter's own start,
the imports, building the window and painting it; the editor never imports
TensorFlow (the check engine, started beside the window, does).
With --shapes (LAYERLAB_BENCH_FIRST_SHAPES=1) the editor waits for the first
shape check of the project instead of quitting, and prints when it arrived:
the time from launch to the shapes on the canvas.

Usage: python bench/bench_startup.py [--runs 7] [--project resources/examples/wide_deep.layerlab]
                                    [--bundle dist/LayerLab/LayerLab] [--shapes]
With --bundle, the PyInstaller bundle is started instead, and its size on disk is printed too.
Runs under $QT_QPA_PLATFORM (offscreen by default; use xvfb-run for a real X server).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0


PYCACHE = Path(tempfile.gettempdir()) / "layerlab-bench-pycache"  # as installed: bytecode cached, not in the repo


def one_run(project: str | None, bundle: str | None = None, shapes: bool = False) -> tuple[float, float, float | None]:
    """(seconds from launch to first paint, CPU seconds of the whole process, seconds to the first shapes)."""
    env = dict(os.environ, LAYERLAB_BENCH_FIRST_PAINT="1", LAYERLAB_RECOVERY_DIR="/tmp/layerlab-bench-recovery",
               PYTHONPYCACHEPREFIX=str(PYCACHE))
    if shapes:
        env["LAYERLAB_BENCH_FIRST_SHAPES"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    program = [str(Path(bundle).resolve())] if bundle else [sys.executable, "-m", "layerlab.cli"]
    cmd = [*program, "open"] + ([str(Path(project).resolve())] if project else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stamps = {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines()
              if line.startswith(("first-paint ", "first-shapes "))}
    if "first-paint" not in stamps or (shapes and "first-shapes" not in stamps):
        raise RuntimeError(f"no first paint or shapes reported (exit {out.returncode}): {out.stderr[-800:]}")
    shaped = stamps["first-shapes"] - start if shapes else None
    return stamps["first-paint"] - start, cpu, shaped


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--project", default=None, help="a project to open (default: an empty editor)")
    parser.add_argument("--bundle", default=None, help="a PyInstaller bundle's program (dist/LayerLab/LayerLab)")
    parser.add_argument("--shapes", action="store_true", help="also time the first shapes (give a --project)")
    args = parser.parse_args()
    one_run(args.project, args.bundle, args.shapes)  # warm the file cache and the .pyc files; not counted
    load = load_average()
    runs = [one_run(args.project, args.bundle, args.shapes) for _ in range(args.runs)]
    times = [t for t, _cpu, _s in runs]
    median = statistics.median(times)
    cpu = statistics.median(c for _t, c, _s in runs)
    what = Path(args.project).name if args.project else "empty editor"
    if args.bundle:
        folder = Path(args.bundle).resolve().parent
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
        what += f", bundle of {size / 2**20:,.0f} MiB"
    print("| benchmark | platform | runs | median | min | max | CPU (whole process) | load avg | target |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| start to window shown ({what}) | {os.environ.get('QT_QPA_PLATFORM', 'offscreen')} | {args.runs} "
          f"| {median:.3f} s | {min(times):.3f} s | {max(times):.3f} s | {cpu:.3f} s | {load} "
          f"| <= {TARGET_S:.1f} s |")
    if args.shapes:
        shaped = [s for _t, _c, s in runs]
        print(f"| start to first shapes ({what}) | {os.environ.get('QT_QPA_PLATFORM', 'offscreen')} | {args.runs} "
              f"| {statistics.median(shaped):.3f} s | {min(shaped):.3f} s | {max(shaped):.3f} s | (above) | {load} "
              "| no later than before |")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
