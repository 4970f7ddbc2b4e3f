"""Colours for the editor: one per catalog category, and a light and a dark palette.

The palette follows the system (``QStyleHints.colorScheme()`` on Qt 6.5+,
else the application palette's lightness); ``LAYERLAB_THEME=light|dark`` or
:func:`set_override` pins it. Views read :func:`current` when they paint and
repaint on :func:`notifier`'s ``changed`` signal, so nothing caches stale colours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from layerlab.core.catalog import CATEGORIES

# Hues picked to be told apart at a glance; red is kept for errors only.
_CATEGORY_HEX = {
    "Inputs": "#10b981",
    "Core": "#3b82f6",
    "Convolution": "#8b5cf6",
    "Pooling": "#d946ef",
    "Recurrent": "#f59e0b",
    "Merge": "#14b8a6",
    "Attention": "#f97316",
    "Normalization": "#06b6d4",
    "Regularization": "#64748b",
    "Activation": "#eab308",
    "Reshaping": "#84cc16",
    "Preprocessing": "#6366f1",
    "Augmentation": "#a855f7",
    "Operations": "#0ea5e9",
    "Applications": "#22c55e",
}
_UNKNOWN = QColor("#9ca3af")  # a type the catalog does not know
_ON_LIGHT, _ON_DARK = QColor("#111827"), QColor("#ffffff")
assert set(_CATEGORY_HEX) == set(CATEGORIES), "every catalog category needs a colour"


@dataclass(frozen=True)
class Theme:
    """Every colour the canvas and the panels paint with."""

    name: str
    canvas: QColor
    grid_minor: QColor
    grid_major: QColor
    node: QColor
    node_border: QColor
    text: QColor
    text_muted: QColor
    selection: QColor
    error: QColor
    warning: QColor
    ok: QColor
    edge: QColor
    label_bg: QColor
    label_text: QColor
    port: QColor
    port_border: QColor
    share_link: QColor
    shadow: QColor
    categories: dict = field(default_factory=dict)

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    def category(self, category: str | None) -> QColor:
        """The colour of a catalog category (grey for an unknown one). Shared: copy it before changing it."""
        color = self.categories.get(category)
        return color if color is not None else _UNKNOWN

    def on_color(self, background: QColor) -> QColor:
        """Near-black or white text, whichever has the higher contrast ratio on `background` (WCAG 2)."""
        return _ON_LIGHT if contrast(background, _ON_LIGHT) >= contrast(background, _ON_DARK) else _ON_DARK


def luminance(color: QColor) -> float:
    """Relative luminance (WCAG 2): 0 for black, 1 for white."""
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _c(hex_: str, alpha: int = 255) -> QColor:
    color = QColor(hex_)
    color.setAlpha(alpha)
    return color


LIGHT = Theme(
    name="light",
    canvas=_c("#f7f8fa"), grid_minor=_c("#eef0f3"), grid_major=_c("#e3e6eb"),
    node=_c("#ffffff"), node_border=_c("#c9ced6"), text=_c("#1f2937"), text_muted=_c("#6b7280"),
    selection=_c("#2563eb"), error=_c("#dc2626"), warning=_c("#d97706"), ok=_c("#059669"),
    edge=_c("#8a94a6"), label_bg=_c("#ffffff", 235), label_text=_c("#374151"),
    port=_c("#ffffff"), port_border=_c("#6b7280"), share_link=_c("#7c3aed"), shadow=_c("#000000", 28),
    categories={k: QColor(v) for k, v in _CATEGORY_HEX.items()},
)

DARK = Theme(
    name="dark",
    canvas=_c("#1b1e23"), grid_minor=_c("#20242a"), grid_major=_c("#282d34"),
    node=_c("#2a2f37"), node_border=_c("#414854"), text=_c("#e5e7eb"), text_muted=_c("#9ca3af"),
    selection=_c("#60a5fa"), error=_c("#f87171"), warning=_c("#fbbf24"), ok=_c("#34d399"),
    edge=_c("#7d8696"), label_bg=_c("#111317", 225), label_text=_c("#d1d5db"),
    port=_c("#1b1e23"), port_border=_c("#a0a8b8"), share_link=_c("#a78bfa"), shadow=_c("#000000", 70),
    # the same hues, a little softer so that they do not glare on a dark canvas
    categories={k: QColor(v).darker(112) for k, v in _CATEGORY_HEX.items()},
)

_override: str | None = None


def set_override(scheme: str | None) -> None:
    """Pin the theme to "light" or "dark", or follow the system again with None."""
    global _override
    if scheme not in (None, "light", "dark"):
        raise ValueError(f"theme must be 'light', 'dark' or None, not {scheme!r}")
    _override = scheme
    _forget_current()
    notifier().changed.emit()


def system_is_dark() -> bool:
    """Whether the desktop asks for dark colours."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)  # Qt 6.5+
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


_current: Theme | None = None


def current() -> Theme:
    """The theme to paint with now (looked up once, again after each change of scheme)."""
    global _current
    if _current is None:
        scheme = _override or os.environ.get("LAYERLAB_THEME", "").lower() or None
        if scheme not in ("dark", "light"):
            scheme = "dark" if system_is_dark() else "light"
        _current = DARK if scheme == "dark" else LIGHT
        if QGuiApplication.instance() is not None:
            notifier()  # from now on, hear about the system switching
    return _current


def _forget_current() -> None:
    global _current
    _current = None


def category_color(category: str | None) -> QColor:
    """The current theme's colour for a catalog category (a copy: yours to change)."""
    return QColor(current().category(category))


def type_color(type_name: str) -> QColor:
    """The colour of a layer type's category (grey for a type the catalog does not know)."""
    from layerlab.core import catalog

    spec = catalog.get(type_name)
    return category_color(spec.category if spec else None)


def qpalette(t: Theme | None = None) -> QPalette:
    """A QPalette in the theme's colours, for the Fusion style where the platform does not follow the system."""
    t = t or current()
    role = QPalette.ColorRole
    window = t.node if t.dark else QColor("#eef0f3")
    base, alternate = (t.canvas, t.node) if t.dark else (t.node, t.canvas)
    pal = QPalette()
    for r, color in ((role.Window, window), (role.Base, base), (role.AlternateBase, alternate), (role.Text, t.text),
                     (role.WindowText, t.text), (role.Button, window), (role.ButtonText, t.text),
                     (role.ToolTipBase, t.node), (role.ToolTipText, t.text), (role.PlaceholderText, t.text_muted),
                     (role.Highlight, t.selection), (role.HighlightedText, QColor("#ffffff")),
                     (role.Link, t.selection)):
        pal.setColor(r, color)
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, t.text_muted)
    return pal


class ThemeNotifier(QObject):
    """Emits ``changed`` when the system switches between light and dark (or the override changes)."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        app = QGuiApplication.instance()
        hints = app.styleHints() if app is not None else None
        if hints is not None and hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_system_change)

    def _on_system_change(self, *_args) -> None:
        _forget_current()
        self.changed.emit()


_notifier: ThemeNotifier | None = None


def notifier() -> ThemeNotifier:
    """The one notifier (created on first use, once a QGuiApplication exists)."""
    global _notifier
    if _notifier is None:
        _notifier = ThemeNotifier()
    return _notifier
