"""import_model(path): a saved Keras model -> an editable LayerLab project with its weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from layerlab.core.document import GraphDocument
from layerlab.core.importer.arrays import read_weights
from layerlab.core.importer.assets import read_vocabularies
from layerlab.core.importer.calls import model_refs
from layerlab.core.importer.convert import Converter
from layerlab.core.importer.errors import ModelFileError, ModelRefusedError
from layerlab.core.importer.reading import read_model_file
from layerlab.core.importer.safety import layer_name, scan
from layerlab.core.importer.training import training_section
from layerlab.core.layout_fit import fit_layout
from layerlab.core.project import Project
from layerlab.core.scopes import add_scope_groups


@dataclass
class ImportResult:
    """An imported model: the project (graph laid out, training section), its weights, and what to tell the user."""

    project: Project
    weights: dict[str, list[np.ndarray]]
    notes: list[str] = field(default_factory=list)
    source: Path | None = None
    format: str = ""  # "h5" or "keras"

    def save(self, project_path: str | Path) -> tuple[Path, Path | None]:
        """Write the project and, beside it, its weights file (weights_path_for); returns both paths."""
        from layerlab.core.project import save
        from layerlab.core.weights import weights_path_for, write_arrays

        path = save(self.project, project_path)
        weights_path = None
        if self.weights:
            weights_path = weights_path_for(path)
            write_arrays(weights_path, self.weights)
        return path, weights_path


def import_model(path: str | Path, layout: bool = True, weights: bool = True) -> ImportResult:
    """Read a .h5 or .keras model file into a project, without running anything from it.

    Raises:
        ModelFileError: the file is missing, truncated, corrupt or not a saved model (exit code 2).
        ModelRefusedError: it holds code, custom objects, or layers LayerLab cannot represent (exit code 1).
    """
    model_file = read_model_file(path)
    where = str(model_file.path)
    try:
        safety = scan(model_file.model_config)
        if safety.refusals:
            raise ModelRefusedError(where, safety.refusals, unsafe=safety.unsafe)
        conversion = Converter().convert(model_file.model_config)
    except ModelRefusedError:
        raise
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    except RecursionError:
        raise ModelFileError(f"{where}: the model config is nested too deeply") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ModelFileError(f"{where}: the model config is malformed ({type(exc).__name__}: {exc})") from None
    if conversion.refusals:
        raise ModelRefusedError(where, conversion.refusals, unsafe=False)

    notes = list(model_file.notes) + conversion.notes
    read_vocabularies(model_file, conversion.origins, {n.id: n.params for n in conversion.nodes}, notes)
    document = GraphDocument()
    document.load(conversion.nodes, conversion.edges, conversion.groups)
    add_scope_groups(document, collapsed=True)  # blocks by name scope (conv2_block1_*), opened collapsed
    if layout:
        for node_id, pos in fit_layout(document).items():  # collapsed blocks as cards, deep models in rows
            document.move_node(node_id, pos)
    training = training_section(model_file.training_config, _output_names(model_file.model_config), notes)
    project = Project(document=document, name=conversion.name, training=training)
    arrays = read_weights(model_file, conversion.origins, notes) if weights else {}
    return ImportResult(project, arrays, notes, model_file.path, model_file.format)


def _output_names(model_config: dict) -> list[str]:
    """The original model's output layer names (keys of per-output losses)."""
    cfg = model_config.get("config")
    if isinstance(cfg, dict) and "output_layers" in cfg:
        try:
            return [t.layer for t in model_refs(cfg["output_layers"])]
        except ModelFileError:
            return []
    layers = cfg if isinstance(cfg, list) else (cfg or {}).get("layers") or []
    return [layer_name(layers[-1])] if layers and isinstance(layers[-1], dict) else []
