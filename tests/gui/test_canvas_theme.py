"""Theme: a colour per catalog category, light and dark palettes, and the canvas following a switch."""

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter, QPalette

from layerlab.core import catalog
from layerlab.gui import theme


@pytest.fixture
def restore_theme():
    yield
    theme.set_override(None)


def test_every_category_has_its_own_colour(qapp):
    for t in (theme.LIGHT, theme.DARK):
        colours = [t.category(c).name() for c in catalog.CATEGORIES]
        assert len(set(colours)) == len(colours)
        assert t.error.name() not in colours  # red means an error, never a category
    assert theme.type_color("NoSuchLayer").name() == theme.type_color("AlsoUnknown").name()
    copy = theme.category_color("Core")
    copy.setRed(0)
    assert theme.category_color("Core") != copy  # callers get their own copy


def test_header_text_is_readable_on_every_category_tint(qapp):
    from layerlab.gui.canvas.card_look import tint

    for t in (theme.LIGHT, theme.DARK):
        for c in catalog.CATEGORIES:
            header = tint(t, t.category(c))
            assert theme.contrast(header, t.text) >= 7.0, (t.name, c)  # WCAG AAA for the title
            assert theme.contrast(header, t.node) < 1.6  # a tint, not a second colour
        assert theme.contrast(t.node, t.text_muted) >= 4.5  # secondary text still passes AA
        assert theme.contrast(t.on_color(t.category("Core")), t.category("Core")) >= 4.0


def test_override_switches_palettes_and_the_canvas_repaints_in_them(make_canvas, restore_theme, docs):
    c = make_canvas(docs.wide_deep(), size=(600, 400))
    c.view.resetTransform()
    c.view.centerOn(QPointF(-400, -400))  # empty canvas: the background is all one sees

    def background():
        image = QImage(c.view.viewport().size(), QImage.Format.Format_RGB32)
        painter = QPainter(image)
        c.view.render(painter)
        painter.end()
        return image.pixelColor(5, 5).name()

    theme.set_override("light")
    assert theme.current() is theme.LIGHT and background() == theme.LIGHT.canvas.name()
    theme.set_override("dark")
    assert theme.current() is theme.DARK and background() == theme.DARK.canvas.name()
    assert theme.qpalette().color(QPalette.ColorRole.Text) == theme.DARK.text
    with pytest.raises(ValueError):
        theme.set_override("sepia")
