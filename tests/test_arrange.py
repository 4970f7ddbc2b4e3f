"""core.arrange: the canvas's auto-layout without Qt: columns spaced for the wires' shape labels."""

from layerlab.core import arrange
from layerlab.core.card import NODE_WIDTH, card_sizes
from layerlab.core.document import GraphDocument


def chain(shape=(28, 28), embedding: bool = False) -> GraphDocument:
    doc = GraphDocument()
    doc.add_node("Input", {"shape": list(shape)}, node_id="x")
    prev = "x"
    if embedding:
        doc.add_node("Embedding", {"input_dim": 100, "output_dim": 8}, node_id="emb")
        doc.add_edge(prev, "emb")
        prev = "emb"
    for name in ("a", "b"):
        doc.add_node("Dense", {"units": 4}, node_id=name)
        doc.add_edge(prev, name)
        prev = name
    return doc


def gap(pos: dict, left: str, right: str) -> float:
    return pos[right][0] - (pos[left][0] + NODE_WIDTH)


def test_the_guessed_label_is_as_long_as_the_inputs_rank_says():
    assert arrange.guessed_label(chain((28, 28))) == "(None, 000, 000)"
    assert arrange.guessed_label(chain((10,), embedding=True)) == "(None, 000, 000)"  # an Embedding adds one
    assert arrange.guessed_label(GraphDocument()) == "(None, 000)"


def test_the_estimated_width_grows_with_the_text_and_counts_punctuation_as_narrow():
    width = arrange.estimated_width
    assert width("(None, 10)") < width("(None, 1000)")
    assert width("((,,))") < width("000000")


def test_columns_leave_room_for_each_wires_label():
    doc = chain((4,))
    short = arrange.layout_positions(doc, labels={"x": "(None, 4)", "a": "(None, 4)", "b": ""},
                                     direction="left-to-right")
    long_label = "(None, 1024, 1024, 3)"
    wide = arrange.layout_positions(doc, labels={"x": "(None, 4)", "a": long_label, "b": ""},
                                    direction="left-to-right")
    assert arrange.COLUMN_GAP <= gap(short, "a", "b")
    # the label fits between the cards, with its padding and the room that makes it show
    assert gap(wide, "a", "b") >= arrange.estimated_width(long_label) + arrange.LABEL_PAD + arrange.LABEL_ROOM
    assert gap(wide, "a", "b") > gap(short, "a", "b")
    assert gap(wide, "x", "a") == gap(short, "x", "a")  # only the column after the long label widens


def test_without_sizes_the_cards_are_the_core_card_sizes():
    doc = chain((4,))
    assert arrange.layout_positions(doc) == arrange.layout_positions(doc, card_sizes(doc))
