"""Sweeps on this computer: the search space, trial parameters and checks, and `layerlab sweep` end to end."""

import json

import pytest
from ray_cluster.projects import make_project

from layerlab import cli
from layerlab.core import project as project_io
from layerlab.core.sweep.params import problems, with_params
from layerlab.core.sweep.space import SpaceError, check_keys, draw, parse_space
from layerlab.core.sweep.trials import TrialResult, best

SPACE = {"training.learning_rate": {"loguniform": [0.005, 0.05]}, "nodes.hidden.units": {"choice": [0, 8, 16]}}


@pytest.mark.parametrize("space, words", [
    ({"learning_rate": {"uniform": [0, 1]}}, "key 'learning_rate' must be training.KEY or nodes.ID.PARAM"),
    ({"training.learning_rate": {"normal": [0, 1]}}, "training.learning_rate: give one distribution"),
    ({"training.learning_rate": {"loguniform": [0, 1]}}, "loguniform needs low > 0"),
    ({"training.epochs": {"randint": [5, 2]}}, "training.epochs: randint needs low < high"),
    ({"training.epochs": {"randint": [1.5, 4]}}, "randint takes whole numbers"),
    ({"training.optimizer": {"choice": []}}, "training.optimizer: choice takes a non-empty list"),
    ({}, "at least one key"),
])
def test_a_bad_space_names_its_key(space, words):
    with pytest.raises(SpaceError, match=words.replace(".", r"\.").replace("(", r"\(").replace("[", r"\[")):
        parse_space(space, "space.json")


@pytest.mark.parametrize("key, words", [
    ("training.learnin_rate", "training.learnin_rate: not a training key"),
    ("nodes.hiden.units", "nodes.hiden.units: the project has no node 'hiden'"),
    ("nodes.hidden.unit", "nodes.hidden.unit: a Dense node has no parameter 'unit'"),
])
def test_keys_must_name_something_in_the_project(tmp_path, key, words):
    project = project_io.load(make_project(tmp_path))
    with pytest.raises(SpaceError, match=words):
        check_keys(parse_space({key: {"choice": [1, 2]}}), project)


def test_the_same_seed_draws_the_same_trials_within_their_bounds():
    space = parse_space({**SPACE, "training.batch_size": {"randint": [8, 12]},
                         "training.momentum": {"uniform": [0.1, 0.2]}})
    trials = draw(space, 40, seed=3)
    assert trials == draw(space, 40, seed=3) and trials != draw(space, 40, seed=4)
    assert all(0.005 <= t["training.learning_rate"] <= 0.05 and 0.1 <= t["training.momentum"] <= 0.2 for t in trials)
    assert {t["training.batch_size"] for t in trials} == {8, 9, 10, 11}  # randint's high is excluded, as Ray's
    assert {t["nodes.hidden.units"] for t in trials} == {0, 8, 16}


def test_a_trial_that_breaks_the_graph_is_told_before_it_runs(tmp_path):
    project = project_io.load(make_project(tmp_path))
    assert "units must be at least 1" in problems(with_params(project, {"nodes.hidden.units": 0}))
    assert "batch_size" in problems(with_params(project, {"training.batch_size": 0}))
    trial = with_params(project, {"nodes.hidden.units": 3, "training.learning_rate": 0.02})
    assert problems(trial) is None
    assert trial.document.params("hidden")["units"] == 3 and trial.training["learning_rate"] == 0.02
    assert project.document.params("hidden")["units"] == 8  # the project itself is untouched


def test_best_ranks_only_trials_that_trained():
    rs = [TrialResult(1, {}, "finished", {"val_loss": 0.5}), TrialResult(2, {}, "invalid"),
          TrialResult(3, {}, "killed", {"val_loss": 0.1}), TrialResult(4, {}, "early-stopped", {"val_loss": 0.3}),
          TrialResult(5, {}, "finished", {"val_loss": float("nan")})]
    assert best(rs, "val_loss", "min").trial == 4
    assert best(rs, "val_loss", "max").trial == 1
    assert best(rs, "accuracy") is None


@pytest.mark.slow
def test_sweep_runs_trials_in_parallel_reports_invalid_ones_and_applies_the_best(tmp_path, capsys):
    path = make_project(tmp_path)
    (tmp_path / "space.json").write_text(json.dumps(SPACE))
    # seed 5 draws hidden units 0, 16, 16: the first trial is invalid. The command runs in this process (its
    # trials are training engines of their own, as always): a fresh one would only import TensorFlow again.
    code = cli.main(["sweep", str(path), "--space", str(tmp_path / "space.json"), "--trials", "3", "--parallel", "2",
                     "--seed", "5", "--json", "--apply"])
    done = capsys.readouterr()
    assert code == 0, done.err
    lines = [json.loads(line) for line in done.out.splitlines()]
    trials = {t["trial"]: t for t in lines[:-1]}
    assert sorted(trials) == [1, 2, 3]
    assert trials[1]["status"] == "invalid" and "units must be at least 1" in trials[1]["reason"]
    assert trials[2]["status"] == trials[3]["status"] == "finished"
    for t in (trials[2], trials[3]):
        assert t["epochs"] == 3 and set(t["metrics"]) >= {"loss", "val_loss", "val_accuracy"}
    winner = min((trials[2], trials[3]), key=lambda t: t["metrics"]["val_loss"])
    assert lines[-1]["best"] == winner
    saved = project_io.load(path)
    assert saved.training["learning_rate"] == winner["params"]["training.learning_rate"]
    assert saved.document.params("hidden")["units"] == winner["params"]["nodes.hidden.units"]


def test_sweep_errors_name_the_key_and_ray_says_how_to_install(tmp_path, capsys):
    path = make_project(tmp_path)
    (tmp_path / "space.json").write_text(json.dumps({"nodes.nope.units": {"choice": [1]}}))
    assert cli.main(["sweep", str(path), "--space", str(tmp_path / "space.json")]) == 2
    assert "nodes.nope.units: the project has no node 'nope'" in capsys.readouterr().err
    assert cli.main(["sweep", str(path), "--space", str(tmp_path / "space.json"), "--asha"]) == 1
    assert "--asha needs a Ray cluster" in capsys.readouterr().err
