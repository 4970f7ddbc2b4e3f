"""`layerlab check PROJECT... [--json]`: is each project a valid model? Shapes and parameter counts per node.

Exit 0 when every project is valid, 1 when any is invalid, 2 when a file
cannot be read (this wins over 1) or on bad usage. With --json, one JSON
object per line per file, in the order given.
"""

from __future__ import annotations

import json
import sys

from layerlab.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    error,
    load_project,
    one_line,
    print_problems,
    project_problems,
)
from layerlab.core.errors import LayerLabError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="check projects: shapes, parameter counts, errors",
        description="Check each project: every node's output shape and parameter count, or what is wrong. "
                    "Exit 0 when all are valid, 1 when any is invalid, 2 when a file cannot be read.")
    p.add_argument("projects", nargs="+", metavar="PROJECT", help="a .layerlab file")
    p.add_argument("--json", action="store_true", help="print one JSON object per line per file")
    p.set_defaults(run=run)


def run(args) -> int:
    worst = EXIT_OK
    for path in args.projects:
        try:
            project = load_project(path)
        except LayerLabError as exc:
            if getattr(args, "debug", False):
                raise
            worst = EXIT_USAGE
            if args.json:
                _emit({"file": path, "valid": False, "nodes": {},
                       "errors": [{"node": None, "message": one_line(str(exc))}], "warnings": []})
            else:
                error(str(exc))
            continue
        report, extra = project_problems(project)
        errors = report.errors + extra
        valid = not errors
        if not valid and worst == EXIT_OK:
            worst = EXIT_INVALID
        if args.json:
            data = report.to_json()
            _emit({"file": path, "valid": valid, "nodes": data["nodes"],
                   "errors": data["errors"] + [p.to_json() for p in extra], "warnings": data["warnings"]})
            continue
        if valid:
            print(f"{path}: valid ({len(report.results)} nodes, {report.total_params:,} parameters)")
        else:
            print(f"{path}: invalid ({len(errors)} error{'s' if len(errors) != 1 else ''})")
        print_problems(path, errors + report.warnings)
    return worst


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()
