"""Fonts and sizes shared by the canvas items (created once, after the QGuiApplication)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF

GRID = 20.0  # snap step, and the minor grid line spacing
NODE_WIDTH = 200.0
HEADER_HEIGHT = 26.0
ROW_HEIGHT = 16.0
PORT_ROW_HEIGHT = 18.0
FOOTER_HEIGHT = 24.0
PAD = 10.0
RADIUS = 7.0
PORT_RADIUS = 5.0
PORT_HIT_RADIUS = 11.0

# Level of detail (view scale): below these, text and then ports are not drawn.
LOD_TEXT = 0.45
LOD_PORTS = 0.4
LOD_OVERVIEW = 0.4  # below this view scale, one OverviewItem paints the whole graph


@cache
def font(role: str) -> QFont:
    """The font for a role: "title", "body", "small", "mono" or "label"."""
    if role == "mono":
        f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        f.setPixelSize(11)
        return f
    f = QFont()
    f.setPixelSize({"title": 13, "body": 11, "small": 10, "label": 10}[role])
    if role == "title":
        f.setWeight(QFont.Weight.DemiBold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)  # text scales smoothly with the zoom
    return f


@cache
def metrics(role: str) -> QFontMetricsF:
    return QFontMetricsF(font(role))
