"""Attention layers: query, value and an optional key (which defaults to the value).

MultiHeadAttention is called as layer(query, value, key); Attention and
AdditiveAttention as layer([query, value, key]).
"""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import entry, kernel_and_bias, positive_int, seed, use_bias
from layerlab.core.catalog.spec import BOOL, CALL_LIST, CALL_POSITIONAL, CHOICE, FLOAT, INT, INTS, Param

_QVK = ("query", "value", "key")
_MASK = (("attention_mask", "attention_mask"),)  # (batch, query length, value length) booleans
_LIST_MASKS = (("query_mask", "mask"), ("value_mask", "mask"))  # mask=[query_mask, value_mask], both or neither


def _dropout(help: str) -> Param:
    return Param("dropout", FLOAT, 0.0, help, min=0, max=1)


register(
    entry(
        "MultiHeadAttention", "Attention",
        "Multi-head attention as in \"Attention Is All You Need\"; query and key/value may be the same tensor "
        "(self-attention).",
        params=(
            positive_int("num_heads", 2, "Number of attention heads."),
            positive_int("key_dim", 16, "Size of each attention head for query and key."),
            Param("value_dim", INT, None, "Size of each attention head for value; None means key_dim.", min=1,
                  nullable=True),
            _dropout("Dropout probability on the attention scores."),
            use_bias("Whether the dense layers use bias vectors."),
            Param("output_shape", INTS, None, "Shape of the output besides the batch and sequence dims; None projects "
                  "back to the query's last dimension.", min=1, nullable=True),
            Param("attention_axes", INTS, None, "Axes over which attention is applied; None means all axes but batch, "
                  "heads and features.", nullable=True),
            *kernel_and_bias(),
            seed("Random seed for the dropout."),
        ),
        inputs=_QVK, min_inputs=2, call=CALL_POSITIONAL, keyword_inputs=_MASK,
    ),
    entry(
        "Attention", "Attention",
        "Dot-product attention layer, a.k.a. Luong-style attention.",
        params=(
            Param("use_scale", BOOL, False, "If true, learn a scalar that scales the attention scores.", key=True),
            Param("score_mode", CHOICE, "dot", "How scores are computed: dot product of query and key, or tanh of "
                  "their concatenation.", choices=("dot", "concat"), key=True),
            _dropout("Fraction of the units to drop for the attention scores, between 0 and 1."),
            seed("Random seed for the dropout."),
        ),
        inputs=_QVK, min_inputs=2, call=CALL_LIST, keyword_inputs=_LIST_MASKS,
    ),
    entry(
        "AdditiveAttention", "Attention",
        "Additive attention layer, a.k.a. Bahdanau-style attention.",
        params=(
            Param("use_scale", BOOL, True, "If true, learn a scalar that scales the attention scores.", key=True),
            _dropout("Fraction of the units to drop for the attention scores, between 0 and 1."),
        ),
        inputs=_QVK, min_inputs=2, call=CALL_LIST, keyword_inputs=_LIST_MASKS,
    ),
)

register(
    entry(
        "GroupQueryAttention", "Attention",
        "Grouped-query attention (Ainslie et al., 2023): several query heads share each key/value head.",
        params=(
            positive_int("head_dim", 16, "Size of each attention head."),
            positive_int("num_query_heads", 4, "Number of query heads."),
            positive_int("num_key_value_heads", 1, "Number of key and value heads; divides num_query_heads."),
            _dropout("Dropout probability on the attention scores."),
            use_bias("Whether the dense layers use bias vectors."),
            *kernel_and_bias(),
            seed("Random seed for the dropout."),
        ),
        inputs=_QVK, min_inputs=2, call=CALL_POSITIONAL, keyword_inputs=_MASK,
    ),
)
