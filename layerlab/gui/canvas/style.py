"""Fonts, sizes and zoom levels shared by the canvas items (fonts are created once, after the QGuiApplication)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF

from layerlab.core.arrange import (  # noqa: F401 - auto-layout's spacing, which the wires' labels follow
    COLUMN_GAP,
    LABEL_PAD,
    LABEL_ROOM,
    LABEL_ROOM_BUNDLE,
    ROW_GAP,
)
from layerlab.core.card import (  # noqa: F401 - a card's sizes are the core's (its layout uses them)
    BODY_TOP_PAD,
    FOOTER_HEIGHT,
    HEADER_HEIGHT,
    MAX_KEY_PARAMS,
    NODE_WIDTH,
    PORT_ROW_HEIGHT,
    ROW_HEIGHT,
)

GRID = 20.0  # snap step, and the minor grid line spacing
PAD = 10.0
RADIUS = 7.0
PORT_RADIUS = 5.0
PORT_HIT_RADIUS = 11.0


# Level of detail, by view scale (screen pixels per scene unit):
LOD_TEXT = 0.5  # the full face (12 px body text >= 6 px on screen); below, the summary face: type and shape
LOD_PORTS = 0.3  # ports are drawn from here up
LOD_OVERVIEW = 0.4  # below this, one OverviewItem paints the whole graph (in a few batched calls)
SUMMARY_MIN_PIXELS = 6.0  # the summary face's text is drawn only when it would be at least this tall
READABLE_SCALE = 0.6  # every text of a card readable (body text >= 7 px); a big graph opens at this scale
GLANCE_SCALE = 0.32  # the summary face readable (type 8 px, shape 7.7 px): a graph that fits at this opens whole

_PIXEL_SIZES = {"title": 14, "body": 12, "small": 11, "label": 11, "mono": 12,
                "summary_title": 26, "summary_mono": 24}


@cache
def font(role: str) -> QFont:
    """The font for a role: "title", "body", "small", "mono", "label", "summary_title" or "summary_mono"."""
    if role.endswith("mono"):
        f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    else:
        f = QFont()
    f.setPixelSize(_PIXEL_SIZES[role])
    if role in ("title", "summary_title"):
        f.setWeight(QFont.Weight.DemiBold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)  # text scales smoothly with the zoom
    return f


@cache
def sized_font(role: str, pixel_size: int) -> QFont:
    """`role`'s font at another pixel size (a long type name shrinks to fit its card)."""
    f = QFont(font(role))
    f.setPixelSize(pixel_size)
    return f


@cache
def metrics(role: str) -> QFontMetricsF:
    return QFontMetricsF(font(role))


@cache
def sized_metrics(role: str, pixel_size: int) -> QFontMetricsF:
    return QFontMetricsF(sized_font(role, pixel_size))


def pixel_size(role: str) -> int:
    return _PIXEL_SIZES[role]
