"""`layerlab summary PROJECT`: the model's table (layer, type, output shape, params, connected to) and totals.

An invalid project still gets its table (unknown shapes and counts show as ?);
its errors follow on stderr and the exit code is 1.
"""

from __future__ import annotations

from layerlab.commands.common import EXIT_INVALID, EXIT_OK, load_project, print_problems, project_problems


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "summary", help="print a project's model summary",
        description="Print a table like Keras's model.summary(): layer, type, output shape, parameters and "
                    "connections, with the totals. Needs no training and builds no weights.")
    p.add_argument("project", metavar="PROJECT", help="a .layerlab file")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys

    from layerlab.core.build import _model_name
    from layerlab.core.summary import render_text, summarize

    project = load_project(args.project)
    report, extra = project_problems(project)
    summary = summarize(project.document, report, _model_name(project.name))
    sys.stdout.write(render_text(summary))
    sys.stdout.flush()
    errors = report.errors + extra
    print_problems(args.project, errors + report.warnings, file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK
