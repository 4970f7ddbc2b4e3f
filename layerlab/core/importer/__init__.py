"""Importing saved Keras models (.h5, .keras) as editable graphs, safely: nothing in the file is ever run.

reading   the config, training config and weights out of the file (h5py, zipfile, json)
safety    refusal reasons: Lambda layers, custom objects, layers outside the catalog
convert   config -> nodes and edges (nested models flattened, shared layers kept shared)
params    a layer's saved config -> node params
training  the stored compile settings -> the project's training section
arrays    the weights, in layer.get_weights() order (composite: the few layers Keras must map)
"""

from layerlab.core.importer.errors import ModelFileError, ModelRefusedError, Refusal
from layerlab.core.importer.model_import import ImportResult, import_model

__all__ = ["ImportResult", "ModelFileError", "ModelRefusedError", "Refusal", "import_model"]
