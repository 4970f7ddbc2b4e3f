"""Render the PNG icons of the desktop integration from their SVG drawings (Qt's SVG renderer, no other tool).

Usage: python packaging/render_icons.py [--out packaging/icons/hicolor]

The application icon is drawn once, in resources/icons/app.svg (the editor
uses it for its windows); the project-file icon is packaging/icons/
application-x-layerlab.svg. Both are rendered into the freedesktop hicolor
layout that packaging/install-desktop.sh copies: SIZE x SIZE/apps/layerlab.png
and SIZE x SIZE/mimetypes/application-x-layerlab.png. Run it again after
changing either drawing; tests/test_packaging.py notices stale PNGs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# hicolor context folder, icon name, drawing
ICONS = (
    ("apps", "layerlab", ROOT / "resources" / "icons" / "app.svg"),
    ("mimetypes", "application-x-layerlab", ROOT / "packaging" / "icons" / "application-x-layerlab.svg"),
)
DEFAULT_OUT = ROOT / "packaging" / "icons" / "hicolor"


def render_png(svg: Path, size: int):
    """The drawing `svg` as a QImage of `size` x `size` pixels on a transparent background."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg}: not a drawing Qt can read")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def render_all(out: Path) -> list[Path]:
    """Write every icon at every size below `out`; returns the files written."""
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 - QtSvg wants one
    written = []
    for context, name, svg in ICONS:
        for size in SIZES:
            target = out / f"{size}x{size}" / context / f"{name}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not render_png(svg, size).save(str(target), "PNG"):
                raise SystemExit(f"render_icons: {target}: cannot be written")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"hicolor folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in render_all(args.out):
        print(path.relative_to(args.out) if path.is_relative_to(args.out) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
