"""The entry point of the PyInstaller bundle (packaging/LayerLab.spec): the `layerlab` command, frozen.

`dist/LayerLab/LayerLab ARGS` behaves as `layerlab ARGS`; with no arguments it
opens the editor, which is what the desktop entry and a double click run.
"""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the `layerlab` command line with `argv` (default: the process's arguments)."""
    # A frozen program that a library re-launches as a worker (multiprocessing's spawn) must
    # run the worker, not the editor; outside a bundle this does nothing.
    multiprocessing.freeze_support()
    from layerlab.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
