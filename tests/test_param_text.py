"""core.param_text: a parameter's value written into a field and read back from what was typed."""

import pytest

from layerlab.core import catalog
from layerlab.core.param_text import allows_none, format_value, parse_text


def param(type_name: str, name: str):
    return catalog.get(type_name).param(name)


@pytest.mark.parametrize("type_name, name, value", [
    ("Conv2D", "kernel_size", [3, 3]), ("Input", "shape", [None, 28, 1]), ("Dense", "activation", "relu"),
])
def test_what_is_written_reads_back_the_same(type_name, name, value):
    p = param(type_name, name)
    text = format_value(p, value)
    assert parse_text(p, text) == value


def test_a_typo_is_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="takes whole numbers"):
        parse_text(param("Conv2D", "kernel_size"), "3, x")
    with pytest.raises(ValueError, match="'q' is not a dimension"):
        parse_text(param("Input", "shape"), "28, q")


def test_empty_is_the_default():
    assert parse_text(param("Dense", "activation"), "  ") is None
    assert allows_none(param("Dense", "activation"))
