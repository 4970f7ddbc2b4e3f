"""The target column guessed for a CSV whose target is not set (core, no Qt)."""

from layerlab.core.data.targets import guess_target


def test_a_column_named_like_a_target_wins_over_the_last():
    assert guess_target(["id", "Diagnosis", "radius", "texture"]) == ("Diagnosis", "named like a target")
    assert guess_target(["LABEL ", "x1", "x2"]) == ("LABEL ", "named like a target")
    assert guess_target(["a", "y", "class"]) == ("y", "named like a target")  # the first such column


def test_otherwise_the_last_column():
    assert guess_target(["sepal_length", "sepal_width", "species"]) == ("species", "the last column")
    assert guess_target(["classification_score", "yield"]) == ("yield", "the last column")  # whole names only
    assert guess_target(["0", "1", "2"]) == ("2", "the last column")  # a file without a header row


def test_no_columns_no_guess():
    assert guess_target([]) is None
