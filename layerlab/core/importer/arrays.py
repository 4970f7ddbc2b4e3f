"""Weights out of a model file, with h5py, as {layer name: [arrays in layer.get_weights() order]}.

Legacy .h5 files keep each top-level layer's arrays in a group
``model_weights/<layer>`` listed by its ``weight_names`` attribute, in the order
Keras assigns them back (trainable, then non-trainable); a nested model's group
holds all its layers' arrays, told apart by the layer name in each weight's
path. Keras 3 archives keep them in ``model.weights.h5`` under each layer's
path (``layers/<snake_case class>[_n]``, see convert._container_paths), as
``vars/<i>`` for the layer's own variables and one sub-group per sub-layer.
When a layer has several sub-layers with weights (Bidirectional,
MultiHeadAttention), their order in the file is not get_weights() order:
Keras itself maps them (composite.py), on a fresh layer built from the node's
vetted params; nothing from the file is ever run.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from layerlab.core.importer.convert import LayerOrigin
from layerlab.core.importer.errors import ModelFileError
from layerlab.core.importer.h5tree import GROUP, H5Tree, read_array
from layerlab.core.importer.reading import LEGACY, ModelFile


def read_weights(model_file: ModelFile, origins: list[LayerOrigin], notes: list[str]) -> dict[str, list[np.ndarray]]:
    """All layers' weights, keyed by node id (= Keras layer name); layers without weights are left out."""
    if model_file.weights_layout is None:
        return {}
    try:
        with model_file.open_weights() as root:
            if model_file.weights_layout == LEGACY:
                return _legacy(root, origins, notes)
            return _keras3(root, origins, notes)
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{model_file.path}: its weights cannot be read ({exc}); the file may be corrupt") \
            from None


# -- legacy .h5 ----------------------------------------------------------------
def _weight_names(group) -> list[str]:
    raw = group.attrs.get("weight_names")
    if raw is None:
        return []
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in np.asarray(raw).ravel()]


def _legacy(root, origins: list[LayerOrigin], notes: list[str]) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    by_group: dict[str, list[LayerOrigin]] = defaultdict(list)
    for origin in origins:
        by_group[origin.h5_group].append(origin)
    for group_name, members in by_group.items():
        group = root.get(group_name)
        names = _weight_names(group) if group is not None and len(group) else []  # len(): skip weightless cheaply
        if not names:
            continue
        arrays = [read_array(group.id, n) for n in names]
        if len(members) == 1 and members[0].h5_name is None:
            out[members[0].node_id] = arrays
            continue
        split = _split_nested(names, arrays, {m.h5_name: m.node_id for m in members})
        if split is None:
            notes.append(f"the weights of nested model '{group_name}' could not be matched to its layers; "
                         "they start with fresh weights")
            continue
        out.update(split)
    return out


def _split_nested(names: list[str], arrays: list[np.ndarray], owners: dict) -> dict | None:
    """A nested model's flat weight list, split by the layer named in each weight's path ("model/dense/kernel")."""
    out: dict[str, list[np.ndarray]] = defaultdict(list)
    for name, array in zip(names, arrays):
        parts = name.split(":")[0].split("/")[:-1]
        owner = next((owners[p] for p in parts if p in owners), None)
        if owner is None:
            return None
        out[owner].append(array)
    return dict(out)


# -- Keras 3 archives ------------------------------------------------------------
def _keras3(root, origins: list[LayerOrigin], notes: list[str]) -> dict[str, list[np.ndarray]]:
    tree = H5Tree(root)  # the names listed once: h5py objects are slow to open one by one
    out: dict[str, list[np.ndarray]] = {}
    for origin in origins:
        if tree.kind(origin.keras_path) != GROUP:
            notes.append(f"no weights found for layer '{origin.node_id}' (expected at {origin.keras_path}); "
                         "it starts with fresh weights")
            continue
        arrays = _own_then_single_child(tree, origin.keras_path.strip("/"))
        if arrays is None:
            from layerlab.core.importer.composite import composite_arrays

            try:
                arrays = composite_arrays(origin, root[origin.keras_path])
            except Exception as exc:  # Keras's verdict on a layer it cannot rebuild: keep the import going
                notes.append(f"the weights of layer '{origin.node_id}' could not be mapped ({exc}); "
                             "it starts with fresh weights")
                continue
        if arrays:
            out[origin.node_id] = arrays
    return out


def _own_then_single_child(tree: H5Tree, path: str) -> list[np.ndarray] | None:
    """The layer's own arrays, then its one weighted sub-layer's; None when several sub-layers hold weights."""
    own: list[np.ndarray] = []
    variables = f"{path}/vars"
    if tree.kind(variables) == GROUP:
        keys = sorted((k for k in tree.children(variables) if k.isdigit()), key=int)
        own = [tree.read(f"{variables}/{k}") for k in keys]
    children = [f"{path}/{k}" for k in tree.children(path) if k != "vars" and "seed_generator" not in k
                and tree.kind(f"{path}/{k}") == GROUP and tree.has_arrays(f"{path}/{k}")]
    if not children:
        return own
    if len(children) > 1:
        return None
    rest = _own_then_single_child(tree, children[0])
    return None if rest is None else own + rest
