"""Wires that go around cards: a long wire (a skip connection) runs in a free lane instead of behind cards.

A wire is a smooth cubic from an output port to an input port. When that
curve would pass behind a card on its way (ResNet's shortcuts, U-Net's skips),
it is routed instead: the cards in between are grouped into columns, the wire
crosses them horizontally in a lane that is free in all of them (the one
nearest to its ends; or column by column when no lane is near), and it bends
only in the gaps between columns. The layered auto-layout keeps such lanes
free next to its chains, so routed wires follow them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath, QTransform

CLEARANCE = 16.0  # how far a routed wire keeps from a card's edge (less than half the row gap)
_SAMPLES = 24  # points tested along a wire for cards in the way
_FAR_LANE = 2.5  # a common lane farther than this many card heights from the wire: route column by column


ROW_WRAP = (300.0, 150.0)  # a wire this far back (x) and down (y) goes from one row of a layout to the next
ROW_LANE = 70.0  # it runs back above the next row's ports by this much: in the gap between the rows
COLUMN_LANE = 170.0  # top to bottom: it runs back left of the next column's ports by this much (half a card more)

# Top to bottom is left to right with x and y swapped: wires are shaped and routed in that swapped space.
SWAP = QTransform(0, 1, 1, 0, 0, 0)


def swapped(p: QPointF) -> QPointF:
    return QPointF(p.y(), p.x())


def swapped_rect(r: QRectF) -> QRectF:
    return QRectF(r.y(), r.x(), r.height(), r.width())


def flow_wire_path(p1: QPointF, p2: QPointF, down: bool) -> QPainterPath:
    """wire_path for a drawing that flows right (ports on the cards' sides) or down (on their top and bottom)."""
    if not down:
        return wire_path(p1, p2)
    return SWAP.map(wire_path(swapped(p1), swapped(p2), COLUMN_LANE))


def wire_path(p1: QPointF, p2: QPointF, row_lane: float = ROW_LANE) -> QPainterPath:
    """A smooth cubic from an output (p1) to an input (p2); wires going backwards loop out wider.

    A wire from the end of one row of a layout in rows to the start of the next turns down, runs back
    in the gap above the next row, and turns into its input: not a diagonal across the row.
    """
    if p1.x() - p2.x() > ROW_WRAP[0] and p2.y() - p1.y() > ROW_WRAP[1]:
        lane, r = p2.y() - row_lane, 60.0
        path = QPainterPath(p1)
        path.cubicTo(QPointF(p1.x() + r, p1.y()), QPointF(p1.x() + r, lane), QPointF(p1.x(), lane))
        path.lineTo(QPointF(p2.x(), lane))
        path.cubicTo(QPointF(p2.x() - r, lane), QPointF(p2.x() - r, p2.y()), p2)
        return path
    dx = abs(p2.x() - p1.x()) * 0.5
    dx = max(dx, 40.0) if p2.x() >= p1.x() else max(dx, 90.0)
    path = QPainterPath(p1)
    path.cubicTo(QPointF(p1.x() + dx, p1.y()), QPointF(p2.x() - dx, p2.y()), p2)
    return path


def blocked(path: QPainterPath, cards: list[QRectF]) -> bool:
    """Whether the wire passes behind any of `cards` (tested at points along it)."""
    if not cards:
        return False
    bounds = path.boundingRect()
    near = [c for c in cards if c.intersects(bounds)]
    if not near:
        return False
    for i in range(1, _SAMPLES):
        p = path.pointAtPercent(i / _SAMPLES)
        for c in near:
            if c.contains(p):
                return True
    return False


def routed_path(p1: QPointF, p2: QPointF, near: list[QRectF],
                column_cards: Callable[[], list[QRectF]] | None = None) -> QPainterPath:
    """The wire from p1 to p2 around the cards in its way (its own two cards left out).

    Args:
        p1: the output port.
        p2: the input port.
        near: the cards near the plain curve (those that may be in its way).
        column_cards: every card between p1 and p2 horizontally, however far up or down (asked only when the
            plain curve is blocked: a free lane may be far); by default `near`.
    """
    plain = wire_path(p1, p2)
    if p2.x() - p1.x() < 2 * CLEARANCE or not blocked(plain, near):
        return plain
    cards = column_cards() if column_cards is not None else near
    columns = _columns([c for c in cards if c.right() > p1.x() and c.left() < p2.x()])
    if not columns:
        return plain
    tallest = max(c.height() for _l, _r, rects in columns for c in rects)
    wanted = (p1.y() + p2.y()) / 2
    lane = _nearest_free(wanted, [iv for _l, _r, rects in columns for iv in _intervals(rects)])
    if abs(lane - wanted) <= _FAR_LANE * tallest:
        runs = [(columns[0][0], columns[-1][1], lane)]
    else:  # no lane near: cross each column where it is free, nearest to where the wire already is
        runs, y = [], p1.y()
        for left, right, rects in columns:
            y = _nearest_free(y, _intervals(rects))
            if runs and runs[-1][2] == y:
                runs[-1] = (runs[-1][0], right, y)
            else:
                runs.append((left, right, y))
    path = QPainterPath(p1)
    at = p1
    for left, right, y in runs:
        start = QPointF(max(left - CLEARANCE, at.x()), y)
        _bend(path, at, start)
        end = QPointF(min(right + CLEARANCE, p2.x()), y)
        path.lineTo(end)
        at = end
    _bend(path, at, p2)
    return path


def _bend(path: QPainterPath, a: QPointF, b: QPointF) -> None:
    """An S-curve from a to b, leaving and arriving horizontally (a straight line when level)."""
    if abs(a.y() - b.y()) < 0.5:
        path.lineTo(b)
        return
    dx = max((b.x() - a.x()) * 0.5, 4.0)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)


def _columns(cards: list[QRectF]) -> list[tuple[float, float, list[QRectF]]]:
    """Cards grouped into columns: runs of cards whose horizontal extents overlap, left to right."""
    columns: list[tuple[float, float, list[QRectF]]] = []
    for c in sorted(cards, key=lambda r: r.left()):
        if columns and c.left() <= columns[-1][1]:
            left, right, rects = columns[-1]
            rects.append(c)
            columns[-1] = (left, max(right, c.right()), rects)
        else:
            columns.append((c.left(), c.right(), [c]))
    return columns


def _intervals(rects: list[QRectF]) -> list[tuple[float, float]]:
    return [(r.top() - CLEARANCE, r.bottom() + CLEARANCE) for r in rects]


def _nearest_free(y: float, blocked_intervals: list[tuple[float, float]]) -> float:
    """The y nearest to `y` outside every interval."""
    merged: list[list[float]] = []
    for top, bottom in sorted(blocked_intervals):
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    for top, bottom in merged:
        if top < y < bottom:
            return top if y - top <= bottom - y else bottom
    return y
