"""The shape checker: graph-level errors, readable messages, shared layers, memory, incremental re-checks."""

import pytest

from layerlab.core import catalog, keras_errors, project
from layerlab.core.document import GraphDocument
from layerlab.core.kerasenv import keras
from layerlab.core.shapes import ShapeChecker, check_document


def doc_of(nodes, edges=()):
    """nodes: [(id, type, params)] or (id, type, params, shares); edges: (src, dst[, port[, source_port]])."""
    d = GraphDocument()
    for item in nodes:
        nid, t, params = item[:3]
        d.add_node(t, params, node_id=nid, shares=item[3] if len(item) > 3 else None)
    for e in edges:
        d.add_edge(*e)
    return d


def chain(*layers, shape=(8,)):
    """Input 'in' -> layers named l1, l2, ... in a line."""
    nodes = [("in", "Input", {"shape": list(shape)})]
    edges = []
    prev = "in"
    for i, (t, params) in enumerate(layers, 1):
        nodes.append((f"l{i}", t, params))
        edges.append((prev, f"l{i}"))
        prev = f"l{i}"
    return doc_of(nodes, edges)


def errors_of(report, node=None):
    return [p.message for p in report.errors if p.node == node]


def assert_readable(message):
    assert "\n" not in message and "Traceback" not in message and "\x1b" not in message
    assert "__layerlab_node__" not in message and "KerasTensor" not in message
    assert 10 < len(message) <= 400


def needs(*types):
    missing = [t for t in types if catalog.get(t) is None]
    if missing:
        pytest.skip(f"catalog does not list {', '.join(missing)} yet")


# -- graph-level errors and warnings -------------------------------------------------------------

def test_a_model_without_input_is_an_error():
    report = check_document(doc_of([("d", "Dense", {"units": 2})]))
    assert not report.valid
    [msg] = errors_of(report, None)
    assert "no Input" in msg
    assert "not connected" in errors_of(report, "d")[0]


def test_a_cycle_is_named_with_its_path_on_every_node_in_it():
    d = doc_of([("in", "Input", {"shape": [4]}), ("a", "Dense", {"units": 4}), ("b", "Dense", {"units": 4}),
                ("m", "Add", {}), ("out", "Dense", {"units": 1})],
               [("in", "m", 0), ("b", "m", 1), ("m", "a"), ("a", "b"), ("a", "out")])
    report = check_document(d)
    for n in ("m", "a", "b"):
        [msg] = errors_of(report, n)
        assert "cycle (a -> b -> m -> a)" in msg  # a real path, from the first node in node order
    assert errors_of(report, "out") == [] and report.results["out"].shapes is None  # unknown, reported upstream
    assert report.results["in"].output_shape == (None, 4)


def test_a_self_loop_is_a_cycle():
    d = doc_of([("in", "Input", {"shape": [4]}), ("m", "Add", {})], [("in", "m", 0), ("m", "m", 1)])
    assert "cycle (m -> m)" in errors_of(check_document(d), "m")[0]


def test_duplicate_ids_and_edges_to_unknown_nodes_found_on_loading_are_reported():
    data = {"format": "layerlab", "version": 1, "graph": {
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [3]}},
                  {"id": "d", "type": "Dense", "params": {"units": 2}},
                  {"id": "d", "type": "Dense", "params": {"units": 5}}],
        "edges": [{"source": "in", "target": "d"}, {"source": "ghost", "target": "d"}]}}
    p = project.from_json(data)
    report = check_document(p.document, extra=p.load_problems)
    assert not report.valid
    messages = [str(e) for e in report.errors]
    assert any("Duplicate node id 'd'" in m for m in messages)
    assert any("unknown node 'ghost'" in m for m in messages)
    assert report.results["d"].output_shape == (None, 2)  # the rest is still checked


def test_an_unconnected_port_names_the_port():
    report = check_document(doc_of([("in", "Input", {"shape": [3]}), ("d", "Dense", {"units": 2})]))
    [msg] = errors_of(report, "d")
    assert msg == "Input port 'input' is not connected."
    assert [w.node for w in report.warnings] == ["in"]


def test_a_doubly_fed_port_names_both_sources():
    d = doc_of([("a", "Input", {"shape": [3]}), ("b", "Input", {"shape": [3]}), ("d", "Dense", {"units": 2})],
               [("a", "d"), ("b", "d")])
    [msg] = errors_of(check_document(d), "d")
    assert "fed twice (from 'a' and 'b')" in msg


def test_merge_ports_must_be_filled_in_order():
    d = doc_of([("a", "Input", {"shape": [3]}), ("b", "Input", {"shape": [3]}), ("c", "Concatenate", {})],
               [("a", "c", 0), ("b", "c", 2)])
    [msg] = errors_of(check_document(d), "c")
    assert "'input 2' is empty" in msg


def test_a_merge_of_one_input_is_a_warning_as_keras_accepts_it():
    report = check_document(doc_of([("a", "Input", {"shape": [3]}), ("c", "Add", {})], [("a", "c")]))
    assert report.valid and report.results["c"].output_shape == (None, 3)
    [w] = report.warnings
    assert w.node == "c" and "only 1 input" in w.message
    k = keras()
    a = k.Input((3,))
    assert tuple(k.layers.Add()([a]).shape) == (None, 3)  # Keras agrees


def test_a_port_out_of_range_is_an_error():
    d = doc_of([("a", "Input", {"shape": [3]}), ("d", "Dense", {"units": 2})], [("a", "d", 1)])
    msgs = errors_of(check_document(d), "d")
    assert msgs == ["Dense has no input port 1; its ports are 0 ('input').", "Input port 'input' is not connected."]


def test_a_source_port_out_of_range_names_the_source():
    d = doc_of([("a", "Input", {"shape": [3]}), ("d1", "Dense", {"units": 2}), ("d2", "Dense", {"units": 2})],
               [("a", "d1"), ("d1", "d2", 0, 1)])
    [msg] = errors_of(check_document(d), "d2")
    assert msg.startswith("'d1' has 1 output(s); there is no output 1 to connect")


def test_a_source_port_picks_one_of_several_outputs():
    d = doc_of([("a", "Input", {"shape": [5, 3]}), ("r", "LSTM", {"units": 4, "return_state": True,
                                                                  "return_sequences": True}),
                ("h", "Dense", {"units": 2}), ("c", "Dense", {"units": 3})],
               [("a", "r"), ("r", "h", 0, 1), ("r", "c", 0, 2)])
    report = check_document(d)
    assert report.valid, report.errors
    assert report.results["r"].output_shape == [(None, 5, 4), (None, 4), (None, 4)]
    assert report.results["h"].output_shape == (None, 2)
    assert report.results["c"].params == 4 * 3 + 3


def test_an_unused_input_is_a_warning_not_an_error():
    d = doc_of([("a", "Input", {"shape": [3]}), ("b", "Input", {"shape": [2]}), ("d", "Dense", {"units": 2})],
               [("a", "d")])
    report = check_document(d)
    assert report.valid
    [w] = report.warnings
    assert w.node == "b" and "'b' is not connected to any layer" in w.message


def test_an_unknown_type_gets_a_suggestion():
    report = check_document(doc_of([("a", "Input", {"shape": [3]}), ("d", "Dence", {"units": 2})], [("a", "d")]))
    assert errors_of(report, "d") == ["Unknown layer type 'Dence' (did you mean Dense?)."]


def test_duplicate_layer_names_and_slashes_are_errors():
    d = doc_of([("in", "Input", {"shape": [3]}), ("a", "Dense", {"units": 2, "name": "dense"}),
                ("b", "Dense", {"units": 2, "name": "dense"}), ("c", "Dense", {"units": 2, "name": "x/y"})],
               [("in", "a"), ("a", "b"), ("b", "c")])
    report = check_document(d)
    assert errors_of(report, "b") == ["Layer name 'dense' is already used by node 'a'; Keras needs unique layer names."]
    assert errors_of(report, "c") in (["Layer name 'x/y' contains '/', which Keras does not allow."],
                                      ["Dense: name cannot contain '/'."])  # the catalog may say so first
    # a node id clashing with another node's explicit name is a clash too (Keras would refuse the model)
    d2 = doc_of([("in", "Input", {"shape": [3]}), ("a", "Dense", {"units": 2, "name": "in"})], [("in", "a")])
    assert "'in' is already used by node 'in'" in errors_of(check_document(d2), "a")[0]


def test_bad_param_values_are_named():
    report = check_document(chain(("Dense", {"units": 0})))
    assert errors_of(report, "l1") == ["Dense: units must be at least 1."]


# -- shared layers ---------------------------------------------------------------------------------

def shared_doc(second_shape):
    return doc_of([("a", "Input", {"shape": [8]}), ("b", "Input", {"shape": list(second_shape)}),
                   ("d", "Dense", {"units": 4}), ("d2", "Dense", {}, "d")],
                  [("a", "d"), ("b", "d2")])


def test_a_shared_layer_counts_its_weights_once():
    report = check_document(shared_doc([8]))
    assert report.valid, report.errors
    assert report.results["d2"].output_shape == (None, 4)
    assert (report.results["d"].params, report.results["d2"].params) == (36, 0)
    assert report.total_params == 36


def test_a_shared_layer_called_on_an_incompatible_shape_is_an_error():
    report = check_document(shared_doc([5]))
    [msg] = errors_of(report, "d2")
    assert "axis -1 of its input to have size 8" in msg and "(None, 5)" in msg and "'d' calls it first" in msg
    assert_readable(msg)
    k = keras()  # Keras refuses the same model
    a, b = k.Input((8,)), k.Input((5,))
    layer = k.layers.Dense(4)
    layer(a)
    with pytest.raises(ValueError):
        layer(b)


def test_a_shared_layer_is_built_by_its_first_call_in_topological_order():
    # 's' comes first in node order and is ready first, so its call builds the layer (kernel 8 x 4);
    # the owner 'd' is then called on 5 features, which Keras refuses.
    d = doc_of([("in", "Input", {"shape": [8]}), ("s", "Dense", {}, "d"), ("x", "Dense", {"units": 5}),
                ("d", "Dense", {"units": 4})], [("in", "s"), ("in", "x"), ("x", "d")])
    report = check_document(d)
    assert report.results["s"].output_shape == (None, 4)
    [msg] = errors_of(report, "d")
    assert "size 8" in msg and "(None, 5)" in msg and "'s' calls it first" in msg
    k = keras()
    a = k.Input((8,))
    layer = k.layers.Dense(4)
    layer(a)
    with pytest.raises(ValueError):
        layer(k.layers.Dense(5)(a))
    d.set_param("x", "units", 8)  # now both calls fit: the weights are counted once, at the owner
    report = check_document(d)
    assert report.valid and (report.results["d"].params, report.results["s"].params) == (36, 0)


def test_sharing_a_missing_or_different_node_is_an_error():
    d = doc_of([("a", "Input", {"shape": [8]}), ("d", "Dense", {"units": 4}), ("f", "Flatten", {}, "d"),
                ("g", "Dense", {}, "nowhere")], [("a", "d"), ("a", "f"), ("a", "g")])
    report = check_document(d)
    assert "which is not a Flatten node owning its own layer" in errors_of(report, "f")[0]
    assert "there is no node 'nowhere'" in errors_of(report, "g")[0]


# -- memory -------------------------------------------------------------------------------------------

def test_weights_that_do_not_fit_in_memory_are_an_error_giving_the_size():
    d = chain(("Dense", {"units": 1000}), shape=(1000,))
    report = check_document(d, memory_limit=1_000_000)
    [msg] = errors_of(report, "l1")
    assert msg == ("Its weights need 3.8 MiB (1,001,000 parameters), more than this machine's 976.6 KiB of memory.")
    assert check_document(d, memory_limit=10_000_000).valid


def test_the_whole_model_must_fit_in_memory_too():
    d = chain(("Dense", {"units": 100}), ("Dense", {"units": 100}), ("Dense", {"units": 100}), shape=(100,))
    report = check_document(d, memory_limit=100_000)  # each layer 40 KB, together 121 KB
    [p] = report.errors
    assert p.node is None and "The model's weights need 118.4 KiB" in p.message


# -- messages from Keras, made readable -------------------------------------------------------------------

def keras_failure(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def test_wrong_rank_into_dense_lstm_and_conv2d():
    report = check_document(chain(("Dense", {"units": 3}), shape=()))
    [msg] = errors_of(report, "l1")
    assert msg == ("Dense needs an input with at least 2 dimensions, but (None,) has 1; add a Reshape before it to "
                   "give it more dimensions.")
    report = check_document(chain(("LSTM", {"units": 3}), shape=(8,)))
    [msg] = errors_of(report, "l1")
    assert msg.startswith("LSTM needs an input with exactly 3 dimensions, (batch, steps, features), but (None, 8) "
                          "has 2")
    k = keras()
    exc = keras_failure(lambda: k.layers.Conv2D(4, 3)(k.KerasTensor((None, 8, 8))))
    msg = keras_errors.explain_error(exc, "Conv2D", [(None, 8, 8)], {"filters": 4, "kernel_size": 3})
    assert msg.startswith("Conv2D needs an input with at least 4 dimensions, (batch, rows, cols, channels), but "
                          "(None, 8, 8) has 3")


def test_concatenate_and_add_name_the_mismatched_shapes():
    d = doc_of([("a", "Input", {"shape": [8]}), ("b", "Input", {"shape": [4, 2]}), ("c", "Concatenate", {}),
                ("s", "Add", {})], [("a", "c", 0), ("b", "c", 1), ("a", "s", 0), ("b", "s", 1)])
    report = check_document(d)
    assert errors_of(report, "c") == ["Concatenate cannot join (None, 8) and (None, 4, 2): all dimensions except "
                                      "the concatenation axis (axis=-1) must match."]
    [msg] = errors_of(report, "s")
    assert msg.startswith("Add cannot combine (None, 8) and (None, 4, 2): the shapes must be equal, or broadcastable")


def test_reshape_with_the_wrong_size_gives_both_sizes():
    k = keras()
    exc = keras_failure(lambda: k.layers.Reshape((3, 3))(k.KerasTensor((None, 8))))
    msg = keras_errors.explain_error(exc, "Reshape", [(None, 8)], {"target_shape": [3, 3]})
    assert msg == ("Reshape cannot turn (None, 8) into target_shape (3, 3): 8 values per sample cannot fill 9; "
                   "the total size must stay the same.")
    if catalog.get("Reshape") is not None:
        report = check_document(chain(("Reshape", {"target_shape": [3, 3]})))
        assert errors_of(report, "l1") == [msg]


def test_constructor_errors_name_the_parameter():
    k = keras()
    msg = keras_errors.explain_error(keras_failure(lambda: k.layers.Dense()), "Dense", [(None, 3)])
    assert msg == "Dense needs a value for 'units'; it has no default."
    msg = keras_errors.explain_error(keras_failure(lambda: k.layers.Dense(-1)), "Dense", [(None, 3)])
    assert msg == ("Dense on input (None, 3): Received an invalid value for 'units', expected a positive integer. "
                   "Received: units=-1")
    msg = keras_errors.explain_error(keras_failure(lambda: k.layers.Dense(3, activation="relux")), "Dense", [])
    assert msg == "Dense: unknown activation function 'relux'."
    report = check_document(chain(("Dense", {"units": 3, "unitz": 4})))  # the catalog leaves unknown names to Keras
    assert errors_of(report, "l1") == ["Dense has no parameter 'unitz' (did you mean 'units'?)."]


def test_index_errors_become_a_sentence_about_the_axis():
    k = keras()
    exc = keras_failure(lambda: k.layers.BatchNormalization(axis=3)(k.KerasTensor((None, 3, 3))))
    msg = keras_errors.explain_error(exc, "BatchNormalization", [(None, 3, 3)], {"axis": 3})
    assert msg == ("BatchNormalization on input (None, 3, 3): axis=3 does not fit inputs with 3 dimensions "
                   "(batch included) (tuple index out of range)")


def test_a_window_larger_than_the_input_is_explained():
    k = keras()
    exc = keras_failure(lambda: k.layers.MaxPooling2D(4)(k.KerasTensor((None, 3, 3, 1))))
    msg = keras_errors.explain_error(exc, "MaxPooling2D", [(None, 3, 3, 1)], {"pool_size": 4})
    assert msg.startswith("MaxPooling2D on input (None, 3, 3, 1): the output would have zero or negative size "
                          "(pool_size=[4 4], strides=(4, 4), padding=valid)")
    assert_readable(msg)


def test_an_unknown_last_dimension_is_explained():
    report = check_document(chain(("Dense", {"units": 4}), shape=(None,)))
    [msg] = errors_of(report, "l1")
    assert msg.startswith("Dense on input (None, None): its weights would depend on a dimension of unknown size")
    assert "(None, 4)" in msg


def test_embedding_accepts_float_inputs_as_keras_does():
    report = check_document(chain(("Embedding", {"input_dim": 10, "output_dim": 4})))
    assert report.valid and report.results["l1"].output_shape == (None, 8, 4)


def test_bidirectional_of_a_non_recurrent_layer_says_so():
    k = keras()
    exc = keras_failure(lambda: k.layers.Bidirectional(k.layers.Dense(3)))
    msg = keras_errors.explain_error(exc, "Bidirectional", [(None, 5, 3)], {})
    assert msg == "Bidirectional can only wrap a recurrent layer (LSTM, GRU, SimpleRNN), not Dense."
    report = check_document(chain(("Bidirectional", {"layer": {"type": "Dense", "params": {"units": 3}}}),
                                  shape=(5, 3)))
    [msg] = errors_of(report, "l1")
    assert msg.startswith("Bidirectional") and "LSTM, GRU, SimpleRNN" in msg


def test_every_keras_message_is_one_readable_line():
    k = keras()
    kt = k.KerasTensor
    failures = {
        "Reshape": lambda: k.layers.Reshape((-1, 3))(kt((None, 8))),
        "Cropping1D": lambda: k.layers.Cropping1D((3, 3))(kt((None, 4, 4))),
        "Concatenate": lambda: k.layers.Concatenate(axis=5)([kt((None, 3)), kt((None, 3))]),
        "Conv2D": lambda: k.layers.Conv2D(3, 3)(kt((None, 8, 8, None))),
        "Dot": lambda: k.layers.Dot(axes=1)([kt((None, 8)), kt((None, 4))]),
        "MultiHeadAttention": lambda: k.layers.MultiHeadAttention(2, 4)(kt((None, 3, 5)), kt((None, 4, 6)),
                                                                        kt((None, 5, 6))),
    }
    for type_name, fail in failures.items():
        msg = keras_errors.explain_error(keras_failure(fail), type_name, [(None, 8)], {})
        assert_readable(msg)
        assert msg.startswith(type_name), msg


# -- incremental re-checks --------------------------------------------------------------------------------

def incremental_doc():
    return chain(("Dense", {"units": 8, "activation": "relu"}), ("Dense", {"units": 6}), ("Dense", {"units": 2}))


def test_an_activation_edit_re_evaluates_one_node():
    d = incremental_doc()
    checker = ShapeChecker(d)
    checker.check()
    assert checker.keras_calls == 4
    d.set_param("l1", "activation", "tanh")
    report = checker.check()
    assert checker.keras_calls == 5 and report.valid


def test_a_units_edit_stops_at_the_direct_consumer():
    d = incremental_doc()
    checker = ShapeChecker(d)
    checker.check()
    d.set_param("l1", "units", 16)
    report = checker.check()
    assert checker.keras_calls == 4 + 2  # l1 and l2; l2's output is unchanged, so l3 is not re-evaluated
    assert report.results["l2"].params == 16 * 6 + 6 and report.results["l3"].params == 6 * 2 + 2


def test_moving_a_node_re_evaluates_nothing_and_a_reverted_edit_comes_from_the_memo():
    d = incremental_doc()
    checker = ShapeChecker(d)
    first = checker.check()
    d.move_node("l2", (100, 50))
    assert checker.check().results == first.results and checker.keras_calls == 4
    d.set_param("l1", "units", 16)
    checker.check()
    d.set_param("l1", "units", 8)
    assert checker.check().results == first.results and checker.keras_calls == 6


def test_identical_layers_go_to_keras_once():
    d = chain(*[("Dense", {"units": 8})] * 6, shape=(8,))
    checker = ShapeChecker(d)
    report = checker.check()
    assert checker.keras_calls == 2 and report.total_params == 6 * 72  # the Input, then one Dense(8) on (None, 8)


def test_rewiring_re_evaluates_only_what_changed():
    d = incremental_doc()
    checker = ShapeChecker(d)
    checker.check()
    edge = d.in_edges("l2")[0]
    d.remove_edge(edge)
    broken = checker.check()
    assert not broken.valid and broken.results["l3"].shapes is None and errors_of(broken, "l3") == []
    d.add_edge(*edge)
    assert checker.check().valid and checker.keras_calls == 4


def test_reloading_a_replica_keeps_the_reuse():
    """The editor checks a replica on a worker thread, reloading it with document.load before each check."""
    main = incremental_doc()
    replica = GraphDocument()
    replica.load(main.nodes(), main.edges())
    checker = ShapeChecker(replica)
    checker.check()
    assert checker.keras_calls == 4
    main.set_param("l1", "activation", "gelu")
    main.move_node("l3", (5, 5))
    replica.load(main.nodes(), main.edges())
    report = checker.check()
    assert checker.keras_calls == 5 and report.valid
    main.add_node("Dense", {"units": 3}, node_id="l4")
    main.add_edge("l3", "l4")
    replica.load(main.nodes(), main.edges())
    report = checker.check()
    assert checker.keras_calls == 6 and report.results["l4"].output_shape == (None, 3)


def test_a_type_change_with_equal_params_is_re_evaluated():
    d = chain(("Dropout", {"rate": 0.5}), ("Dense", {"units": 2}), shape=(4,))
    checker = ShapeChecker(d)
    checker.check()
    d.set_type("l1", "Flatten", {})
    report = checker.check()
    assert report.valid and checker.keras_calls == 4
    d.set_type("l1", "Dence", {})
    assert "Unknown layer type 'Dence'" in errors_of(checker.check(), "l1")[0]


def test_every_node_problem_carries_its_kind():
    from layerlab.core.errors import ProblemKind

    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dense", {"units": -1}, node_id="bad_units")
    doc.add_node("Dense", {"units": 2, "name": "x"}, node_id="clash")
    doc.add_node("Dense", {"units": 2}, node_id="unwired")
    doc.add_node("Nonsense", {}, node_id="unknown")
    doc.add_node("Dense", {"units": 2}, node_id="a")
    doc.add_node("Dense", {"units": 2}, node_id="b")
    for s, t in [("x", "bad_units"), ("x", "clash"), ("a", "b"), ("b", "a")]:
        doc.add_edge(s, t)
    kinds = {p.node: p.kind for p in check_document(doc).errors}
    assert kinds == {"bad_units": ProblemKind.PARAMETER, "clash": ProblemKind.NAME, "unwired": ProblemKind.WIRING,
                     "unknown": ProblemKind.TYPE, "a": ProblemKind.CYCLE, "b": ProblemKind.CYCLE}
