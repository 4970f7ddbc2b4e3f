"""Training beyond one device: tf.distribute strategies for `--distribute`.

`mirrored` copies the model onto every local GPU (or, on a machine without
GPUs, onto every logical CPU device, which is how the tests run it on two
replicas). `multi-worker` would train across the machines of the TF_CONFIG
environment variable, but Keras 3's fit fails under MultiWorkerMirroredStrategy
(keras-team/keras#20585), so it is refused before TensorFlow loads, with a
message naming the upstream issue, instead of failing or hanging on every
worker. `check_tf_config` stays for the day it works.
"""

from __future__ import annotations

import json

from layerlab.core.training.errors import DistributeError

KINDS = ("mirrored", "multi-worker")
UPSTREAM_ISSUE = "keras-team/keras#20585"
# Tried with Keras 3.15.1 + TensorFlow 2.21 and two workers on localhost: NumPy arrays, a tf.data dataset
# (auto-shard DATA and OFF, steps_per_execution), and strategy.experimental_distribute_dataset; every one fails
# in fit with "Attempt to convert a value (PerReplica:...) with an unsupported type", as plain Keras does.
MULTI_WORKER_BROKEN = (
    "--distribute multi-worker does not work with Keras 3 yet: Keras's fit under TensorFlow's "
    f"MultiWorkerMirroredStrategy fails on every worker before the first epoch (upstream: {UPSTREAM_ISSUE}, "
    "tensorflow/tensorflow#72388). Nothing was trained; train on one machine (--distribute mirrored uses "
    "all its GPUs)")
_TASK_TYPES = ("worker", "chief", "evaluator", "ps")


def check_tf_config(text: str | None) -> dict:
    """Parse TF_CONFIG; raise DistributeError saying what is missing or wrong."""
    if text is None or not text.strip():
        raise DistributeError(
            "--distribute multi-worker needs the TF_CONFIG environment variable, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}')
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DistributeError(f"TF_CONFIG is not valid JSON (column {exc.colno}: {exc.msg})") from None
    if not isinstance(config, dict):
        raise DistributeError("TF_CONFIG must be a JSON object with \"cluster\" and \"task\"")
    cluster, task = config.get("cluster"), config.get("task")
    if not isinstance(cluster, dict) or not cluster:
        raise DistributeError('TF_CONFIG has no "cluster" object (e.g. {"worker": ["host1:12345", ...]})')
    for role, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses or not all(
                isinstance(a, str) and ":" in a for a in addresses):
            raise DistributeError(f'TF_CONFIG cluster.{role} must be a list of "host:port" addresses')
    if "worker" not in cluster and "chief" not in cluster:
        raise DistributeError('TF_CONFIG cluster has no "worker" (or "chief") list')
    if not isinstance(task, dict):
        raise DistributeError('TF_CONFIG has no "task" object (e.g. {"type": "worker", "index": 0})')
    ttype, index = task.get("type"), task.get("index", 0)
    if ttype not in _TASK_TYPES:
        raise DistributeError(f"TF_CONFIG task.type must be one of {', '.join(_TASK_TYPES)}, not {ttype!r}")
    if ttype not in cluster:
        raise DistributeError(f'TF_CONFIG task.type is "{ttype}" but the cluster has no "{ttype}" list')
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(cluster[ttype]):
        raise DistributeError(f"TF_CONFIG task.index must be 0 to {len(cluster[ttype]) - 1} "
                              f"(cluster.{ttype} has {len(cluster[ttype])} addresses), not {index!r}")
    return config


def check_kind(kind: str | None) -> None:
    """Reject an unknown kind, and a multi-worker run without a usable TF_CONFIG, before TensorFlow loads."""
    if kind is None:
        return
    if kind not in KINDS:
        raise DistributeError(f"unknown distribution {kind!r}; choose one of: {', '.join(KINDS)}")
    if kind == "multi-worker":
        raise DistributeError(MULTI_WORKER_BROKEN)


def make_strategy(kind: str | None):
    """A tf.distribute strategy for `kind`, or None to train on the default device."""
    check_kind(kind)
    if kind is None:
        return None
    from layerlab.core.kerasenv import keras

    keras()  # sets TensorFlow's logging up before it loads
    import tensorflow as tf

    if kind == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices=devices)
    return tf.distribute.MultiWorkerMirroredStrategy()


def training_devices(strategy) -> list[str]:
    """The devices a model trains on, short: ["CPU"], ["GPU:0"], ["CPU:0", "CPU:1"] under a mirrored strategy."""
    from layerlab.core.kerasenv import keras

    keras()
    import tensorflow as tf

    if strategy is not None:
        names = list(getattr(strategy.extended, "worker_devices", ()) or ())
        return [_short(n) for n in names] or ["CPU"]
    gpus = tf.config.list_logical_devices("GPU")
    return [_short(gpus[0].name)] if gpus else ["CPU"]  # Keras places its ops on the first GPU when there is one


def _short(name: str) -> str:
    """"/job:localhost/replica:0/task:0/device:GPU:0" -> "GPU:0"."""
    return name.rsplit("device:", 1)[-1]
