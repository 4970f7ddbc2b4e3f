"""A layer node on the canvas: a rounded card with a category band, key parameters, ports and shapes.

The item draws what the document and the latest check report say; it keeps
only derived display data (texts laid out once per change, not per paint).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem

from layerlab.core import catalog
from layerlab.core.catalog.spec import LAYER, SHAPE
from layerlab.core.document import GraphDocument
from layerlab.core.shapes import NodeResult, format_shape
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.port_item import BAD, GOOD, INPUT, OUTPUT, PortItem

MAX_KEY_PARAMS = 3
PENDING_TEXT = "…"
_PORT_MARGIN = style.PORT_RADIUS + 7.0  # ports and their halo stick out of the card by this much
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
        pens = {
            "border": QPen(t.node_border, 1.0),
            "selected": QPen(t.selection, 2.2),
            "error": QPen(t.error, 2.0),
            "hover": QPen(t.selection.lighter(130) if t.dark else t.selection, 1.2),
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
STRIPE_HEIGHT = 4.0


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
        top = QPainterPath()
        top.addRect(QRectF(0, 0, width, STRIPE_HEIGHT))
        paths = {"band": band, "stripe": band.intersected(top)}
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


def format_value(value, kind: str | None = None) -> str:
    """A parameter value as short text for the node face."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == LAYER and isinstance(value, dict):
        inner = value.get("params") or {}
        first = next(iter(inner.items()), None)
        return f"{value.get('type', '?')}({first[0]}={format_value(first[1])})" if first else f"{value.get('type')}()"
    if kind == SHAPE and isinstance(value, (list, tuple)):
        return format_shape(tuple(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return str(value)


def format_count(n: int) -> str:
    return f"{n:,} param" + ("" if n == 1 else "s")


class _Text:
    """One laid-out piece of text: where, what, which font and which theme colour."""

    __slots__ = ("pos", "static", "font", "color")

    def __init__(self, x: float, y: float, text: str, font: str, color: str):
        self.pos = QPointF(x, y)
        self.static = QStaticText(text)
        self.static.setTextFormat(_PLAIN_TEXT)
        self.static.prepare(font=style.font(font))
        self.font = font
        self.color = color


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
        self.type_name = ""
        self.category: str | None = None
        self._width = style.NODE_WIDTH
        self._band_rect = QRectF(0.0, 0.0, self._width, style.HEADER_HEIGHT)
        self._set_height(80.0)
        self._face: tuple = ()  # what the document says (for change detection)
        self._check: tuple = ()  # what the check says
        self._texts: list[_Text] = []
        self._paths: dict[str, QPainterPath] = {}
        self._hovered = False
        self.error: str | None = None
        self.warning: str | None = None
        self.role = ""  # "model input 1", "model output" ...
        self._port_labels: tuple[list[str], list[str]] = ([], [])
        self._key_lines: list[tuple[str, str]] = []
        self._subtitle = ""
        self._result: NodeResult | None = None
        self._pending = True
        self._body_bottom = 50.0

    # -- from the document ------------------------------------------------------
    def sync(self, document: GraphDocument, layout: bool = True) -> bool:
        """Read the node's type, params, shares and wiring; returns True if the face changed.

        Args:
            document: the document the node is in.
            layout: lay the face out now (False when a `set_check` follows at once and will).
        """
        node = document.node(self.node_id)
        graph = document.graph
        in_ports = [k[0] for _u, _v, k in graph.in_edges(self.node_id, keys=True)]
        out_ports = [k[1] for _u, _v, k in graph.out_edges(self.node_id, keys=True)]
        face = (node.type, repr(sorted(node.params.items(), key=lambda kv: kv[0])), node.shares,
                max(in_ports, default=-1), max(out_ports, default=-1), tuple(sorted(set(in_ports))), self.role)
        if face == self._face:
            return False
        self._face = face
        spec = catalog.get(node.type)
        self.type_name = node.type
        self.category = spec.category if spec else None

        # ports: what the catalog says, plus any port an edge uses (so that every wire has an end)
        if spec is None:
            in_names, outs, required = ["input"], ["output"], 1
        elif spec.is_input:
            in_names, outs, required = [], ["output"], 0
        else:
            required = spec.required_inputs
            if spec.variadic:
                filled = max(in_ports, default=-1) + 1
                count = max(required, filled + 1)  # always one free port to add an input
            else:
                count = len(spec.inputs)
            count = max(count, max(in_ports, default=-1) + 1)
            in_names = [spec.port_name(i) for i in range(count)]
            try:
                outs = list(spec.outputs(node.params))
            except Exception:  # a catalog function given odd params: still draw one output
                outs = ["output"]
        outs += [f"output {i + 1}" for i in range(len(outs), max(out_ports, default=-1) + 1)]
        self._ensure_ports(INPUT, len(in_names))
        self._ensure_ports(OUTPUT, len(outs))
        for i, port in enumerate(self.inputs):
            port.name = in_names[i]
            port.optional = i >= required
        for i, port in enumerate(self.outputs):
            port.name = outs[i]
        in_set = set(in_ports)
        for i, port in enumerate(self.inputs):
            port.connected = i in in_set
        out_set = set(out_ports)
        for i, port in enumerate(self.outputs):
            port.connected = i in out_set

        # texts on the face
        name = node.layer_name
        self._subtitle = name
        lines = []
        for p in (spec.params if spec else ()):
            if p.key and len(lines) < MAX_KEY_PARAMS and p.name != "name":
                owner_params = node.params
                value = owner_params.get(p.name, p.default)
                lines.append((p.name, format_value(value, p.kind)))
        if node.shares:
            lines = [("shares layer of", node.shares)]
        self._key_lines = lines
        labelled = len(in_names) > 1 or len(outs) > 1 or (len(in_names) == 1 and spec is not None
                                                           and not spec.variadic and spec.inputs[0] != "input")
        self._port_labels = (in_names if labelled else [], outs if labelled else [])
        if layout:
            self._layout()
        return True

    def set_role(self, role: str, document: GraphDocument) -> None:
        if role != self.role:
            self.role = role
            self.sync(document)

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
        self.setToolTip(self._tooltip())
        return True

    def output_shape_text(self, index: int) -> str:
        r = self._result
        if r is None or self._pending:
            return PENDING_TEXT
        if r.shapes is None or index >= len(r.shapes):
            return "?"
        return format_shape(r.shapes[index])

    def _tooltip(self) -> str:
        parts = [f"<b>{self.type_name}</b> &nbsp;{_esc(self._subtitle)}"]
        if self.outputs and not self.error:
            parts.append("Output: " + ", ".join(self.output_shape_text(i) for i in range(len(self.outputs))))
        if self._result is not None and self._result.params is not None:
            parts.append(format_count(self._result.params))
        t = theme.current()
        if self.error:
            parts.append(f"<span style='color:{t.error.name()}'>{_esc(self.error)}</span>")
        if self.warning:
            parts.append(f"<span style='color:{t.warning.name()}'>{_esc(self.warning)}</span>")
        return "<br>".join(parts)

    # -- layout ---------------------------------------------------------------------
    def _layout(self) -> None:
        w = self._width
        in_labels, out_labels = self._port_labels
        rows = max(len(in_labels), len(out_labels))
        top = style.HEADER_HEIGHT + 6
        y = top + style.ROW_HEIGHT  # the subtitle row
        y += style.ROW_HEIGHT * len(self._key_lines)
        ports_top = y + 2
        y = ports_top + style.PORT_ROW_HEIGHT * rows
        body_bottom = max(y + 4, top + 30)
        height = body_bottom + style.FOOTER_HEIGHT
        if height != self._height:
            self._set_height(height)

        # ports: on the rows when labelled, else centred on the body
        def port_y(i: int, n: int) -> float:
            if rows:
                return ports_top + style.PORT_ROW_HEIGHT * (i + 0.5)
            return (style.HEADER_HEIGHT + body_bottom) / 2 + (i - (n - 1) / 2) * style.PORT_ROW_HEIGHT
        for i, port in enumerate(self.inputs):
            port.center = QPointF(0.0, port_y(i, len(self.inputs)))
            port.setPos(port.center)
        for i, port in enumerate(self.outputs):
            port.center = QPointF(w, port_y(i, len(self.outputs)))
            port.setPos(port.center)
        for edge in self.edge_items:
            edge.adjust()

        texts: list[_Text] = []
        pad = style.PAD
        title_font = style.metrics("title")
        badge_room = 22 if (self.error or self.warning) else 0
        title = title_font.elidedText(self.type_name, _ELIDE_RIGHT, w - 2 * pad - badge_room)
        texts.append(_Text(pad, STRIPE_HEIGHT / 2 + (style.HEADER_HEIGHT - title_font.height()) / 2, title, "title",
                           "on_band"))

        body = style.metrics("body")
        small = style.metrics("small")
        row_text_dy = (style.ROW_HEIGHT - body.height()) / 2
        y = top
        role_w = small.horizontalAdvance(self.role) + 6 if self.role else 0
        if self.role:
            texts.append(_Text(w - pad - role_w + 6, y + (style.ROW_HEIGHT - small.height()) / 2, self.role,
                               "small", "accent"))
        sub = body.elidedText(self._subtitle, _ELIDE_MIDDLE, w - 2 * pad - role_w)
        texts.append(_Text(pad, y + row_text_dy, sub, "body", "muted"))
        y += style.ROW_HEIGHT
        for name, value in self._key_lines:
            name_w = body.horizontalAdvance(name + "  ")
            texts.append(_Text(pad, y + row_text_dy, name, "body", "muted"))
            value = body.elidedText(value, _ELIDE_RIGHT, w - 2 * pad - name_w)
            texts.append(_Text(pad + name_w, y + row_text_dy, value, "body", "text"))
            y += style.ROW_HEIGHT

        mono = style.metrics("mono")
        half = w / 2 - pad - 4
        for i in range(rows):
            ry = ports_top + style.PORT_ROW_HEIGHT * i + (style.PORT_ROW_HEIGHT - small.height()) / 2
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

        # footer: output shape and parameter count
        fy = body_bottom + (style.FOOTER_HEIGHT - mono.height()) / 2
        r = self._result
        count = ""
        if r is not None and r.params is not None and not self._pending:
            count = format_count(r.params)
        count_w = small.horizontalAdvance(count) if count else 0
        if self.outputs and len(self.outputs) == 1:
            shape = self.output_shape_text(0)
            color = "muted" if shape in (PENDING_TEXT, "?") else "text"
            if self.error and not self._pending:
                shape, color = "invalid", "error"
            shape = mono.elidedText(shape, _ELIDE_RIGHT, w - 2 * pad - count_w - 8)
            texts.append(_Text(pad, fy, shape, "mono", color))
        elif self.error and not self._pending:
            texts.append(_Text(pad, fy, "invalid", "mono", "error"))
        elif self._pending or r is None:
            texts.append(_Text(pad, fy, PENDING_TEXT, "mono", "muted"))
        if count:
            texts.append(_Text(w - pad - count_w, body_bottom + (style.FOOTER_HEIGHT - small.height()) / 2, count,
                               "small", "muted"))
        self._texts = texts
        self._body_bottom = body_bottom
        self._paths.clear()
        self.update()

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
        self.setRect(QRectF(-m, -3.0, self._width + 2 * m, height + 7.0))
        self._rect = QRectF(0.0, 0.0, self._width, height)
        self._shadow = self._rect.translated(0.0, 2.0)
        self._outer = QRectF(-2.0, -2.0, self._width + 4.0, height + 4.0)

    def _path(self, which: str) -> QPainterPath:
        path = self._paths.get(which)
        if path is None:
            path = QPainterPath()
            r = style.RADIUS
            if which == "body":
                path.addRoundedRect(self._rect, r, r)
            else:
                path = _header_paths(self._width)[which]
            self._paths[which] = path
        return path

    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        band = t.category(self.category)
        selected = self.isSelected()
        if lod < style.LOD_PORTS:  # far away: a flat card is all one can see
            edge = t.selection if selected else (t.error if self.error else None)
            if edge is not None:
                painter.fillRect(self._outer, edge)
            painter.fillRect(self._rect, t.node)
            painter.fillRect(self._band_rect, band)
            return

        pens = _pens(t)
        painter.setPen(_NO_PEN)
        painter.setBrush(t.shadow)
        painter.drawRoundedRect(self._shadow, style.RADIUS, style.RADIUS)
        painter.setBrush(t.node)
        painter.drawPath(self._path("body"))
        painter.setBrush(_tint(t, band))  # the header: the category's colour, light enough to read on
        painter.drawPath(self._path("band"))
        painter.setBrush(band)
        painter.drawPath(self._path("stripe"))

        if lod >= style.LOD_TEXT:
            painter.setPen(pens["border"])
            painter.drawLine(QPointF(1, self._body_bottom), QPointF(self._width - 1, self._body_bottom))
            colors = {"on_band": t.text, "text": t.text, "muted": t.text_muted, "error": t.error,
                      "accent": t.selection}
            font = None
            for text in self._texts:
                if text.font != font:
                    font = text.font
                    painter.setFont(style.font(font))
                painter.setPen(colors[text.color])
                painter.drawStaticText(text.pos, text.static)
            if self.error or self.warning:
                self._paint_badge(painter, t.error if self.error else t.warning)

        # the outline last, so that the band does not cover it
        if selected:
            pen = pens["selected"]
        elif self.error:
            pen = pens["error"]
        elif self._hovered:
            pen = pens["hover"]
        else:
            pen = pens["border"]
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path("body"))
        self._paint_ports(painter, t, pens)

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
        c = QPointF(self._width - style.PAD - 7, style.HEADER_HEIGHT / 2)
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
            for edge in self.edge_items:
                edge.adjust()
            scene = self.scene()
            if scene is not None and scene.overview_mode:
                scene.overview.invalidate()
        elif change == _SELECTED_CHANGED:
            self.setZValue(1.0 if value else 0.0)
            for edge in self.edge_items:
                edge.update()
        return super().itemChange(change, value)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
