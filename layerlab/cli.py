"""The `layerlab` command: a thin dispatcher over layerlab.commands.

Exit codes: 0 success, 1 invalid input (an invalid project or data),
2 unreadable file or bad usage. Errors are one line each; a traceback only
with --debug.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from layerlab import __version__
from layerlab.commands import NAMES
from layerlab.core.errors import LayerLabError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on bad usage, as our contract wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"layerlab: error: {message}\n")


def _command_module(name: str):
    return importlib.import_module(f"layerlab.commands.{name}_" if name == "import" else f"layerlab.commands.{name}")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="layerlab", description="Build, check, train and export Keras models.")
    parser.add_argument("--version", action="version", version=f"layerlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in NAMES:
        try:
            module = _command_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("layerlab.commands"):
                continue  # a subcommand not written yet
            raise
        module.add_parser(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--allow-path", action="append", metavar="DIR", dest="allow_path",
            help="also let the project read and write inside DIR (paths in a project stay inside its own "
                 "folder otherwise); may be repeated")
    return parser


def _allow_paths(folders: list[str] | None) -> None:
    """Allow the folders given with --allow-path (each must be an existing folder)."""
    from layerlab.core import confine

    for folder in folders or ():
        if not os.path.isdir(os.path.expanduser(folder)):
            raise LayerLabError(f"--allow-path {folder}: no such folder")
        confine.allow(folder)


_OPENABLE_SUFFIXES = (".layerlab", ".keras", ".h5", ".hdf5")


def _implicit_open(argv: list[str]) -> list[str]:
    """`layerlab FILE` means `layerlab open FILE`, as a file manager or a user typing expects."""
    first = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if first is None or argv[first] in NAMES or not argv[first].lower().endswith(_OPENABLE_SUFFIXES):
        return argv
    return [*argv[:first], "open", *argv[first:]]


def main(argv: list[str] | None = None) -> int:
    argv = _implicit_open(list(sys.argv[1:] if argv is None else argv))
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["open", *argv]) if "open" in parser._subparsers._group_actions[0].choices \
            else parser.parse_args(["--help"])
    debug = getattr(args, "debug", False)
    try:
        _allow_paths(getattr(args, "allow_path", None))
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("layerlab: interrupted", file=sys.stderr)
        return 130
    except LayerLabError as exc:
        if debug:
            raise
        print(f"layerlab: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except Exception as exc:  # an unexpected failure: one line unless --debug
        if debug:
            raise
        print(f"layerlab: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
