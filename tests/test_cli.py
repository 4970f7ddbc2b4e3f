"""The `layerlab` check, summary and export commands: exit codes, output formats, clear one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from layerlab.cli import main
from layerlab.core.export import ExportError
from layerlab.core.kerasenv import keras

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
BINARY = str(EXAMPLES / "binary_csv.layerlab")


def node(nid, type_name, **params):
    return {"id": nid, "type": type_name, "params": params}


def edge(source, target, port=0, source_port=0):
    return {"source": source, "target": target, "port": port, "source_port": source_port}


def write(tmp_path, filename, nodes=None, edges=None, text=None, **top):
    path = tmp_path / filename
    if text is None:
        data = {"format": "layerlab", "version": 1, "graph": {"nodes": nodes or [], "edges": edges or []}, **top}
        text = json.dumps(data)
    path.write_text(text)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def json_lines(out):
    return [json.loads(line) for line in out.splitlines()]


CHAIN = [node("x", "Input", shape=[6]), node("h", "Dense", units=4, activation="relu"), node("y", "Dense", units=1)]
CHAIN_EDGES = [edge("x", "h"), edge("h", "y")]

# Projects that read fine but are not valid models: (nodes, edges, node at fault, words in its message).
INVALID = {
    "unknown type": ([node("x", "Input", shape=[6]), node("h", "Dense2", units=3)], [edge("x", "h")], "h",
                     "Unknown layer type 'Dense2' (did you mean Dense?)"),
    "negative units": ([node("x", "Input", shape=[6]), node("h", "Dense", units=-3)], [edge("x", "h")], "h", "units"),
    "units as text": ([node("x", "Input", shape=[6]), node("h", "Dense", units="twelve")], [edge("x", "h")], "h",
                      "units"),
    "unknown activation": ([node("x", "Input", shape=[6]), node("h", "Dense", units=3, activation="relux")],
                           [edge("x", "h")], "h", "activation"),
    "cycle": ([node("x", "Input", shape=[6]), node("a", "Dense", units=3), node("b", "Dense", units=3),
               node("m", "Add")],
              [edge("x", "m", 0), edge("b", "m", 1), edge("m", "a"), edge("a", "b")], "a", "cycle"),
    "shape mismatch": ([node("x", "Input", shape=[6]), node("z", "Input", shape=[4, 2]), node("c", "Concatenate")],
                       [edge("x", "c", 0), edge("z", "c", 1)], "c", "(None, 6)"),
    "empty port": ([node("x", "Input", shape=[6]), node("d", "Dense", units=2)], [], "d", "not connected"),
}


def test_check_valid_project(capsys):
    code, out, err = run(capsys, "check", BINARY)
    assert code == 0 and err == ""
    assert out == f"{BINARY}: valid (4 nodes, 221 parameters)\n"


def test_check_json_has_the_contract_shape_with_keras_numbers(capsys):
    code, out, _ = run(capsys, "check", "--json", BINARY)
    assert code == 0
    (obj,) = json_lines(out)
    assert list(obj) == ["file", "valid", "nodes", "errors", "warnings"]
    assert obj["file"] == BINARY and obj["valid"] is True and obj["errors"] == [] and obj["warnings"] == []
    k = keras()
    inp = k.Input((8,), name="features")
    h1 = k.layers.Dense(12, activation="relu", name="hidden1")
    h2 = k.layers.Dense(8, activation="relu", name="hidden2")
    out_layer = k.layers.Dense(1, activation="sigmoid", name="diagnosis")
    outs = {"features": inp}
    outs["hidden1"] = h1(inp)
    outs["hidden2"] = h2(outs["hidden1"])
    outs["diagnosis"] = out_layer(outs["hidden2"])
    counts = {"features": 0, "hidden1": h1.count_params(), "hidden2": h2.count_params(),
              "diagnosis": out_layer.count_params()}
    assert obj["nodes"] == {n: {"output_shape": list(t.shape), "params": counts[n]} for n, t in outs.items()}
    assert obj["nodes"]["hidden1"] == {"output_shape": [None, 12], "params": 108}  # the issue's own example


def test_check_json_lists_several_output_shapes_and_warnings(tmp_path, capsys):
    nodes = [node("seq", "Input", shape=[5, 3]), node("lstm", "LSTM", units=4, return_state=True),
             node("h", "Dense", units=2, activation="relu"), node("spare", "Input", shape=[2])]
    path = write(tmp_path, "states.layerlab", nodes, [edge("seq", "lstm"), edge("lstm", "h", source_port=1)])
    code, out, _ = run(capsys, "check", "--json", path)
    (obj,) = json_lines(out)
    assert code == 0 and obj["valid"] is True
    assert obj["nodes"]["lstm"] == {"output_shape": [[None, 4], [None, 4], [None, 4]], "params": 128}
    assert [w["node"] for w in obj["warnings"]] == ["spare"] and "not connected" in obj["warnings"][0]["message"]


@pytest.mark.parametrize("case", list(INVALID))
def test_check_invalid_projects_exit_1_naming_the_node(case, tmp_path, capsys):
    nodes, edges, at_fault, words = INVALID[case]
    path = write(tmp_path, "bad.layerlab", nodes, edges)
    code, out, err = run(capsys, "check", path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: invalid (")
    assert any(line.startswith(f"{path}: error: node '{at_fault}': ") and words in line for line in lines[1:]), out

    code, out, _ = run(capsys, "check", "--json", path)
    (obj,) = json_lines(out)
    assert code == 1 and obj["valid"] is False
    assert any(e["node"] == at_fault and words in e["message"] for e in obj["errors"])
    assert set(obj["nodes"]) == {n["id"] for n in nodes}
    for e in obj["errors"]:
        assert list(e) == ["node", "message"] and "\n" not in e["message"]


def test_check_json_unknown_shapes_are_null(tmp_path, capsys):
    path = write(tmp_path, "bad.layerlab", [node("x", "Input", shape=[6]), node("h", "Dense", units=0),
                                            node("y", "Dense", units=2)], [edge("x", "h"), edge("h", "y")])
    _, out, _ = run(capsys, "check", "--json", path)
    nodes = json_lines(out)[0]["nodes"]
    assert nodes["h"] == {"output_shape": None, "params": None}
    assert nodes["y"] == {"output_shape": None, "params": None}  # downstream of the error: unknown, not wrong


def test_check_graph_wide_and_loading_problems(tmp_path, capsys):
    nodes = [node("d", "Dense", units=2), node("d", "Dense", units=3)]
    path = write(tmp_path, "odd.layerlab", nodes, [edge("ghost", "d")])
    code, out, _ = run(capsys, "check", "--json", path)
    obj = json_lines(out)[0]
    assert code == 1
    messages = [(e["node"], e["message"]) for e in obj["errors"]]
    assert any(n is None and "no Input" in m for n, m in messages)
    assert any("Duplicate node id 'd'" in m for _, m in messages)
    assert any("unknown node 'ghost'" in m for _, m in messages)


def test_check_training_section_errors_make_the_project_invalid(tmp_path, capsys):
    path = write(tmp_path, "t.layerlab", CHAIN, CHAIN_EDGES, training={"loss": "nonsense", "epochs": 2})
    code, out, _ = run(capsys, "check", "--json", path)
    obj = json_lines(out)[0]
    assert code == 1 and obj["valid"] is False
    assert [e["node"] for e in obj["errors"]] == [None] and "nonsense" in obj["errors"][0]["message"]


UNREADABLE = {
    "malformed JSON": ('{"format": "layerlab", "version": 1, "graph": {', "not valid JSON (line 1"),
    "not a project": ('{"hello": 1}', "not a LayerLab project"),
    "newer version": ('{"format": "layerlab", "version": 99}', "version 99 is newer"),
    "nodes not a list": ('{"format": "layerlab", "version": 1, "graph": {"nodes": 3}}', "must be lists"),
    "binary junk": (None, "not UTF-8"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_files_exit_2_with_one_line(case, tmp_path, capsys):
    text, words = UNREADABLE[case]
    path = tmp_path / "broken.layerlab"
    if text is None:
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        path.write_text(text)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"layerlab: {path}: ") and words in err

    code, out, err = run(capsys, "check", "--json", str(path))
    assert code == 2 and err == ""
    (obj,) = json_lines(out)
    assert obj == {"file": str(path), "valid": False, "nodes": {},
                   "errors": [{"node": None, "message": obj["errors"][0]["message"]}], "warnings": []}
    assert words in obj["errors"][0]["message"]


def test_check_several_files_one_line_each_and_the_worst_exit_code(tmp_path, capsys):
    bad = write(tmp_path, "bad.layerlab", *INVALID["negative units"][:2])
    missing = str(tmp_path / "missing.layerlab")
    code, out, _ = run(capsys, "check", "--json", BINARY, bad)
    assert code == 1 and [o["valid"] for o in json_lines(out)] == [True, False]
    code, out, _ = run(capsys, "check", "--json", BINARY, missing, bad)
    objs = json_lines(out)
    assert code == 2 and [o["file"] for o in objs] == [BINARY, missing, bad]
    assert "no such file" in objs[1]["errors"][0]["message"]
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 2


def test_check_all_bundled_examples(capsys):
    paths = sorted(str(p) for p in EXAMPLES.glob("*.layerlab"))
    code, out, _ = run(capsys, "check", *paths)
    assert code == 0 and out.count(": valid (") == len(paths) >= 8


def test_summary_table_and_totals_match_keras(tmp_path, capsys):
    nodes = [node("left", "Input", shape=[4]), node("right", "Input", shape=[4]),
             node("encoder", "Dense", units=3),
             {"id": "encoder_2", "type": "Dense", "params": {"units": 3}, "shares": "encoder"},
             node("joined", "Concatenate"), node("norm", "BatchNormalization")]
    edges = [edge("left", "encoder"), edge("right", "encoder_2"), edge("encoder", "joined", 0),
             edge("encoder_2", "joined", 1), edge("joined", "norm")]
    path = write(tmp_path, "siamese.layerlab", nodes, edges, name="siamese")
    code, out, err = run(capsys, "summary", path)
    assert code == 0 and err == ""
    k = keras()
    left, right = k.Input((4,), name="left"), k.Input((4,), name="right")
    encoder = k.layers.Dense(3, name="encoder")
    model = k.Model([left, right], k.layers.BatchNormalization(name="norm")(
        k.layers.Concatenate(name="joined")([encoder(left), encoder(right)])))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    lines = out.splitlines()
    assert lines[0] == 'Model: "siamese"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected", "to"]
    assert f" Total params: {model.count_params():,} " in out
    assert f" Trainable params: {trainable:,} " in out
    assert f" Non-trainable params: {model.count_params() - trainable:,} " in out
    rows = {line.split("  ")[0].strip(): i for i, line in enumerate(lines) if line.startswith(" ") and "(" in line}
    assert lines[rows["encoder (Dense)"]].split()[-2:] == [str(encoder.count_params()), "left[0][0]"]
    assert lines[rows["encoder (Dense, shared)"]].split()[-2:] == ["0", "right[0][0]"]  # counted once, as Keras
    joined = lines[rows["joined (Concatenate)"]: rows["joined (Concatenate)"] + 2]
    assert [line.split()[-1] for line in joined] == ["encoder[0][0]", "encoder[1][0]"]  # layer[call][output]


@pytest.mark.parametrize("case", ["unknown type", "cycle"])
def test_summary_of_an_invalid_project_still_shows_the_table(case, tmp_path, capsys):
    nodes, edges, at_fault, words = INVALID[case]
    path = write(tmp_path, "bad.layerlab", nodes, edges)
    code, out, err = run(capsys, "summary", path)
    assert code == 1
    assert f"{at_fault} ({next(n['type'] for n in nodes if n['id'] == at_fault)})" in out and "?" in out
    assert out.count(" (") >= len(nodes)  # every node has its row
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith(f"{path}: error: ")]
    assert f"node '{at_fault}'" in err and words in err


def test_summary_of_an_unreadable_file(tmp_path, capsys):
    path = write(tmp_path, "x.layerlab", text="{oops")
    code, out, err = run(capsys, "summary", path)
    assert code == 2 and out == "" and err.startswith("layerlab: ") and err.count("\n") == 1


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".py"])
def test_export_writes_each_format(suffix, tmp_path, capsys):
    out_path = tmp_path / f"model{suffix}"
    code, out, err = run(capsys, "export", BINARY, "-o", str(out_path))
    assert code == 0 and err == ""
    assert out.startswith(f"Exported {BINARY} to {out_path} (") and "221 parameters" in out
    if suffix == ".py":
        assert "def build_model():" in out_path.read_text()
    else:
        assert keras().models.load_model(out_path).count_params() == 221
    assert sorted(p.name for p in tmp_path.iterdir()) == [out_path.name]  # no temp file left


def test_export_invalid_project_exits_1_listing_errors(tmp_path, capsys):
    nodes, edges, at_fault, words = INVALID["units as text"]
    path = write(tmp_path, "bad.layerlab", nodes + [node("z", "Nope")], edges)
    code, out, err = run(capsys, "export", path, "-o", str(tmp_path / "m.keras"))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"layerlab: {path} is invalid; nothing was exported"
    assert any(f"node '{at_fault}'" in line and words in line for line in lines[1:])
    assert any("node 'z'" in line for line in lines[1:])
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.parametrize("target", ["model.txt", "model", "model.onnx"])
def test_export_to_an_unsupported_file_is_bad_usage(target, tmp_path, capsys):
    code, out, err = run(capsys, "export", BINARY, "-o", str(tmp_path / target))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "use one of: .keras, .h5, .py" in err
    assert list(tmp_path.iterdir()) == []


def test_export_usage_and_unreadable_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse: -o is required
        main(["export", BINARY])
    assert exc.value.code == 2
    assert "-o" in capsys.readouterr().err
    code, _, err = run(capsys, "export", str(tmp_path / "none.layerlab"), "-o", str(tmp_path / "m.keras"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "export", BINARY, "-o", str(tmp_path / "sub" / "file.keras" / "x.keras"))
    assert code == 0  # missing folders are created
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    code, _, err = run(capsys, "export", BINARY, "-o", str(blocker / "m.keras"))
    assert code == 2 and err.startswith("layerlab: ") and err.count("\n") == 1


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ExportError):
        main(["--debug", "export", BINARY, "-o", str(tmp_path / "m.txt")])


def test_the_command_line_in_a_fresh_process(tmp_path):
    # Unreadable input must not even import TensorFlow; errors never show a traceback.
    broken = write(tmp_path, "broken.layerlab", text="[1, 2")
    probe = ("import sys; from layerlab.cli import main; code = main(sys.argv[1:]); "
             "print('tensorflow' in sys.modules, code)")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", probe, "check", broken], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.stdout.split() == ["False", "2"] and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "layerlab.cli", "check", "--json", broken, BINARY],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert [o["valid"] for o in json_lines(proc.stdout)] == [False, True]


def test_a_bare_file_argument_means_open(monkeypatch):
    from layerlab import cli

    assert cli._implicit_open(["model.layerlab"]) == ["open", "model.layerlab"]
    assert cli._implicit_open(["--debug", "net.H5"]) == ["--debug", "open", "net.H5"]
    assert cli._implicit_open(["check", "model.layerlab"]) == ["check", "model.layerlab"]
    assert cli._implicit_open(["notes.txt"]) == ["notes.txt"]  # not ours: argparse says which commands exist
    seen = {}

    def fake_editor(args):  # stands in for the window: only the dispatch is under test here
        seen["project"] = args.project
        return 0

    monkeypatch.setattr("layerlab.commands.open.run", fake_editor)
    assert main([str(EXAMPLES / "digits_mlp.layerlab")]) == 0
    assert seen["project"] == str(EXAMPLES / "digits_mlp.layerlab")
