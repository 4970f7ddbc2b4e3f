"""How a card looks: the pens, tints, header shapes and laid-out texts that every card is drawn with.

Shared by the layer cards (node_item.py), the collapsed groups' cards
(group_item.py) and the overview (overview.py), so that all three agree.
Pens, tints and paths are made once per theme or width (no allocation per
paint); texts are laid out once per change (`Text`), not per paint.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QStaticText

from layerlab.gui.canvas import style
from layerlab.gui.canvas.port_item import BAD, GOOD

STRIPE_HEIGHT = 4.0
SUMMARY_STRIPE = 6.0
MIN_TITLE_PIXELS = 11  # a long type name shrinks down to this before it is elided
MIN_SUMMARY_TITLE_PIXELS = 20  # ... and in the summary face, to this before it takes two lines
_PEN_CACHE: dict = {}
_HALO_CACHE: dict = {}
_HEADER_CACHE: dict = {}
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN_TEXT = Qt.TextFormat.PlainText
_NO_PEN = Qt.PenStyle.NoPen


def pens(t) -> dict:
    """The pens a node paints with in theme `t`, made once (no allocation per paint)."""
    made = _PEN_CACHE.get(t.name)
    if made is None:
        shared = QPen(t.share_link, 1.6, Qt.PenStyle.DashLine)
        made = {
            "border": QPen(t.node_border, 1.0),
            "selected": QPen(t.selection, 2.2),
            "error": QPen(t.error, 2.0),
            "hover": QPen(t.selection.lighter(130) if t.dark else t.selection, 1.2),
            "shared": shared,
            "port": QPen(t.port_border, 1.5),
            "port_hover": QPen(t.selection, 1.8),
            "ok": QPen(t.ok, 1.5),
            "dim": QPen(halo(t.port_border, 90), 1.2),
            "cross": QPen(t.error, 1.6),
        }
        _PEN_CACHE[t.name] = made
    return made


def tint(t, color: QColor) -> QColor:
    """`color` mixed into the node's background: a header tint that any text colour reads on."""
    key = (t.name, color.rgba())
    tint = _HALO_CACHE.get(key)
    if tint is None:
        a = 0.22 if t.dark else 0.16
        base = t.node
        tint = QColor.fromRgbF(base.redF() + (color.redF() - base.redF()) * a,
                               base.greenF() + (color.greenF() - base.greenF()) * a,
                               base.blueF() + (color.blueF() - base.blueF()) * a)
        _HALO_CACHE[key] = tint
    return tint


def header_paths(width: float) -> dict:
    """The header (rounded on top, square below) and the coloured stripe along its top edge."""
    paths = _HEADER_CACHE.get(width)
    if paths is None:
        r, h = style.RADIUS, style.HEADER_HEIGHT
        band = QPainterPath()
        band.moveTo(0, h)
        band.lineTo(0, r)
        band.arcTo(QRectF(0, 0, 2 * r, 2 * r), 180, -90)
        band.lineTo(width - r, 0)
        band.arcTo(QRectF(width - 2 * r, 0, 2 * r, 2 * r), 90, -90)
        band.lineTo(width, h)
        band.closeSubpath()
        paths = {"band": band}
        for name, height in (("stripe", STRIPE_HEIGHT), ("summary_stripe", SUMMARY_STRIPE)):
            top = QPainterPath()
            top.addRect(QRectF(0, 0, width, height))
            paths[name] = band.intersected(top)
        _HEADER_CACHE[width] = paths
    return paths


def halo(color: QColor, alpha: int = 60) -> QColor:
    """`color` at `alpha` (made once): glows around ports and dimmed rings."""
    key = (color.rgba(), alpha)
    halo = _HALO_CACHE.get(key)
    if halo is None:
        halo = QColor(color)
        halo.setAlpha(alpha)
        _HALO_CACHE[key] = halo
    return halo


class Text:
    """One laid-out piece of text: where, what, which font (role and pixel size) and which theme colour."""

    __slots__ = ("pos", "static", "font", "color", "pixels")

    def __init__(self, x: float, y: float, text: str, role: str, color: str, pixels: int | None = None):
        self.pixels = pixels or style.pixel_size(role)
        self.font = style.sized_font(role, self.pixels)
        self.pos = QPointF(x, y)
        self.static = QStaticText(text)
        self.static.setTextFormat(_PLAIN_TEXT)
        self.static.prepare(font=self.font)
        self.color = color


def fitted(text: str, role: str, room: float, smallest: int, elide=_ELIDE_RIGHT) -> tuple[str, int]:
    """`text` and the pixel size at which it fits in `room`: shrunk down to `smallest`, then elided."""
    base = style.pixel_size(role)
    width = style.metrics(role).horizontalAdvance(text)
    if width <= room:
        return text, base
    pixels = max(smallest, int(base * room / width))
    if style.sized_metrics(role, pixels).horizontalAdvance(text) > room:
        text = style.sized_metrics(role, pixels).elidedText(text, elide, room)
    return text, pixels


def summary_title(type_name: str, room: float) -> list[tuple[str, int]]:
    """The type in large letters: on one line if it fits big enough, else split where a word starts."""
    text, pixels = fitted(type_name, "summary_title", room, MIN_SUMMARY_TITLE_PIXELS)
    if text == type_name:
        return [(text, pixels)]
    starts = [i for i in range(1, len(type_name) - 1) if type_name[i].isupper() and type_name[i + 1].islower()]
    if not starts:
        return [(text, pixels)]
    cut = min(starts, key=lambda i: abs(len(type_name) - 2 * i))  # "GlobalAverage|Pooling2D"
    lines = [type_name[:cut], type_name[cut:]]
    pixels = min(fitted(line, "summary_title", room, 12)[1] for line in lines)
    return [(style.sized_metrics("summary_title", pixels).elidedText(line, _ELIDE_RIGHT, room), pixels)
            for line in lines]


def paint_texts(painter, t, texts: list[Text]) -> None:
    """Draw laid-out texts in theme `t`'s colours, switching fonts only where they change."""
    colors = {"text": t.text, "muted": t.text_muted, "error": t.error, "accent": t.selection,
              "share": t.share_link}
    font = None
    for text in texts:
        if text.font is not font:
            font = text.font
            painter.setFont(font)
        painter.setPen(colors[text.color])
        painter.drawStaticText(text.pos, text.static)


def paint_ports(painter, t, pens: dict, ports) -> None:
    """Draw a card's ports: green where a dragged wire would fit, crossed out where it would not."""
    r0 = style.PORT_RADIUS
    for port in ports:
        c = port.center
        verdict = port.verdict
        r = r0 + 1.5 if (port.hovered or verdict == GOOD) else r0
        if verdict == GOOD:
            painter.setPen(_NO_PEN)
            painter.setBrush(halo(t.ok))
            painter.drawEllipse(c, r + 4, r + 4)
            painter.setPen(pens["ok"])
            painter.setBrush(t.ok)
        elif verdict == BAD:
            painter.setPen(pens["dim"])
            painter.setBrush(t.node)
        else:
            painter.setPen(pens["port_hover"] if port.hovered else pens["port"])
            if port.connected:
                painter.setBrush(t.edge)
            else:
                painter.setBrush(halo(t.port_border) if port.optional else t.port)
        painter.drawEllipse(c, r, r)
        if verdict == BAD:
            d = r * 0.55
            painter.setPen(pens["cross"])
            painter.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
            painter.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))


def paint_badge(painter, width: float, color: QColor) -> None:
    """The "!" in a circle at the header's right end of a card `width` wide: an error or a warning."""
    c = QPointF(width - style.PAD - 7, STRIPE_HEIGHT / 2 + style.HEADER_HEIGHT / 2)
    painter.setPen(QPen(QColor("#ffffff"), 1.5))
    painter.setBrush(color)
    painter.drawEllipse(c, 8, 8)
    painter.setPen(QPen(QColor("#ffffff"), 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(QPointF(c.x(), c.y() - 4), QPointF(c.x(), c.y() + 1))
    painter.drawPoint(QPointF(c.x(), c.y() + 4))
