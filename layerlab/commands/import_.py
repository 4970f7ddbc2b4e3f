"""`layerlab import MODEL -o PROJECT.layerlab`: open a saved Keras model (.h5 or .keras) as an editable project.

Nothing in the model file is run: its config is read as JSON and its weights
as arrays. Exit 0 when the project (and its weights file beside it) was
written, 1 when the model was refused (Lambda layers, custom objects, layers
outside the catalog, calls LayerLab's graph cannot hold), 2 for a missing,
truncated or corrupt file, or bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, error, one_line


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "import", help="import a .h5 or .keras model as a project",
        description="Read a saved Keras model (.keras archive or legacy .h5) into a LayerLab project, with its "
                    "weights (written beside it as NAME.weights.h5) and its training settings. The file's code is "
                    "never run: models with Lambda layers or custom objects are refused.")
    p.add_argument("model", metavar="MODEL", help="a .keras or .h5 model file")
    p.add_argument("-o", "--output", metavar="PROJECT",
                   help="the project to write (*.layerlab); default: MODEL's name with .layerlab, beside it")
    p.add_argument("--force", action="store_true", help="overwrite PROJECT (and its weights) if they exist")
    p.add_argument("--no-weights", action="store_true", help="import the architecture only")
    p.add_argument("--check", action="store_true",
                   help="also check the imported project's shapes (loads Keras); exit 1 if it is invalid")
    p.set_defaults(run=run)


def run(args) -> int:
    from layerlab.core.importer import import_model
    from layerlab.core.weights import weights_path_for

    model = Path(args.model)
    output = Path(args.output) if args.output else model.with_name(_stem(model) + ".layerlab")
    if output.suffix != ".layerlab":
        error(f"{output}: the project file must end in .layerlab")
        return EXIT_USAGE
    existing = [p for p in (output, weights_path_for(output)) if p.exists()]
    if existing and not args.force:
        error(f"{existing[0]} already exists; use --force to overwrite it")
        return EXIT_USAGE
    result = import_model(model, weights=not args.no_weights)
    project_path, weights_path = result.save(output)
    for note in result.notes:
        print(f"layerlab: note: {one_line(note)}", file=sys.stderr)
    doc = result.project.document
    shared = sum(1 for n in doc.nodes() if n.shares)
    parts = [f"{len(doc)} nodes", f"{len(doc.edges())} edges"]
    if shared:
        parts.append(f"{shared} shared-layer calls")
    parts.append(f"weights of {len(result.weights)} layers in {weights_path}" if weights_path else "no weights")
    print(f"Imported {model} to {project_path} ({', '.join(parts)})")
    if args.check:
        return _check(result.project, project_path)
    return EXIT_OK


def _check(project, path: Path) -> int:
    from layerlab.commands.common import print_problems
    from layerlab.core.shapes import check_document

    report = check_document(project.document)
    print_problems(str(path), report.problems, file=sys.stderr)
    if not report.valid:
        return EXIT_INVALID
    print(f"{path}: valid, {report.total_params:,} parameters")
    return EXIT_OK


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".keras", ".h5", ".hdf5"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
