"""Merge layers: several inputs, one output.

Keras's merge layers accept a list of one or more tensors (Merge.build checks
"at least 1 input"), so the variadic ones have min_inputs=1; a single input is
passed through, which the shape checker reports as a warning. Subtract and Dot
take exactly two.
"""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import entry
from layerlab.core.catalog.spec import BOOL, CALL_LIST, INT, INTS, Param

_VARIADIC = {"inputs": ("input",), "min_inputs": 1, "variadic": True, "call": CALL_LIST}
_PAIR = {"inputs": ("x1", "x2"), "call": CALL_LIST}

register(
    entry(
        "Concatenate", "Merge",
        "Concatenates a list of inputs along an axis; all other dimensions must match.",
        params=(Param("axis", INT, -1, "Axis along which to concatenate.", key=True),),
        **_VARIADIC,
    ),
    entry("Add", "Merge", "Adds a list of inputs of the same shape, element-wise.", **_VARIADIC),
    entry("Subtract", "Merge", "Subtracts two inputs of the same shape, element-wise: x1 - x2.", **_PAIR),
    entry("Multiply", "Merge", "Multiplies a list of inputs of the same shape, element-wise.", **_VARIADIC),
    entry("Average", "Merge", "Averages a list of inputs of the same shape, element-wise.", **_VARIADIC),
    entry("Maximum", "Merge", "Element-wise maximum of a list of inputs of the same shape.", **_VARIADIC),
    entry("Minimum", "Merge", "Element-wise minimum of a list of inputs of the same shape.", **_VARIADIC),
    entry(
        "Dot", "Merge",
        "Dot product between samples of two tensors, along the given axes.",
        params=(
            Param("axes", INTS, -1, "Axis, or [axis of x1, axis of x2], along which to take the dot product; the two "
                  "sizes must match.", length=2, key=True),
            Param("normalize", BOOL, False, "Whether to L2-normalize samples along the axes first (the result is then "
                  "the cosine proximity)."),
        ),
        **_PAIR,
    ),
)
