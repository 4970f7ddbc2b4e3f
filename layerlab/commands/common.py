"""Helpers shared by the `layerlab` subcommands: exit codes, loading projects, printing problems."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TextIO

from layerlab.core.errors import Problem

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def load_project(path: str):
    """Read a project file; raises ProjectFileError (exit 2) when it cannot be read at all."""
    from layerlab.core import project

    return project.load(path)


def one_line(text: str) -> str:
    """Keep a message on one line, so that each problem is exactly one line of output."""
    return " ".join(str(text).split())


def problem_line(where: str, problem: Problem) -> str:
    """`FILE: error: node 'd1': message` (or `warning:`; no node part for graph-wide problems)."""
    return f"{where}: {one_line(str(problem))}"


def print_problems(where: str, problems: list[Problem], file: TextIO | None = None) -> None:
    out = file or sys.stdout
    for p in problems:
        print(problem_line(where, p), file=out)


def error(message: str) -> None:
    """One line on stderr, prefixed like the dispatcher's own messages."""
    print(f"layerlab: {one_line(message)}", file=sys.stderr)


def project_problems(project) -> tuple[object, list[Problem]]:
    """Check a loaded project: (CheckReport, extra problems of its training section).

    The graph is checked by layerlab.core.shapes (with the problems found while
    loading); the training section by the training engine, when it is present; every
    path the project names by layerlab.core.confine.
    """
    from layerlab.core.confine import path_problems
    from layerlab.core.errors import LayerLabError
    from layerlab.core.export import compile_section
    from layerlab.core.shapes import check_document

    report = check_document(project.document, extra=project.load_problems)
    extra: list[Problem] = list(path_problems(project.dataset, project.training, project.base_dir))
    if project.training is not None:
        try:
            compile_section(project)
        except LayerLabError as exc:
            problems = getattr(exc, "problems", None) or [Problem(str(exc))]
            extra += problems
    return report, extra


class SigintHandler:
    """A context that routes Ctrl-C to `on_sigint` while it is open (main thread only, as signals are)."""

    _previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self.on_sigint)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False

    def on_sigint(self, signum, frame) -> None:
        raise NotImplementedError
