"""Export a project as a Keras model file (`.keras`, legacy `.h5`) or a standalone script (`.py`).

An export first checks the project (shapes and training section) and refuses
an invalid one with every problem listed. The model is built and compiled by
:mod:`layerlab.core.build`; weights stored beside the project go into it.
Files are written atomically: a temp file in the target folder, fsync, rename.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from layerlab.core.errors import LayerLabError, Problem
from layerlab.core.project import commit_temp

FORMATS = {".keras": "Keras archive", ".h5": "legacy HDF5", ".py": "Python script"}


class ExportError(LayerLabError):
    """The output cannot be written: an unsupported file type or a failed write."""

    exit_code = 2


class InvalidProjectError(LayerLabError):
    """The project has errors, so it cannot become a model. `problems` lists them."""

    exit_code = 1

    def __init__(self, problems: list[Problem], where: str = "project"):
        self.problems = list(problems)
        self.where = where
        count = len(self.problems)
        lines = [f"{where} is invalid ({count} error{'s' if count != 1 else ''}):"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str  # one of FORMATS
    total_params: int
    notes: list[str] = field(default_factory=list)  # e.g. layers whose stored weights did not fit


def export_format(path: str | os.PathLike) -> str:
    """The format suffix of `path` (".keras", ".h5" or ".py"); ExportError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = ", ".join(FORMATS)
        raise ExportError(f"{path}: cannot export to a '{suffix or 'suffix-less'}' file; use one of: {shown}")
    return suffix


def project_label(project) -> str:
    return str(project.path) if project.path else (project.name or "project")


def compile_section(project) -> dict:
    """The training section as build.compile_model reads it (unset loss and metrics picked from the model).

    Raises InvalidProjectError naming the bad key.
    """
    from layerlab.core.training.config import TrainingConfig

    try:
        return TrainingConfig.from_section(project.training, document=project.document,
                                           dataset=project.dataset).compile_section(project.document)
    except LayerLabError as exc:
        raise InvalidProjectError([Problem(str(exc))], project_label(project)) from None


def check_project(project):
    """Check the project's shapes and paths; raise InvalidProjectError if it has errors, else return the CheckReport.

    A path that leaves the project's folder (layerlab.core.confine) is an error here too, so that no
    command builds, trains or exports a project that would read or write outside its folder.
    """
    from layerlab.core.confine import path_problems
    from layerlab.core.shapes import check_document

    report = check_document(project.document, extra=project.load_problems)
    outside = path_problems(project.dataset, project.training, project.base_dir)
    if not report.valid or outside:
        raise InvalidProjectError(report.errors + outside, project_label(project))
    return report


def build_compiled_model(project, weights: bool = True, notes: list[str] | None = None):
    """The project's compiled Keras model, with the weights stored beside the project when `weights` is true.

    Raises InvalidProjectError for a project with errors; `notes` collects what
    could not be restored (layers whose stored weights no longer fit).
    """
    from layerlab.core.build import BuildError, build_model, compile_model

    check_project(project)
    training = compile_section(project)
    try:
        model = build_model(project.document, project.name)
        compile_model(model, training)
    except BuildError as exc:
        raise InvalidProjectError([Problem(str(exc))], project_label(project)) from None
    if weights:
        _load_stored_weights(project, model, notes if notes is not None else [])
    return model


def _load_stored_weights(project, model, notes: list[str]) -> None:
    from layerlab.core.weights import load_model_weights, weights_path_for

    if project.path is None:
        return
    path = weights_path_for(project.path)
    if not path.exists():
        return
    report = load_model_weights(model, path)
    for layer, why in report.skipped.items():
        notes.append(f"layer '{layer}' keeps fresh weights: {why}")


def save_model(model, path: str | os.PathLike) -> Path:
    """Save a Keras model to `.keras` or `.h5`, atomically."""
    path = Path(path)
    suffix = export_format(path)
    if suffix == ".py":
        raise ExportError(f"{path}: a model object cannot be saved as a script; export the project instead")
    return _write_atomically(path, suffix, lambda tmp: _keras_save(model, tmp, suffix))


def _keras_save(model, tmp: Path, suffix: str) -> None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # Saved unbuilt, the optimizer reloads with a warning that its variables do not match.
        optimizer.build(model.trainable_variables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that .h5 is legacy: the user asked for it
        if suffix == ".h5":
            # Keras's legacy .h5 writer pops the optimizer out of the model's compile config,
            # so a later .keras save of the same model would reload with the wrong optimizer.
            config = getattr(model, "_compile_config", None)
            saved = dict(config.config) if config is not None and hasattr(config, "config") else None
            try:
                model.save(tmp)
            finally:
                if saved is not None:
                    config.config = saved
        else:
            model.save(tmp)


def export_project(project, path: str | os.PathLike, weights: bool = True) -> ExportResult:
    """Export the project to `path` (.keras, .h5 or .py). Raises InvalidProjectError or ExportError."""
    path = Path(path)
    suffix = export_format(path)
    notes: list[str] = []
    if suffix == ".py":
        from layerlab.core.codegen import generate_script, loader_source

        report = check_project(project)
        training = compile_section(project)
        try:
            loader = loader_source(project)
        except LayerLabError as exc:  # e.g. a missing data file: the model is still worth exporting
            loader = None
            notes.append(f"the script has no data loader: {exc}")
        text = generate_script(project, report=report, training=training, script_name=path.name, loader=loader)
        _write_atomically(path, suffix, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        if weights and project.path is not None:
            from layerlab.core.weights import weights_path_for

            if weights_path_for(project.path).exists():
                notes.append("the script builds the model with fresh weights; the saved ones stay in "
                             f"{weights_path_for(project.path)}")  # the full path: the script may be elsewhere
        return ExportResult(path, suffix, report.total_params, notes)
    if suffix == ".h5":
        _refuse_operations_in_h5(project, path)
    model = build_compiled_model(project, weights=weights, notes=notes)
    save_model(model, path)
    return ExportResult(path, suffix, int(model.count_params()), notes)


def _refuse_operations_in_h5(project, path: Path) -> None:
    """Keras's legacy .h5 loader knows layers only: a file with keras.ops operations would not load back."""
    from layerlab.core import catalog

    document = project.document
    ops = [n for n in document.node_ids() if (spec := catalog.get(document.node_type(n))) and spec.is_operation]
    if ops:
        shown = ", ".join(f"'{n}'" for n in ops[:5]) + (f" and {len(ops) - 5} more" if len(ops) > 5 else "")
        raise ExportError(f"{path}: the model holds keras.ops operations ({shown}), which Keras cannot load back "
                          "from a legacy .h5 file (its loader knows layers only); export .keras or .py instead")


def _write_atomically(path: Path, suffix: str, write) -> Path:
    """Call `write(tmp)` on a temp file beside `path` (same suffix, as Keras wants), fsync it, rename it."""
    if path.is_dir():
        raise ExportError(f"{path}: is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + suffix, dir=path.parent)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        commit_temp(tmp, path)  # fsync, rename over the target, fsync the folder: as a project is saved
    except OSError as exc:
        raise ExportError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
