"""Merge layers: several inputs, one output."""

from layerlab.core.catalog import register
from layerlab.core.catalog.spec import CALL_LIST, INT, LayerSpec, Param

register(
    LayerSpec(
        "Concatenate", "Merge",
        "Concatenates a list of inputs along an axis; all other dimensions must match.",
        params=(Param("axis", INT, -1, "Axis along which to concatenate.", key=True),),
        inputs=("input",), min_inputs=2, variadic=True, call=CALL_LIST,
    ),
    LayerSpec(
        "Add", "Merge",
        "Adds a list of inputs of the same shape, element-wise.",
        inputs=("input",), min_inputs=2, variadic=True, call=CALL_LIST,
    ),
)
