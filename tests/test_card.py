"""core.card: what a node's card shows and how tall it is, from the document alone (no Qt)."""

from layerlab.core import card
from layerlab.core.document import GraphDocument


def doc_with_merge_and_share() -> GraphDocument:
    d = GraphDocument()
    d.add_node("Input", {"shape": [4]}, node_id="x")
    d.add_node("Dense", {"units": 3, "activation": "relu"}, node_id="tower")
    d.add_node("Dense", {"units": 3}, node_id="again", shares="tower")
    d.add_node("Concatenate", {}, node_id="cat")
    for s, t, port in [("x", "tower", 0), ("x", "again", 0), ("tower", "cat", 0), ("again", "cat", 1)]:
        d.add_edge(s, t, port)
    return d


def test_a_variadic_merge_always_offers_a_free_port():
    face = card.node_face(doc_with_merge_and_share(), "cat")
    assert len(face.in_names) == 3 and face.connected_in == frozenset({0, 1})


def test_shared_layers_say_so_on_both_cards():
    doc = doc_with_merge_and_share()
    owners = card.share_owners(doc)
    assert owners == {"tower": ("again",)}
    assert ("shared by", "again") in card.node_face(doc, "tower", owners["tower"]).key_lines
    assert card.node_face(doc, "again").key_lines == (("same layer as", "tower"),)


def test_a_card_grows_with_its_rows_and_never_with_a_check():
    doc = doc_with_merge_and_share()
    sizes = card.card_sizes(doc)
    assert {w for w, _h in sizes.values()} == {card.NODE_WIDTH}
    few = card.card_geometry(card.node_face(doc, "again")).height
    more = card.card_geometry(card.node_face(doc, "tower", ("again",))).height
    assert more - few == card.ROW_HEIGHT * 2  # units and activation shown, plus "shared by"; "same layer as" only


def test_short_texts_for_the_card():
    assert card.format_value([None, 28, 1], "shape") == "(None, 28, 1)"
    assert card.format_value(0.25) == "0.25" and card.format_value(True) == "true"
    assert card.compact_shape((None, 16, 16, 256)) == "16×16×256" and card.compact_count(2_359_808) == "2.36M"
    assert card.format_count(1) == "1 param" and card.format_count(930) == "930 params"
