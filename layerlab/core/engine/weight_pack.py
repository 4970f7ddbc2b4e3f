"""A model's weights between processes as one flat array per dtype and a small index.

An imported NASNetMobile has 1,126 arrays: one ``.npy`` file each took about
0.35 s to write in the check engine and read back in the editor, more than
the import itself. Packed, they travel as a few files (through ArrayFolder,
so nothing is unpickled) and come back as views of those few buffers.
"""

from __future__ import annotations

import math

import numpy as np

from layerlab.core.engine.arrays import ArrayFolder
from layerlab.core.engine.protocol import ProtocolError


def put_weights(arrays: ArrayFolder, weights: dict[str, list[np.ndarray]]) -> dict:
    """{"buffers": {dtype: array reference}, "index": [[layer, [[dtype, offset, shape], ...]], ...]}."""
    parts: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    index = []
    for layer, layer_arrays in weights.items():
        entries = []
        for a in layer_arrays:
            a = np.asarray(a)
            if a.dtype == object:
                raise TypeError("arrays of Python objects cannot be sent")
            key = a.dtype.str
            entries.append([key, sizes.get(key, 0), list(a.shape)])
            parts.setdefault(key, []).append(a.ravel())
            sizes[key] = sizes.get(key, 0) + a.size
        index.append([layer, entries])
    buffers = {key: arrays.put(np.concatenate(chunks, dtype=np.dtype(key)), "weights") for key, chunks in parts.items()}
    return {"buffers": buffers, "index": index}


def take_weights(arrays: ArrayFolder, packed: dict) -> dict[str, list[np.ndarray]]:
    """The inverse of put_weights (the buffer files are removed); ProtocolError for an index that does not fit."""
    try:
        buffers = {key: arrays.take(ref).reshape(-1) for key, ref in packed["buffers"].items()}
        out: dict[str, list[np.ndarray]] = {}
        for layer, entries in packed["index"]:
            layer_arrays = []
            for key, offset, shape in entries:
                buffer, size = buffers[key], math.prod(shape)
                if buffer.dtype.str != key or offset < 0 or offset + size > buffer.size:
                    raise ProtocolError(f"the weights of layer {layer!r} do not fit their buffer")
                layer_arrays.append(buffer[offset:offset + size].reshape(shape))
            out[layer] = layer_arrays
        return out
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"a malformed weights index ({type(exc).__name__}: {exc})") from None
