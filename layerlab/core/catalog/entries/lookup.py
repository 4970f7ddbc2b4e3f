"""Stateful preprocessing: lookups, text vectorization, discretization, hashing, category encoding.

Their vocabularies and bin boundaries are constructor arguments, so they travel
in the model config (.keras and .h5 alike); `adapt_node` (core.adapt) fills
them from data as layer.adapt() would.
"""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import base_params, entry, numbers, positive_int
from layerlab.core.catalog.spec import BOOL, CALL_LIST, CHOICE, FLOAT, INT, INTS, JSON, STR, Param

_LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_DTYPES = (None, "float32", "int32", "int64", "string")


def _vocabulary_rule(kind):
    def rule(value) -> str | None:
        if not isinstance(value, list):
            return "must be a list"
        if kind is str:
            ok = all(isinstance(v, str) for v in value)
        else:
            ok = all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        return None if ok else f"must hold {'texts' if kind is str else 'whole numbers'} only"
    return rule


def _lookup(kind) -> tuple[Param, ...]:
    token = STR if kind is str else INT
    return (
        Param("max_tokens", INT, None, "Maximum vocabulary size (including mask and OOV tokens); None is unlimited.",
              min=2, nullable=True),
        Param("num_oov_indices", INT, 1, "Number of out-of-vocabulary indices.", min=0),
        Param("mask_token", token, None, "A token that means 'masked' (index 0); None means no mask token.",
              nullable=True),
        Param("oov_token", token, "[UNK]" if kind is str else -1, "The token returned for out-of-vocabulary "
              "inputs when invert is true."),
        Param("vocabulary", JSON, None, "The vocabulary, most frequent first; None until adapted to data.",
              nullable=True, check=_vocabulary_rule(kind), key=True),
        Param("invert", BOOL, False, "If true, map indices back to vocabulary items."),
        Param("output_mode", CHOICE, "int", "int gives indices; the others give one vector per sample.",
              choices=_LOOKUP_MODES, key=True),
        Param("pad_to_max_tokens", BOOL, False, "Pad multi_hot/count/tf_idf outputs to max_tokens."),
    )


# Their constructors name their arguments (no **kwargs): no `trainable`.
_NAMED = base_params(trainable=False, dtypes=_DTYPES)
# Lookups and hashing pick their own dtypes from their inputs and vocabularies (Keras ignores `dtype`).
_NO_DTYPE = base_params()[:2]

register(
    entry("StringLookup", "Preprocessing", "Maps strings to integer indices through a vocabulary.",
          params=_lookup(str), base=_NO_DTYPE),
    entry("IntegerLookup", "Preprocessing", "Maps integers to integer indices through a vocabulary.",
          params=(*_lookup(int),
                  Param("vocabulary_dtype", CHOICE, "int64", "The dtype of the vocabulary terms.",
                        choices=("int64",))),
          base=_NO_DTYPE),
    entry(
        "TextVectorization", "Preprocessing",
        "Turns raw strings into token indices (or multi-hot/count/tf-idf vectors) through a vocabulary.",
        params=(
            Param("max_tokens", INT, None, "Maximum vocabulary size; None is unlimited.", min=2, nullable=True,
                  key=True),
            Param("standardize", CHOICE, "lower_and_strip_punctuation", "How text is standardized before splitting.",
                  choices=("lower_and_strip_punctuation", "lower", "strip_punctuation", None), nullable=True),
            Param("split", CHOICE, "whitespace", "How text is split into tokens.",
                  choices=("whitespace", "character", None), nullable=True),
            Param("ngrams", INTS, None, "Create n-grams up to this size (or of these sizes); None for none.", min=1,
                  nullable=True),
            Param("output_mode", CHOICE, "int", "int gives token indices; the others one vector per text.",
                  choices=("int", "multi_hot", "count", "tf_idf"), key=True),
            Param("output_sequence_length", INT, None, "Pad or truncate int outputs to this length.", min=1,
                  nullable=True, key=True),
            Param("pad_to_max_tokens", BOOL, False, "Pad multi_hot/count/tf_idf outputs to max_tokens."),
            Param("vocabulary", JSON, None, "The vocabulary, most frequent first; None until adapted to data.",
                  nullable=True, check=_vocabulary_rule(str)),
        ),
        base=base_params(dtypes=_DTYPES),
    ),
    entry(
        "Discretization", "Preprocessing", "Buckets continuous values into bins (integer bin indices).",
        params=(
            Param("bin_boundaries", JSON, None, "Sorted boundaries between bins (then num_bins must be empty); "
                  "adapting to data fills them.", nullable=True, check=numbers, key=True),
            Param("num_bins", INT, 4, "Number of bins that adapting to data computes; empty when boundaries are "
                  "given.", min=1, nullable=True, key=True),
            Param("epsilon", FLOAT, 0.01, "Error tolerance of adapt()'s quantiles.", min=0, min_exclusive=True),
            Param("output_mode", CHOICE, "int", "int gives bin indices; the others one vector per sample.",
                  choices=("int", "one_hot", "multi_hot", "count")),
        ),
        base=_NAMED,
    ),
    entry(
        "Hashing", "Preprocessing", "Hashes strings or integers into a fixed number of bins.",
        params=(
            positive_int("num_bins", 16, "Number of hash bins (including the mask bin when mask_value is set)."),
            Param("mask_value", JSON, None, "A value that maps to bin 0 (masked); None for none.", nullable=True),
            Param("salt", JSON, None, "A number, or a pair of numbers, that keys the hash; None for a plain hash.",
                  nullable=True, check=numbers),
            Param("output_mode", CHOICE, "int", "int gives bin indices; the others one vector per sample.",
                  choices=("int", "one_hot", "multi_hot", "count"), key=True),
        ),
        base=_NO_DTYPE,
    ),
    entry(
        "HashedCrossing", "Preprocessing", "Crosses two categorical features by hashing their combination into bins.",
        params=(
            positive_int("num_bins", 16, "Number of hash bins."),
            Param("output_mode", CHOICE, "int", "int gives bin indices; one_hot one vector per sample.",
                  choices=("int", "one_hot"), key=True),
        ),
        inputs=("input 1", "input 2"), call=CALL_LIST, base=base_params(dtypes=_DTYPES),
    ),
    entry(
        "CategoryEncoding", "Preprocessing", "Encodes integer categories as one-hot, multi-hot or count vectors.",
        params=(
            positive_int("num_tokens", 8, "Number of categories; inputs must be in [0, num_tokens)."),
            Param("output_mode", CHOICE, "multi_hot", "The encoding.", choices=("one_hot", "multi_hot", "count"),
                  key=True),
        ),
    ),
)
