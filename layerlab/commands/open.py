"""`layerlab open [PROJECT] [--screenshot OUT.png]`: the editor (also what a bare `layerlab` runs)."""

from __future__ import annotations

NO_SCREEN_SIZE = (1400, 900)  # a screenshot's size where there is no real screen (the offscreen platform)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "open", help="open the editor (the default command)",
        description="Open the LayerLab editor, on PROJECT if given. With --screenshot, render the window once "
                    "the project is shown and its shapes are checked, write the PNG and exit.")
    parser.add_argument("project", nargs="?", help="a .layerlab project file, or a .keras/.h5 model to import")
    parser.add_argument("--screenshot", metavar="OUT.png", help="write a PNG of the window and exit")
    parser.add_argument("--size", metavar="WxH",
                        help="window size for --screenshot (default: the whole screen; 1400x900 without one)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="how long --screenshot waits for the shape check (default 120)")
    parser.set_defaults(run=run)


def run(args) -> int:
    # The core (networkx) first: imported after PySide6, every module pays for shiboken's import hook.
    import layerlab.core.project  # noqa: F401
    from layerlab.gui.app import parse_size, run_editor  # Qt is imported only for this command

    if args.size:
        size = parse_size(args.size)
    elif args.screenshot:
        size = screen_size()
    else:
        size = (1280, 800)  # not used: an interactive window restores its own geometry
    return run_editor(args.project, screenshot=args.screenshot, size=size, timeout=args.timeout)


def screen_size() -> tuple[int, int]:
    """The primary screen's full size (a screenshot shows the window as it fills the screen)."""
    from PySide6.QtGui import QGuiApplication

    from layerlab.gui.app import make_app

    make_app()
    screen = QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() in ("offscreen", "minimal"):
        return NO_SCREEN_SIZE
    geometry = screen.geometry()
    return max(200, geometry.width()), max(200, geometry.height())
