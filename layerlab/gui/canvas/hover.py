"""Canvas items drawn highlighted while the mouse is over them (cards, wires, share links)."""

from __future__ import annotations


class HoverHighlight:
    """Mixed into a QGraphicsItem (before it): `_hovered` is True while the mouse is over it; it repaints then.

    The item must accept hover events (setAcceptHoverEvents(True)); its paint reads `_hovered`.
    """

    _hovered = False

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._hovered = False
        self.update()
