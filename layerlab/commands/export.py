"""`layerlab export PROJECT -o OUT`: write the model as .keras, legacy .h5 or a standalone .py script.

Weights saved beside the project (NAME.weights.h5) go into .keras and .h5
exports. Exit 1 for an invalid project (its errors are listed), 2 for an
unreadable project, an unsupported OUT or a failed write.
"""

from __future__ import annotations

import sys

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, load_project, print_problems


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="export a project as .keras, .h5 or .py",
        description="Build the project's compiled Keras model and write it to OUT: a .keras archive, a legacy "
                    ".h5 file (both reload with keras.models.load_model) or a standalone .py script.")
    p.add_argument("project", metavar="PROJECT", help="a .layerlab file")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write: *.keras, *.h5 or *.py")
    p.add_argument("--no-weights", action="store_true",
                   help="ignore the weights saved beside the project (export fresh weights)")
    p.set_defaults(run=run)


def run(args) -> int:
    from layerlab.core.export import FORMATS, InvalidProjectError, export_format, export_project

    export_format(args.output)  # bad usage is found before anything is loaded
    project = load_project(args.project)
    try:
        result = export_project(project, args.output, weights=not args.no_weights)
    except InvalidProjectError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"layerlab: {exc.where} is invalid; nothing was exported", file=sys.stderr)
        print_problems(args.project, exc.problems, file=sys.stderr)
        return EXIT_INVALID
    for note in result.notes:
        print(f"layerlab: note: {note}", file=sys.stderr)
    print(f"Exported {args.project} to {result.path} ({FORMATS[result.format]}, {result.total_params:,} parameters)")
    return EXIT_OK
