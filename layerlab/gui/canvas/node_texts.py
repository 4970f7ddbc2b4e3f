"""What a layer's card says: its texts laid out for the full face and the summary face, and its tooltip.

Part of NodeItem (mixed into it): the texts are laid out once per change of
the node or its check, never per paint. The full face shows the type, the
model role, the layer's name, its key parameters, named ports and the output
shape with the parameter count; the summary face (zoomed out) only the type
and the output shape, in large letters.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from layerlab.core.card import CardGeometry, Face, compact_count, compact_shape, format_count
from layerlab.core.shapes import format_shape
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.card_look import MIN_TITLE_PIXELS, STRIPE_HEIGHT, SUMMARY_STRIPE, Text, fitted, summary_title

PENDING_TEXT = "…"
_ELIDE_RIGHT, _ELIDE_LEFT, _ELIDE_MIDDLE = Qt.TextElideMode.ElideRight, Qt.TextElideMode.ElideLeft, \
    Qt.TextElideMode.ElideMiddle


class NodeTexts:
    """NodeItem's texts (a mixin: `self` is the NodeItem, whose face, check result and ports they read)."""

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

    def _full_texts(self, face: Face, geo: CardGeometry) -> list[Text]:
        texts: list[Text] = []
        w, pad = self._width, style.PAD
        small, body, mono = style.metrics("small"), style.metrics("body"), style.metrics("mono")

        # header: the type (shrunk to fit if long), and the model role on the right
        right = w - pad - (22 if (self.error or self.warning) else 0)
        if self.role:
            role_w = small.horizontalAdvance(self.role)
            texts.append(Text(right - role_w, STRIPE_HEIGHT / 2 + (style.HEADER_HEIGHT - small.height()) / 2,
                              self.role, "small", "accent"))
            right -= role_w + 8
        title, pixels = fitted(self.type_name, "title", right - pad, MIN_TITLE_PIXELS)
        title_h = style.sized_metrics("title", pixels).height()
        texts.append(Text(pad, STRIPE_HEIGHT / 2 + (style.HEADER_HEIGHT - title_h) / 2, title, "title", "text",
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
            texts.append(Text(pad, geo.body_bottom + (style.FOOTER_HEIGHT - mono.height()) / 2, shape, "mono",
                              color))
        if in_footer:
            texts.append(Text(w - pad - small.horizontalAdvance(count),
                              geo.body_bottom + (style.FOOTER_HEIGHT - small.height()) / 2, count, "small", "muted"))

        # the layer name (beside the count when the footer had no room for it)
        y = geo.name_top
        count_w = 0.0
        if count and not in_footer:
            count_w = small.horizontalAdvance(count) + 8
            texts.append(Text(w - pad - count_w + 8, y + (style.ROW_HEIGHT - small.height()) / 2, count, "small",
                              "muted"))
        name = body.elidedText(face.subtitle, _ELIDE_MIDDLE, w - 2 * pad - count_w)
        row_dy = (style.ROW_HEIGHT - body.height()) / 2
        texts.append(Text(pad, y + row_dy, name, "body", "muted"))

        # key parameters (or the shared layer), one per row
        y = geo.lines_top
        for key, value in face.key_lines:
            link = key in ("same layer as", "shared by")
            key_w = body.horizontalAdvance(key + "  ")
            texts.append(Text(pad, y + row_dy, key, "body", "share" if link else "muted"))
            value = body.elidedText(value, _ELIDE_RIGHT, w - 2 * pad - key_w)
            texts.append(Text(pad + key_w, y + row_dy, value, "body", "share" if link else "text"))
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
                    texts.append(Text(pad, ry, label, "small", color))
                if i < len(out_labels):
                    room = w - 2 * pad - left_w
                    label = out_labels[i]
                    if len(out_labels) > 1:  # several outputs: each says its shape (the name goes first if too long)
                        shape = self.output_shape_text(i)
                        label = f"{label}  {shape}"
                        if small.horizontalAdvance(label) > room:
                            label = shape
                    label = small.elidedText(label, _ELIDE_LEFT, room)
                    texts.append(Text(w - pad - small.horizontalAdvance(label), ry, label, "small", "text"))
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
    def summary(self) -> list[Text]:
        """The summary face's texts: the type and the output shape in large letters (the overview draws them too).

        Laid out on first use: most cards are never seen from afar.
        """
        if self._summary is None:
            self._summary = self._summary_texts()
        return self._summary

    def _summary_texts(self) -> list[Text]:
        """The summary face: the type and the output shape, as large as the card allows."""
        w, pad = self._width, style.PAD
        room = w - 2 * pad
        texts, y = [], SUMMARY_STRIPE + 4
        for line, pixels in summary_title(self.type_name, room):
            texts.append(Text(pad, y, line, "summary_title", "text", pixels))
            y += style.sized_metrics("summary_title", pixels).height()
        shape, color = self._footer_text()
        r = self._result
        if color == "text" and len(self.outputs) == 1 and r is not None and r.shapes:
            shape = compact_shape(r.shapes[0])  # "16×16×256" reads from afar where "(None, 16, 16, 256)" does not
        if shape:
            shape, pixels = fitted(shape, "summary_mono", room, 10)
            metrics = style.sized_metrics("summary_mono", pixels)
            if y + metrics.height() > self._height - 4:  # a two-line title leaves less room: a smaller shape
                pixels = max(10, int(pixels * (self._height - 4 - y) / metrics.height()))
                metrics = style.sized_metrics("summary_mono", pixels)
            texts.append(Text(pad, max(y, self._height - 8 - metrics.height()), shape, "summary_mono", color,
                              pixels))
        return texts


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
