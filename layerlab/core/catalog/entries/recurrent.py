"""Recurrent layers and the wrappers that take a layer."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import activation
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, INT, LAYER, LayerSpec, Param


def _rnn_outputs(states: int):
    def outputs(params: dict) -> tuple[str, ...]:
        if params.get("return_state"):
            names = ("state_h", "state_c")[:states] if states == 2 else ("state",)
            return ("output",) + names
        return ("output",)
    return outputs


def _rnn_params(act_default="tanh") -> tuple[Param, ...]:
    return (
        Param("units", INT, 32, "Dimensionality of the output space.", min=1, key=True),
        activation(act_default, key=False),
        Param("return_sequences", BOOL, False, "Whether to return the whole output sequence, or only the last output.",
              key=True),
        Param("return_state", BOOL, False, "Whether to return the last state in addition to the output."),
        Param("dropout", FLOAT, 0.0, "Fraction of the units to drop for the linear transformation of the inputs.",
              min=0, max=1),
        Param("recurrent_dropout", FLOAT, 0.0, "Fraction of the units to drop for the recurrent state.", min=0, max=1),
        Param("go_backwards", BOOL, False, "If true, process the input sequence backwards."),
        Param("unroll", BOOL, False, "If true, the network will be unrolled (faster for short sequences, more memory)."),
    )


register(
    LayerSpec("LSTM", "Recurrent", "Long Short-Term Memory layer (Hochreiter 1997).",
              params=_rnn_params(), outputs=_rnn_outputs(2)),
    LayerSpec(
        "Bidirectional", "Recurrent",
        "Bidirectional wrapper for RNNs: runs the wrapped layer forwards and backwards.",
        params=(
            Param("layer", LAYER, {"type": "LSTM", "params": {"units": 32}}, "The recurrent layer to wrap.", key=True),
            Param("merge_mode", CHOICE, "concat", "How the forward and backward outputs are combined.",
                  choices=("sum", "mul", "concat", "ave", None), nullable=True),
        ),
    ),
)
