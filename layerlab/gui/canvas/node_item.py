"""A layer node on the canvas: a rounded card with a category band, key parameters, ports and shapes.

The item draws what the document and the latest check report say; it keeps
only derived display data (texts laid out once per change, not per paint).
Close up it shows everything (the full face); zoomed out, where that text
would be too small to read, it shows its type and output shape in large
type instead (the summary face), which the overview also draws.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem

from layerlab.core.card import (
    CardGeometry,
    Face,
    card_geometry,
    compact_count,
    compact_shape,
    format_count,
    node_face,
)
from layerlab.core.document import GraphDocument
from layerlab.core.shapes import NodeResult, format_shape
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.port_item import BAD, GOOD, INPUT, OUTPUT, PortItem

PENDING_TEXT = "…"
STRIPE_HEIGHT = 4.0
SUMMARY_STRIPE = 6.0
_PORT_MARGIN = style.PORT_RADIUS + 7.0  # ports and their halo stick out of the card by this much
_MIN_TITLE_PIXELS = 11  # a long type name shrinks down to this before it is elided
_MIN_SUMMARY_TITLE_PIXELS = 20  # ... and in the summary face, to this before it takes two lines
_PEN_CACHE: dict = {}
_HALO_CACHE: dict = {}
# Enum members looked up once: PySide's enum attribute access costs microseconds, per item, per call.
_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
_ELIDE_RIGHT, _ELIDE_LEFT, _ELIDE_MIDDLE = Qt.TextElideMode.ElideRight, Qt.TextElideMode.ElideLeft, \
    Qt.TextElideMode.ElideMiddle
_PLAIN_TEXT = Qt.TextFormat.PlainText
_NO_BRUSH, _NO_PEN = Qt.BrushStyle.NoBrush, Qt.PenStyle.NoPen
_NO_PEN_OBJECT = QPen(_NO_PEN)
_NODE_FLAGS = (QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
               | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)


def _pens(t) -> dict:
    """The pens a node paints with in theme `t`, made once (no allocation per paint)."""
    pens = _PEN_CACHE.get(t.name)
    if pens is None:
        shared = QPen(t.share_link, 1.6, Qt.PenStyle.DashLine)
        pens = {
            "border": QPen(t.node_border, 1.0),
            "selected": QPen(t.selection, 2.2),
            "error": QPen(t.error, 2.0),
            "hover": QPen(t.selection.lighter(130) if t.dark else t.selection, 1.2),
            "shared": shared,
            "port": QPen(t.port_border, 1.5),
            "port_hover": QPen(t.selection, 1.8),
            "ok": QPen(t.ok, 1.5),
            "dim": QPen(_halo(t.port_border, 90), 1.2),
            "cross": QPen(t.error, 1.6),
        }
        _PEN_CACHE[t.name] = pens
    return pens


def _tint(t, color: QColor) -> QColor:
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


_HEADER_CACHE: dict = {}


def _header_paths(width: float) -> dict:
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


def _halo(color: QColor, alpha: int = 60) -> QColor:
    key = (color.rgba(), alpha)
    halo = _HALO_CACHE.get(key)
    if halo is None:
        halo = QColor(color)
        halo.setAlpha(alpha)
        _HALO_CACHE[key] = halo
    return halo


class _Text:
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


def _fitted(text: str, role: str, room: float, smallest: int, elide=_ELIDE_RIGHT) -> tuple[str, int]:
    """`text` and the pixel size at which it fits in `room`: shrunk down to `smallest`, then elided."""
    base = style.pixel_size(role)
    width = style.metrics(role).horizontalAdvance(text)
    if width <= room:
        return text, base
    pixels = max(smallest, int(base * room / width))
    if style.sized_metrics(role, pixels).horizontalAdvance(text) > room:
        text = style.sized_metrics(role, pixels).elidedText(text, elide, room)
    return text, pixels


def _summary_title(type_name: str, room: float) -> list[tuple[str, int]]:
    """The type in large letters: on one line if it fits big enough, else split where a word starts."""
    text, pixels = _fitted(type_name, "summary_title", room, _MIN_SUMMARY_TITLE_PIXELS)
    if text == type_name:
        return [(text, pixels)]
    starts = [i for i in range(1, len(type_name) - 1) if type_name[i].isupper() and type_name[i + 1].islower()]
    if not starts:
        return [(text, pixels)]
    cut = min(starts, key=lambda i: abs(len(type_name) - 2 * i))  # "GlobalAverage|Pooling2D"
    lines = [type_name[:cut], type_name[cut:]]
    pixels = min(_fitted(line, "summary_title", room, 12)[1] for line in lines)
    return [(style.sized_metrics("summary_title", pixels).elidedText(line, _ELIDE_RIGHT, room), pixels)
            for line in lines]


class NodeItem(QGraphicsRectItem):
    """One node of the document. The scene calls :meth:`sync` and :meth:`set_check`; the item never writes."""

    def __init__(self, node_id: str):
        super().__init__()
        self.setPen(_NO_PEN_OBJECT)
        self.node_id = node_id
        self.setFlags(_NODE_FLAGS)
        self.setAcceptHoverEvents(True)
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self.edge_items: set = set()
        self.syncing = False  # True while the scene moves the item to the document's position
        self.flow = "right"  # "down": inputs on the top edge, outputs on the bottom (the scene sets it)
        self.type_name = ""
        self.category: str | None = None
        self.shares: str | None = None
        self.shared_by: tuple[str, ...] = ()
        self._width = style.NODE_WIDTH
        self._face: Face | None = None
        self._geometry: CardGeometry | None = None
        self._height = 0.0
        self._set_height(80.0)
        self._check: tuple = ()  # what the check says
        self._texts: list[_Text] = []
        self._summary: list[_Text] | None = None  # the summary face's texts, laid out when first wanted
        self._paths: dict[str, QPainterPath] = {}
        self._hovered = False
        self.error: str | None = None
        self.warning: str | None = None
        self.role = ""  # "input 1", "output" ...
        self._result: NodeResult | None = None
        self._pending = True

    # -- from the document ------------------------------------------------------
    def sync(self, document: GraphDocument, shared_by: tuple[str, ...] = (), layout: bool = True) -> bool:
        """Read the node's type, params, shares and wiring; returns True if the face changed.

        Args:
            document: the document the node is in.
            shared_by: the nodes that call this node's layer again (the scene keeps that map).
            layout: lay the face out now (False when a `set_check` follows at once and will).
        """
        face = node_face(document, self.node_id, shared_by)
        if face == self._face:
            return False
        self._face = face
        self.type_name, self.category = face.type_name, face.category
        self.shares, self.shared_by = face.shares, face.shared_by
        self._ensure_ports(INPUT, len(face.in_names))
        self._ensure_ports(OUTPUT, len(face.out_names))
        for i, port in enumerate(self.inputs):
            port.name = face.in_names[i]
            port.optional = i >= face.required
            port.connected = i in face.connected_in
        for i, port in enumerate(self.outputs):
            port.name = face.out_names[i]
            port.connected = i in face.connected_out
        self._geometry = card_geometry(face)
        if self._geometry.height != self._height:
            self._set_height(self._geometry.height)
        if layout:
            self._layout()
        return True

    def set_role(self, role: str) -> None:
        """The node's place among the model's inputs and outputs ("input 2", "output"; "" for neither)."""
        if role != self.role:
            self.role = role
            if self._face is not None:
                self._layout()

    def _ensure_ports(self, kind: str, count: int) -> None:
        ports = self.inputs if kind == INPUT else self.outputs
        while len(ports) > count:
            port = ports.pop()
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        while len(ports) < count:
            ports.append(PortItem(self, kind, len(ports)))

    # -- from the check -----------------------------------------------------------
    def set_check(self, result: NodeResult | None, errors: list[str], warnings: list[str], pending: bool) -> bool:
        """Show a check result; `pending` means no result yet (Keras loading or not checked)."""
        state = (result, tuple(errors), tuple(warnings), pending)
        if state == self._check:
            return False
        self._check = state
        self._result = result
        self._pending = pending
        self.error = "\n".join(errors) or None
        self.warning = "\n".join(warnings) or None
        self._layout()
        return True

    def output_shape_text(self, index: int) -> str:
        r = self._result
        if r is None or self._pending:
            return PENDING_TEXT
        if r.shapes is None or index >= len(r.shapes):
            return "?"
        return format_shape(r.shapes[index])

    def _tooltip(self) -> str:
        subtitle = self._face.subtitle if self._face else self.node_id
        parts = [f"<b>{self.type_name}</b> &nbsp;{_esc(subtitle)}"]
        if self.outputs and not self.error:
            parts.append("Output: " + ", ".join(self.output_shape_text(i) for i in range(len(self.outputs))))
        if self._result is not None and self._result.params is not None:
            n = self._result.params
            parts.append(f"{n:,} param" + ("" if n == 1 else "s"))
        t = theme.current()
        if self.shares:
            parts.append(f"<span style='color:{t.share_link.name()}'>Calls the layer of {_esc(self.shares)} again: "
                         "one set of weights</span>")
        if self.shared_by:
            parts.append(f"<span style='color:{t.share_link.name()}'>Its layer is called again by "
                         f"{_esc(', '.join(self.shared_by))}: one set of weights</span>")
        if self.error:
            parts.append(f"<span style='color:{t.error.name()}'>{_esc(self.error)}</span>")
        if self.warning:
            parts.append(f"<span style='color:{t.warning.name()}'>{_esc(self.warning)}</span>")
        return "<br>".join(parts)

    # -- layout ---------------------------------------------------------------------
    def _layout(self) -> None:
        face, geo = self._face, self._geometry
        if face is None:
            return
        w = self._width
        rows = face.port_rows

        # ports: on the rows when labelled, else centred on the body
        def port_y(i: int, n: int) -> float:
            if rows:
                return geo.ports_top + style.PORT_ROW_HEIGHT * (i + 0.5)
            return (style.HEADER_HEIGHT + geo.body_bottom) / 2 + (i - (n - 1) / 2) * style.PORT_ROW_HEIGHT
        def port_x(i: int, n: int) -> float:  # flowing down: spread along the edge, centred
            return w / 2 + (i - (n - 1) / 2) * min(style.PORT_ROW_HEIGHT * 2, w / max(n, 1))
        down = self.flow == "down"
        for i, port in enumerate(self.inputs):
            n = len(self.inputs)
            port.center = QPointF(port_x(i, n), 0.0) if down else QPointF(0.0, port_y(i, n))
            port.setPos(port.center)
        for i, port in enumerate(self.outputs):
            n = len(self.outputs)
            port.center = QPointF(port_x(i, n), self._height) if down else QPointF(w, port_y(i, n))
            port.setPos(port.center)
        for edge in self.edge_items:
            edge.adjust()

        self._texts = self._full_texts(face, geo)
        self._summary = None
        self.setToolTip(self._tooltip())
        self.update()

    def _full_texts(self, face: Face, geo: CardGeometry) -> list[_Text]:
        texts: list[_Text] = []
        w, pad = self._width, style.PAD
        small, body, mono = style.metrics("small"), style.metrics("body"), style.metrics("mono")

        # header: the type (shrunk to fit if long), and the model role on the right
        right = w - pad - (22 if (self.error or self.warning) else 0)
        if self.role:
            role_w = small.horizontalAdvance(self.role)
            texts.append(_Text(right - role_w, STRIPE_HEIGHT / 2 + (style.HEADER_HEIGHT - small.height()) / 2,
                               self.role, "small", "accent"))
            right -= role_w + 8
        title, pixels = _fitted(self.type_name, "title", right - pad, _MIN_TITLE_PIXELS)
        title_h = style.sized_metrics("title", pixels).height()
        texts.append(_Text(pad, STRIPE_HEIGHT / 2 + (style.HEADER_HEIGHT - title_h) / 2, title, "title", "text",
                           pixels))

        # the output shape in the footer, with the parameter count beside it where it fits (else on the name row)
        shape, color = self._footer_text()
        shape = mono.elidedText(shape, _ELIDE_RIGHT, w - 2 * pad) if shape else ""
        room = w - 2 * pad - (mono.horizontalAdvance(shape) + 10 if shape else 0)
        count, in_footer = "", False
        r = self._result
        if r is not None and r.params and not self._pending:
            for text in (format_count(r.params), compact_count(r.params)):
                if small.horizontalAdvance(text) <= room:
                    count, in_footer = text, True
                    break
            else:
                count = compact_count(r.params)
        if shape:
            texts.append(_Text(pad, geo.body_bottom + (style.FOOTER_HEIGHT - mono.height()) / 2, shape, "mono",
                               color))
        if in_footer:
            texts.append(_Text(w - pad - small.horizontalAdvance(count),
                               geo.body_bottom + (style.FOOTER_HEIGHT - small.height()) / 2, count, "small", "muted"))

        # the layer name (beside the count when the footer had no room for it)
        y = geo.name_top
        count_w = 0.0
        if count and not in_footer:
            count_w = small.horizontalAdvance(count) + 8
            texts.append(_Text(w - pad - count_w + 8, y + (style.ROW_HEIGHT - small.height()) / 2, count, "small",
                               "muted"))
        name = body.elidedText(face.subtitle, _ELIDE_MIDDLE, w - 2 * pad - count_w)
        row_dy = (style.ROW_HEIGHT - body.height()) / 2
        texts.append(_Text(pad, y + row_dy, name, "body", "muted"))

        # key parameters (or the shared layer), one per row
        y = geo.lines_top
        for key, value in face.key_lines:
            link = key in ("same layer as", "shared by")
            key_w = body.horizontalAdvance(key + "  ")
            texts.append(_Text(pad, y + row_dy, key, "body", "share" if link else "muted"))
            value = body.elidedText(value, _ELIDE_RIGHT, w - 2 * pad - key_w)
            texts.append(_Text(pad + key_w, y + row_dy, value, "body", "share" if link else "text"))
            y += style.ROW_HEIGHT

        # named ports, one row each: inputs on the left, outputs (with their shapes) on the right
        if face.port_rows:
            in_labels, out_labels = face.in_names, face.out_names
            half = w / 2 - pad - 4
            for i in range(face.port_rows):
                ry = geo.ports_top + style.PORT_ROW_HEIGHT * i + (style.PORT_ROW_HEIGHT - small.height()) / 2
                left_w = 0.0
                if i < len(in_labels):
                    color = "muted" if self.inputs[i].optional and not self.inputs[i].connected else "text"
                    label = ("+ " if color == "muted" else "") + in_labels[i]
                    label = small.elidedText(label, _ELIDE_RIGHT, half)
                    left_w = small.horizontalAdvance(label) + 10
                    texts.append(_Text(pad, ry, label, "small", color))
                if i < len(out_labels):
                    room = w - 2 * pad - left_w
                    label = out_labels[i]
                    if len(out_labels) > 1:  # several outputs: each says its shape (the name goes first if too long)
                        shape = self.output_shape_text(i)
                        label = f"{label}  {shape}"
                        if small.horizontalAdvance(label) > room:
                            label = shape
                    label = small.elidedText(label, _ELIDE_LEFT, room)
                    texts.append(_Text(w - pad - small.horizontalAdvance(label), ry, label, "small", "text"))
        return texts

    def _footer_text(self) -> tuple[str, str]:
        """What the footer says (the output shape, "invalid", pending...) and in which colour."""
        if self.error and not self._pending:
            return "invalid", "error"
        if len(self.outputs) == 1:
            shape = self.output_shape_text(0)
            return shape, "muted" if shape in (PENDING_TEXT, "?") else "text"
        if self._pending or self._result is None:
            return PENDING_TEXT, "muted"
        return (f"{len(self.outputs)} outputs", "muted") if self.outputs else ("", "muted")

    @property
    def summary(self) -> list[_Text]:
        """The summary face's texts: the type and the output shape in large letters (the overview draws them too).

        Laid out on first use: most cards are never seen from afar.
        """
        if self._summary is None:
            self._summary = self._summary_texts()
        return self._summary

    def _summary_texts(self) -> list[_Text]:
        """The summary face: the type and the output shape, as large as the card allows."""
        w, pad = self._width, style.PAD
        room = w - 2 * pad
        texts, y = [], SUMMARY_STRIPE + 4
        for line, pixels in _summary_title(self.type_name, room):
            texts.append(_Text(pad, y, line, "summary_title", "text", pixels))
            y += style.sized_metrics("summary_title", pixels).height()
        shape, color = self._footer_text()
        r = self._result
        if color == "text" and len(self.outputs) == 1 and r is not None and r.shapes:
            shape = compact_shape(r.shapes[0])  # "16×16×256" reads from afar where "(None, 16, 16, 256)" does not
        if shape:
            shape, pixels = _fitted(shape, "summary_mono", room, 10)
            metrics = style.sized_metrics("summary_mono", pixels)
            if y + metrics.height() > self._height - 4:  # a two-line title leaves less room: a smaller shape
                pixels = max(10, int(pixels * (self._height - 4 - y) / metrics.height()))
                metrics = style.sized_metrics("summary_mono", pixels)
            texts.append(_Text(pad, max(y, self._height - 8 - metrics.height()), shape, "summary_mono", color,
                               pixels))
        return texts

    # -- painting ---------------------------------------------------------------------
    def shape(self) -> QPainterPath:
        return self._path("body")

    def card_rect(self) -> QRectF:
        """The card itself, in item coordinates (the item's rect also holds the ports sticking out)."""
        return QRectF(self._rect)

    def _set_height(self, height: float) -> None:
        self.prepareGeometryChange()
        self._height = height
        m = _PORT_MARGIN
        # Qt's own boundingRect (the item's rect) leaves room for the ports, their halo and the shadow
        self.setRect(QRectF(-m, -m, self._width + 2 * m, height + 2 * m))  # ports on any side
        self._rect = QRectF(0.0, 0.0, self._width, height)
        self._shadow = self._rect.translated(0.0, 2.0)
        self._paths = {}
        scene = self.scene()
        if scene is not None:
            scene.card_changed(self)

    def _path(self, which: str) -> QPainterPath:
        path = self._paths.get(which)
        if path is None:
            if which == "body":
                path = QPainterPath()
                path.addRoundedRect(self._rect, style.RADIUS, style.RADIUS)
            else:
                path = _header_paths(self._width)[which]
            self._paths[which] = path
        return path

    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        band = t.category(self.category)
        pens = _pens(t)
        painter.setPen(_NO_PEN)
        if lod < style.LOD_TEXT:
            self._paint_summary(painter, t, band, lod)
        else:
            self._paint_full(painter, t, band, pens)
        # the outline last, so that the band does not cover it
        if self.isSelected():
            pen = pens["selected"]
        elif self.error:
            pen = pens["error"]
        elif self._hovered:
            pen = pens["hover"]
        elif self.shares or self.shared_by:
            pen = pens["shared"]  # one layer called at several places: the cards say so by their outline
        else:
            pen = pens["border"]
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path("body"))
        if lod >= style.LOD_PORTS:
            self._paint_ports(painter, t, pens)

    def _paint_full(self, painter, t, band: QColor, pens: dict) -> None:
        painter.setBrush(t.shadow)
        painter.drawRoundedRect(self._shadow, style.RADIUS, style.RADIUS)
        painter.setBrush(t.node)
        painter.drawPath(self._path("body"))
        painter.setBrush(_tint(t, band))  # the header: the category's colour, light enough to read on
        painter.drawPath(self._path("band"))
        painter.setBrush(band)
        painter.drawPath(self._path("stripe"))
        if self._geometry is not None:
            painter.setPen(pens["border"])
            y = self._geometry.body_bottom
            painter.drawLine(QPointF(1, y), QPointF(self._width - 1, y))
        self._paint_texts(painter, t, self._texts)
        if self.error or self.warning:
            self._paint_badge(painter, t.error if self.error else t.warning)

    def _paint_summary(self, painter, t, band: QColor, lod: float) -> None:
        painter.setBrush(_tint(t, band))  # the whole card in its category's tint: colour reads from afar
        painter.drawPath(self._path("body"))
        painter.setBrush(band)
        painter.drawPath(self._path("summary_stripe"))
        self._paint_texts(painter, t, [s for s in self.summary if s.pixels * lod >= style.SUMMARY_MIN_PIXELS])

    @staticmethod
    def _paint_texts(painter, t, texts: list[_Text]) -> None:
        colors = {"text": t.text, "muted": t.text_muted, "error": t.error, "accent": t.selection,
                  "share": t.share_link}
        font = None
        for text in texts:
            if text.font is not font:
                font = text.font
                painter.setFont(font)
            painter.setPen(colors[text.color])
            painter.drawStaticText(text.pos, text.static)

    def _paint_ports(self, painter, t, pens) -> None:
        r0 = style.PORT_RADIUS
        for ports in (self.inputs, self.outputs):
            for port in ports:
                c = port.center
                verdict = port.verdict
                r = r0 + 1.5 if (port.hovered or verdict == GOOD) else r0
                if verdict == GOOD:
                    painter.setPen(_NO_PEN)
                    painter.setBrush(_halo(t.ok))
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
                        painter.setBrush(_halo(t.port_border) if port.optional else t.port)
                painter.drawEllipse(c, r, r)
                if verdict == BAD:
                    d = r * 0.55
                    painter.setPen(pens["cross"])
                    painter.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
                    painter.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))

    def _paint_badge(self, painter, color: QColor) -> None:
        c = QPointF(self._width - style.PAD - 7, STRIPE_HEIGHT / 2 + style.HEADER_HEIGHT / 2)
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        painter.setBrush(color)
        painter.drawEllipse(c, 8, 8)
        painter.setPen(QPen(QColor("#ffffff"), 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(c.x(), c.y() - 4), QPointF(c.x(), c.y() + 1))
        painter.drawPoint(QPointF(c.x(), c.y() + 4))

    # -- interaction ------------------------------------------------------------------
    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self._hovered = False
        self.update()

    def itemChange(self, change, value):  # noqa: N802
        if change == _POSITION_CHANGE and not self.syncing:
            scene = self.scene()
            if scene is not None and getattr(scene, "snap_to_grid", False):
                g = style.GRID
                return QPointF(round(value.x() / g) * g, round(value.y() / g) * g)
        elif change == _POSITION_CHANGED:
            scene = self.scene()
            if scene is not None:
                scene.card_changed(self)  # before the wires route around the cards again
            for edge in self.edge_items:
                edge.adjust()
            if scene is not None and scene.overview_mode:
                scene.overview.invalidate()
        elif change == _SELECTED_CHANGED:
            self.setZValue(1.0 if value else 0.0)
            for edge in self.edge_items:
                edge.update()
        return super().itemChange(change, value)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
