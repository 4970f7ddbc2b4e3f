"""Dataset arrays in the form a built model takes: inputs and targets in the model's own order.

A Dataset keys several inputs by Input node id; the model's inputs are named
by layer name (which a node's `name` param may change), so arrays are passed
as lists in the document's input and output order, which is the order
build_model gives the model.
"""

from __future__ import annotations

import numpy as np

from layerlab.core.document import GraphDocument
from layerlab.core.training.errors import TrainingDataError


def model_inputs(document: GraphDocument, x, what: str = "training"):
    """`x` as the model takes it: one array, or a list in input order."""
    ids = document.input_ids()
    if isinstance(x, dict):
        missing = [i for i in ids if i not in x]
        if missing:
            raise TrainingDataError(f"the {what} data has no features for Input '{missing[0]}' "
                                    f"(it has: {', '.join(map(str, x)) or 'none'})")
        extra = [k for k in x if k not in ids]
        if extra:
            raise TrainingDataError(f"the {what} data has features for '{extra[0]}', which is not an Input node "
                                    f"(Inputs: {', '.join(ids)})")
        arrays = [np.asarray(x[i]) for i in ids]
    elif isinstance(x, (list, tuple)):
        arrays = [np.asarray(a) for a in x]
    else:
        arrays = [np.asarray(x)]
    if len(arrays) != len(ids):
        raise TrainingDataError(f"the model has {len(ids)} Input(s) ({', '.join(ids)}) but the {what} data gives "
                                f"{len(arrays)} feature array(s)")
    return arrays[0] if len(arrays) == 1 else arrays


def model_targets(document: GraphDocument, y, what: str = "training"):
    """`y` as the model takes it: one array, or a list in output order."""
    outs = document.output_ids()
    arrays = [np.asarray(a) for a in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]
    if len(arrays) != len(outs):
        raise TrainingDataError(f"the model has {len(outs)} output(s) ({', '.join(outs)}) but the {what} data gives "
                                f"{len(arrays)} target array(s)")
    return arrays[0] if len(arrays) == 1 else arrays


def num_samples(arrays) -> int:
    first = arrays[0] if isinstance(arrays, list) else arrays
    return int(np.shape(first)[0])


def take(arrays, indices):
    """Rows `indices` of one array or of each array in a list."""
    if isinstance(arrays, list):
        return [np.asarray(a)[indices] for a in arrays]
    return np.asarray(arrays)[indices]
