"""The entry point of the PyInstaller bundle (packaging/LayerLab.spec): the `layerlab` command, frozen.

`dist/LayerLab/LayerLab ARGS` behaves as `layerlab ARGS`; with no arguments it
opens the editor, which is what the desktop entry and a double click run.
`LayerLab --layerlab-engine ROLE` is an engine process (a training worker, the
check engine): the editor starts those with the bundle's own executable.
"""

from __future__ import annotations

import multiprocessing
import sys

ENGINE_FLAG = "--layerlab-engine"  # the same as layerlab.core.engine.process's


def main(argv: list[str] | None = None) -> int:
    """Run the `layerlab` command line with `argv` (default: the process's arguments)."""
    # A frozen program that a library re-launches as a worker (multiprocessing's spawn) must
    # run the worker, not the editor; outside a bundle this does nothing.
    multiprocessing.freeze_support()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [ENGINE_FLAG]:  # an engine process the editor started (layerlab.core.engine.process)
        from layerlab.core.engine.serve import main as engine_main

        return engine_main(args[1:])
    from layerlab.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
