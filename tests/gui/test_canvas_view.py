"""What the canvas shows: readable zoom on opening, levels of detail, card sizes, auto-layout, wires, shared layers."""

import pytest
from PySide6.QtCore import QRectF

from layerlab.core import catalog
from layerlab.core import project as project_io
from layerlab.core.arrange import layout_positions
from layerlab.core.card import card_sizes
from layerlab.core.document import GraphDocument
from layerlab.gui import theme
from layerlab.gui.canvas import style
from layerlab.gui.canvas.quick_add import QuickAddPopup
from layerlab.resources import resource_path

EXAMPLES = resource_path("examples")
CANVAS_SIZE = (838, 628)  # the canvas of a 1400x900 window with its default panels


def laid_out(canvas):
    """Lay the canvas's document out as Auto Layout does, as part of the setup (not an edit)."""
    canvas.wait_checked()  # the labels' room is known from the shapes
    for node_id, pos in canvas.view.layout_positions().items():
        canvas.document.move_node(node_id, pos)
    canvas.scene.flush()
    return canvas


def chain(n: int) -> GraphDocument:
    doc = GraphDocument()
    prev = doc.add_node("Input", {"shape": [8]}, node_id="x")
    for i in range(n):
        node = doc.add_node("Dense", {"units": 8, "activation": "relu"}, node_id=f"d{i}")
        doc.add_edge(prev, node)
        prev = node
    return doc


def visible(canvas) -> QRectF:
    return canvas.view.mapToScene(canvas.view.viewport().rect()).boundingRect()


def test_a_small_model_opens_readable_with_every_card_in_full(make_canvas, docs):
    c = laid_out(make_canvas(docs.wide_deep(), size=CANVAS_SIZE))
    c.view.initial_view()
    scale = c.view.scale_factor()
    assert scale >= style.READABLE_SCALE  # the body text is at least 7 px high
    assert style.pixel_size("body") * scale >= 7
    assert scale >= style.LOD_TEXT  # cards show type, name, key parameters, shape and parameter count
    assert visible(c).contains(c.scene.nodes_rect())
    c.view.zoom_to_fit()
    assert c.view.scale_factor() == pytest.approx(scale)  # what fits readably is simply fitted


def test_a_long_chain_is_laid_out_in_rows_that_fit_the_screen_readably(make_canvas):
    c = laid_out(make_canvas(chain(30), size=CANVAS_SIZE))
    rect = c.scene.nodes_rect()
    assert rect.width() / rect.height() < 3 * CANVAS_SIZE[0] / CANVAS_SIZE[1]  # not one long strip
    c.view.zoom_to_fit()
    assert c.view.scale_factor() >= style.GLANCE_SCALE and visible(c).contains(rect)


def test_a_long_model_opens_at_a_readable_scale_on_its_inputs(make_canvas):
    canvas = make_canvas(chain(30), size=CANVAS_SIZE)
    canvas.view.layout_direction = "left-to-right"  # one long strip: too long to fit readably
    c = laid_out(canvas)
    told = []
    c.view.message.connect(told.append)
    c.view.zoom_to_fit()  # never below readable: the most it can, from the inputs' end, and it says so
    assert c.view.scale_factor() == pytest.approx(style.GLANCE_SCALE)
    assert visible(c).contains(c.scene.nodes["x"].sceneBoundingRect())
    assert told and told[-1].startswith("The whole model fits only below a readable zoom: showing its start at 32%")
    c.view.initial_view()
    assert c.view.scale_factor() == pytest.approx(style.READABLE_SCALE)
    shown = visible(c)
    assert shown.contains(c.scene.nodes["x"].sceneBoundingRect())  # the input is in view, at the left
    assert shown.left() < c.scene.nodes["x"].x() < shown.left() + 60 / style.READABLE_SCALE
    assert shown.contains(c.scene.nodes["d1"].sceneBoundingRect())
    assert abs(shown.center().y() - c.scene.nodes["x"].sceneBoundingRect().center().y()) < 30


def test_a_few_nodes_are_not_blown_up(make_canvas):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [3]}, (0, 0), node_id="x")
    c = make_canvas(doc, size=CANVAS_SIZE)
    c.view.initial_view()
    assert c.view.scale_factor() == 1.0


def dark_pixels(canvas, node_id: str, scale: float) -> int:
    """Pixels darker than any card colour inside a card, rendered at `scale` (its text, if any is drawn)."""
    view = canvas.view
    view.set_scale(scale)
    view.center_on(node_id)
    image = view.viewport().grab().toImage()  # a real paint of the view: its level of detail is picked
    card = view.mapFromScene(canvas.scene.nodes[node_id].mapRectToScene(
        canvas.scene.nodes[node_id].card_rect().adjusted(8, 10, -8, -4))).boundingRect()
    return sum(1 for x in range(card.left(), card.right()) for y in range(card.top(), card.bottom())
               if image.pixelColor(x, y).lightness() < 110)


def test_zoomed_out_cards_still_show_type_and_shape_while_readable(make_canvas, docs):
    theme.set_override("light")
    try:
        c = laid_out(make_canvas(docs.wide_deep(), size=CANVAS_SIZE))
        c.wait_checked()
        item = c.scene.nodes["hidden1"]
        assert [t.static.text() for t in item.summary] == ["Dense", "30"]  # type, and the shape without batch
        summary_px = style.pixel_size("summary_title")
        for scale in (0.45, 0.3, style.SUMMARY_MIN_PIXELS / summary_px + 0.01):  # by the item, then the overview
            assert dark_pixels(c, "hidden1", scale) > 10, scale
            assert c.scene.overview_mode == (scale < style.LOD_OVERVIEW)
        assert dark_pixels(c, "hidden1", 0.8 * style.SUMMARY_MIN_PIXELS / summary_px) == 0  # too small: no text
    finally:
        theme.set_override(None)


def test_card_sizes_are_known_without_drawing_them(make_canvas):
    """face.card_sizes (used off the GUI thread by imports) gives the sizes the scene draws, for every type."""
    doc = GraphDocument()
    for spec in catalog.all_specs():
        doc.add_node(spec.type, spec.initial_params(), (0, 0))
    doc.add_node("Dense", {}, (0, 0), node_id="again", shares="dense_1")
    doc.add_edge("input_1", "concatenate_1", 3)  # a variadic merge grows a port
    c = make_canvas(doc)
    assert c.scene.node_sizes() == card_sizes(doc)
    assert layout_positions(doc) == layout_positions(doc, c.scene.node_sizes())
    # compact: a card is never a page (Attention's five ports, query to value_mask, are the tallest)
    assert max(h for _w, h in card_sizes(doc).values()) <= 210


def test_auto_layout_spaces_for_real_sizes_and_keeps_chains_straight(make_canvas, docs):
    c = make_canvas(docs.wide_deep())
    c.view.auto_layout()
    rects = {n: item.mapRectToScene(item.card_rect()) for n, item in c.scene.nodes.items()}
    ids = list(rects)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert not rects[a].intersects(rects[b]), (a, b)
    for source, target in (("deep_input", "hidden1"), ("hidden1", "hidden2")):  # chain links run level
        out_port, in_port = c.port(source, "out").scenePos(), c.port(target, "in").scenePos()
        assert out_port.y() == pytest.approx(in_port.y())
    gap = rects["hidden1"].left() - rects["deep_input"].right()
    assert style.COLUMN_GAP <= gap <= style.COLUMN_GAP + 20  # shapes not known yet: a guess at their labels


def labelled(canvas) -> dict:
    """{edge: True if its shape label is drawn}; one label per tensor, so a bundle counts once."""
    shown = {}
    for edge, item in canvas.scene.edges.items():
        leader = item.siblings()[0]
        shown[(edge.source, edge.source_port)] = shown.get((edge.source, edge.source_port), False) or (
            not leader._label_rect.isNull())
    return shown


@pytest.mark.parametrize("example", ["small_cnn", "unet_small", "imdb_rnn", "wide_deep"])
def test_auto_layout_leaves_room_for_every_shape_label(make_canvas, example):
    c = make_canvas(project_io.load(EXAMPLES / f"{example}.layerlab").document)
    c.wait_checked()
    c.view.auto_layout()
    c.scene.flush()
    shown = labelled(c)
    assert shown and all(shown.values()), [k for k, v in shown.items() if not v]
    for edge, item in c.scene.edges.items():  # the labels are the shapes Keras gave
        assert item.label != "…", edge


def test_a_long_wire_goes_around_the_cards_in_its_way(make_canvas):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [8]}, node_id="x")
    prev = "x"
    for i in range(4):
        doc.add_node("Dense", {"units": 8}, node_id=f"d{i}")
        doc.add_edge(prev, f"d{i}")
        prev = f"d{i}"
    doc.add_node("Add", {}, node_id="add")
    doc.add_edge("x", "add", 0)  # a skip connection past four layers
    doc.add_edge(prev, "add", 1)
    c = laid_out(make_canvas(doc))
    for node in ("d0", "d1", "d2", "d3"):  # lay the chain right across the skip's straight path
        c.document.move_node(node, (c.scene.nodes[node].x(), c.scene.nodes["add"].y()))
    c.qtbot.waitUntil(lambda: not c.scene._reroute_pending)
    skip = next(e for e in c.scene.edges.values() if e.edge.source == "x" and e.edge.target == "add")
    path = skip.path()
    cards = [c.scene.nodes[n].mapRectToScene(c.scene.nodes[n].card_rect()) for n in ("d0", "d1", "d2", "d3")]
    points = [path.pointAtPercent(i / 200) for i in range(201)]
    assert not any(card.contains(p) for card in cards for p in points)
    assert points[0] == c.port("x", "out").scenePos() and points[-1] == c.port("add", "in", 0).scenePos()


def test_shared_layers_are_linked_on_both_cards(make_canvas):
    doc = GraphDocument()
    for name in ("a", "b"):
        doc.add_node("Input", {"shape": [4]}, node_id=name)
    doc.add_node("Dense", {"units": 3}, node_id="shared")
    doc.add_node("Dense", {}, node_id="shared_call2", shares="shared")
    doc.add_node("Concatenate", {}, node_id="cat")
    for source, target, port in (("a", "shared", 0), ("b", "shared_call2", 0), ("shared", "cat", 0),
                                 ("shared_call2", "cat", 1)):
        doc.add_edge(source, target, port)
    c = laid_out(make_canvas(doc))
    owner, sharer = c.scene.nodes["shared"], c.scene.nodes["shared_call2"]
    assert ("same layer as", "shared") in sharer._face.key_lines
    assert ("shared by", "shared_call2") in owner._face.key_lines
    assert "calls the layer of shared again" in c.scene.share_links["shared_call2"].toolTip()
    assert c.scene.shared_with("shared") == ["shared_call2"] and c.scene.shared_with("shared_call2") == ["shared"]
    link = c.scene.share_links["shared_call2"].path()
    ends = (link.pointAtPercent(0), link.pointAtPercent(1))
    rects = [item.mapRectToScene(item.card_rect()) for item in (owner, sharer)]
    assert all(any(abs(p.y() - r.top()) < 0.5 or abs(p.y() - r.bottom()) < 0.5 for r in rects) for p in ends)
    c.view.set_scale(0.2)  # the overview draws the links too
    c.view.viewport().grab()
    assert c.scene.overview_mode
    assert not c.scene.overview._share_path.isEmpty()
    c.undo_stack.push(__import__("layerlab.gui.commands", fromlist=["RemoveNodesCommand"]).RemoveNodesCommand(
        c.document, ["shared_call2"]))
    assert ("shared by", "shared_call2") not in owner._face.key_lines and not c.scene.share_links


def test_the_quick_add_popup_is_made_on_first_use(make_canvas, docs):
    c = make_canvas(docs.loose())
    assert not c.view.findChildren(QuickAddPopup)  # building the window does not pay for it
    c.view.open_quick_add()
    assert len(c.view.findChildren(QuickAddPopup)) == 1 and c.view.quick_add.isVisible()
    c.view.quick_add.close()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.layerlab")), ids=lambda p: p.stem)
def test_bundled_examples_are_laid_out_for_the_cards_and_open_readable(make_canvas, path):
    project = project_io.load(path)
    c = make_canvas(project.document, size=CANVAS_SIZE)
    rects = [item.mapRectToScene(item.card_rect()) for item in c.scene.nodes.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])  # positions fit the cards
    c.view.initial_view()
    if len(project.document) <= 7:  # a small model is seen whole, in full detail
        assert c.view.scale_factor() >= style.READABLE_SCALE
        assert visible(c).contains(c.scene.nodes_rect())
    elif c.view.scale_factor() < style.READABLE_SCALE:  # a longer one whole, every type and shape readable
        assert c.view.scale_factor() >= style.GLANCE_SCALE
        assert visible(c).contains(c.scene.nodes_rect())
    else:  # one too long for that from its input, in full detail
        assert c.view.scale_factor() == pytest.approx(style.READABLE_SCALE)
        first = project.document.input_ids()[0]
        assert visible(c).contains(c.scene.nodes[first].sceneBoundingRect())


def test_a_screenshot_without_a_size_is_as_big_as_the_screen(tmp_path):
    """`layerlab open --screenshot` shows the window filling the screen (1400x900 where there is no real one)."""
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    from layerlab.commands.open import NO_SCREEN_SIZE

    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERLAB_RECOVERY_DIR=str(tmp_path / "rec"))
    out = subprocess.run([sys.executable, "-m", "layerlab.cli", "open", str(EXAMPLES / "wide_deep.layerlab"),
                          "--screenshot", str(shot)], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == NO_SCREEN_SIZE == (1400, 900)
