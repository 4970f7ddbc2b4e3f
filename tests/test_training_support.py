"""Builders shared by the training tests: tiny seeded data, small graphs, a recording listener."""

import threading
import time

import numpy as np

from layerlab.core.data import Dataset
from layerlab.core.document import GraphDocument
from layerlab.core.training.listener import TrainingListener


def blobs(n=96, features=4, classes=3, seed=0):
    """A seeded, learnable classification problem: one Gaussian blob per class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n).astype("int32")
    centers = rng.normal(0, 3, (classes, features))
    x = (centers[y] + rng.normal(0, 1, (n, features))).astype("float32")
    return x, y


def blob_dataset(n_train=96, n_test=30, seed=0):
    x, y = blobs(n_train + n_test, seed=seed)
    return Dataset(x[:n_train], y[:n_train], x[n_train:], y[n_train:], class_names=["a", "b", "c"])


def mlp(features=4, classes=3, hidden=8, dropout=None):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [features]}, node_id="x")
    doc.add_node("Dense", {"units": hidden, "activation": "relu"}, node_id="hidden")
    doc.add_edge("x", "hidden")
    last = "hidden"
    if dropout:
        doc.add_node("Dropout", {"rate": dropout}, node_id="drop")
        doc.add_edge("hidden", "drop")
        last = "drop"
    doc.add_node("Dense", {"units": classes, "activation": "softmax"}, node_id="out")
    doc.add_edge(last, "out")
    return doc


CLASSIFY = {"optimizer": "adam", "learning_rate": 0.01, "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"], "epochs": 2, "batch_size": 16, "validation_split": 0.0}


class Recorder(TrainingListener):
    """Keeps every call, with the time it arrived."""

    def __init__(self):
        self.events = []
        self.first_batch = threading.Event()

    def on_start(self, epochs, steps_per_epoch, samples):
        self.events.append(("start", epochs, steps_per_epoch, samples))

    def on_batch(self, epoch, batch, logs):
        self.events.append(("batch", epoch, batch, dict(logs), time.monotonic()))
        self.first_batch.set()

    def on_epoch(self, epoch, logs):
        self.events.append(("epoch", epoch, dict(logs)))

    def on_end(self, status, reason):
        self.events.append(("end", status, reason))

    def of(self, kind):
        return [e for e in self.events if e[0] == kind]

