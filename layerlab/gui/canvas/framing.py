"""Framing the graph in the view: Zoom to Fit and the view a model opens with (readable first)."""

from __future__ import annotations

from PySide6.QtCore import QRectF

from layerlab.gui.canvas import style

MAX_FIT_SCALE = 1.0  # zoom to fit never blows a few nodes up beyond their natural size
FIT_MARGIN = 24.0  # pixels kept free around a fitted graph


def fit_scale(view) -> float | None:
    """The scale at which the whole graph fits in the view (None for an empty graph)."""
    rect = view.canvas_scene.nodes_rect()
    if rect.isNull():
        return None
    vp = view.viewport().rect()
    room_w, room_h = max(1.0, vp.width() - 2 * FIT_MARGIN), max(1.0, vp.height() - 2 * FIT_MARGIN)
    return min(room_w / max(rect.width(), 1.0), room_h / max(rect.height(), 1.0))


def zoom_to_fit(view) -> str:
    """Show the whole model, centred (a small one at 100 %, never larger), never below readable titles.

    Where the whole would be too small to read, the groups are collapsed (one undo step) and the
    collapsed view is fitted; if even that is too big, as much as can be read is shown: the lowest
    readable zoom (style.GLANCE_SCALE, below the opening view's), from the inputs' end. Returns what
    to tell the person in that case ("" otherwise): the view alone would not say why it is not whole.
    """
    scale = fit_scale(view)
    if scale is None:
        view.resetTransform()
        view.centerOn(0, 0)
        return ""
    if scale < style.GLANCE_SCALE:
        top = [g.id for g in view.document.groups() if g.parent is None and not g.collapsed]
        if top:
            view.groups.set_collapsed(top, True)
            view.canvas_scene.flush()
            scale = fit_scale(view) or scale
        if scale < style.GLANCE_SCALE:
            show_start(view, style.GLANCE_SCALE)
            where = "the overview map (bottom right) shows the rest" if view.minimap.wanted \
                else "View › Show Overview Map shows the rest"
            return (f"The whole model fits only below a readable zoom: showing its start at "
                    f"{round(100 * style.GLANCE_SCALE)}%; {where}.")
    view.set_scale(min(MAX_FIT_SCALE, scale))
    view.centerOn(view.canvas_scene.nodes_rect().center())
    return ""


def initial_view(view) -> None:
    """The view a model opens with: all of it if that is readable, else its inputs' end at a readable scale.

    A graph that fits at style.GLANCE_SCALE or more is fitted: every card readable in full, or at
    least its type and output shape (the summary face). A bigger one is shown at style.READABLE_SCALE
    from its left edge (where the inputs are), centred on the part in view, or on the inputs when
    that part is taller than the view; Zoom to Fit shows the whole, or as much as can be read.
    """
    scale = fit_scale(view)
    if scale is None or scale >= style.GLANCE_SCALE:
        view.zoom_to_fit()
        return
    show_start(view, style.READABLE_SCALE)


def show_start(view, scale: float) -> None:
    """The inputs' end of a graph too big to fit readably, at `scale` (see initial_view)."""
    view.set_scale(scale)
    vp = view.viewport().rect()
    half_w, half_h, margin = vp.width() / (2 * scale), vp.height() / (2 * scale), FIT_MARGIN / scale
    rect = view.canvas_scene.nodes_rect()
    if view.canvas_scene.flow == "down":  # top to bottom: the inputs' end is the top
        _show_top(view, rect, half_w, half_h, margin)
        return
    left = rect.left() - margin
    in_view = QRectF(left, rect.top(), 2 * half_w, rect.height())
    part, inputs = QRectF(), []
    for node_id, item in view.canvas_scene.nodes.items():
        card = item.sceneBoundingRect()
        if card.intersects(in_view):
            part = part.united(card)
            if view.document.node_type(node_id) == "Input":
                inputs.append(card.center().y())
    if part.height() <= 2 * (half_h - margin) or not inputs:
        y = part.center().y()
    else:
        y = sum(inputs) / len(inputs)
        y = min(max(y, part.top() + half_h - margin), part.bottom() - half_h + margin)
    view.centerOn(left + half_w, y)


def _show_top(view, rect: QRectF, half_w: float, half_h: float, margin: float) -> None:
    """A graph flowing down, too big to fit readably: its top, across the inputs (or from its left edge)."""
    top = rect.top() - margin
    inputs = [item.sceneBoundingRect().center().x() for node_id, item in view.canvas_scene.nodes.items()
              if item.isVisible() and view.document.node_type(node_id) == "Input"]
    x = sum(inputs) / len(inputs) if inputs else rect.left() + half_w
    x = max(min(x, rect.right() - half_w + margin), rect.left() + half_w - margin)
    view.centerOn(x, top + half_h)
