"""Vocabularies that a .keras archive keeps as assets, made node params.

An adapted StringLookup, IntegerLookup or TextVectorization writes its
vocabulary to ``assets/<layer path>/vocabulary.txt`` instead of its config.
LayerLab keeps a vocabulary as the layer's `vocabulary` parameter, so that it
travels in the config of every export (.keras and .h5 alike; Keras's own .h5
writer drops an adapted vocabulary). The file is read as text, never run.
"""

from __future__ import annotations

import zipfile

from layerlab.core.importer.convert import LayerOrigin
from layerlab.core.importer.reading import ModelFile

VOCABULARY_LAYERS = {"StringLookup": "str", "IntegerLookup": "int", "TextVectorization": "str"}
_MAX_BYTES = 64 * 1024 * 1024


def read_vocabularies(model_file: ModelFile, origins: list[LayerOrigin], params_of: dict[str, dict],
                      notes: list[str]) -> None:
    """Fill `vocabulary` of adapted lookup layers (params_of: node id -> its params, updated in place)."""
    wanted = [o for o in origins if o.type in VOCABULARY_LAYERS and params_of[o.node_id].get("vocabulary") is None]
    if model_file.format != "keras" or not wanted:
        return
    for origin in wanted:
        name = f"assets/{origin.keras_path}/vocabulary.txt"
        raw = _member(model_file, name)
        if raw is None:
            continue
        try:
            lines = raw.decode("utf-8").splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            values = [int(x) for x in lines] if VOCABULARY_LAYERS[origin.type] == "int" else lines
        except (UnicodeDecodeError, ValueError):
            notes.append(f"the vocabulary of layer '{origin.node_id}' ({name}) cannot be read; it starts empty")
            continue
        params = params_of[origin.node_id]
        params["vocabulary"] = _without_special_tokens(origin.type, params, values)
        notes.append(f"layer '{origin.node_id}' keeps its adapted vocabulary ({len(params['vocabulary'])} terms) "
                     "as its vocabulary parameter")


def _without_special_tokens(type_name: str, params: dict, values: list) -> list:
    """The vocabulary without the mask and OOV tokens Keras writes first (the constructor adds them again)."""
    if type_name == "TextVectorization":
        special = ["", "[UNK]"]
    else:
        oov = params.get("oov_token", "[UNK]" if type_name == "StringLookup" else -1)
        mask = params.get("mask_token")
        special = ([mask] if mask is not None else []) + [oov] * int(params.get("num_oov_indices", 1))
    if values[:len(special)] == special:
        return values[len(special):]
    return values


def _member(model_file: ModelFile, name: str) -> bytes | None:
    path = model_file.path
    try:
        if path.is_dir():
            member = path / name
            return member.read_bytes() if member.is_file() and member.stat().st_size <= _MAX_BYTES else None
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(name)
            return zf.read(name) if info.file_size <= _MAX_BYTES else None
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
