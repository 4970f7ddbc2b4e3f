"""Parameters shared by many layers, written once."""

from layerlab.core.catalog.spec import CHOICE, STR, Param

ACTIVATIONS = (
    None, "relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "silu",
    "swish", "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "exponential",
    "mish", "log_softmax",
)

DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "bool", "string")


def activation(default=None, key=True) -> Param:
    return Param("activation", CHOICE, default, "Activation function to use; None means linear.",
                 choices=ACTIVATIONS, nullable=True, key=key)


def use_bias(default=True):
    from layerlab.core.catalog.spec import BOOL
    return Param("use_bias", BOOL, default, "Whether the layer uses a bias vector.")


def initializer(name: str, default: str) -> Param:
    return Param(name, STR, default, f"Initializer for the {name.replace('_initializer', '').replace('_', ' ')} weights.")


def name_param() -> Param:
    return Param("name", STR, None, "Keras layer name (defaults to the node id).", nullable=True)
