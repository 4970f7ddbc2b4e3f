"""Keras is the oracle: random graphs are checked by LayerLab and built by Keras directly.

Hypothesis draws a seed and a mode; random_graph turns them into a chain or
DAG with merges, attention, multi-output RNNs (source ports), wrappers, shared
layers, explicit names (some clashing), non-trainable and float16/float64
layers, with plausible but random params and input ranks and sizes, so that
many graphs are invalid. Each graph is built here with Keras's functional API
(keras.Input, getattr(keras.layers, T)(**params), keras.Model), written
without any LayerLab code, and the two must agree exactly: the same verdict,
the same output shapes for every node, the same parameter and trainable
parameter counts for every layer. LAYERLAB_ORACLE_EXAMPLES=2000 runs a longer
search.
"""

from __future__ import annotations

import importlib
import math
import os
import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlab.core import catalog
from layerlab.core.document import GraphDocument
from layerlab.core.kerasenv import keras
from layerlab.core.shapes import ShapeChecker

EXAMPLES = int(os.environ.get("LAYERLAB_ORACLE_EXAMPLES", "100"))
ORACLE_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# How Keras layers take several inputs: as one list, or as positional arguments.
LIST_CALL = {"Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot", "Attention",
             "AdditiveAttention"}
POSITIONAL_CALL = {"MultiHeadAttention"}
RNNS = {"SimpleRNN": 1, "GRU": 1, "LSTM": 2, "ConvLSTM1D": 2, "RNN": 1}  # state outputs with return_state=True
POSITIONAL_CALL |= {"GroupQueryAttention"}
# keras.ops operations, as Keras records them: (module under keras.src.ops, class). Built here by class (so that
# they carry the node's name, as LayerLab names them), independently of LayerLab's catalog.
OPS = {"ops.add": ("numpy", "Add"), "ops.multiply": ("numpy", "Multiply"), "ops.subtract": ("numpy", "Subtract"),
       "ops.maximum": ("numpy", "Maximum"), "ops.greater": ("numpy", "Greater"), "ops.mean": ("numpy", "Mean"),
       "ops.sum": ("numpy", "Sum"), "ops.expand_dims": ("numpy", "ExpandDims"), "ops.squeeze": ("numpy", "Squeeze"),
       "ops.concatenate": ("numpy", "Concatenate"), "ops.stack": ("numpy", "Stack"), "ops.relu": ("nn", "Relu"),
       "ops.softmax": ("nn", "Softmax"), "ops.cast": ("core", "Cast"), "ops.matmul": ("numpy", "Matmul")}
BINARY_OPS = {"ops.add", "ops.multiply", "ops.subtract", "ops.maximum", "ops.greater"}
LIST_OPS = {"ops.concatenate", "ops.stack"}
ACTIVATIONS = [None, "relu", "tanh", "sigmoid", "softmax", "gelu"]


def window(r: random.Random, rank: int):
    """kernel_size, pool_size and friends: an int or a list of `rank` ints."""
    return r.randint(1, 4) if r.random() < 0.5 else [r.randint(1, 4) for _ in range(rank)]


def conv_params(r, rank, filters=True):
    p = {"kernel_size": window(r, rank), "padding": r.choice(["valid", "same"])}
    if filters:
        p["filters"] = r.randint(1, 8)
    if r.random() < 0.4:
        p["strides"] = r.randint(1, 3)
    if r.random() < 0.3:
        p["activation"] = r.choice(ACTIVATIONS)
    if r.random() < 0.2:
        p["use_bias"] = False
    return p


def pool_params(r, rank):
    p = {"pool_size": window(r, rank), "padding": r.choice(["valid", "same"])}
    if r.random() < 0.4:
        p["strides"] = r.randint(1, 3)
    return p


def rnn_params(r):
    return {"units": r.randint(1, 8), "return_sequences": r.random() < 0.5, "return_state": r.random() < 0.25}


def reshape_target(r):
    dims = [r.randint(1, 8) for _ in range(r.randint(1, 3))]
    if r.random() < 0.3:
        dims[r.randrange(len(dims))] = -1
    return dims


def permutation(r):
    dims = list(range(1, r.randint(1, 3) + 1))
    r.shuffle(dims)
    return dims


# type -> a function drawing its params (Keras constructor kwargs, JSON values only) from a random.Random
PARAMS = {
    "Dense": lambda r: {"units": r.randint(1, 12), "activation": r.choice(ACTIVATIONS), "use_bias": r.random() < .8},
    "Conv1D": lambda r: conv_params(r, 1),
    "Conv2D": lambda r: conv_params(r, 2),
    "Conv2DTranspose": lambda r: conv_params(r, 2),
    "SeparableConv2D": lambda r: conv_params(r, 2),
    "DepthwiseConv2D": lambda r: conv_params(r, 2, filters=False),
    "MaxPooling1D": lambda r: pool_params(r, 1),
    "AveragePooling1D": lambda r: pool_params(r, 1),
    "MaxPooling2D": lambda r: pool_params(r, 2),
    "AveragePooling2D": lambda r: pool_params(r, 2),
    "GlobalAveragePooling1D": lambda r: {},
    "GlobalMaxPooling2D": lambda r: {"keepdims": r.random() < 0.5},
    "GlobalAveragePooling2D": lambda r: {},
    "Flatten": lambda r: {},
    "Reshape": lambda r: {"target_shape": reshape_target(r)},
    "Permute": lambda r: {"dims": permutation(r)},
    "RepeatVector": lambda r: {"n": r.randint(1, 4)},
    "UpSampling1D": lambda r: {"size": r.randint(1, 3)},
    "UpSampling2D": lambda r: {"size": r.randint(1, 3)},
    "ZeroPadding2D": lambda r: {"padding": r.randint(0, 2)},
    "Cropping1D": lambda r: {"cropping": r.randint(0, 2)},
    "SimpleRNN": rnn_params,
    "LSTM": rnn_params,
    "GRU": rnn_params,
    "Bidirectional": lambda r: {"layer": {"type": r.choice(["LSTM", "GRU", "SimpleRNN"]),
                                          "params": {"units": r.randint(1, 6), "return_sequences": r.random() < .5}},
                                "merge_mode": r.choice(["concat", "sum", "ave", "mul"])},
    "TimeDistributed": lambda r: {"layer": {"type": "Dense", "params": {"units": r.randint(1, 6)}}},
    "Embedding": lambda r: {"input_dim": r.randint(2, 20), "output_dim": r.randint(1, 8),
                            "mask_zero": r.random() < 0.3},
    "Concatenate": lambda r: {"axis": r.choice([-1, -1, 1, 2])},
    "Add": lambda r: {},
    "Multiply": lambda r: {},
    "Subtract": lambda r: {},
    "Average": lambda r: {},
    "Maximum": lambda r: {},
    "Dot": lambda r: {"axes": r.choice([-1, 1, 2, [1, 2], [2, 1]])},
    "MultiHeadAttention": lambda r: {"num_heads": r.randint(1, 3), "key_dim": r.randint(1, 4)},
    "BatchNormalization": lambda r: {"axis": r.choice([-1, -1, 1, 2])},
    "LayerNormalization": lambda r: {},
    "Dropout": lambda r: {"rate": r.choice([0.0, 0.1, 0.5])},
    "SpatialDropout1D": lambda r: {"rate": 0.2},
    "GaussianNoise": lambda r: {"stddev": 0.1},
    "Activation": lambda r: {"activation": r.choice(ACTIVATIONS[1:])},
    "ReLU": lambda r: {},
    "LeakyReLU": lambda r: {"negative_slope": 0.2},
    "PReLU": lambda r: {},
    "Softmax": lambda r: {"axis": r.choice([-1, 1])},
    "ELU": lambda r: {},
    "Conv3D": lambda r: conv_params(r, 3),
    "Conv1DTranspose": lambda r: conv_params(r, 1),
    "SeparableConv1D": lambda r: conv_params(r, 1),
    "DepthwiseConv1D": lambda r: conv_params(r, 1, filters=False),
    "MaxPooling3D": lambda r: pool_params(r, 3),
    "GlobalMaxPooling1D": lambda r: {},
    "GlobalAveragePooling3D": lambda r: {},
    "ZeroPadding1D": lambda r: {"padding": r.randint(0, 2)},
    "Cropping2D": lambda r: {"cropping": r.randint(0, 2)},
    "UpSampling3D": lambda r: {"size": r.randint(1, 2)},
    "SpatialDropout2D": lambda r: {"rate": 0.2},
    "Attention": lambda r: {"use_scale": r.random() < 0.5},
    "AdditiveAttention": lambda r: {},
    "GroupNormalization": lambda r: {"groups": r.choice([1, 2, 4])},
    "UnitNormalization": lambda r: {},
    "Masking": lambda r: {"mask_value": 0.0},
    "Identity": lambda r: {},
    "Rescaling": lambda r: {"scale": r.choice([0.5, 1 / 255]), "offset": r.choice([0.0, -1.0])},
    "Resizing": lambda r: {"height": r.randint(1, 6), "width": r.randint(1, 6)},
    "CenterCrop": lambda r: {"height": r.randint(1, 6), "width": r.randint(1, 6)},
    "GaussianDropout": lambda r: {"rate": 0.2},
    "ActivityRegularization": lambda r: {"l1": 0.01},
    # issue 13: the rest of keras.layers
    "RandomFlip": lambda r: {"mode": r.choice(["horizontal", "vertical", "horizontal_and_vertical"])},
    "RandomRotation": lambda r: {"factor": r.choice([0.1, [-0.2, 0.3]])},
    "RandomZoom": lambda r: {"height_factor": 0.2},
    "RandomCrop": lambda r: {"height": r.randint(1, 4), "width": r.randint(1, 4)},
    "RandomContrast": lambda r: {"factor": 0.3},
    "Solarization": lambda r: {"threshold_factor": 0.5},
    "RMSNormalization": lambda r: {"axis": r.choice([-1, 1])},
    "EinsumDense": lambda r: {"equation": r.choice(["ab,bc->ac", "abc,cd->abd"]), "output_shape":
                              r.choice([r.randint(1, 6), [None, r.randint(1, 6)]])},
    "ConvLSTM1D": lambda r: {"filters": r.randint(1, 4), "kernel_size": r.randint(1, 3),
                             "padding": r.choice(["valid", "same"]), **rnn_params(r)},
    "RNN": lambda r: {"cell": {"type": r.choice(["GRUCell", "SimpleRNNCell"]), "params": {"units": r.randint(1, 5)}},
                      "return_sequences": r.random() < 0.5, "return_state": r.random() < 0.25},
    "AdaptiveAveragePooling1D": lambda r: {"output_size": r.randint(1, 3)},
    "AdaptiveMaxPooling2D": lambda r: {"output_size": r.randint(1, 3)},
    "GroupQueryAttention": lambda r: {"head_dim": r.randint(1, 4), "num_query_heads": 2,
                                      "num_key_value_heads": r.choice([1, 2])},
    "Discretization": lambda r: {"bin_boundaries": [0.0, 0.5], "num_bins": None},
    # operations: binary ones with a constant for when only one tensor is wired
    **{t: (lambda r: {"constant": r.choice([0.5, 2.0, [1.0, 2.0]]), "constant_first": r.random() < 0.3})
       for t in BINARY_OPS},
    "ops.mean": lambda r: {"axis": r.choice([None, -1, 1, [1, 2]]), "keepdims": r.random() < 0.5},
    "ops.sum": lambda r: {"axis": r.choice([-1, 1])},
    "ops.expand_dims": lambda r: {"axis": r.choice([-1, 1])},
    "ops.squeeze": lambda r: {"axis": r.choice([None, -1])},
    "ops.concatenate": lambda r: {"axis": r.choice([-1, 1])},
    "ops.stack": lambda r: {"axis": r.choice([-1, 1])},
    "ops.relu": lambda r: {},
    "ops.softmax": lambda r: {"axis": r.choice([-1, 1])},
    "ops.cast": lambda r: {"dtype": r.choice(["float16", "float32", "int32"])},
    "ops.matmul": lambda r: {},
}
ARITY = {"Concatenate": (1, 3), "Add": (1, 3), "Multiply": (2, 3), "Average": (2, 2), "Maximum": (2, 3),
         "Subtract": (2, 2), "Dot": (2, 2), "MultiHeadAttention": (2, 3), "Attention": (2, 3),
         "AdditiveAttention": (2, 3), "GroupQueryAttention": (2, 3),
         **{t: (1, 2) for t in BINARY_OPS}, "ops.matmul": (2, 2), "ops.concatenate": (1, 3), "ops.stack": (1, 3)}


def registered(types):
    """Types the catalog lists (it is being completed; unregistered ones are skipped)."""
    return sorted(t for t in types if catalog.get(t) is not None)


MODES = ("valid", "valid", "near-miss", "wild")


def random_graph(r: random.Random, mode: str, max_layers: int = 12):
    """A random graph: [(id, type, params, shares, [(source, source_port), ...])], in a topological order.

    random.Random rather than Hypothesis's draws makes every type equally likely (Hypothesis favours
    the first choices). In mode "valid" each node is redrawn until Keras accepts it on its inputs, so
    that deep, valid graphs with every kind of layer occur; "near-miss" leaves one node to chance (often
    a second call of a shared layer), "wild" leaves them all.
    """
    types = registered(PARAMS)
    k = keras()
    nodes, tensors, layers = [], {}, {}  # tensors: node -> its outputs, built as we go to guide the choices
    for i in range(r.randint(1, 2)):
        shape = [r.choice([1, 2, 3, 4, 5, 6, 8, None]) for _ in range(r.choice([1, 1, 2, 2, 3, 3, 4]))]
        dtype = r.choice(["float32", "float32", "float32", "int32"])
        nodes.append((f"in{i}", "Input", {"shape": shape, "dtype": dtype}, None, []))
        tensors[f"in{i}"] = [k.Input(shape=tuple(shape), dtype=dtype)]
    n_layers = r.randint(1, max_layers)
    left_to_chance = {"valid": set(), "near-miss": {r.randrange(n_layers)}, "wild": set(range(n_layers))}[mode]
    for i in range(n_layers):
        for _attempt in range(40):
            share = 0.5 if (mode == "near-miss" and i in left_to_chance) else 0.12
            node = random_node(r, f"n{i}", types, nodes, tensors, share)
            if i in left_to_chance:
                break
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    outs = call(k, node, tensors, layers)
            except Exception:
                continue
            tensors[node[0]] = outs
            break
        nodes.append(node)
        if node[0] not in tensors:  # left to chance, or no fitting node found: outputs unknown from here on
            tensors[node[0]] = [None] * n_outputs(node, nodes)
    return nodes


def random_node(r, nid, types, nodes, tensors, share):
    sharable = [n for n in nodes if n[1] != "Input" and n[3] is None and n[1] not in OPS]
    states = []
    if sharable and r.random() < share:  # call an earlier node's layer again
        owner = r.choice(sharable)
        t, params, shares, arity = owner[1], {}, owner[0], len(owner[4])
    else:
        t = r.choice(types)
        params, shares = PARAMS[t](r), None
        arity = r.randint(*ARITY.get(t, (1, 1)))
        states = []
        if t in {"SimpleRNN", "GRU", "LSTM"} and r.random() < 0.4:  # keyword ports: initial_state=[...]
            fitting = [(src, port) for src, outs in tensors.items() for port, x in enumerate(outs)
                       if x is not None and len(x.shape) == 2 and x.shape[1] is not None]
            if fitting:  # states of the right size (units = their width), so that valid graphs have some
                state = r.choice(fitting)
                params["units"] = tensors[state[0]][state[1]].shape[1]
                states = [state] * RNNS[t]
        extra = r.random() if t not in OPS else 1.0
        if extra < 0.04:  # a name of its own, or one already taken (Keras refuses duplicates)
            params["name"] = r.choice([f"layer_{nid}", r.choice([n[0] for n in nodes])])
        elif extra < 0.08:
            params["trainable"] = False
        elif extra < 0.12:
            params["dtype"] = r.choice(["float16", "float64", "mixed_float16"])
    ids = list(tensors)
    sources = []
    for _ in range(arity):
        src = ids[-1] if r.random() < 0.6 else r.choice(ids)  # mostly chains, some branches and skips
        sources.append((src, r.randrange(len(tensors[src]))))
    return (nid, t, params, shares, sources + states)


def n_outputs(node, nodes):
    nid, t, params, shares, _ = node
    if shares:
        return n_outputs(next(n for n in nodes if n[0] == shares), nodes)
    return 1 + (RNNS.get(t, 0) if params.get("return_state") else 0)


def call_operation(node, args):
    """A keras.ops operation made from its class (named after the node) and called the way Keras records it."""
    nid, t, params = node[:3]
    module, cls = OPS[t]
    kwargs = {k: v for k, v in params.items() if k not in ("constant", "constant_first")}
    op = getattr(importlib.import_module(f"keras.src.ops.{module}"), cls)(name=params.get("name") or nid, **kwargs)
    if t in LIST_OPS:
        return op(args)
    if t in BINARY_OPS and len(args) == 1:
        return op(params["constant"], args[0]) if params.get("constant_first") else op(args[0], params["constant"])
    return op(*args)


def call(k, node, tensors, layers, named=False):
    """Call the node's Keras layer on its inputs (creating the layer, named after the node, unless it shares one)."""
    nid, t, params, shares, sources = node
    args = [tensors[src][port] for src, port in sources]
    if any(a is None for a in args):
        raise ValueError("an input is unknown")
    if t in OPS:
        out = call_operation(node, args)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    layer = layers[shares] if shares else keras_layer(k, t, params, name=nid if named else None)
    if t in {"SimpleRNN", "GRU", "LSTM"} and len(args) > 1:
        out = layer(args[0], initial_state=args[1:])
    elif t in LIST_CALL:
        out = layer(args)
    elif t in POSITIONAL_CALL:
        out = layer(*args)
    else:
        out = layer(args[0])
    layers[nid] = layer
    return list(out) if isinstance(out, (list, tuple)) else [out]


def to_document(nodes) -> GraphDocument:
    doc = GraphDocument()
    for nid, t, params, shares, _ in nodes:
        doc.add_node(t, params, node_id=nid, shares=shares)
    for nid, _, _, _, sources in nodes:
        for port, (src, source_port) in enumerate(sources):
            doc.add_edge(src, nid, port=port, source_port=source_port)
    return doc


def keras_layer(k, t, params, name=None):
    kwargs = dict(params)
    for key in ("layer", "cell"):
        if isinstance(kwargs.get(key), dict):
            inner = kwargs[key]
            kwargs[key] = keras_layer(k, inner["type"], inner.get("params", {}))
    if name:
        kwargs["name"] = kwargs.get("name") or name  # the project format: params.name, else the node id
    return getattr(k.layers, t)(**kwargs)  # GroupQueryAttention is the public name of GroupedQueryAttention


def keras_build(nodes):
    """Build the graph with Keras alone. Returns (model, {node: [output shapes]}) or raises Keras's error."""
    k = keras()
    tensors, layers, inputs = {}, {}, []
    used = {src for *_, sources in nodes for src, _ in sources}
    for node in nodes:
        nid, t, params = node[:3]
        if t == "Input":
            tensors[nid] = [k.Input(shape=tuple(params["shape"]), dtype=params["dtype"], name=nid)]
            inputs.append(tensors[nid][0])
        else:
            tensors[nid] = call(k, node, tensors, layers, named=True)
    outs = [x for nid, *_ in nodes if nid not in used for x in tensors[nid]]
    model = k.Model(inputs, outs)
    return model, {n: [tuple(x.shape) for x in ts] for n, ts in tensors.items()}


def describe(nodes) -> str:
    return "\n".join(f"  {nid}: {t}{' shares ' + shares if shares else ''} {params} <- {sources}"
                     for nid, t, params, shares, sources in nodes)


def assert_agrees_with_keras(nodes):
    report = ShapeChecker(to_document(nodes)).check()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Flatten ... will destroy the mask": valid, only a warning
        try:
            model, shapes = keras_build(nodes)
            failure = None
        except Exception as exc:  # any failure is Keras's verdict "invalid"
            model, shapes, failure = None, None, f"{type(exc).__name__}: {str(exc)[:300]}"
    where = f"\ngraph:\n{describe(nodes)}\nLayerLab errors: {[str(e) for e in report.errors]}\nKeras: {failure}"
    assert report.valid == (failure is None), "verdicts differ" + where
    for e in report.errors:
        assert "\n" not in e.message and "Traceback" not in e.message, e.message
    if failure is not None:
        return "invalid"
    for nid, t, params, shares, _ in nodes:
        result = report.results[nid]
        assert list(result.shapes) == shapes[nid], f"shapes of {nid} differ" + where
        if shares or t == "Input" or t in OPS:  # a second call creates no layer; its weights count at the owner
            expected = trainable = 0
        else:
            layer = model.get_layer(params.get("name") or nid)
            expected = layer.count_params()
            trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
        assert result.params == expected, f"params of {nid} differ ({result.params} vs {expected})" + where
        assert result.trainable_params == trainable, f"trainable params of {nid} differ" + where
    assert report.total_params == model.count_params()
    return "valid"


def test_the_generator_makes_diverse_valid_and_invalid_graphs():
    """Guards the oracle test's power: without valid graphs of many types, agreement would prove little."""
    verdicts, valid_types = [], set()
    for seed in range(30):
        nodes = random_graph(random.Random(seed), ["valid", "near-miss", "wild"][seed % 3])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                keras_build(nodes)
        except Exception:
            verdicts.append("invalid")
            continue
        verdicts.append("valid")
        valid_types.update(t for _, t, *_ in nodes)

    assert 10 <= verdicts.count("valid") <= 25, verdicts
    assert len(valid_types) >= min(25, len(registered(PARAMS))), sorted(valid_types)
    assert sum(t in OPS for t in valid_types) >= 3, sorted(valid_types)  # operations in valid graphs



@ORACLE_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(MODES))
def test_layerlab_agrees_with_keras_on_random_graphs(seed, mode):
    assert_agrees_with_keras(random_graph(random.Random(seed), mode))


def _seq2seq(rnn, state_units, n_states, units=4):
    states = [(f"s{i}", "Dense", {"units": state_units}, None, [("ctx", 0)]) for i in range(n_states)]
    return [("seq", "Input", {"shape": [5, 3], "dtype": "float32"}, None, []),
            ("ctx", "Input", {"shape": [6], "dtype": "float32"}, None, []),
            *states,
            ("rnn", rnn, {"units": units, "return_sequences": True}, None,
             [("seq", 0)] + [(f"s{i}", 0) for i in range(n_states)])]


@pytest.mark.parametrize("rnn, state_units, n_states, verdict", [
    ("LSTM", 4, 2, "valid"), ("GRU", 4, 1, "valid"), ("SimpleRNN", 4, 1, "valid"),
    # Keras's symbolic build takes these (they fail only when run): LayerLab agrees, whatever the verdict.
    ("LSTM", 3, 2, None), ("LSTM", 4, 1, None),
])
def test_initial_state_ports_agree_with_keras(rnn, state_units, n_states, verdict):
    got = assert_agrees_with_keras(_seq2seq(rnn, state_units, n_states))
    assert verdict is None or got == verdict


def test_shared_rnn_with_initial_state_agrees_with_keras():
    nodes = _seq2seq("LSTM", 4, 2)
    nodes.append(("rnn_again", "LSTM", {}, "rnn", [("seq", 0), ("s1", 0), ("s0", 0)]))
    assert assert_agrees_with_keras(nodes) == "valid"
