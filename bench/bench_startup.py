"""Start to window shown: wall time from launching `layerlab open` to the window's first paint.

Each run starts a fresh process (`python -m layerlab.cli open [PROJECT]`) with
LAYERLAB_BENCH_FIRST_PAINT=1, which makes the editor print the time of its
first paint event and quit. The figure includes the interpreter's own start,
the imports, building the window and painting it; TensorFlow is not imported
before that paint (the shape checker loads it afterwards on its own thread).

Usage: python bench/bench_startup.py [--runs 7] [--project resources/examples/wide_deep.layerlab]
                                    [--bundle dist/LayerLab/LayerLab]
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


def one_run(project: str | None, bundle: str | None = None) -> tuple[float, float]:
    """(seconds from launch to first paint, CPU seconds of the whole process)."""
    env = dict(os.environ, LAYERLAB_BENCH_FIRST_PAINT="1", LAYERLAB_RECOVERY_DIR="/tmp/layerlab-bench-recovery",
               PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    program = [str(Path(bundle).resolve())] if bundle else [sys.executable, "-m", "layerlab.cli"]
    cmd = [*program, "open"] + ([str(Path(project).resolve())] if project else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in out.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start, cpu
    raise RuntimeError(f"no first paint reported (exit {out.returncode}): {out.stderr[-800:]}")


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
    args = parser.parse_args()
    one_run(args.project, args.bundle)  # warm the file cache and the .pyc files; not counted
    load = load_average()
    runs = [one_run(args.project, args.bundle) for _ in range(args.runs)]
    times = [t for t, _cpu in runs]
    median = statistics.median(times)
    cpu = statistics.median(c for _t, c in runs)
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
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
