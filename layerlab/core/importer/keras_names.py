"""Names of Keras's built-in objects, written out so that checking a file needs no Keras import.

tests/test_importer_safety.py checks these lists against the installed Keras.
"""

from __future__ import annotations

import functools

# Every layer class of keras.layers (Keras 3), as it appears in a saved config's "class_name".
LAYERS = frozenset("""
Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D AdaptiveAveragePooling3D
AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add AdditiveAttention AlphaDropout Attention AugMix
AutoContrast Average AveragePooling1D AveragePooling2D AveragePooling3D BatchNormalization Bidirectional
CategoryEncoding CenterCrop Concatenate ContrastLimitedAdaptiveHistogramEqualization Conv1D Conv1DTranspose Conv2D
Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D Cropping1D Cropping2D Cropping3D CutMix Dense
DepthwiseConv1D DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding Equalization Flatten GRU GRUCell
GaussianDropout GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D GlobalMaxPooling1D
GlobalMaxPooling2D GlobalMaxPooling3D GroupNormalization GroupedQueryAttention HashedCrossing Hashing Identity
InputLayer IntegerLookup LSTM LSTMCell LayerNormalization LeakyReLU Masking MaxNumBoundingBoxes MaxPooling1D
MaxPooling2D MaxPooling3D Maximum MelSpectrogram Minimum MixUp MultiHeadAttention Multiply Normalization PReLU Permute
Pipeline RMSNormalization RNN RandAugment RandomBrightness RandomColorDegeneration RandomColorJitter RandomContrast
RandomCrop RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur RandomGrayscale RandomHue RandomInvert
RandomPerspective RandomPosterization RandomRotation RandomSaturation RandomSharpness RandomShear RandomTranslation
RandomZoom ReLU RepeatVector Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram SeparableConv1D
SeparableConv2D SimpleRNN SimpleRNNCell Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D
SpectralNormalization StackedRNNCells StringLookup Subtract TextVectorization TimeDistributed UnitNormalization
UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D
""".split())

# Layers that hold or load code: a Python function (Lambda; Keras 2's op layers), a SavedModel or JAX/Flax/Torch
# module. LayerLab refuses them whatever the catalog says.
CODE_LAYERS = {
    "Lambda": "a Lambda layer holds Python code (a function or its bytecode)",
    "TFOpLambda": "a TensorFlow operation recorded as a Lambda-like layer (Keras 2), i.e. code",
    "SlicingOpLambda": "a TensorFlow slicing operation recorded as a Lambda-like layer (Keras 2), i.e. code",
    "TFSMLayer": "a TFSMLayer loads and runs a TensorFlow SavedModel graph",
    "JaxLayer": "a JaxLayer wraps a JAX function, i.e. code",
    "FlaxLayer": "a FlaxLayer wraps a Flax module, i.e. code",
    "TorchModuleWrapper": "a TorchModuleWrapper holds a pickled PyTorch module, i.e. code",
}

# Config class names that the catalog knows by their public keras.layers name.
CATALOG_ALIASES = {"GroupedQueryAttention": "GroupQueryAttention"}


def is_operation_module(module) -> bool:
    """True for the modules Keras writes for keras.ops operations recorded in a functional graph."""
    return isinstance(module, str) and module.startswith("keras.src.ops.")


def is_operation(entry: dict) -> bool:
    """True for a keras.ops operation node of a functional config.

    Keras 3 writes the operation's module; its legacy .h5 writer leaves the module out, but an operation's
    config, unlike any layer's, has neither `trainable` nor `dtype`: such an entry naming a curated operation
    is one (anything else is judged as a layer, and a class that is not one is refused).
    """
    module = entry.get("module")
    if module is not None:
        return is_operation_module(module)
    cfg = entry.get("config")
    cls = entry.get("class_name")
    if not isinstance(cfg, dict) or not isinstance(cls, str) or cls in MODELS or cls == "InputLayer":
        return False
    return "trainable" not in cfg and "dtype" not in cfg and cls in _operation_names()


@functools.cache
def _operation_names() -> frozenset[str]:
    from layerlab.core.catalog.entries.operations import BY_CLASS

    return frozenset(cls for _, cls in BY_CLASS)


def catalog_type(entry: dict) -> str | None:
    """The catalog type of a config entry: its class name, an alias, or the operation's "ops.<function>"."""
    cls = entry.get("class_name")
    if is_operation(entry):
        from layerlab.core.catalog.entries.operations import BY_CLASS

        module = entry.get("module")
        if module is None:  # legacy .h5: by class name alone
            return next((t for (_, c), t in BY_CLASS.items() if c == cls), None)
        return BY_CLASS.get((module, cls))
    return CATALOG_ALIASES.get(cls, cls) if isinstance(cls, str) else None


# Model containers that are flattened into the graph.
MODELS = frozenset({"Functional", "Sequential", "Model"})

# Serializable objects allowed inside layer parameters, by family (the module Keras writes for them).
INITIALIZERS = frozenset("""
Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer LecunNormal LecunUniform Ones
Orthogonal OrthogonalInitializer RandomNormal RandomUniform STFT STFTInitializer TruncatedNormal VarianceScaling Zeros
""".split())
REGULARIZERS = frozenset({"L1", "L1L2", "L2", "OrthogonalRegularizer"})
CONSTRAINTS = frozenset({"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"})
DTYPE_POLICIES = frozenset({"DTypePolicy", "FloatDTypePolicy"})  # quantized policies change the weight layout

FAMILIES = {
    "keras.initializers": INITIALIZERS,
    "keras.regularizers": REGULARIZERS,
    "keras.constraints": CONSTRAINTS,
}

# Built-in activation functions, as Keras serializes them (by name).
ACTIVATIONS = frozenset("""
celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh leaky_relu linear log_sigmoid
log_softmax mish relu relu6 selu sigmoid silu soft_shrink softmax softplus softsign sparse_plus sparse_sigmoid sparsemax
squareplus swish tanh tanh_shrink threshold
""".split())
