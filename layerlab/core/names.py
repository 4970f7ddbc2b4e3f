"""Keras layer names from node ids: the user's id stays the id; Keras gets a safe, stable name.

A node id may be any non-empty string (``隠れ層``, ``dense 1``, ``.``, a name with
right-to-left marks, a very long one). TensorFlow accepts only
``[A-Za-z0-9_.-]``-like names for its name scopes, Keras refuses ``/``, and HDF5
cannot hold a group called ``.``; so an id that is not a plain name becomes
``<ascii part>_<8 hex digits of its SHA-1>`` when the model is built. The
mapping is a pure function of the id, so the same id gets the same Keras name in
every build, export and weights file, and plain ids (``dense_1``) are kept as
they are, so existing weights files still fit.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}")
MAX_SLUG = 48


def keras_name(node_id: str) -> str:
    """The Keras layer name for a node id (or a node's `name` parameter)."""
    if _PLAIN.fullmatch(node_id):
        return node_id
    folded = unicodedata.normalize("NFKD", node_id).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", folded).strip("_")[:MAX_SLUG].rstrip("_") or "node"
    digest = hashlib.sha1(node_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug}_{digest}"
