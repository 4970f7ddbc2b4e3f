"""Icons drawn for LayerLab (resources/icons/*.svg), tinted to fit the palette.

The line icons use ``currentColor``: each is rendered with the colour asked
for (the palette's text colour by default, a category's colour in the
palette), so one drawing serves the light and the dark theme.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from layerlab.resources import resource_path

ICON_DIR = resource_path("icons")

CATEGORY_ICONS = {
    "Inputs": "cat-inputs", "Core": "cat-core", "Convolution": "cat-convolution", "Pooling": "cat-pooling",
    "Recurrent": "cat-recurrent", "Merge": "cat-merge", "Attention": "cat-attention",
    "Normalization": "cat-normalization", "Regularization": "cat-regularization", "Activation": "cat-activation",
    "Reshaping": "cat-reshaping", "Preprocessing": "cat-preprocessing",
}


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


@cache
def _svg_text(name: str) -> str:
    try:
        return icon_path(name).read_text(encoding="utf-8")
    except OSError:  # a missing drawing must not stop the editor: fall back to a plain square
        return icon_path("cat-other").read_text(encoding="utf-8") if name != "cat-other" else ""


def _text_color() -> QColor:
    app = QGuiApplication.instance()
    return app.palette().color(QPalette.ColorRole.WindowText) if app else QColor("#333333")


def render(name: str, size: int, color: QColor | str | None = None, ratio: float = 1.0) -> QPixmap:
    """The icon `name` as a pixmap of `size` logical pixels, tinted with `color`."""
    tint = QColor(color) if color is not None else _text_color()
    svg = _svg_text(name).replace("currentColor", tint.name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    px = max(1, round(size * ratio))
    image = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(tint.alphaF())
    renderer.render(painter, QRectF(0, 0, px, px))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class _TintedSvgEngine(QIconEngine):
    """Draws a tinted SVG at whatever size is asked, when it is asked (nothing is rendered up front)."""

    def __init__(self, name: str, tint: QColor):
        super().__init__()
        self._name, self._tint = name, QColor(tint)
        self._pixmaps: dict[tuple[int, int, int], QPixmap] = {}

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._name, self._tint)

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self._pixmap(min(rect.width(), rect.height()), mode, ratio)
        painter.drawPixmap(rect.topLeft(), pixmap)

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self._pixmap(min(size.width(), size.height()), mode, 1.0)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:  # noqa: N802 - Qt API
        return self._pixmap(round(min(size.width(), size.height()) / max(scale, 1.0)), mode, scale)

    def _pixmap(self, size: int, mode, ratio: float) -> QPixmap:
        key = (size, int(mode == QIcon.Mode.Disabled), round(ratio * 100))
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            tint = QColor(self._tint)
            if mode == QIcon.Mode.Disabled:
                tint.setAlphaF(tint.alphaF() * 0.35)
            pixmap = render(self._name, size, tint, ratio)
            self._pixmaps[key] = pixmap
        return pixmap


_cache: dict[tuple[str, str], QIcon] = {}


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """A QIcon for `name` tinted with `color` (the palette's text colour by default), drawn on demand."""
    tint = QColor(color) if color is not None else _text_color()
    key = (name, tint.name(QColor.NameFormat.HexArgb))
    cached = _cache.get(key)
    if cached is None:
        cached = QIcon(_TintedSvgEngine(name, tint))
        _cache[key] = cached
    return cached


def category_icon(category: str, color: QColor | str | None = None) -> QIcon:
    return icon(CATEGORY_ICONS.get(category, "cat-other"), color)


def app_icon() -> QIcon:
    """The application icon, with real pixmaps: window managers ask for its list of sizes."""
    cached = _cache.get(("app", "sizes"))
    if cached is None:
        cached = QIcon()
        for size in (16, 24, 32, 48, 64, 128, 256):
            cached.addPixmap(render("app", size))
        _cache[("app", "sizes")] = cached
    return cached


def clear_cache() -> None:
    """Forget rendered icons (after a palette change from light to dark)."""
    _cache.clear()
