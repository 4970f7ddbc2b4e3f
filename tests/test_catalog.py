"""The layer catalog, checked against Keras itself: names, defaults, validation, ports and outputs."""

import copy
import functools
import inspect

import numpy as np
import pytest

from layerlab.core import catalog, keras_layers
from layerlab.core.catalog import CATEGORIES
from layerlab.core.catalog.spec import CHOICE, FLOAT, INT, INTS, Param
from layerlab.core.kerasenv import keras

REQUIRED = """
Input Dense Activation Dropout Flatten Reshape Permute RepeatVector BatchNormalization LayerNormalization
GaussianNoise ReLU LeakyReLU PReLU ELU Softmax Rescaling Normalization Embedding Conv1D Conv2D Conv3D
Conv2DTranspose SeparableConv2D DepthwiseConv2D MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D
AveragePooling2D AveragePooling3D GlobalAveragePooling1D GlobalAveragePooling2D GlobalMaxPooling1D
GlobalMaxPooling2D UpSampling1D UpSampling2D ZeroPadding1D ZeroPadding2D Cropping1D Cropping2D SpatialDropout1D
SpatialDropout2D SimpleRNN LSTM GRU Bidirectional TimeDistributed Concatenate Add Subtract Multiply Average
Maximum Minimum Dot MultiHeadAttention
""".split()

SPECS = catalog.all_specs()
# Operations are tested in test_operations.py; RNN cells only inside an RNN (they take states, not a tensor).
# Applications are tested in test_applications.py.
LAYER_TYPES = [s.type for s in SPECS if not s.is_input and not s.is_operation and not s.nested_only
               and not s.application]
LAYER_SPECS = [catalog.get(t) for t in LAYER_TYPES]

# Built-in Keras layers the catalog leaves out on purpose, and why. Every other class of keras.layers must be
# in the catalog (test_every_keras_layer_is_in_the_catalog_or_refused).
REFUSED = {
    "Lambda": "holds Python code", "TFSMLayer": "runs a SavedModel", "JaxLayer": "wraps a JAX function",
    "FlaxLayer": "wraps a Flax module", "TorchModuleWrapper": "holds a pickled PyTorch module",
    "Layer": "the abstract base class", "Wrapper": "an abstract base class", "InputLayer": "the Input node",
    "Pipeline": "a list of arbitrary layers (preprocessing pipelines outside the model)",
    "MaxNumBoundingBoxes": "works on bounding-box dictionaries, not tensors",
}

# An example input per port (batch excluded) on which each type builds with its catalog defaults.
# Every spatial axis holds at least 3, so that channels_first builds too.
_SEQ, _VEC, _IMG, _VOL = (5, 4), (8,), (8, 8, 3), (4, 4, 4, 4)
EXAMPLES = {
    "Dense": [_VEC], "Embedding": [(6,)], "Masking": [_SEQ], "Identity": [_VEC],
    "Conv1D": [(16, 3)], "Conv2D": [_IMG], "Conv3D": [(6, 6, 6, 6)],
    "Conv1DTranspose": [(16, 3)], "Conv2DTranspose": [_IMG], "Conv3DTranspose": [_VOL],
    "SeparableConv1D": [(16, 3)], "SeparableConv2D": [_IMG], "DepthwiseConv1D": [(16, 3)], "DepthwiseConv2D": [_IMG],
    "MaxPooling1D": [_SEQ], "MaxPooling2D": [_IMG], "MaxPooling3D": [_VOL],
    "AveragePooling1D": [_SEQ], "AveragePooling2D": [_IMG], "AveragePooling3D": [_VOL],
    "GlobalMaxPooling1D": [_SEQ], "GlobalMaxPooling2D": [_IMG], "GlobalMaxPooling3D": [_VOL],
    "GlobalAveragePooling1D": [_SEQ], "GlobalAveragePooling2D": [_IMG], "GlobalAveragePooling3D": [_VOL],
    "SimpleRNN": [_SEQ], "LSTM": [_SEQ], "GRU": [_SEQ], "Bidirectional": [_SEQ], "TimeDistributed": [_SEQ],
    "Concatenate": [_VEC, _VEC], "Add": [_VEC, _VEC], "Subtract": [_VEC, _VEC], "Multiply": [_VEC, _VEC],
    "Average": [_VEC, _VEC], "Maximum": [_VEC, _VEC], "Minimum": [_VEC, _VEC], "Dot": [_VEC, _VEC],
    "MultiHeadAttention": [(5, 8), (6, 8), (6, 8)], "Attention": [(5, 8), (6, 8), (6, 8)],
    "AdditiveAttention": [(5, 8), (6, 8), (6, 8)],
    "BatchNormalization": [_VEC], "LayerNormalization": [_VEC], "GroupNormalization": [(4, 4, 32)],
    "UnitNormalization": [_VEC],
    "Dropout": [_VEC], "SpatialDropout1D": [_SEQ], "SpatialDropout2D": [_IMG], "SpatialDropout3D": [_VOL],
    "GaussianNoise": [_VEC], "GaussianDropout": [_VEC], "AlphaDropout": [_VEC], "ActivityRegularization": [_VEC],
    "Activation": [_VEC], "ReLU": [_VEC], "LeakyReLU": [_VEC], "PReLU": [_VEC], "ELU": [_VEC], "Softmax": [_VEC],
    "Flatten": [(4, 4, 2)], "Reshape": [(4, 4, 2)], "Permute": [_SEQ], "RepeatVector": [_VEC],
    "UpSampling1D": [_SEQ], "UpSampling2D": [_IMG], "UpSampling3D": [_VOL],
    "ZeroPadding1D": [_SEQ], "ZeroPadding2D": [_IMG], "ZeroPadding3D": [_VOL],
    "Cropping1D": [_SEQ], "Cropping2D": [_IMG], "Cropping3D": [_VOL],
    "Rescaling": [_IMG], "Normalization": [_VEC], "Resizing": [(16, 16, 3)], "CenterCrop": [(80, 80, 3)],
    **{t: [_IMG] for t in (
        "RandomFlip RandomRotation RandomTranslation RandomZoom RandomShear RandomCrop RandomContrast "
        "RandomBrightness RandomColorDegeneration RandomColorJitter RandomSaturation RandomHue RandomSharpness "
        "RandomPosterization RandomGrayscale RandomInvert RandomGaussianBlur RandomErasing RandomPerspective "
        "RandomElasticTransform Solarization AugMix RandAugment CutMix MixUp AutoContrast Equalization").split()},
    "ContrastLimitedAdaptiveHistogramEqualization": [(16, 16, 3)], "RandomColorDegeneration": [(3, 8, 3)],
    "StringLookup": [(3,)], "IntegerLookup": [(3,)], "TextVectorization": [(1,)], "Discretization": [_VEC],
    "Hashing": [(3,)], "HashedCrossing": [(1,), (1,)], "CategoryEncoding": [(3,)],
    "MelSpectrogram": [(4096,)], "STFTSpectrogram": [(1024, 1)],
    "ConvLSTM1D": [(4, 8, 3)], "ConvLSTM2D": [(4, 8, 8, 3)], "ConvLSTM3D": [(3, 5, 5, 5, 5)], "RNN": [_SEQ],
    "EinsumDense": [_VEC], "ReversibleEmbedding": [(6,)], "RMSNormalization": [_VEC],
    "SpectralNormalization": [_VEC], "GroupQueryAttention": [(5, 8), (6, 8), (6, 8)],
    "AdaptiveAveragePooling1D": [_SEQ], "AdaptiveAveragePooling2D": [_IMG], "AdaptiveAveragePooling3D": [_VOL],
    "AdaptiveMaxPooling1D": [_SEQ], "AdaptiveMaxPooling2D": [_IMG], "AdaptiveMaxPooling3D": [_VOL],
}
INPUT_DTYPES = {"Embedding": "int32", "ReversibleEmbedding": "int32", "IntegerLookup": "int64",
                "CategoryEncoding": "int32", "HashedCrossing": "int32", "StringLookup": "string",
                "TextVectorization": "string", "Hashing": "string"}


def keras_class(type_name):
    return getattr(keras().layers, type_name)


def example_inputs(type_name, count=None):
    """Symbolic inputs for a type; `count` repeats or trims the example list (for merges)."""
    shapes = EXAMPLES[type_name]
    if count is not None:
        shapes = (shapes * count)[:count]
    dtype = INPUT_DTYPES.get(type_name, "float32")
    return [keras().Input(shape=s, dtype=dtype) for s in shapes]


def run_keras(type_name, params, inputs=None):
    """Construct the layer from params and call it the way LayerLab does; return its outputs."""
    layer = keras_layers.make_layer(type_name, params, None)
    return keras_layers.call_layer(type_name, layer, example_inputs(type_name) if inputs is None else inputs)


def keras_accepts(type_name, params, eager=False) -> bool:
    """Whether Keras makes the layer and calls it on symbolic inputs (or, if `eager`, on real zeros)."""
    try:
        inputs = None
        if eager:
            inputs = [np.zeros((1, *t.shape[1:]), dtype=t.dtype if t.dtype != "string" else object)
                      for t in example_inputs(type_name)]
        run_keras(type_name, params, inputs)
    except Exception:
        return False
    return True


def with_param(type_name, name, value):
    params = catalog.get(type_name).defaults()
    params[name] = value
    return params


@functools.cache
def built(type_name):
    """The layer made from the catalog defaults and called on its example input (memoized: building costs)."""
    layer = keras_layers.make_layer(type_name, catalog.get(type_name).defaults(), None)
    outs = keras_layers.call_layer(type_name, layer, example_inputs(type_name))
    return layer, outs


def signature_defaults(type_name) -> dict:
    """Keyword arguments the constructor takes, with their defaults (base Layer ones if it passes **kwargs on)."""
    own = inspect.signature(keras_class(type_name).__init__).parameters
    params = {}
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in own.values()):
        params.update(inspect.signature(keras().layers.Layer.__init__).parameters)
    params.update(own)
    return {n: p.default for n, p in params.items()
            if n != "self" and p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)}


def plain_copy(value):
    """A deep copy of a config; Keras keeps some lists (value_range) as TrackedLists, which deepcopy cannot copy."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain_copy(v) for v in value)
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return copy.deepcopy(value)


def as_json(value):
    """Keras writes tuples where the catalog (JSON) writes lists."""
    return [as_json(v) for v in value] if isinstance(value, (list, tuple)) else value


# -- the registry ---------------------------------------------------------------

def test_required_types_are_all_present_in_known_categories():
    missing = [t for t in REQUIRED if catalog.get(t) is None]
    assert not missing
    assert all(s.category in CATEGORIES for s in SPECS)
    assert set(catalog.by_category()) <= set(CATEGORIES)


def test_nothing_that_runs_user_code():
    assert not {"Lambda", "TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper"} & {s.type for s in SPECS}


def test_every_keras_layer_is_in_the_catalog_or_refused():
    k = keras()
    names = {}  # class -> its public names (aliases such as MaxPool2D name the same class)
    for name in dir(k.layers):
        cls = getattr(k.layers, name)
        if isinstance(cls, type) and issubclass(cls, k.layers.Layer):
            names.setdefault(cls, []).append(name)
    missing = sorted(min(ns) for ns in names.values()
                     if not any(catalog.get(n) or n in REFUSED for n in ns))
    assert not missing, f"built-in Keras layers neither in the catalog nor refused: {missing}"
    assert not set(REFUSED) & {s.type for s in SPECS}


def test_nested_only_entries_stay_out_of_the_palette():
    shown = {s.type for specs in catalog.by_category().values() for s in specs}
    assert {"LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells"}.isdisjoint(shown)
    assert {"RNN", "RandomFlip", "StringLookup", "ops.add"} <= shown


def test_every_type_has_an_example_input():
    assert sorted(EXAMPLES) == sorted(LAYER_TYPES)


def test_help_is_one_line_and_keys_are_few():
    for spec in SPECS:
        assert spec.help and "\n" not in spec.help, spec.type
        for p in spec.params:
            assert p.help and "\n" not in p.help, (spec.type, p.name)
        assert len(spec.key_params()) <= 3, spec.type
        own = [p for p in spec.params if p.name not in ("name", "trainable", "dtype")]
        assert not own or spec.key_params(), f"{spec.type} shows no parameter on its node"


def test_every_default_is_valid_and_defaults_are_fresh_copies():
    for spec in SPECS:
        for p in spec.params:
            assert p.validate(p.default) is None, (spec.type, p.name, p.validate(p.default))
    a, b = catalog.get("ZeroPadding3D").defaults(), catalog.get("ZeroPadding3D").defaults()
    a["padding"][0][0] = 9
    assert b["padding"][0][0] == 1 and catalog.get("ZeroPadding3D").param("padding").default[0][0] == 1


# -- against Keras: names, defaults, construction, round trip -------------------

@pytest.mark.parametrize("type_name", LAYER_TYPES)
def test_type_is_a_keras_layer_and_params_match_its_signature(type_name):
    k = keras()
    cls = keras_class(type_name)
    assert isinstance(cls, type) and issubclass(cls, k.layers.Layer)
    keras_defaults = signature_defaults(type_name)
    for p in catalog.get(type_name).params:
        assert p.name in keras_defaults, f"{type_name}({p.name}=...) is not a Keras argument"
        default = keras_defaults[p.name]
        if default is not inspect.Parameter.empty and (type_name, p.name) not in STARTER_DEFAULTS:
            assert as_json(p.default) == as_json(default), (type_name, p.name)


# Arguments whose Keras default cannot build a layer (Keras wants one of them set): the catalog starts a node
# with a working value instead.
STARTER_DEFAULTS = {("CategoryEncoding", "num_tokens"), ("Discretization", "num_bins")}


def test_starter_defaults_are_needed():
    for type_name, name in STARTER_DEFAULTS:
        assert not keras_accepts(type_name, with_param(type_name, name, None))


def test_input_matches_keras_input():
    k = keras()
    spec = catalog.get("Input")
    sig = inspect.signature(k.Input).parameters
    assert {p.name for p in spec.params} <= set(sig)
    assert spec.param("name").default == sig["name"].default
    # Keras's dtype default is None, i.e. floatx(); the catalog names the type it becomes.
    assert k.Input(shape=(1,)).dtype == spec.param("dtype").default
    for dtype in spec.param("dtype").choices:
        assert k.Input(shape=(2,), dtype=dtype).dtype == dtype


@pytest.mark.parametrize("type_name", LAYER_TYPES)
def test_defaults_build_and_config_round_trips(type_name):
    layer, outs = built(type_name)
    spec = catalog.get(type_name)
    assert len(outs) == len(spec.outputs(spec.defaults()))
    config = layer.get_config()
    clone = type(layer).from_config(plain_copy(config))  # wrappers pop keys from the dict they get
    again = keras_layers.call_layer(type_name, clone, example_inputs(type_name))  # built, like the original
    assert clone.get_config() == config
    assert [tuple(t.shape) for t in again] == [tuple(t.shape) for t in outs]


# -- Param.validate agrees with Keras --------------------------------------------

def _bound_cases():
    """(type, param, inside value, outside value) for every bounded number in the catalog's layers."""
    for spec in LAYER_SPECS:
        for p in spec.params:
            if p.kind not in (INT, FLOAT, INTS):
                continue
            step = 1 if p.kind in (INT, INTS) else 1e-3
            if p.min is not None:
                inside, outside = (p.min + step, p.min) if p.min_exclusive else (p.min, p.min - step)
                yield pytest.param(spec.type, p.name, inside, outside, id=f"{spec.type}.{p.name}>={p.min}")
            if p.max is not None:
                yield pytest.param(spec.type, p.name, p.max, p.max + step, id=f"{spec.type}.{p.name}<={p.max}")


# Bounds Keras does not check, at least not when it makes the layer or infers shapes: there the catalog is
# stricter than Keras (which, e.g., silently clips RNN dropout into [0, 1]). Every other bound is Keras's own.
_RNNS = ("SimpleRNN", "LSTM", "GRU")
KERAS_LENIENT = {
    *((rnn, arg) for rnn in _RNNS for arg in ("dropout", "recurrent_dropout")),
    ("Attention", "dropout"), ("AdditiveAttention", "dropout"),
    ("BatchNormalization", "momentum"), ("BatchNormalization", "epsilon"), ("LayerNormalization", "epsilon"),
    ("GroupNormalization", "epsilon"),
    ("Resizing", "height"), ("Resizing", "width"), ("CenterCrop", "height"), ("CenterCrop", "width"),
    ("MultiHeadAttention", "output_shape"), ("PReLU", "shared_axes"),
    # Keras 3.15 checks none of these when it makes the layer or infers shapes.
    ("RandomCrop", "height"), ("RandomCrop", "width"), ("AugMix", "num_chains"), ("AugMix", "chain_depth"),
    ("AugMix", "alpha"), ("RandAugment", "num_ops"), ("MixUp", "alpha"), ("Equalization", "bins"),
    ("GroupQueryAttention", "num_query_heads"),
    ("ContrastLimitedAdaptiveHistogramEqualization", "clip_limit"), ("ReversibleEmbedding", "logit_soft_cap"),
    ("TextVectorization", "ngrams"), ("TextVectorization", "output_sequence_length"), ("Discretization", "num_bins"),
    ("Discretization", "epsilon"), ("HashedCrossing", "num_bins"), ("RMSNormalization", "epsilon"),
    *((f"Adaptive{kind}Pooling{rank}D", "output_size") for kind in ("Max", "Average") for rank in (1, 2, 3)),
    *(("MelSpectrogram", arg) for arg in ("fft_length", "sequence_length", "sampling_rate", "num_mel_bins",
                                           "min_freq", "max_freq", "top_db", "min_power", "ref_power")),
    *((f"ConvLSTM{rank}D", arg) for rank in (1, 2, 3) for arg in ("filters", "dropout", "recurrent_dropout")),
}


@pytest.mark.parametrize("type_name, name, inside, outside", list(_bound_cases()))
def test_numeric_bounds_agree_with_keras(type_name, name, inside, outside):
    p = catalog.get(type_name).param(name)
    assert p.validate(inside) is None
    assert keras_accepts(type_name, with_param(type_name, name, inside))
    assert p.validate(outside) is not None
    if (type_name, name) not in KERAS_LENIENT:
        assert not keras_accepts(type_name, with_param(type_name, name, outside))


def test_lenient_bounds_are_in_the_catalog():
    cases = {(c.values[0], c.values[1]) for c in _bound_cases()}
    assert KERAS_LENIENT <= cases


def _choice_cases():
    for spec in LAYER_SPECS:
        for p in spec.params:
            if p.kind == CHOICE and not spec.is_input:
                yield pytest.param(spec.type, p.name, id=f"{spec.type}.{p.name}")


# Choices Keras checks only when it computes (not when it makes the layer or infers shapes).
CHECKED_AT_RUN_TIME = {("UpSampling2D", "interpolation"), ("Resizing", "interpolation"), ("Resizing", "fill_mode"),
                       ("MelSpectrogram", "window")}
# Choices Keras never checks (an unknown RandomFlip mode flips nothing): only LayerLab refuses a bogus value.
KERAS_IGNORES_BOGUS = {("RandomFlip", "mode")}


@pytest.mark.parametrize("type_name, name", list(_choice_cases()))
def test_choices_are_what_keras_accepts(type_name, name):
    p = catalog.get(type_name).param(name)
    assert p.validate("bogus") is not None
    # Keras resolves activations, regularizers and constraints by name in the constructor, and building never
    # depends on which one it is: making the layer is the whole check (and saves most of this test's time).
    construct_only = name.endswith(("activation", "_regularizer", "_constraint"))
    eager = (type_name, name) in CHECKED_AT_RUN_TIME
    for choice in p.choices:  # each with the other defaults: e.g. orthogonal cannot initialize a bias
        params = with_param(type_name, name, choice)
        if construct_only:
            keras_layers.make_layer(type_name, params, None)
        else:
            assert keras_accepts(type_name, params, eager=eager), choice
    if (type_name, name) not in KERAS_IGNORES_BOGUS:
        assert not keras_accepts(type_name, with_param(type_name, name, "bogus"), eager=eager)


# Values beyond what kinds and ranges express; each verdict is asserted for both LayerLab and Keras.
AGREEMENT = [
    ("Conv2D", {"kernel_size": [3, 3]}, True),
    ("Conv2D", {"kernel_size": [3]}, False),  # Keras wants one int or exactly two
    ("Conv2D", {"kernel_size": [3, 3, 3]}, False),
    ("Dense", {"units": 32.0}, False),
    ("Conv1D", {"padding": "causal"}, True),
    ("ZeroPadding2D", {"padding": [[1, 2], [3, 4]]}, True),
    ("ZeroPadding2D", {"padding": 2}, True),
    ("ZeroPadding2D", {"padding": [1, 2, 3]}, False),
    ("ZeroPadding2D", {"padding": [[1, 2], [3]]}, False),
    ("ZeroPadding2D", {"padding": [[1, -2], [3, 4]]}, False),
    ("Cropping2D", {"cropping": [[1, 1], [2, 2]]}, True),
    ("Cropping2D", {"cropping": [[1, 1], [2, "x"]]}, False),
    ("Cropping3D", {"cropping": [1, 1, 1]}, True),
    ("ZeroPadding3D", {"padding": [1, 1]}, False),
    ("Reshape", {"target_shape": [2, -1]}, True),
    ("Reshape", {"target_shape": [-1, -1]}, False),
    ("Reshape", {"target_shape": [-2, 16]}, False),
    ("Permute", {"dims": [2, 1]}, True),
    ("Permute", {"dims": [1, 1]}, False),
    ("Permute", {"dims": [0, 1]}, False),
    ("GroupNormalization", {"groups": -1}, True),
    ("GroupNormalization", {"groups": 0}, False),
    ("GroupNormalization", {"groups": 1}, True),
    ("Dropout", {"noise_shape": [None, 1]}, True),
    ("Dropout", {"noise_shape": [None, 0]}, False),
    ("Dense", {"name": "dense/1"}, False),
    ("Dense", {"kernel_initializer": {"class_name": "RandomNormal", "config": {"stddev": 0.1}}}, True),
    ("Dense", {"kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.01}}}, True),
    ("Dense", {"kernel_initializer": {"config": {}}}, False),
    ("Dense", {"trainable": 1}, False),
    ("Dot", {"axes": [1, 1]}, True),
    ("Dot", {"axes": [1, 1, 1]}, False),
    ("Bidirectional", {"layer": {"type": "GRU", "params": {"units": 4}}}, True),
    ("Bidirectional", {"layer": {"type": "Dense", "params": {"units": 4}}}, False),
    ("Bidirectional", {"layer": {"type": "LSTM", "params": {"units": 0}}}, False),
    ("Bidirectional", {"merge_mode": None}, True),
    ("TimeDistributed", {"layer": {"type": "Dropout", "params": {"rate": 0.2}}}, True),
    ("TimeDistributed", {"layer": {"type": "Dense", "params": {"units": -1}}}, False),
    ("Normalization", {"mean": [0.5] * 8, "variance": [2.0] * 8}, True),
    ("Normalization", {"mean": 0.5, "variance": 2.0}, True),
    ("Normalization", {"mean": "x", "variance": 2.0}, False),
    ("Normalization", {"mean": [0.5, "x"], "variance": 2.0}, False),
    ("Activation", {"activation": None}, True),
    ("Activation", {"activation": "Relu"}, False),
]


@pytest.mark.parametrize("type_name, params, ok", AGREEMENT)
def test_validation_agrees_with_keras(type_name, params, ok):
    spec = catalog.get(type_name)
    merged = {**spec.defaults(), **params}
    errors = spec.validate_params(merged)
    assert (not errors) == ok, errors
    assert keras_accepts(type_name, merged) == ok


def test_validation_messages_name_the_parameter():
    spec = catalog.get("Bidirectional")
    (err,) = spec.validate_params({"layer": {"type": "LSTM", "params": {"units": 0}}})
    assert "layer" in err and "LSTM" in err and "units" in err
    assert "padding" in catalog.get("ZeroPadding2D").param("padding").validate([1, 2, 3])
    assert catalog.get("TimeDistributed").param("layer").validate({"type": "Nope"}) is not None
    assert catalog.get("Dense").param("kernel_initializer").validate(
        {"module": "os", "class_name": "system", "config": {}}) is not None


def test_choice_tells_true_from_one():
    p = Param("flag", CHOICE, None, "x", choices=(None, True, False), nullable=True)
    assert p.validate(True) is None and p.validate(1) is not None and p.validate(0) is not None


# -- ports and outputs -------------------------------------------------------------

@pytest.mark.parametrize("type_name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_rnn_outputs_match_keras(type_name, return_state, return_sequences):
    params = {"units": 3, "return_state": return_state, "return_sequences": return_sequences}
    outs = run_keras(type_name, params)
    assert len(outs) == len(catalog.get(type_name).outputs(params))


@pytest.mark.parametrize("inner", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", None])
def test_bidirectional_outputs_match_keras(inner, return_state, merge_mode):
    params = {"layer": {"type": inner, "params": {"units": 3, "return_state": return_state}},
              "merge_mode": merge_mode}
    outs = run_keras("Bidirectional", params)
    names = catalog.get("Bidirectional").outputs(params)
    assert len(outs) == len(names) and len(set(names)) == len(names)


def test_wrappers_build_nested_layers_from_the_catalog():
    spec = catalog.get("Bidirectional")
    assert spec.param("layer").choices and all(catalog.get(t) for t in spec.param("layer").choices)
    layer, _ = built("Bidirectional")
    assert type(layer.forward_layer).__name__ == spec.param("layer").default["type"]


MULTI_INPUT = [s.type for s in LAYER_SPECS if s.variadic or len(s.inputs) > 1]


@pytest.mark.parametrize("type_name", MULTI_INPUT)
def test_min_inputs_equal_what_keras_accepts(type_name):
    spec = catalog.get(type_name)
    n = spec.required_inputs
    defaults = spec.defaults()
    assert run_keras(type_name, defaults, example_inputs(type_name, n))
    with pytest.raises(Exception):  # noqa: B017 - Keras raises TypeError or ValueError, depending on the layer
        run_keras(type_name, defaults, example_inputs(type_name, n - 1))
    if spec.variadic:
        assert run_keras(type_name, defaults, example_inputs(type_name, 3))
    elif spec.call != "positional":  # a list longer than the ports is refused too
        assert run_keras(type_name, defaults, example_inputs(type_name, len(spec.inputs)))
        with pytest.raises(Exception):  # noqa: B017
            run_keras(type_name, defaults, example_inputs(type_name, len(spec.inputs) + 1))


def test_port_layout():
    mha = catalog.get("MultiHeadAttention")
    assert mha.inputs == ("query", "value", "key") and mha.required_inputs == 2 and mha.call == "positional"
    for t in ("Attention", "AdditiveAttention"):
        assert catalog.get(t).inputs == ("query", "value", "key") and catalog.get(t).call == "list"
    for t in ("Subtract", "Dot"):
        assert not catalog.get(t).variadic and catalog.get(t).required_inputs == 2
    assert catalog.get("Concatenate").port_name(2) == "input 3"
