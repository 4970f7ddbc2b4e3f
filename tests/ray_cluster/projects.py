"""Small projects for job, cluster and sweep tests: a CSV of Gaussian blobs in a `data/` folder beside the project."""

import json

import numpy as np

NODES = [{"id": "x", "type": "Input", "params": {"shape": [4]}},
         {"id": "hidden", "type": "Dense", "params": {"units": 8, "activation": "relu"}},
         {"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}}]
EDGES = [{"source": "x", "target": "hidden"}, {"source": "hidden", "target": "out"}]
TRAINING = {"optimizer": "adam", "learning_rate": 0.01, "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"], "epochs": 3, "batch_size": 16, "validation_split": 0.25, "seed": 7}


def blobs_csv(path, n=160, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centers = rng.normal(0, 3, (classes, features))
    x = centers[y] + rng.normal(0, 1, (n, features))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join([f"f{i}" for i in range(features)] + ["label"])]
    lines += [",".join([f"{v:.5f}" for v in row] + [str(int(label))]) for row, label in zip(x, y)]
    path.write_text("\n".join(lines) + "\n")


def make_project(folder, training=None, nodes=NODES, name="blobs"):
    """A project reading data/blobs.csv (inside its folder, so the file travels with a job)."""
    blobs_csv(folder / "data" / "blobs.csv")
    data = {"format": "layerlab", "version": 1, "name": name, "graph": {"nodes": nodes, "edges": EDGES},
            "dataset": {"source": "csv", "path": "data/blobs.csv", "target": "label"},
            "training": {**TRAINING, **(training or {})}}
    path = folder / f"{name}.layerlab"
    path.write_text(json.dumps(data, indent=1))
    return path
