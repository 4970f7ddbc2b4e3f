"""Operations: the curated keras.ops calls a functional graph may hold (x + y, ops.mean(x, axis=1), ...).

Keras records them in a model config as operation nodes (module keras.src.ops.*,
class name such as "Add" or "Mean", constructor arguments in "config" and
constant call arguments among the call's "args"). Each entry's `operation`
names that class; nothing else from keras.ops is ever built or imported. The
node type is "ops.<function>", the keras.ops function that makes the operation.

Binary operations take a second tensor, or a constant (`constant`, put first
when `constant_first`: 127.5 / x).
"""

from __future__ import annotations

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import numbers
from layerlab.core.catalog.spec import BOOL, CALL_LIST, CHOICE, FLOAT, INTS, JSON, SHAPE, LayerSpec, Param

# Operations' constructors take only `name` besides their own arguments.
_NAME = Param("name", "str", None, "Operation name, unique in the model (defaults to the node id).", nullable=True,
              check=lambda v: "cannot contain '/'" if "/" in v else None)
_DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "bool", "uint8", "int8")


def _op(function: str, operation: str, help: str, params=(), inputs=("x",), **kwargs) -> LayerSpec:
    return LayerSpec(f"ops.{function}", "Operations", help, params=(*params, _NAME), inputs=inputs,
                     operation=operation, **kwargs)


def _constant() -> tuple[Param, ...]:
    return (
        Param("constant", JSON, None, "The second operand when only one tensor is wired: a number or a list of "
              "numbers (broadcast).", nullable=True, check=numbers, key=True),
        Param("constant_first", BOOL, False, "Put the constant first (e.g. 1 - x instead of x - 1)."),
    )


def _binary(function: str, cls: str, help: str) -> LayerSpec:
    return _op(function, f"numpy.{cls}", help, params=_constant(), inputs=("x1", "x2"), min_inputs=1)


def _unary(function: str, operation: str, help: str, params=()) -> LayerSpec:
    return _op(function, operation, help, params=params)


def _axis(default=None, help="Axis or axes to reduce; None reduces all axes (the batch axis too).",
          nullable=True) -> Param:
    return Param("axis", INTS, default, help, nullable=nullable, key=True)


def _reduction(function: str, cls: str, what: str) -> LayerSpec:
    return _unary(function, f"numpy.{cls}", f"The {what} of the elements along the given axes.", params=(
        _axis(),
        Param("keepdims", BOOL, False, "Keep the reduced axes with length 1.", key=True),
    ))


_BINARY = [
    _binary("add", "Add", "Element-wise x1 + x2 (broadcasting), as written `x + y` in Keras code."),
    _binary("subtract", "Subtract", "Element-wise x1 - x2 (broadcasting)."),
    _binary("multiply", "Multiply", "Element-wise x1 * x2 (broadcasting)."),
    _binary("divide", "Divide", "Element-wise x1 / x2 (broadcasting)."),
    _binary("true_divide", "TrueDivide", "Element-wise true division x1 / x2 (as `x / y` writes it)."),
    _binary("power", "Power", "Element-wise x1 ** x2."),
    _binary("maximum", "Maximum", "Element-wise maximum of x1 and x2."),
    _binary("minimum", "Minimum", "Element-wise minimum of x1 and x2."),
    _binary("equal", "Equal", "Element-wise x1 == x2 (a bool tensor)."),
    _binary("not_equal", "NotEqual", "Element-wise x1 != x2 (a bool tensor)."),
    _binary("greater", "Greater", "Element-wise x1 > x2 (a bool tensor)."),
    _binary("greater_equal", "GreaterEqual", "Element-wise x1 >= x2 (a bool tensor)."),
    _binary("less", "Less", "Element-wise x1 < x2 (a bool tensor)."),
    _binary("less_equal", "LessEqual", "Element-wise x1 <= x2 (a bool tensor)."),
    _op("matmul", "numpy.Matmul", "Matrix product of x1 and x2 (batched over leading axes).", inputs=("x1", "x2")),
]

_UNARY = [
    _reduction("mean", "Mean", "mean"),
    _reduction("sum", "Sum", "sum"),
    _reduction("max", "Max", "maximum"),
    _reduction("min", "Min", "minimum"),
    _unary("reshape", "numpy.Reshape", "Gives a tensor a new shape (the batch axis included; -1 infers one axis).",
           params=(Param("newshape", JSON, [-1], "The new shape, batch axis included: a list of whole numbers, one "
                         "of which may be -1.", key=True),)),
    _unary("transpose", "numpy.Transpose", "Permutes the axes (the batch axis included).",
           params=(Param("axes", SHAPE, None, "The new order of the axes; None reverses them.", nullable=True,
                         key=True),)),
    _unary("expand_dims", "numpy.ExpandDims", "Inserts an axis of length 1.",
           params=(_axis(-1, "Where the new axis goes.", nullable=False),)),
    _unary("squeeze", "numpy.Squeeze", "Removes axes of length 1.",
           params=(_axis(None, "The axes to remove; None removes every axis of length 1."),)),
    _unary("abs", "numpy.Abs", "Element-wise absolute value."),
    _unary("negative", "numpy.Negative", "Element-wise negation (-x)."),
    _unary("sqrt", "numpy.Sqrt", "Element-wise square root."),
    _unary("square", "numpy.Square", "Element-wise square."),
    _unary("exp", "numpy.Exp", "Element-wise exponential."),
    _unary("log", "numpy.Log", "Element-wise natural logarithm."),
    _unary("clip", "numpy.Clip", "Clips values to [x_min, x_max].", params=(
        Param("x_min", FLOAT, 0.0, "The lower bound.", key=True),
        Param("x_max", FLOAT, 1.0, "The upper bound.", key=True))),
    _unary("tanh", "numpy.Tanh", "Element-wise hyperbolic tangent."),
    _unary("relu", "nn.Relu", "Element-wise rectified linear unit max(x, 0)."),
    _unary("sigmoid", "nn.Sigmoid", "Element-wise sigmoid 1 / (1 + exp(-x))."),
    _unary("silu", "nn.Silu", "Element-wise SiLU (swish) x * sigmoid(x)."),
    _unary("gelu", "nn.Gelu", "Element-wise Gaussian error linear unit.", params=(
        Param("approximate", BOOL, True, "Use the tanh approximation.", key=True),)),
    _unary("softmax", "nn.Softmax", "Softmax along an axis.", params=(
        _axis(-1, "The axis the softmax normalizes over.", nullable=False),)),
    _unary("cast", "core.Cast", "Casts a tensor to another dtype.", params=(
        Param("dtype", CHOICE, "float32", "The dtype to cast to.", choices=_DTYPES, key=True),)),
]

_LISTS = [
    _op("concatenate", "numpy.Concatenate", "Joins tensors along an existing axis.",
        params=(Param("axis", INTS, 0, "The axis to join along (0 is the batch axis).", key=True),),
        inputs=("x",), min_inputs=1, variadic=True, call=CALL_LIST),
    _op("stack", "numpy.Stack", "Stacks tensors of the same shape along a new axis.",
        params=(Param("axis", INTS, 0, "Where the new axis goes (0 is before the batch axis).", key=True),),
        inputs=("x",), min_inputs=1, variadic=True, call=CALL_LIST),
]

register(*_BINARY, *_UNARY, *_LISTS)

# Keras's (module, class name) of an operation node in a saved config -> the LayerLab type.
BY_CLASS = {(f"keras.src.ops.{spec.operation.split('.')[0]}", spec.operation.split(".")[1]): spec.type
            for spec in (*_BINARY, *_UNARY, *_LISTS)}
