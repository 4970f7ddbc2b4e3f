"""Keras's error messages, made readable: one line that names the layer, its input shapes and the reason.

Keras's own words are kept where they are clear; the known, cryptic ones
(rank mismatches, Concatenate and Reshape arithmetic, missing arguments...)
are rewritten into sentences a user can act on.
"""

from __future__ import annotations

import difflib
import inspect
import re

from layerlab.core import catalog
from layerlab.core.kerasenv import keras
from layerlab.core.notation import format_shape

_NOISE = (
    re.compile(r"^Exception encountered when calling .*$"),
    re.compile(r"^Arguments received by .*$"),
    re.compile(r"^\s*•.*$"),
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DUMP = re.compile(r"\s*(config|Full object config)=\{.*$", re.S)  # serialized configs: long and unhelpful


def friendly_error(exc: BaseException) -> str:
    """Keras's own message, without its call-site boilerplate, on one line."""
    text = _DUMP.sub("", _ANSI.sub("", str(exc))).strip() or type(exc).__name__
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line or any(rx.match(line) for rx in _NOISE):
            continue
        lines.append(line.strip('"'))
    msg = " ".join(lines) if lines else type(exc).__name__
    msg = re.sub(r"\s+", " ", msg)
    return msg if len(msg) <= 400 else msg[:397] + "..."


def explain_error(exc: BaseException, type_name: str, input_shapes: list, params: dict | None = None) -> str:
    """One readable line for a Keras failure: the layer type, its input shapes, and Keras's reason.

    Messages Keras words for its own developers (ranks counted with the batch
    axis, "tuple index out of range", ...) are rewritten around the shapes;
    the others keep Keras's words behind a prefix naming the layer and inputs.
    """
    msg = friendly_error(exc)
    shapes = [format_shape(s) for s in input_shapes]
    ctx = _Context(type_name, shapes, [tuple(s) for s in input_shapes], params or {})
    for pattern, explain in _EXPLAINERS:
        m = pattern.search(msg)
        if m:
            text = explain(m, ctx)
            if text:
                return text
    if isinstance(exc, (IndexError, KeyError)):
        layout = _LAYOUT_OF.get(type_name)
        want = layout.count(",") + 1 if layout else None
        if want and ctx.raw and len(ctx.raw[0]) != want:  # e.g. Conv1DTranspose on 4 dimensions
            return _rank_sentence(type_name, "exactly", want, ctx.shapes[0], len(ctx.raw[0]))
        return f"{ctx.on()}: {ctx.out_of_range()} ({msg})"
    return f"{ctx.on()}: {_unquote(msg)}"


class _Context:
    def __init__(self, type_name: str, shapes: list[str], raw: list[tuple], params: dict):
        self.type, self.shapes, self.raw, self.params = type_name, shapes, raw, params

    def on(self) -> str:
        """'Dense on input (None, 8)': the prefix for messages about a layer and its inputs."""
        if not self.shapes:
            return self.type
        return f"{self.type} on input{'s' if len(self.shapes) > 1 else ''} {self.joined()}"

    def joined(self) -> str:
        """'(None, 8), (None, 4) and (None, 2)'."""
        if len(self.shapes) < 3:
            return " and ".join(self.shapes)
        return f"{', '.join(self.shapes[:-1])} and {self.shapes[-1]}"

    def out_of_range(self) -> str:
        ranks = sorted({len(s) for s in self.raw})
        where = f"inputs with {ranks[0]} dimensions (batch included)" if len(ranks) == 1 else "its inputs"
        for key in ("axis", "axes", "shared_axes", "dims"):
            if key in self.params:
                return f"{key}={self.params[key]!r} does not fit {where}"
        return f"an axis or index parameter does not fit {where}"


def _unquote(msg: str) -> str:
    return msg.replace("`", "'")


# What each family of layers expects, for messages about the number of input dimensions.
_LAYOUTS = {
    "(batch, steps, features)": ("Conv1D", "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D",
                                 "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
                                 "UpSampling1D", "ZeroPadding1D", "Cropping1D", "SpatialDropout1D",
                                 "SimpleRNN", "LSTM", "GRU", "Bidirectional", "ConvLSTM1D"),
    "(batch, rows, cols, channels)": ("Conv2D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
                                      "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
                                      "GlobalAveragePooling2D", "UpSampling2D", "ZeroPadding2D", "Cropping2D",
                                      "SpatialDropout2D"),
    "(batch, depth, rows, cols, channels)": ("Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D",
                                             "GlobalMaxPooling3D", "GlobalAveragePooling3D", "UpSampling3D",
                                             "ZeroPadding3D", "Cropping3D", "SpatialDropout3D"),
    "(batch, features)": ("RepeatVector",),
}
_LAYOUT_OF = {t: layout for layout, types in _LAYOUTS.items() for t in types}


def _rank(m: re.Match, ctx: _Context) -> str:
    how = {"ndim": "exactly", "min_ndim": "at least", "max_ndim": "at most"}[m["kind"]]
    text = _rank_sentence(ctx.type, how, int(m["want"]), m["shape"].rstrip("."), int(m["got"]))
    return text if m["port"] == "0" else text.replace(";", f" (input {m['port']});", 1)


def _rank_sentence(type_name: str, how: str, want: int, shape: str, got: int) -> str:
    """'Conv2D needs an input with at least 4 dimensions, (batch, rows, cols, channels), but ... has 3; ...'."""
    layout = _LAYOUT_OF.get(type_name)
    text = (f"{type_name} needs an input with {how} {want} dimensions"
            + (f", {layout}" if layout and want == layout.count(",") + 1 else "")
            + f", but {shape} has {got}")
    if got < want:
        return text + "; add a Reshape before it to give it more dimensions."
    return text + "; add a Flatten, Reshape or a global pooling layer before it to remove dimensions."


def _kernel_rank(m: re.Match, ctx: _Context) -> str:
    # Conv1D and friends accept more dimensions than they can use, then fail on the kernel's rank.
    want = m["kernel"].count(",") + 1
    return _rank_sentence(ctx.type, "exactly", want, m["shape"], m["shape"].count(",") + 1)


def _time_distributed_rank(m: re.Match, ctx: _Context) -> str:
    return _rank_sentence(ctx.type, "at least", int(m["want"]), m["shape"], m["shape"].count(",") + 1)


def _image_rank(m: re.Match, ctx: _Context) -> str:
    shape = ctx.shapes[0] if ctx.shapes else "its input"
    rank = len(ctx.raw[0]) if ctx.raw else 0
    return (f"{ctx.type} needs an image input with 4 dimensions, (batch, height, width, channels), but {shape} has "
            f"{rank}; add a Reshape before it.")


def _axis_value(m: re.Match, ctx: _Context) -> str:
    return (f"{ctx.type} expects axis {m['axis']} of its input to have size {m['want']} (the size its weights were "
            f"built for), but got {m['shape'].rstrip('.')}.")


def _concat(m: re.Match, ctx: _Context) -> str:
    axis = ctx.params.get("axis", -1)
    return (f"Concatenate cannot join {ctx.joined()}: all dimensions except the concatenation axis "
            f"(axis={axis}) must match.")


def _elementwise(m: re.Match, ctx: _Context) -> str:
    return (f"{ctx.type} cannot combine {ctx.joined()}: the shapes must be equal, or broadcastable "
            f"(Keras compared {m['a']} with {m['b']}, batch left out).")


def _dot(m: re.Match, ctx: _Context) -> str:
    def size(v: str) -> str:
        return "an unknown size (None)" if v == "None" else f"size {v}"

    return (f"Dot cannot multiply {ctx.joined()}: the dot axes must have the same size, but axis {m['ax1']} of the "
            f"first has {size(m['a'])} and axis {m['ax2']} of the second has {size(m['b'])}.")


def _reshape(m: re.Match, ctx: _Context) -> str:
    source = ctx.raw[0][1:] if ctx.raw else ()
    size = _product(source)
    target = m["target"]
    if "cannot by divided" in m[0] or "-1" in target:
        return (f"Reshape cannot turn {ctx.shapes[0]} into target_shape {target}: the {size} values per sample "
                f"cannot be divided evenly by the given dimensions.")
    want = _product(int(d) for d in re.findall(r"-?\d+", target))
    what = f"{size} value{'s' if size != 1 else ''} per sample" if size is not None else "a sample of unknown size"
    return (f"Reshape cannot turn {ctx.shapes[0]} into target_shape {target}: {what} cannot fill {want}; "
            f"the total size must stay the same.")


def _empty_output(m: re.Match, ctx: _Context) -> str:
    details = re.sub(r"inputs[ .]shape=(\[[^\]]*\]|\([^)]*\)),?\s*", "", m["details"].replace("`", "")).strip(" .,")
    return (f"{ctx.on()}: the output would have zero or negative size ({details}); the input is too small for "
            f"this window. Use a smaller kernel or pool size, smaller strides, or padding='same'.")


def _cropping(m: re.Match, ctx: _Context) -> str:
    return (f"{ctx.on()}: cropping={ctx.params.get('cropping')!r} removes as much as or more than the input has; "
            f"it must be smaller than the cropped dimensions.")


def _unknown_dim(m: re.Match, ctx: _Context) -> str:
    return (f"{ctx.on()}: its weights would depend on a dimension of unknown size (None) — Keras asked for a "
            f"weight of shape {m['shape']}. Give that dimension a fixed size in the Input, or reshape it.")


def _none_arith(m: re.Match, ctx: _Context) -> str:
    return (f"{ctx.on()}: it needs to know a dimension that is None (free); give that dimension a fixed size "
            f"in the Input. (Keras: {m[0]})")


def _missing_arg(m: re.Match, ctx: _Context) -> str:
    names = re.findall(r"'(\w+)'", m["names"])
    return f"{ctx.type} needs a value for {', '.join(repr(n) for n in names)}; it has no default."


def _unknown_kwargs(m: re.Match, ctx: _Context) -> str:
    names = re.findall(r"'(\w+)'\s*:", m["names"]) or re.findall(r"'(\w+)'", m["names"])
    known = _constructor_args(ctx.type)
    parts = []
    for n in names:
        close = difflib.get_close_matches(n, known, n=1)
        parts.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return f"{ctx.type} has no parameter {', '.join(parts)}."


def _uninterpretable(m: re.Match, ctx: _Context) -> str:
    return f"{ctx.type}: unknown {m['what']} '{m['value']}'."


def _not_rnn(m: re.Match, ctx: _Context) -> str | None:
    if ctx.type != "Bidirectional":
        return None
    return f"Bidirectional can only wrap a recurrent layer (LSTM, GRU, SimpleRNN), not {m['cls']}."


def _product(dims) -> int | None:
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= int(d)
    return n


def _constructor_args(type_name: str) -> list[str]:
    """Every keyword the Keras class (and its bases) accepts, plus the catalog's names: for suggestions."""
    names = {"name", "dtype", "trainable"}
    cls = getattr(keras().layers, type_name, None)
    for klass in cls.__mro__ if isinstance(cls, type) else ():
        init = klass.__dict__.get("__init__")
        try:
            names.update(p for p in inspect.signature(init).parameters if p not in ("self", "args", "kwargs"))
        except (TypeError, ValueError):
            continue
    spec = catalog.get(type_name)
    names.update(p.name for p in (spec.params if spec else ()))
    return sorted(names)


_EXPLAINERS = [
    (re.compile(r"Input (?P<port>\d+) with name .*? of layer .*? is incompatible with the layer: expected "
                r"(?P<kind>min_ndim|max_ndim|ndim)=(?P<want>\d+), found ndim=(?P<got>\d+)\. "
                r"Full shape received: (?P<shape>\(.*?\))"), _rank),
    (re.compile(r"Input \d+ with name .*? of layer .*? is incompatible with the layer: expected axis (?P<axis>-?\d+) "
                r"of input shape to have value (?P<want>\d+), but received input with shape (?P<shape>\(.*?\))"),
     _axis_value),
    (re.compile(r"A `Concatenate` layer requires inputs with matching shapes"), _concat),
    (re.compile(r"Inputs have incompatible shapes\. Received shapes (?P<a>\(.*?\)) and (?P<b>\(.*?\))"),
     _elementwise),
    (re.compile(r"Incompatible input shapes: axis values (?P<a>\d+|None) \(at axis (?P<ax1>-?\d+)\) != (?P<b>\d+|None) "
                r"\(at axis (?P<ax2>-?\d+)\)"), _dot),
    (re.compile(r"The total size of the tensor must be unchanged.*target_shape=(?P<target>\(.*?\))"), _reshape),
    (re.compile(r"Kernel shape must have the same length as input, but received kernel of shape "
                r"(?P<kernel>\(.*?\)) and input of shape (?P<shape>\(.*?\))"), _kernel_rank),
    (re.compile(r"`TimeDistributed` Layer should be passed an `input_shape` with at least (?P<want>\d+) dimensions, "
                r"received: (?P<shape>\(.*?\))"), _time_distributed_rank),
    (re.compile(r"`input_shape` must be a non-nested tuple or list of rank-1 with size 3 \(unbatched\) or 4"),
     _image_rank),
    (re.compile(r"Computed output size would be zero or negative\. Received:? (?P<details>.*)"), _empty_output),
    (re.compile(r"`cropping` parameter of .* must be smaller|Values in `cropping` argument should be smaller"),
     _cropping),
    (re.compile(r"Shapes used to initialize variables must be fully-defined.*?shape=(?P<shape>\(.*?\))"),
     _unknown_dim),
    (re.compile(r"unsupported operand type\(s\) for .*?'NoneType'.*"), _none_arith),
    (re.compile(r"missing \d+ required (?:positional|keyword-only) arguments?: (?P<names>.*)"), _missing_arg),
    (re.compile(r"Unrecognized keyword arguments passed to \w+: (?P<names>\{.*\})"), _unknown_kwargs),
    (re.compile(r"got an unexpected keyword argument (?P<names>'\w+')"), _unknown_kwargs),
    (re.compile(r"Could not interpret (?P<what>\w+(?: function)?) identifier: (?P<value>.*)"), _uninterpretable),
    (re.compile(r"<class '[\w.]*\.(?P<cls>\w+)'> could not be deserialized properly"), _not_rnn),
]
