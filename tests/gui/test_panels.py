"""The window's panels on their own: palette, inspector editors, summary table, problems list."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from layerlab.core import catalog
from layerlab.core.document import GraphDocument
from layerlab.core.errors import Problem
from layerlab.core.shapes import CheckReport, ShapeChecker
from layerlab.core.summary import readable_size, summarize
from layerlab.gui.panels.inspector import InspectorPanel
from layerlab.gui.panels.palette import MIME_TYPE, PalettePanel, layer_mime
from layerlab.gui.panels.problems import ProblemsPanel
from layerlab.gui.panels.summary import SummaryPanel


def small_document() -> GraphDocument:
    d = GraphDocument()
    d.add_node("Input", {"shape": [28, 28, 1]}, (0, 0), node_id="image")
    d.add_node("Conv2D", {"filters": 8, "kernel_size": [3, 3], "activation": "relu"}, (300, 0), node_id="conv")
    d.add_node("Flatten", {}, (600, 0), node_id="flat")
    d.add_node("Dropout", {"rate": 0.25}, (900, 0), node_id="drop")
    d.add_node("Dense", {"units": 10, "activation": "softmax"}, (1200, 0), node_id="head")
    for a, b in [("image", "conv"), ("conv", "flat"), ("flat", "drop"), ("drop", "head")]:
        d.add_edge(a, b)
    return d


@pytest.fixture
def inspector(qtbot):
    doc = small_document()
    stack = QUndoStack()
    panel = InspectorPanel(doc, stack)
    qtbot.addWidget(panel)
    panel.resize(340, 700)
    panel.show()
    return panel


def type_into(qtbot, line_edit, text: str) -> None:
    """Select all, type `text` and press Enter, as a person would."""
    line_edit.setFocus()
    line_edit.selectAll()
    QTest.keyClicks(line_edit, text)
    QTest.keyClick(line_edit, Qt.Key.Key_Return)


# -- palette ------------------------------------------------------------------------
def test_palette_lists_every_catalog_layer_by_category(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    listed = palette.visible_types()
    assert sorted(listed) == sorted(s.type for s in catalog.all_specs() if not s.nested_only)  # RNN cells: inside RNN
    tops = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert tops == list(catalog.by_category())
    item = palette.item_for("Dense")
    assert catalog.get("Dense").help[:30] in item.toolTip(0)


def test_palette_search_filters_as_you_type(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    palette.show()
    QTest.keyClicks(palette.search, "lstm")
    assert sorted(palette.visible_types()) == ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "LSTM"]
    palette.search.clear()
    QTest.keyClicks(palette.search, "pool")
    shown = palette.visible_types()
    assert shown and all("Pool" in t for t in shown)
    assert len(shown) == len(catalog.by_category()["Pooling"])
    palette.search.clear()
    QTest.keyClicks(palette.search, "zzzz-no-layer")
    assert palette.visible_types() == []
    assert palette.no_match.isVisible() and "zzzz-no-layer" in palette.no_match.text()
    palette.search.clear()
    assert len(palette.visible_types()) == len([s for s in catalog.all_specs() if not s.nested_only])
    assert not palette.no_match.isVisible()


def test_palette_double_click_and_enter_ask_for_the_layer(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    palette.show()
    qtbot.waitExposed(palette)
    item = palette.item_for("Dropout")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    with qtbot.waitSignal(palette.layerActivated) as blocker:
        QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["Dropout"]
    QTest.keyClicks(palette.search, "flatten")
    with qtbot.waitSignal(palette.layerActivated) as blocker:
        QTest.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["Flatten"]


def test_drag_payload_names_the_layer():
    mime = layer_mime("Conv2D")
    assert bytes(mime.data(MIME_TYPE)).decode("utf-8") == "Conv2D"


# -- inspector: editors -----------------------------------------------------------------
def test_spin_box_edit_pushes_one_command(inspector):
    inspector.show_nodes(["head"])
    spin = inspector.form.editors["units"].spin
    assert (spin.minimum(), spin.value()) == (1, 10)
    type_into(None, spin.lineEdit(), "42")
    assert inspector.document.params("head")["units"] == 42
    assert inspector.undo_stack.count() == 1
    inspector.undo_stack.undo()
    assert inspector.document.params("head")["units"] == 10
    assert inspector.form.editors["units"].spin.value() == 10  # the widget follows the document


def test_out_of_range_number_is_refused_with_the_reason(inspector):
    inspector.show_nodes(["head"])
    before = inspector.document.params("head")
    spin = inspector.form.editors["units"].spin
    type_into(None, spin.lineEdit(), "0")
    assert inspector.document.params("head") == before
    assert inspector.undo_stack.count() == 0
    assert spin.value() == 10
    reason = inspector.form.problem_text("units")
    assert "'0' refused" in reason and "units must be at least 1" in reason

    inspector.show_nodes(["drop"])
    rate = inspector.form.editors["rate"].spin
    type_into(None, rate.lineEdit(), "1.5")
    assert inspector.document.params("drop")["rate"] == 0.25
    assert "rate must be at most 1" in inspector.form.problem_text("rate")
    type_into(None, rate.lineEdit(), "1e-1")  # scientific notation is a number too
    assert inspector.document.params("drop")["rate"] == pytest.approx(0.1)
    assert inspector.form.problem_text("rate") == ""


def test_shape_editor_takes_dims_and_none_where_allowed(inspector):
    inspector.show_nodes(["image"])
    edit = inspector.form.editors["shape"].edit
    assert edit.text() == "28, 28, 1"
    type_into(None, edit, "28, x")
    assert inspector.document.params("image")["shape"] == [28, 28, 1]
    assert "'x' is not a dimension" in inspector.form.problem_text("shape")
    assert edit.text() == "28, 28, 1"  # back to the accepted value
    type_into(None, edit, "None, 28, 1")
    assert inspector.document.params("image")["shape"] == [None, 28, 1]
    type_into(None, edit, "0, 28")
    assert inspector.document.params("image")["shape"] == [None, 28, 1]
    assert "shape must hold positive whole numbers" in inspector.form.problem_text("shape")


def test_ints_editor_checks_the_length_keras_wants(inspector):
    inspector.show_nodes(["conv"])
    edit = inspector.form.editors["kernel_size"].edit
    type_into(None, edit, "3, 3, 3")
    assert inspector.document.params("conv")["kernel_size"] == [3, 3]
    assert "kernel_size must be a whole number or a list of 2" in inspector.form.problem_text("kernel_size")
    type_into(None, edit, "5")
    assert inspector.document.params("conv")["kernel_size"] == 5
    type_into(None, edit, "1, 3")
    assert inspector.document.params("conv")["kernel_size"] == [1, 3]


def test_choice_and_check_box_edits(inspector):
    inspector.show_nodes(["conv"])
    combo = inspector.form.editors["activation"].combo
    combo.setCurrentIndex(combo.findText("tanh"))
    assert inspector.document.params("conv")["activation"] == "tanh"
    inspector.form.editors["use_bias"].check.click()
    assert inspector.document.params("conv")["use_bias"] is False
    assert inspector.undo_stack.count() == 2


def test_wrapper_edits_its_nested_layer(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [10, 4]}, node_id="seq")
    doc.add_node("Bidirectional", {"layer": {"type": "LSTM", "params": {"units": 8}}}, node_id="bi")
    doc.add_edge("seq", "bi")
    stack = QUndoStack()
    panel = InspectorPanel(doc, stack)
    qtbot.addWidget(panel)
    panel.show_nodes(["bi"])
    editor = panel.form.editors["layer"]
    assert [editor.combo.itemText(i) for i in range(editor.combo.count())] == list(
        catalog.get("Bidirectional").param("layer").choices)
    editor.combo.setCurrentIndex(editor.combo.findData("GRU"))
    layer = doc.params("bi")["layer"]
    assert layer["type"] == "GRU" and layer["params"]["units"] == 8  # shared params are kept
    type_into(qtbot, editor.form.editors["units"].spin.lineEdit(), "16")
    assert doc.params("bi")["layer"]["params"]["units"] == 16
    assert doc.params("bi")["layer"]["type"] == "GRU"
    stack.undo()  # consecutive edits of one parameter merge into one step (SetParamsCommand)
    assert doc.params("bi")["layer"] == {"type": "LSTM", "params": {"units": 8}}


def test_json_editor_parses_or_refuses(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [8, 8, 3]}, node_id="img")
    doc.add_node("ZeroPadding2D", {}, node_id="pad")
    doc.add_edge("img", "pad")
    panel = InspectorPanel(doc, QUndoStack())
    qtbot.addWidget(panel)
    panel.show_nodes(["pad"])
    edit = panel.form.editors["padding"].edit
    type_into(qtbot, edit, "[[1, 2], [3, 4]]")
    assert doc.params("pad")["padding"] == [[1, 2], [3, 4]]
    type_into(qtbot, edit, "[1,")
    assert doc.params("pad")["padding"] == [[1, 2], [3, 4]]
    assert "not valid JSON" in panel.form.problem_text("padding")


def test_node_id_and_keras_name_are_editable(inspector):
    doc = inspector.document
    order, edges = doc.node_ids(), doc.edges()
    inspector.show_nodes(["conv"])
    requested = []
    inspector.selectRequested.connect(requested.append)
    type_into(None, inspector.id_edit, "features")
    assert doc.node_ids() == [("features" if n == "conv" else n) for n in order]
    assert ("image", "features") in [(e.source, e.target) for e in doc.edges()]
    assert requested == [["features"]]
    inspector.undo_stack.undo()
    assert doc.node_ids() == order and doc.edges() == edges

    inspector.show_nodes(["conv"])
    type_into(None, inspector.id_edit, "head")
    assert "Another node already has the id 'head'" in inspector.id_problem.text()
    assert inspector.id_edit.text() == "conv" and "conv" in doc

    type_into(None, inspector.name_edit, "block/conv")
    assert "cannot contain '/'" in inspector.name_problem.text()
    assert "name" not in doc.params("conv")
    type_into(None, inspector.name_edit, "conv_a")
    assert doc.params("conv")["name"] == "conv_a"


def test_inspector_shows_the_check_and_multi_selection(inspector):
    doc = inspector.document
    report = ShapeChecker(doc).check()
    inspector.set_report(report)
    inspector.show_nodes(["conv"])
    assert inspector.shape_label.text() == "(None, 26, 26, 8)"
    assert inspector.params_label.text() == f"{report.results['conv'].params:,}"
    assert inspector.problems.isHidden()
    inspector.show_nodes(["conv", "head", "drop"])
    assert inspector.form is None
    assert inspector.title.text() == "3 layers selected"
    total = sum(report.results[n].params for n in ("conv", "head", "drop"))
    assert f"{total:,} parameters" in inspector.help.text()


def test_inspector_lists_the_node_problems(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dense", {"units": 3}, node_id="loose")
    panel = InspectorPanel(doc, QUndoStack())
    qtbot.addWidget(panel)
    panel.set_report(ShapeChecker(doc).check())
    panel.show_nodes(["loose"])
    assert not panel.problems.isHidden()
    assert "Input port 'input' is not connected" in panel.problems.text()


# -- summary and problems ------------------------------------------------------------------------
def test_summary_matches_keras_summary_numbers(qtbot):
    from layerlab.core.build import build_model

    doc = small_document()
    report = ShapeChecker(doc).check()
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    panel.set_report(report)
    model = build_model(doc)
    rows = panel.row_texts()
    assert [r[0] for r in rows] == [layer.name for layer in model.layers]
    for row, layer in zip(rows, model.layers):
        keras_type = type(layer).__name__
        assert row[1] == ("Input" if keras_type == "InputLayer" else keras_type)
        assert row[2] == str(tuple(layer.output.shape))
        assert row[3] == f"{layer.count_params():,}"
    total = model.count_params()
    assert panel.totals.text().startswith(f"Total params: {total:,} ({readable_size(total * 4)})")
    assert summarize(doc, report).trainable_params == sum(int(w.numpy().size) for w in model.trainable_weights)


def test_summary_shows_pending_before_a_report(qtbot):
    doc = small_document()
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    assert {r[2] for r in panel.row_texts()} == {"pending…"}
    clicked = []
    panel.nodeActivated.connect(clicked.append)
    panel.table.itemClicked.emit(panel.table.topLevelItem(2), 0)
    assert clicked == ["flat"]


def test_problems_list_errors_first_and_goes_to_the_node(qtbot):
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    counts = []
    panel.countChanged.connect(lambda e, w: counts.append((e, w)))
    panel.set_report(CheckReport(problems=[Problem("unused", node="a", level="warning"), Problem("no Input"),
                                           Problem("bad units", node="b")]))
    messages = [panel.list.topLevelItem(i).text(0) for i in range(panel.list.topLevelItemCount())]
    assert messages == ["no Input", "bad units", "unused"]
    assert counts[-1] == (2, 1)
    with qtbot.waitSignal(panel.nodeActivated) as blocker:
        panel.activate(1)
    assert blocker.args == ["b"]
    with qtbot.assertNotEmitted(panel.nodeActivated):
        panel.activate(0)  # a problem of the whole model has no node to go to
    panel.set_report(CheckReport())
    assert panel.list.topLevelItem(0).text(0) == "No problems."


def test_a_type_the_catalog_does_not_know_keeps_its_params_editable(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("MyCustomLayer", {"factor": 2, "mode": "fast"}, node_id="custom")
    stack = QUndoStack()
    panel = InspectorPanel(doc, stack)
    qtbot.addWidget(panel)
    panel.show_nodes(["custom"])
    assert "not in LayerLab's catalog" in panel.help.text()
    assert set(panel.form.editors) == {"factor", "mode"}
    type_into(qtbot, panel.form.editors["factor"].edit, "3")
    assert doc.params("custom") == {"factor": 3, "mode": "fast"}
    type_into(qtbot, panel.form.editors["mode"].edit, "fast")  # bare text is not JSON: refused, kept
    assert 'text goes in double quotes: "fast"' in panel.form.problem_text("mode")
    assert doc.params("custom")["mode"] == "fast"
    type_into(qtbot, panel.form.editors["mode"].edit, '"slow"')
    assert doc.params("custom")["mode"] == "slow"


def test_an_invalid_value_from_a_file_is_shown_as_it_is_and_flagged(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dense", {"units": 0}, node_id="bad")
    doc.add_edge("x", "bad")
    stack = QUndoStack()
    panel = InspectorPanel(doc, stack)
    qtbot.addWidget(panel)
    panel.show_nodes(["bad"])
    spin = panel.form.editors["units"].spin
    assert spin.value() == 0  # not clamped to 1: the widget shows what the document holds
    assert "units = 0 is not valid: units must be at least 1" in panel.form.problem_text("units")
    type_into(qtbot, spin.lineEdit(), "5")
    assert doc.params("bad")["units"] == 5
    assert panel.form.problem_text("units") == ""
    assert spin.minimum() == 1  # the range is Keras's again


def test_nullable_numbers_take_none(qtbot):
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="x")
    doc.add_node("Dropout", {"rate": 0.5, "seed": 7}, node_id="drop")
    doc.add_edge("x", "drop")
    panel = InspectorPanel(doc, QUndoStack())
    qtbot.addWidget(panel)
    panel.show_nodes(["drop"])
    seed = panel.form.editors["seed"].spin
    assert seed.value() == 7
    type_into(qtbot, seed.lineEdit(), "None")
    assert doc.params("drop")["seed"] is None
    type_into(qtbot, seed.lineEdit(), "42")
    assert doc.params("drop")["seed"] == 42
    seed.lineEdit().selectAll()
    QTest.keyClicks(seed.lineEdit(), "None")
    QTest.keyClick(seed.lineEdit(), Qt.Key.Key_Return)
    assert doc.params("drop")["seed"] is None
    seed.stepBy(1)  # up from None: a plain number, not the bottom of the int range
    assert doc.params("drop")["seed"] == 0


def _shared_and_cycle_document() -> GraphDocument:
    """Two inputs through one shared Dense, merged; and a loose pair of layers wired in a cycle."""
    d = GraphDocument()
    d.add_node("Input", {"shape": [6]}, node_id="left")
    d.add_node("Input", {"shape": [6]}, node_id="right")
    d.add_node("Dense", {"units": 4, "name": "tower"}, node_id="tower")
    d.add_node("Dense", {"units": 4}, node_id="tower_again", shares="tower")
    d.add_node("Add", {}, node_id="merge")
    d.add_node("Dense", {"units": 1, "activation": "sigmoid"}, node_id="out")
    for a, b, port in [("left", "tower", 0), ("right", "tower_again", 0), ("tower", "merge", 0),
                       ("tower_again", "merge", 1), ("merge", "out", 0)]:
        d.add_edge(a, b, port)
    d.add_node("Dense", {"units": 3}, node_id="loop_a")
    d.add_node("Dense", {"units": 3}, node_id="loop_b")
    d.add_edge("loop_a", "loop_b")
    d.add_edge("loop_b", "loop_a")
    return d


@pytest.mark.parametrize("make", [small_document, _shared_and_cycle_document])
def test_the_summary_panel_and_layerlab_summary_agree(qtbot, tmp_path, capsys, make):
    """One summary: the panel shows the rows, order, shapes, counts, links and totals that the CLI prints."""
    from layerlab import cli
    from layerlab.core import project as project_io
    from layerlab.core.project import Project
    from layerlab.core.summary import render_text

    doc = make()
    path = tmp_path / "m.layerlab"
    project_io.save(Project(document=doc, name="m"), path)
    cli.main(["summary", str(path)])
    printed = capsys.readouterr().out
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    panel.set_report(ShapeChecker(doc).check())
    summary = panel.summary
    assert render_text(summarize(doc, ShapeChecker(doc).check(), "m")) == printed
    lines = printed.splitlines()
    rows = panel.row_texts()
    assert [r.node for r in summary.rows] == [panel.table.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                                              for i in range(len(rows))]
    for row, cells in zip(summary.rows, rows):
        line = next(line for line in lines if line.startswith(f" {row.label}"))
        params = "?" if row.params is None else f"{row.params:,}"
        assert cells[3] in (params, "—") and (params in line)
        if row.shapes is not None:
            assert cells[2] == row.output_shape and row.output_shape in line
        first_link = row.connected_to[0] if row.connected_to else "-"
        assert line.rstrip().endswith(first_link) and cells[4] == ", ".join(row.connected_to)
    assert f"Total params: {summary.total_params:,}" in printed
    assert panel.totals.text().startswith(f"Total params: {summary.total_params:,}")
    if make is _shared_and_cycle_document:
        shared = next(r for r in rows if r[0].startswith("tower  (tower_again)"))
        assert shared[1] == "Dense, shared" and shared[3] == "0"  # its weights are counted once, at 'tower'
        assert [r[0] for r in rows][-2:] == ["loop_a", "loop_b"]  # the cycle last, as the CLI lists it
        assert {r[2] for r in rows[-2:]} == {"—"}


def test_renaming_in_the_inspector_is_one_step_in_place_keeping_unknown_keys(qtbot, tmp_path):
    from PySide6.QtCore import Qt as _Qt

    from layerlab.core import project as project_io

    saved = tmp_path / "p.layerlab"
    project_io.save(project_io.Project(document=small_document(), name="p"), saved)
    text = saved.read_text().replace('"id": "conv"', '"id": "conv", "note": "kept"')
    saved.write_text(text)
    project = project_io.load(saved)
    stack = QUndoStack()
    panel = InspectorPanel(project.document, stack)
    panel.node_extra = lambda: project.node_extra
    qtbot.addWidget(panel)
    panel.show_nodes(["conv"])
    panel.id_edit.setText("features")
    qtbot.keyClick(panel.id_edit, _Qt.Key.Key_Return)
    assert stack.count() == 1 and stack.text(0) == "Rename conv to features"
    assert project.document.node_ids() == ["image", "features", "flat", "drop", "head"]
    project_io.save(project, saved)
    assert '"id": "features"' in saved.read_text() and '"note": "kept"' in saved.read_text()
    stack.undo()
    assert project.document.node_ids() == ["image", "conv", "flat", "drop", "head"] and "conv" in project.node_extra
    panel.show_nodes(["conv"])
    panel.id_edit.setText("image")
    qtbot.keyClick(panel.id_edit, _Qt.Key.Key_Return)
    assert stack.count() == 1 and "refused: Another node already has the id 'image'" in panel.id_problem.text()
