"""Training under tf.distribute: TF_CONFIG checks, and a real mirrored run on two logical CPUs.

Logical devices must be configured before TensorFlow initialises, so that run
happens in a fresh process.
"""

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from layerlab.core.training.distribute import check_kind, check_tf_config
from layerlab.core.training.errors import DistributeError

TESTS = Path(__file__).parent

RUN = textwrap.dedent("""
    import json, math, sys
    sys.path.insert(0, {tests!r})
    from layerlab.core.kerasenv import keras
    keras()
    import tensorflow as tf
    if {logical_cpus}:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * {logical_cpus})
    from test_training_support import CLASSIFY, blob_dataset, mlp
    from layerlab.core.training import TrainingSession
    session = TrainingSession(mlp(), blob_dataset(), dict(CLASSIFY, epochs=1, seed=0), distribute={kind!r})
    record = session.run()
    kernel = session.model.get_layer("hidden").kernel.value
    print(json.dumps({{"status": record.status, "reason": record.reason, "loss": record.history["loss"],
                      "replicas": session.strategy.num_replicas_in_sync, "trained_on": record.devices,
                      "devices": [v.device for v in getattr(kernel, "values", [])]}}))
""")


def _start(kind, logical_cpus=0, env=None):  # env: e.g. a TF_CONFIG for a multi-worker run
    code = RUN.format(tests=str(TESTS), logical_cpus=logical_cpus, kind=kind)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def _result(proc):
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_mirrored_trains_on_two_replicas():
    m = _result(_start("mirrored", logical_cpus=2))
    assert m["status"] == "finished", m["reason"]
    assert m["replicas"] == 2
    assert m["trained_on"] == ["CPU:0", "CPU:1"]  # the run's record says where it trained
    assert [d.rsplit(":", 2)[-2:] for d in m["devices"]] == [["CPU", "0"], ["CPU", "1"]]  # one copy per replica
    assert len(m["loss"]) == 1 and math.isfinite(m["loss"][0])


@pytest.mark.parametrize("text, words", [
    (None, "needs the TF_CONFIG environment variable"),
    ("  ", "needs the TF_CONFIG environment variable"),
    ("{cluster", "TF_CONFIG is not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"task": {"type": "worker", "index": 0}}', 'no "cluster" object'),
    ('{"cluster": {"worker": "h:1"}, "task": {"type": "worker"}}', 'cluster.worker must be a list of "host:port"'),
    ('{"cluster": {"worker": ["h1"]}, "task": {"type": "worker"}}', 'cluster.worker must be a list of "host:port"'),
    ('{"cluster": {"ps": ["h:1"]}, "task": {"type": "ps"}}', 'no "worker" (or "chief") list'),
    ('{"cluster": {"worker": ["h:1"]}}', 'no "task" object'),
    ('{"cluster": {"worker": ["h:1"]}, "task": {"type": "boss"}}', "task.type must be one of"),
    ('{"cluster": {"worker": ["h:1"]}, "task": {"type": "chief"}}', 'the cluster has no "chief" list'),
    ('{"cluster": {"worker": ["h:1", "h:2"]}, "task": {"type": "worker", "index": 2}}', "task.index must be 0 to 1"),
])
def test_bad_tf_config_is_a_clear_error(text, words):
    with pytest.raises(DistributeError) as err:
        check_tf_config(text)
    assert words in str(err.value)
    assert err.value.exit_code == 2


def test_kinds_are_checked_before_tensorflow_loads(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    check_kind(None)
    check_kind("mirrored")
    with pytest.raises(DistributeError, match="unknown distribution 'gpu'"):
        check_kind("gpu")
    good = {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(good))
    with pytest.raises(DistributeError, match="keras-team/keras#20585"):  # Keras 3 fit fails under it upstream
        check_kind("multi-worker")


def test_two_multi_worker_processes_both_end_at_once_naming_the_upstream_issue(tmp_path):
    """Two real workers on localhost: each refuses before TensorFlow loads, writes nothing, and says why."""
    sys.path.insert(0, str(TESTS))
    from test_train_cli import make_project

    path = make_project(tmp_path)
    cluster = {"worker": ["127.0.0.1:23461", "127.0.0.1:23462"]}
    procs = []
    for index in (0, 1):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        procs.append(subprocess.Popen(
            [sys.executable, "-c", "import sys; from layerlab.cli import main; sys.exit(main())", "train", str(path),
             "--distribute", "multi-worker", "--save", "--history", str(tmp_path / f"h{index}.json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err
        assert "keras-team/keras#20585" in err and "Traceback" not in err
    assert not list(tmp_path.glob("h*.json")) and not (tmp_path / "blobs.weights.h5").exists()
