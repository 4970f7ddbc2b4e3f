"""Runs and sweeps beyond the editor: a run on a local Ray cluster against a local run; a sweep, 1 vs 2 at a time.

1. `layerlab train P` against `layerlab train P --on ray:127.0.0.1:6379` (a head and a second node on this
   machine, one CPU each), the same project, data and seed, each a fresh `layerlab` process; the difference
   is the cost of Ray: connecting, placing the actor, starting the engine on the node, shipping the data and
   weights. Interleaved repetitions.
2. `layerlab sweep P --trials 4` on this computer with `--parallel 1` and `--parallel 2`.

The cluster runs in a network and PID namespace of its own, as in the tests (re-run under `unshare` when
needed: root, or unprivileged user namespaces). Usage: python bench/bench_ray.py [--reps N]
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
INSIDE = "LAYERLAB_BENCH_NAMESPACE"


def layerlab(*args, env=None):
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "layerlab.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"layerlab {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - began


def start_cluster(env, temp):
    ray = str(Path(sys.executable).with_name("ray"))
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats",
              f"--object-store-memory={80 * 1024 * 1024}"]
    for name, args in (("head", ["--head", "--port=6379", "--include-dashboard=false", f"--temp-dir={temp}"]),
                       ("second", ["--address=127.0.0.1:6379"])):
        with open(Path(temp) / f"{name}.log", "w") as log:
            subprocess.check_call([ray, "start", *common, *args], env=env, stdout=log, stderr=subprocess.STDOUT)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    if not os.environ.get(INSIDE):
        user = [] if os.geteuid() == 0 else ["-r"]
        os.execvp("unshare", ["unshare", *user, "-n", "-p", "-f", "--mount-proc", "--kill-child", "--", "env",
                              f"{INSIDE}=1", sys.executable, *sys.argv])
    subprocess.check_call(["ip", "link", "set", "lo", "up"])
    from ray_cluster.projects import blobs_csv, make_project

    token = secrets.token_hex(16)
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    folder = Path(tempfile.mkdtemp(prefix="llbench"))
    project = make_project(folder, {"epochs": args.epochs, "batch_size": 32})
    blobs_csv(folder / "data" / "blobs.csv", n=4000, features=16)
    data = json.loads(project.read_text())
    data["graph"]["nodes"][0]["params"]["shape"] = [16]
    data["graph"]["nodes"][1]["params"]["units"] = 64
    project.write_text(json.dumps(data))
    start_cluster(env, str(folder))
    print(f"Run: 4000 samples x 16 features, MLP 16-64-3, {args.epochs} epochs, batch 32; {args.reps} reps")
    times = {"local": [], "ray": []}
    for _ in range(args.reps):
        times["local"].append(layerlab("train", str(project), env=env))
        times["ray"].append(layerlab("train", str(project), "--on", "ray:127.0.0.1:6379", env=env))
    print("| variant | wall median s | wall min s |\n|---|---:|---:|")
    for name, label in (("local", "layerlab train P"), ("ray", "layerlab train P --on ray:127.0.0.1:6379")):
        print(f"| {label} | {statistics.median(times[name]):.2f} | {min(times[name]):.2f} |")
    extra = statistics.median(times["ray"]) - statistics.median(times["local"])
    print(f"Ray overhead (difference of medians): {extra:.2f} s")
    space = folder / "space.json"
    space.write_text(json.dumps({"training.learning_rate": {"loguniform": [0.001, 0.05]},
                                 "nodes.hidden.units": {"choice": [16, 32, 64]}}))
    print(f"\nSweep: 4 trials of the same project ({args.epochs} epochs each), on this computer")
    print("| variant | wall s |\n|---|---:|")
    for k in (1, 2):
        t = layerlab("sweep", str(project), "--space", str(space), "--trials", "4", "--parallel", str(k),
                     "--seed", "1", "--json", env=env)
        print(f"| --parallel {k} | {t:.1f} |")


if __name__ == "__main__":
    main()
