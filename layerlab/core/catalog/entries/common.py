"""Parameters shared by many layers, written once, and `entry`, which adds the base Layer arguments.

Choices list only names that Keras 3.6 (the oldest we support) and later all accept.
"""

from __future__ import annotations

from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, INT, INTS, STR, LayerSpec, Param

ACTIVATIONS = (
    None, "relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "silu",
    "swish", "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu", "hard_swish",
    "exponential", "mish", "log_softmax",
)

# Initializers that need no argument (Constant needs a value; Identity only fits square kernels).
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "orthogonal", "random_normal", "random_uniform", "truncated_normal", "variance_scaling", "zeros", "ones",
)

REGULARIZERS = (None, "l1", "l2")
CONSTRAINTS = (None, "max_norm", "min_max_norm", "non_neg", "unit_norm")

DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "bool", "string")
DTYPE_POLICIES = (None, "float32", "float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16")
DATA_FORMATS = (None, "channels_last", "channels_first")


def _layer_name_rule(value: str) -> str | None:
    return "cannot contain '/'" if "/" in value else None


def base_params(trainable=True, dtypes=DTYPE_POLICIES) -> tuple[Param, ...]:
    """Keyword arguments every Keras layer takes (keras.layers.Layer.__init__), appended to each entry.

    Args:
        trainable: False for the few classes whose constructor names its arguments and has no **kwargs.
        dtypes: the dtype policies the layer works with.
    """
    return (
        Param("name", STR, None, "Layer name, unique in the model (defaults to the node id).", nullable=True,
              check=_layer_name_rule),
        *((Param("trainable", BOOL, True, "Whether the layer's weights are updated during training."),)
          if trainable else ()),
        Param("dtype", CHOICE, None, "Dtype policy for the layer's computations and weights; None uses the global "
              "policy (float32).", choices=dtypes, nullable=True),
    )


BASE_PARAMS = base_params()


def entry(type_name: str, category: str, help: str, params=(), base=BASE_PARAMS, **kwargs) -> LayerSpec:
    """A catalog entry for a Keras layer class: its own parameters, then the base Layer ones."""
    return LayerSpec(type_name, category, help, params=tuple(params) + tuple(base), **kwargs)


# -- single parameters ------------------------------------------------------

def activation(default=None, key=True, name="activation",
               help="Activation function to use; None means no activation (linear).") -> Param:
    return Param(name, CHOICE, default, help, choices=ACTIVATIONS, nullable=True, key=key)


def use_bias(help="Whether the layer uses a bias vector.") -> Param:
    return Param("use_bias", BOOL, True, help)


def initializer(name: str, default: str, what: str, vector=False) -> Param:
    """An initializer choice; `vector` weights (biases, scales) cannot take orthogonal, which needs a matrix."""
    names = tuple(i for i in INITIALIZERS if not (vector and i == "orthogonal"))
    choices = names if default in names else (default,) + names
    return Param(name, CHOICE, default, f"Initializer for {what}.", choices=choices, accepts_config=True)


def regularizer(name: str, what: str) -> Param:
    return Param(name, CHOICE, None, f"Regularizer function applied to {what}.", choices=REGULARIZERS,
                 nullable=True, accepts_config=True)


def constraint(name: str, what: str) -> Param:
    return Param(name, CHOICE, None, f"Constraint function applied to {what} after each optimizer update.",
                 choices=CONSTRAINTS, nullable=True, accepts_config=True)


def activity_regularizer() -> Param:
    return regularizer("activity_regularizer", "the output of the layer (its activation)")


def kernel_and_bias(kernel: str = "kernel") -> tuple[Param, ...]:
    """Initializers, regularizers and constraints of a layer with one kernel and a bias."""
    weights = f"the `{kernel}` weights matrix"
    return (
        initializer(f"{kernel}_initializer", "glorot_uniform", weights),
        initializer("bias_initializer", "zeros", "the bias vector", vector=True),
        regularizer(f"{kernel}_regularizer", weights),
        regularizer("bias_regularizer", "the bias vector"),
        activity_regularizer(),
        constraint(f"{kernel}_constraint", weights),
        constraint("bias_constraint", "the bias vector"),
    )


def data_format(key=False) -> Param:
    return Param("data_format", CHOICE, None,
                 "Ordering of the dimensions: channels_last is (batch, ..., channels), channels_first is "
                 "(batch, channels, ...); None uses the global image_data_format (channels_last).",
                 choices=DATA_FORMATS, nullable=True, key=key)


def padding(causal=False, key=False) -> Param:
    choices = ("valid", "same", "causal") if causal else ("valid", "same")
    more = "; causal gives causal (dilated) convolutions, output[t] not depending on input[t+1:]" if causal else ""
    return Param("padding", CHOICE, "valid",
                 f"valid means no padding; same pads evenly so that, with stride 1, the output has the input's "
                 f"size{more}.", choices=choices, key=key)


def seed(help="Random seed, for reproducible results.") -> Param:
    return Param("seed", INT, None, help, nullable=True)


def rate(default: float, help="Fraction of the input units to drop, between 0 and 1.", key=True) -> Param:
    return Param("rate", FLOAT, default, help, min=0, max=1, key=key)


def axis(default=-1, help="Axis or axes to normalize across; -1 is the last (features) axis.", nullable=False,
         key=True) -> Param:
    return Param("axis", INTS, default, help, nullable=nullable, key=key)


def epsilon(default=1e-3) -> Param:
    return Param("epsilon", FLOAT, default, "Small float added to the variance to avoid dividing by zero.",
                 min=0, min_exclusive=True)


def center_scale() -> tuple[Param, ...]:
    return (
        Param("center", BOOL, True, "If true, add the offset `beta` to the normalized tensor."),
        Param("scale", BOOL, True, "If true, multiply by `gamma`; can be off when the next layer is linear."),
    )


def beta_gamma() -> tuple[Param, ...]:
    """Initializers, regularizers and constraints of a normalization's beta (offset) and gamma (scale)."""
    return (
        initializer("beta_initializer", "zeros", "the beta (offset) weight", vector=True),
        initializer("gamma_initializer", "ones", "the gamma (scale) weight", vector=True),
        regularizer("beta_regularizer", "the beta weight"),
        regularizer("gamma_regularizer", "the gamma weight"),
        constraint("beta_constraint", "the beta weight"),
        constraint("gamma_constraint", "the gamma weight"),
    )


def positive_int(name: str, default: int, help: str, key=True) -> Param:
    return Param(name, INT, default, help, min=1, key=key)


# -- rules the kinds cannot express -----------------------------------------

def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def int_pairs(n: int, what: str):
    """Rule for paddings and croppings: an int, n ints, or n (before, after) pairs, none negative."""
    def rule(value) -> str | None:
        if _is_int(value):
            items = [value]
        elif isinstance(value, (list, tuple)) and len(value) == n:
            items = []
            for v in value:
                if _is_int(v):
                    items.append(v)
                elif isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(x) for x in v):
                    items.extend(v)
                else:
                    items = None
                    break
        else:
            items = None
        if items is None:
            return f"must be a whole number, {n} of them, or {n} pairs (before, after) of {what}"
        return "cannot be negative" if any(x < 0 for x in items) else None
    return rule


def numbers(value) -> str | None:
    """Rule for statistics given as a number or (nested) lists of numbers, broadcast by Keras."""
    if isinstance(value, (list, tuple)):
        ok = bool(value) and all(numbers(v) is None for v in value)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return None if ok else "must be a number or a list of numbers"
