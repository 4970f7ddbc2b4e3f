"""Words to integers, exactly as Keras's old `Tokenizer` did (without its out-of-vocabulary token).

Lowercase; each character of FILTERS becomes a space; split on spaces and
drop empty pieces. Words are numbered from 1 by frequency in the fitted
texts (ties keep the order of first appearance); only words numbered below
`num_words` are kept when encoding, others are dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TABLE = str.maketrans({c: " " for c in FILTERS})


def words(text: str) -> list[str]:
    return [w for w in text.lower().translate(_TABLE).split(" ") if w]


def fit_word_index(texts: Iterable[str], num_words: int | None = None) -> dict[str, int]:
    """{word: index} by descending frequency; with `num_words`, only the indices below it."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(words(text))
    # Counter keeps first-seen order; sorted() is stable, so ties keep it too (as the Tokenizer's sort did)
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)
    if num_words is not None:
        ranked = ranked[: max(num_words - 1, 0)]
    return {w: i for i, w in enumerate(ranked, start=1)}


def texts_to_sequences(texts: Iterable[str], word_index: dict[str, int], num_words: int | None = None) -> list:
    limit = num_words if num_words else None
    out = []
    for text in texts:
        seq = []
        for w in words(text):
            i = word_index.get(w)
            if i is not None and (limit is None or i < limit):
                seq.append(i)
        out.append(seq)
    return out
