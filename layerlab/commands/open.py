"""`layerlab open [PROJECT] [--screenshot OUT.png]`: the editor (also what a bare `layerlab` runs)."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "open", help="open the editor (the default command)",
        description="Open the LayerLab editor, on PROJECT if given. With --screenshot, render the window once "
                    "the project is shown and its shapes are checked, write the PNG and exit.")
    parser.add_argument("project", nargs="?", help="a .layerlab project file")
    parser.add_argument("--screenshot", metavar="OUT.png", help="write a PNG of the window and exit")
    parser.add_argument("--size", default="1280x800", metavar="WxH",
                        help="window size for --screenshot (default 1280x800)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="how long --screenshot waits for the shape check (default 120)")
    parser.set_defaults(run=run)


def run(args) -> int:
    # The core (networkx) first: imported after PySide6, every module pays for shiboken's import hook.
    import layerlab.core.project  # noqa: F401
    from layerlab.gui.app import parse_size, run_editor  # Qt is imported only for this command

    size = parse_size(args.size)
    return run_editor(args.project, screenshot=args.screenshot, size=size, timeout=args.timeout)
