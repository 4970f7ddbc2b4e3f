"""Export: .keras/.h5 files that plain Keras reloads compiled, and standalone .py scripts that rebuild the same model.

The .py scripts run in a subprocess where importing layerlab is impossible;
their models must have the same parameters, compile settings and predictions
as the model LayerLab builds, given the same weights.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from layerlab.core import project as projects
from layerlab.core.codegen import generate_script, split_imports
from layerlab.core.errors import Problem
from layerlab.core.export import (
    ExportError,
    InvalidProjectError,
    build_compiled_model,
    check_project,
    compile_section,
    export_project,
    save_model,
)
from layerlab.core.kerasenv import keras
from layerlab.core.weights import model_arrays, weights_path_for, write_arrays

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


def node(nid, type_name, **params):
    return {"id": nid, "type": type_name, "params": params}


def edge(source, target, port=0, source_port=0):
    return {"source": source, "target": target, "port": port, "source_port": source_port}


def make(nodes, edges, training=None, name=None, groups=None):
    data = {"format": "layerlab", "version": 1, "graph": {"nodes": nodes, "edges": edges}}
    if groups:
        data["graph"]["groups"] = groups
    if training is not None:
        data["training"] = training
    if name:
        data["name"] = name
    return projects.from_json(data)


# Graphs that exercise what the generated code must get right.
SPECIAL = {
    "shared_layer": lambda: make(
        [node("left", "Input", shape=[4]), node("right", "Input", shape=[4]),
         node("encoder", "Dense", units=3, activation="tanh"),  # "sum" below must not hide Python's sum()
         {"id": "encoder_again", "type": "Dense", "params": {"units": 3, "activation": "tanh"}, "shares": "encoder"},
         node("sum", "Add"), node("score", "Dense", units=1, activation="sigmoid")],
        [edge("left", "encoder"), edge("right", "encoder_again"), edge("encoder", "sum", 0),
         edge("encoder_again", "sum", 1), edge("sum", "score")],
        {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy", "auc"]}, "siamese"),
    "lstm_states_and_wrapper": lambda: make(
        [node("seq", "Input", shape=[5, 3]),
         node("lstm", "LSTM", units=4, return_state=True),
         node("from_h", "Dense", units=2),
         node("bi", "Bidirectional", layer={"type": "LSTM", "params": {"units": 3}}, merge_mode="concat"),
         node("joined", "Concatenate"), node("from_c", "Dense", units=2, activation="relu")],
        [edge("seq", "lstm"), edge("lstm", "from_h", source_port=1), edge("seq", "bi"),
         edge("lstm", "joined", 0, 0), edge("bi", "joined", 1), edge("from_h", "joined", 2),
         edge("lstm", "from_c", source_port=2)],
        {"optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9, "loss": ["mse", "mae"],
         "loss_weights": [1.0, 0.5], "metrics": ["mae"]}),
    "unconsumed_state_outputs_and_awkward_ids": lambda: make(
        [node("in", "Input", shape=[4, 2]), node("class", "LSTM", units=2, return_state=True, name="class_layer"),
         node("2nd-model", "LSTM", units=3), node("keras", "Dense", units=1)],
        [edge("in", "class"), edge("in", "2nd-model"), edge("2nd-model", "keras")],
        {"optimizer": "rmsprop", "loss": "mse"}),
    "operations_and_keyword_ports": lambda: make(
        [node("seq", "Input", shape=[5, 3]), node("h0", "Input", shape=[4]), node("c0", "Input", shape=[4]),
         node("decoder", "LSTM", units=4, return_sequences=True),
         node("half", "ops.multiply", constant=0.5), node("one_minus", "ops.subtract", constant=1.0,
                                                           constant_first=True),
         node("both", "ops.add"), node("pooled", "ops.mean", axis=1),
         node("joined", "ops.concatenate", axis=-1), node("out", "Dense", units=2)],
        [edge("seq", "decoder"), edge("h0", "decoder", 1), edge("c0", "decoder", 2),
         edge("decoder", "half"), edge("half", "one_minus"), edge("one_minus", "both", 0), edge("decoder", "both", 1),
         edge("both", "pooled"), edge("pooled", "joined", 0), edge("h0", "joined", 1), edge("joined", "out")],
        {"optimizer": "adam", "loss": "mse"}),
    "nested_models": lambda: make(
        [node("a", "Input", shape=[6]), node("b", "Input", shape=[6]),
         node("enc_dense", "Dense", units=5, activation="relu"), node("enc_out", "Dense", units=3),
         {"id": "enc_dense_call2", "type": "Dense", "params": {}, "shares": "enc_dense"},
         {"id": "enc_out_call2", "type": "Dense", "params": {}, "shares": "enc_out"},
         node("diff", "Subtract"), node("frozen_dense", "Dense", units=2, trainable=False),
         node("score", "Dense", units=1)],
        [edge("a", "enc_dense"), edge("enc_dense", "enc_out"), edge("b", "enc_dense_call2"),
         edge("enc_dense_call2", "enc_out_call2"), edge("enc_out", "diff", 0), edge("enc_out_call2", "diff", 1),
         edge("diff", "frozen_dense"), edge("frozen_dense", "score")],
        {"optimizer": "adam", "loss": "mse"}, "siamese_nested",
        groups=[{"id": "enc", "label": "enc", "nodes": ["enc_dense", "enc_out"], "model": True},
                {"id": "enc_2", "label": "enc", "nodes": ["enc_dense_call2", "enc_out_call2"], "model": True,
                 "shares": "enc"},
                {"id": "head", "label": "head", "nodes": ["frozen_dense"], "model": True}]),
    "new_layers": lambda: make(
        [node("img", "Input", shape=[8, 8, 3]), node("flip", "RandomFlip", mode="horizontal"),
         node("pool", "AdaptiveAveragePooling2D", output_size=[2, 2]), node("flat", "Reshape", target_shape=[4, 3]),
         node("rnn", "RNN", cell={"type": "StackedRNNCells", "params": {"cells": [
             {"type": "GRUCell", "params": {"units": 3}}, {"type": "LSTMCell", "params": {"units": 2}}]}}),
         node("ein", "EinsumDense", equation="ab,bc->ac", output_shape=2, bias_axes="c"),
         node("norm", "RMSNormalization")],
        [edge("img", "flip"), edge("flip", "pool"), edge("pool", "flat"), edge("flat", "rnn"), edge("rnn", "ein"),
         edge("ein", "norm")],
        {"optimizer": "adam", "loss": "mse"}),
}
CASES = [f"example:{p.stem}" for p in sorted(EXAMPLES.glob("*.layerlab"))] + [f"graph:{k}" for k in SPECIAL]


def load_case(case: str):
    kind, name = case.split(":", 1)
    return projects.load(EXAMPLES / f"{name}.layerlab") if kind == "example" else SPECIAL[name]()


def random_inputs(model, rng):
    xs = []
    for t in model.inputs:
        shape = (3, *t.shape[1:])
        if "int" in str(t.dtype):
            xs.append(rng.integers(0, 50, size=shape).astype(str(t.dtype)))
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    return xs


def comparable_compile_config(model) -> dict:
    config = json.loads(json.dumps(model.get_compile_config()))
    config["optimizer"]["config"].pop("name", None)  # Keras numbers optimizer names per process
    return config


RUNNER = textwrap.dedent(
    """
    import contextlib, importlib.util, io, json, sys
    class Block:  # the exported script must stand alone
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "layerlab":
                raise ImportError("blocked: " + name)
    sys.meta_path.insert(0, Block())
    import numpy as np
    out = {}
    for case in json.load(open(sys.argv[1])):
        spec = importlib.util.spec_from_file_location("exported_" + str(len(out)), case["script"])
        module = importlib.util.module_from_spec(spec)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            spec.loader.exec_module(module)  # importing must not train (nor print)
        model = module.build_model()
        model.load_weights(case["weights"])
        data = np.load(case["inputs"])
        xs = [data[f"x{i}"] for i in range(len(data.files))]
        preds = model(xs if len(xs) > 1 else xs[0], training=False)
        preds = preds if isinstance(preds, (list, tuple)) else [preds]
        np.savez(case["preds"], *[np.asarray(p) for p in preds])
        config = json.loads(json.dumps(model.get_compile_config()))
        config["optimizer"]["config"].pop("name", None)
        out[case["name"]] = {"params": model.count_params(), "printed": printed.getvalue(),
                             "iterations": int(model.optimizer.iterations.numpy()),
                             "top_level": sorted(m for m in ("keras", "numpy", "sklearn", "tensorflow")
                                                 if hasattr(module, m) or hasattr(module, "np")),
                             "compile": config, "layers": [l.name for l in model.layers]}
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every case exported to .py, plus the LayerLab model's weights and predictions; one subprocess runs all."""
    tmp = tmp_path_factory.mktemp("py_export")
    rng = np.random.default_rng(0)
    jobs, expected = [], {}
    for i, case in enumerate(CASES):
        try:
            project = load_case(case)
            model = build_compiled_model(project, weights=False)
        except InvalidProjectError as exc:  # reported by the test of that case
            expected[case] = exc
            continue
        script = tmp / f"case{i}.py"
        export_project(project, script)
        weights = tmp / f"case{i}.weights.h5"
        model.save_weights(weights)
        xs = random_inputs(model, rng)
        np.savez(tmp / f"case{i}_x.npz", **{f"x{j}": x for j, x in enumerate(xs)})
        preds = model(xs if len(xs) > 1 else xs[0], training=False)
        expected[case] = {"params": model.count_params(), "compile": comparable_compile_config(model),
                          "preds": [np.asarray(p) for p in (preds if isinstance(preds, (list, tuple)) else [preds])],
                          "layers": [layer.name for layer in model.layers]}
        jobs.append({"name": case, "script": str(script), "weights": str(weights),
                     "inputs": str(tmp / f"case{i}_x.npz"), "preds": str(tmp / f"case{i}_p.npz")})
    (tmp / "jobs.json").write_text(json.dumps(jobs))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(tmp / "jobs.json")], capture_output=True, text=True,
                          timeout=400, cwd=tmp, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"expected": expected, "got": got, "jobs": {j["name"]: j for j in jobs}}


@pytest.mark.parametrize("case", CASES)
def test_py_export_rebuilds_the_same_model(exported, case):
    expected = exported["expected"][case]
    if isinstance(expected, Exception):
        pytest.fail(f"{case} does not build: {expected}")
    got = exported["got"][case]
    assert got["params"] == expected["params"]
    assert got["layers"] == expected["layers"]
    assert got["compile"] == expected["compile"]
    assert got["printed"] == "" and got["iterations"] == 0  # importing trained nothing
    preds = np.load(exported["jobs"][case]["preds"])
    assert len(preds.files) == len(expected["preds"])
    for i, want in enumerate(expected["preds"]):
        np.testing.assert_allclose(preds[f"arr_{i}"], want, rtol=1e-5, atol=1e-6)


def lint(text: str, tmp_path: Path, select: str) -> str:
    script = tmp_path / "script.py"
    script.write_text(text)
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", select,
                          "--line-length", "79", str(script)], capture_output=True, text=True)
    return "" if run.returncode == 0 else run.stdout


def test_generated_script_is_pep8_and_imports_only_keras_and_numpy(tmp_path):
    for case in CASES:
        try:
            project = load_case(case)
            report = check_project(project)
        except InvalidProjectError:
            continue  # an example waiting for its catalog entries; test_py_export reports it
        # LayerLab's own code must be PEP 8; the data loader comes from layerlab.core.data.script.
        for loader in (None, DIGITS_LOADER):
            text = generate_script(project, report=report, training=compile_section(project), loader=loader)
            assert lint(text, tmp_path, "E,W,F,I,N,B,A") == "", case
        text = generate_script(project, report=report, training=compile_section(project))
        assert lint(text, tmp_path, "E9,F401,F811,F821,F822,F823") == "", case  # the real loader joins cleanly
        tops = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert tops and all(line.split()[1].split(".")[0] in ("keras", "numpy") for line in tops), (case, tops)


DIGITS_LOADER = textwrap.dedent(
    '''
    import numpy as np


    def load_data():
        """The first 300 of scikit-learn's digits, scaled to [0, 1]."""
        from sklearn.datasets import load_digits

        digits = load_digits()
        x = (digits.data[:300] / 16.0).astype(np.float32)
        return (x, digits.target[:300]), (x[:50], digits.target[:50])
    '''
)


def digits_project():
    return make(
        [node("pixels", "Input", shape=[64]), node("hidden", "Dense", units=16, activation="relu"),
         node("digit", "Dense", units=10, activation="softmax")],
        [edge("pixels", "hidden"), edge("hidden", "digit")],
        {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"], "epochs": 50,
         "batch_size": 64, "validation_split": 0.2, "seed": 3,
         "callbacks": [{"type": "EarlyStopping", "params": {"patience": 2, "monitor": "loss"}}]}, "digits")


# Runs scripts as `python SCRIPT ARGS...` would (run_name "__main__"), several in one process to import
# TensorFlow once; each run's output follows a "=== run i" line.
MAIN_RUNNER = textwrap.dedent(
    """
    import json, runpy, sys
    for i, argv in enumerate(json.loads(sys.argv[1])):
        print(f"=== run {i}", flush=True)
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
        sys.stdout.flush()
    """
)


def run_as_scripts(tmp_path, *argvs):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", MAIN_RUNNER, json.dumps([[str(a) for a in v] for v in argvs])],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split("=== run ")[1:]


def test_running_the_script_trains_on_its_data_and_saves_only_when_asked(tmp_path):
    project = digits_project()
    text = generate_script(project, report=check_project(project), training=compile_section(project),
                           script_name="digits.py", loader=DIGITS_LOADER)
    assert text.count("import numpy as np") == 1  # the loader's import joined the script's own
    script = tmp_path / "digits.py"
    script.write_text(text)
    nodata = digits_project()
    nodata.dataset = None
    export_project(nodata, tmp_path / "nodata.py")
    listing = sorted(p.name for p in tmp_path.iterdir())
    saved = tmp_path / "trained.keras"
    trained, untrained, saving = run_as_scripts(tmp_path, [script, "--epochs", "2"], [tmp_path / "nodata.py"],
                                                [script, "--epochs", "1", "--save", saved])
    assert "Epoch 2/2" in trained and "Epoch 3/" not in trained
    assert "val_accuracy" in trained  # validation_split came along
    assert "Total params: 1,210" in untrained and "no dataset to train on" in untrained
    assert "accuracy:" in saving and f"Saved the trained model to {saved}" in saving
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(listing + ["trained.keras"])  # only when asked
    reloaded = keras().models.load_model(saved)
    assert reloaded.count_params() == 64 * 16 + 16 + 16 * 10 + 10
    assert int(reloaded.optimizer.iterations.numpy()) == 4  # one epoch: 240 training rows / batch 64


def test_a_dataset_that_cannot_be_loaded_still_exports_the_model(tmp_path):
    project = digits_project()
    project.path = tmp_path / "p.layerlab"
    project.dataset = {"source": "csv", "path": "missing.csv", "target": "label"}
    result = export_project(project, tmp_path / "p.py")
    assert len(result.notes) == 1 and result.notes[0].startswith("the script has no data loader: ")
    assert "missing.csv" in result.notes[0]
    text = (tmp_path / "p.py").read_text()
    assert "def build_model():" in text and "No data loader was exported" in text


def test_split_imports_hoists_only_top_level_imports():
    imports, rest = split_imports(DIGITS_LOADER)
    assert imports == ["import numpy as np"]
    assert "from sklearn.datasets import load_digits" in rest and rest.startswith("def load_data")


def test_keras_and_h5_exports_reload_compiled_with_the_stored_weights(tmp_path):
    project = SPECIAL["lstm_states_and_wrapper"]()
    project.path = tmp_path / "states.layerlab"
    projects.save(project, project.path)
    trained = build_compiled_model(project, weights=False)
    rng = np.random.default_rng(1)
    arrays = {name: [rng.normal(size=a.shape).astype("float32") for a in values]
              for name, values in model_arrays(trained).items()}
    write_arrays(weights_path_for(project.path), arrays)
    for suffix in (".keras", ".h5"):
        result = export_project(project, tmp_path / f"out{suffix}")
        assert result.notes == []
        model = keras().models.load_model(result.path)
        assert model.compiled and type(model.optimizer).__name__ == "SGD"
        assert result.total_params == model.count_params() == trained.count_params()
        assert {layer.name for layer in model.layers if layer.weights} == set(arrays)
        for name, want in arrays.items():
            for got, value in zip(model.get_layer(name).get_weights(), want, strict=True):
                np.testing.assert_array_equal(got, value)
        targets = [np.zeros((3, *t.shape[1:])) for t in model.outputs]
        assert np.isfinite(model.evaluate(random_inputs(model, rng)[0], targets, verbose=0)[0])
    no_weights = keras().models.load_model(export_project(project, tmp_path / "fresh.keras", weights=False).path)
    assert not np.array_equal(no_weights.get_layer("from_h").get_weights()[0], arrays["from_h"][0])


def test_stored_weights_that_no_longer_fit_are_noted(tmp_path):
    project = digits_project()
    project.path = tmp_path / "d.layerlab"
    write_arrays(weights_path_for(project.path), {"hidden": [np.zeros((64, 99)), np.zeros(99)]})
    result = export_project(project, tmp_path / "d.keras")
    assert result.notes == [
        "layer 'hidden' keeps fresh weights: stored shapes [(64, 99), (99,)] do not fit [(64, 16), (16,)]",
        "layer 'digit' keeps fresh weights: no stored weights"]


def test_saving_h5_then_keras_keeps_the_optimizer(tmp_path):
    # Keras's legacy .h5 writer drops the optimizer from the model's compile config; save_model restores it.
    model = build_compiled_model(digits_project(), weights=False)
    save_model(model, tmp_path / "a.h5")
    save_model(model, tmp_path / "b.keras")
    for name in ("a.h5", "b.keras"):
        assert type(keras().models.load_model(tmp_path / name).optimizer).__name__ == "Adam"


def test_invalid_projects_are_refused_with_every_error():
    project = make([node("x", "Input", shape=[4]), node("bad", "Dense", units=0), node("nope", "Dense2")],
                   [edge("x", "bad"), edge("bad", "nope")])
    with pytest.raises(InvalidProjectError) as err:
        export_project(project, "never.keras")
    assert err.value.exit_code == 1
    nodes = {p.node for p in err.value.problems}
    assert {"bad", "nope"} <= nodes
    assert not Path("never.keras").exists()


def test_a_bad_training_section_is_refused():
    project = digits_project()
    project.training = {"loss": "nonsense"}
    with pytest.raises(InvalidProjectError, match="nonsense"):
        export_project(project, "never.h5")


@pytest.mark.parametrize("name", ["model.txt", "model", "model.pt"])
def test_unsupported_output_types_are_usage_errors(name):
    with pytest.raises(ExportError) as err:
        export_project(digits_project(), name)
    assert err.value.exit_code == 2 and ".keras, .h5, .py" in str(err.value)


def test_export_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "m.keras"
    target.write_bytes(b"the previous export")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ExportError, match="No space left"):
        export_project(digits_project(), target)
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_invalid_project_error_lists_one_line_per_problem():
    exc = InvalidProjectError([Problem("bad units", node="d1"), Problem("no Input")], "p.layerlab")
    assert str(exc).splitlines() == ["p.layerlab is invalid (2 errors):", "  error: node 'd1': bad units",
                                     "  error: no Input"]
