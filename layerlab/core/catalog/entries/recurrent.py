"""Recurrent layers and the wrappers that take a layer (Bidirectional, TimeDistributed)."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import (
    DTYPE_POLICIES,
    activation,
    activity_regularizer,
    base_params,
    constraint,
    data_format,
    entry,
    initializer,
    padding,
    positive_int,
    regularizer,
    seed,
    use_bias,
)
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, INTS, LAYER, LAYERS, Param

RNN_TYPES = ("LSTM", "GRU", "SimpleRNN")
# The default orthogonal recurrent initializer needs a QR decomposition, which TensorFlow has no bfloat16 kernel for.
_RNN_BASE = base_params(dtypes=tuple(d for d in DTYPE_POLICIES if d != "bfloat16"))
_STATES = {"LSTM": ("state_h", "state_c"), "GRU": ("state",), "SimpleRNN": ("state",)}


_CELL_STATES = {"LSTMCell": ("state_h", "state_c"), "GRUCell": ("state",), "SimpleRNNCell": ("state",)}


def _rnn_outputs(type_name: str):
    """Keras returns [output, *states] when return_state is set (LSTM has two states, h and c)."""
    def outputs(params: dict) -> tuple[str, ...]:
        return ("output",) + (_STATES[type_name] if params.get("return_state") else ())
    return outputs


_MASK = (("mask", "mask"),)  # (batch, timesteps) booleans: which timesteps to skip


def _initial_state(states: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Keyword ports: one per state tensor (passed together as initial_state=[...]), then the mask."""
    return tuple((f"initial_{s}", "initial_state") for s in states) + _MASK


def _cell_states(cell) -> tuple[str, ...]:
    """The state names of a (possibly stacked) cell: {"type": ..., "params": ...}."""
    if not isinstance(cell, dict):
        return ()
    if cell.get("type") == "StackedRNNCells":
        cells = (cell.get("params") or {}).get("cells") or []
        return tuple(f"{s}_{i}" for i, c in enumerate(cells) for s in _cell_states(c))
    return _CELL_STATES.get(cell.get("type"), ())


def _generic_rnn_outputs(params: dict) -> tuple[str, ...]:
    return ("output",) + (_cell_states(params.get("cell")) if params.get("return_state") else ())


def _bidirectional_outputs(params: dict) -> tuple[str, ...]:
    """Merged output (or forward and backward ones when merge_mode is None), then forward and backward states."""
    layer = params.get("layer") if isinstance(params.get("layer"), dict) else {}
    inner_type, inner_params = layer.get("type"), layer.get("params") or {}
    merged = ("output",) if params.get("merge_mode", "concat") is not None else ("forward", "backward")
    if inner_type not in _STATES or not inner_params.get("return_state"):
        return merged
    states = _STATES[inner_type]
    return merged + tuple(f"forward_{s}" for s in states) + tuple(f"backward_{s}" for s in states)


def _rnn_params(type_name: str, cell=False) -> tuple[Param, ...]:
    gated = type_name not in ("SimpleRNN", "SimpleRNNCell")
    lstm = type_name in ("LSTM", "LSTMCell")
    gru = type_name in ("GRU", "GRUCell")
    return (
        positive_int("units", 32, "Dimensionality of the output space."),
        activation("tanh", key=False, help="Activation function to use; None means no activation (linear)."),
        *((activation("sigmoid", key=False, name="recurrent_activation",
                      help="Activation function for the recurrent step (the gates)."),) if gated else ()),
        use_bias(),
        initializer("kernel_initializer", "glorot_uniform", "the `kernel` weights matrix (the inputs' transformation)"),
        initializer("recurrent_initializer", "orthogonal", "the `recurrent_kernel` weights matrix (the recurrent "
                    "state's transformation)"),
        initializer("bias_initializer", "zeros", "the bias vector", vector=True),
        *((Param("unit_forget_bias", BOOL, True, "If true, add 1 to the bias of the forget gate at initialization "
                 "(forces bias_initializer zeros)."),) if lstm else ()),
        regularizer("kernel_regularizer", "the `kernel` weights matrix"),
        regularizer("recurrent_regularizer", "the `recurrent_kernel` weights matrix"),
        regularizer("bias_regularizer", "the bias vector"),
        # SimpleRNN takes activity_regularizer but ignores it (Keras 3.6-3.15): not offered there.
        *((activity_regularizer(),) if gated and not cell else ()),
        constraint("kernel_constraint", "the `kernel` weights matrix"),
        constraint("recurrent_constraint", "the `recurrent_kernel` weights matrix"),
        constraint("bias_constraint", "the bias vector"),
        Param("dropout", FLOAT, 0.0, "Fraction of the units to drop for the linear transformation of the inputs, "
              "between 0 and 1.", min=0, max=1),
        Param("recurrent_dropout", FLOAT, 0.0, "Fraction of the units to drop for the linear transformation of the "
              "recurrent state, between 0 and 1.", min=0, max=1),
        seed("Random seed for dropout."),
        *((Param("reset_after", BOOL, True, "GRU convention: apply the reset gate after the matrix multiplication "
                 "(true, cuDNN compatible) or before."),) if gru and cell else ()),
        *(() if cell else _sequence_params(gru))
    )


def _sequence_params(gru: bool) -> tuple[Param, ...]:
    return (
        Param("return_sequences", BOOL, False, "Whether to return the full output sequence, or only the last output.",
              key=True),
        Param("return_state", BOOL, False, "Whether to return the last state in addition to the output (extra "
              "output ports)."),
        Param("go_backwards", BOOL, False, "If true, process the input sequence backwards and return the reversed "
              "sequence."),
        Param("unroll", BOOL, False, "If true, unroll the network instead of a symbolic loop: faster for short "
              "sequences, more memory."),
        *((Param("reset_after", BOOL, True, "GRU convention: apply the reset gate after the matrix multiplication "
                 "(true, cuDNN compatible) or before."),) if gru else ()),
    )


register(
    entry("SimpleRNN", "Recurrent", "Fully-connected RNN where the output is to be fed back as the new input.",
          params=_rnn_params("SimpleRNN"), outputs=_rnn_outputs("SimpleRNN"), base=_RNN_BASE,
          keyword_inputs=_initial_state(_STATES["SimpleRNN"])),
    entry("LSTM", "Recurrent", "Long Short-Term Memory layer (Hochreiter 1997).",
          params=_rnn_params("LSTM"), outputs=_rnn_outputs("LSTM"), base=_RNN_BASE,
          keyword_inputs=_initial_state(_STATES["LSTM"])),
    entry("GRU", "Recurrent", "Gated Recurrent Unit (Cho et al. 2014).",
          params=_rnn_params("GRU"), outputs=_rnn_outputs("GRU"), base=_RNN_BASE,
          keyword_inputs=_initial_state(_STATES["GRU"])),
    entry(
        "Bidirectional", "Recurrent",
        "Bidirectional wrapper for RNNs: runs the wrapped layer forwards and backwards and merges the outputs.",
        params=(
            Param("layer", LAYER, {"type": "LSTM", "params": {"units": 32}}, "The recurrent layer to wrap; a copy "
                  "runs backwards.", choices=RNN_TYPES, key=True),
            Param("merge_mode", CHOICE, "concat", "How the forward and backward outputs are combined; None returns "
                  "both (two output ports).", choices=("concat", "sum", "mul", "ave", None), nullable=True, key=True),
        ),
        outputs=_bidirectional_outputs,
    ),
    entry(
        "TimeDistributed", "Recurrent",
        "Applies a layer to every temporal slice of an input (axis 1 is the time axis).",
        params=(
            Param("layer", LAYER, {"type": "Dense", "params": {"units": 32}}, "The layer applied to each timestep.",
                  key=True),
        ),
    ),
)


def _conv_lstm_params(rank: int) -> tuple[Param, ...]:
    size = 3 if rank == 1 else [3] * rank
    rnn = {p.name: p for p in _rnn_params("LSTM")}
    return (
        positive_int("filters", 8, "Number of output filters (channels)."),
        Param("kernel_size", INTS, size, f"Size of the convolution window: one int, or {rank}.", length=rank, min=1,
              key=True),
        Param("strides", INTS, 1, f"Strides of the convolution: one int, or {rank}.", length=rank, min=1),
        padding(),
        data_format(),
        Param("dilation_rate", INTS, 1, f"Dilation rate of the convolution: one int, or {rank}.", length=rank, min=1),
        *(rnn[n] for n in ("activation", "recurrent_activation", "use_bias", "kernel_initializer",
                           "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
                           "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                           "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
                           "return_sequences", "return_state", "go_backwards")),
    )


def _cell(type_name: str, help: str):
    return entry(type_name, "Recurrent", help, params=_rnn_params(type_name, cell=True), nested_only=True,
                 base=_RNN_BASE)


_CELLS = ("SimpleRNNCell", "LSTMCell", "GRUCell")

register(
    *(entry(f"ConvLSTM{rank}D", "Recurrent",
            f"LSTM whose input and recurrent transformations are {rank}D convolutions (e.g. video frames).",
            params=_conv_lstm_params(rank), outputs=_rnn_outputs("LSTM"), base=_RNN_BASE,
            keyword_inputs=_initial_state(_STATES["LSTM"]))
      for rank in (1, 2, 3)),
    _cell("SimpleRNNCell", "The cell of a SimpleRNN, for the generic RNN layer."),
    _cell("LSTMCell", "The cell of an LSTM, for the generic RNN layer."),
    _cell("GRUCell", "The cell of a GRU, for the generic RNN layer."),
    entry("StackedRNNCells", "Recurrent", "Several cells stacked into one, for the generic RNN layer.",
          params=(Param("cells", LAYERS, [{"type": "LSTMCell", "params": {"units": 32}}], "The cells, first to last.",
                        choices=_CELLS, key=True),),
          nested_only=True),
    entry(
        "RNN", "Recurrent", "The generic recurrent layer: runs a cell (or stacked cells) over a sequence.",
        params=(
            Param("cell", LAYER, {"type": "LSTMCell", "params": {"units": 32}}, "The cell to run at each step.",
                  choices=(*_CELLS, "StackedRNNCells"), key=True),
            *(p for p in _sequence_params(False) if p.name != "unroll"),
            Param("unroll", BOOL, False, "If true, unroll the network instead of a symbolic loop: faster for short "
                  "sequences, more memory."),
        ),
        outputs=_generic_rnn_outputs, base=_RNN_BASE,
        # Two state ports (an LSTMCell's h and c, or two stacked single-state cells) keep the card compact.
        keyword_inputs=tuple((f"initial_state {i + 1}", "initial_state") for i in range(2)) + _MASK,
    ),
)
