"""What a walk through the editor under X found and the other tests missed, one test per finding.

Each test does what the person did (by widgets and signals, offscreen) and checks what they should
have seen. The check engine tests start and kill their own engine.
"""
# ruff: noqa: F811 - the tests take the shared make_window fixture, imported from test_training

import os
import signal

from .conftest import CHECK_TIMEOUT_MS
from .test_training import make_window  # noqa: F401


def test_the_data_is_read_again_after_the_check_engine_dies_without_a_spurious_error(qtbot, tmp_path, own_engine):
    """Killing the check engine left 'Data: stopped: a newer section was chosen' in Problems for good."""
    from layerlab.gui.training.data_service import DataService

    rows = ["a,b,y"] + [f"{i},{i * 2},{i % 2}" for i in range(20)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    service = DataService(engine=own_engine)
    errors: list[str] = []
    service.failed.connect(errors.append)
    section = {"source": "csv", "path": "d.csv", "target": "y"}
    with qtbot.waitSignal(service.datasetReady, timeout=CHECK_TIMEOUT_MS):
        service.request(section, tmp_path)
    first = own_engine.pid

    with qtbot.waitSignal(own_engine.restarted, timeout=CHECK_TIMEOUT_MS):
        os.kill(first, signal.SIGKILL)
    qtbot.waitUntil(lambda: service.dataset is not None or bool(service.error), timeout=CHECK_TIMEOUT_MS)
    assert errors == [] and service.error == ""
    assert service.dataset.num_train == 20
    service.shutdown()


def test_a_run_whose_worker_is_killed_stays_listed_as_failed_with_the_epochs_it_drew(qtbot, make_window, tmp_path):
    """kill -9 at epoch 20 of 60: the run vanished from the list and the plots, with its 20 epochs of curves."""
    from layerlab.core import project as project_io
    from layerlab.core.training import FAILED

    from .test_training import RUN_TIMEOUT_MS, open_digits

    window = make_window()
    open_digits(window, epochs=500)
    controller = window.training
    epochs_seen: list[int] = []
    controller.runner.epoch.connect(lambda epoch, _logs: epochs_seen.append(epoch))
    assert controller.train()
    qtbot.waitUntil(lambda: len(epochs_seen) >= 2, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(controller.outcomeReady, timeout=RUN_TIMEOUT_MS) as ended:
        os.kill(controller.runner.running.client.pid, signal.SIGKILL)
    assert ended.args[0].status == FAILED

    [lineage] = controller.history.lineages
    assert lineage.status == FAILED and lineage.last_epoch >= 2
    [record] = lineage.records
    assert record.epochs_run == lineage.last_epoch and record.initial_epoch == 0
    assert record.history["loss"] == lineage.epochs["loss"][1][:record.epochs_run]
    assert "SIGKILL" in record.reason
    assert controller.view.runs.tree.topLevelItemCount() == 1
    assert controller.session is None  # the model itself is gone: nothing to save, export or continue

    path = tmp_path / "digits.layerlab"
    assert window.save_as(path)
    [saved] = project_io.load(path).extra["runs"]
    assert saved["status"] == FAILED and saved["epochs_run"] == record.epochs_run


def test_the_death_of_an_idle_worker_during_another_run_leaves_that_run_s_panel_alone(qtbot, make_window):
    """kill -9 of the worker holding the reopened model, while Train ran in another: the run panel said
    'killed … The model is lost' in red while the run went on and finished."""
    from layerlab.core.training import FINISHED

    from .test_training import RUN_TIMEOUT_MS, open_digits, run

    window = make_window()
    open_digits(window, epochs=1)
    controller = window.training
    trained = run(qtbot, window)
    assert trained.status == FINISHED and controller.session is trained.session
    section = controller.store.get("training")
    section["epochs"] = 500
    controller.store.edit("training", section)
    with qtbot.waitSignal(controller.runner.epoch, timeout=RUN_TIMEOUT_MS):
        assert controller.train()
    assert controller.runner.running is not trained.session
    shown = controller.run_panel.message.text()

    with qtbot.waitSignal(controller.runner.sessionLost, timeout=RUN_TIMEOUT_MS):
        os.kill(trained.session.client.pid, signal.SIGKILL)
    assert controller.training and controller.locked
    assert "holding the trained model was killed" not in controller.run_panel.message.text()
    assert controller.run_panel.message.text() == shown
    assert "holding the trained model was killed" in window.statusBar().currentMessage()
    controller.stop()
    qtbot.waitUntil(lambda: not controller.training, timeout=RUN_TIMEOUT_MS)


def test_train_without_data_shows_why_on_screen_and_the_reason_goes_when_data_is_chosen(qtbot, make_window):
    """F5 with the Summary tab in front did nothing visible (the reason sat in the hidden Runs tab); after
    choosing a CSV the run bar still said 'The project has no data to train on'."""
    from layerlab.gui.training.run_panel import NO_DATA

    window = make_window()
    window.new_project()
    controller, panel = window.training, window.training.run_panel
    window.bottom_tabs.setCurrentIndex(0)
    assert window.bottom_tabs.currentWidget() is not controller.view

    assert not controller.train()
    assert window.bottom_tabs.currentWidget() is controller.view and window.bottom_dock.isVisible()
    assert panel.message.text() == NO_DATA and panel.data_button.isVisibleTo(panel)

    controller.store.edit("dataset", {"source": "sklearn", "name": "iris"})
    assert panel.message.text() != NO_DATA and not panel.data_button.isVisibleTo(panel)


def test_a_number_box_never_turns_typed_letters_into_another_number(qtbot):
    """Typing 1e3 in Dense units gave 13 without a word; a huge number was said as 2.14748e+09."""
    from PySide6.QtCore import Qt

    from layerlab.core import catalog
    from layerlab.gui.panels.param_widgets import make_editor

    editor = make_editor(catalog.get("Dense").param("units"))
    qtbot.addWidget(editor)
    editor.set_value(12)
    said: list[str] = []
    editor.problemChanged.connect(said.append)
    line = editor.spin.lineEdit()
    committed: list = []
    editor.committed.connect(committed.append)
    for typed in ("1e3", "12x"):
        said.clear()
        line.selectAll()
        qtbot.keyClicks(line, typed)
        assert line.text() == typed  # what was typed stays on show while it is explained
        qtbot.keyClick(line, Qt.Key.Key_Return)
        editor.spin.editingFinished.emit()
        assert editor.value() == 12 and committed == []
        assert said and said[-1] == f"'{typed}' refused: units must be a whole number."

    said.clear()
    line.selectAll()
    qtbot.keyClicks(line, "99999999999")
    assert said[-1] == "'99999999999' refused: units must be between 1 and 2147483647."


def test_a_float_box_keeps_and_explains_a_typo(qtbot):
    from PySide6.QtCore import Qt

    from layerlab.core import catalog
    from layerlab.gui.panels.param_widgets import make_editor

    editor = make_editor(catalog.get("Dropout").param("rate"))
    qtbot.addWidget(editor)
    editor.set_value(0.5)
    said: list[str] = []
    editor.problemChanged.connect(said.append)
    line = editor.spin.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "0.2x5")
    assert line.text() == "0.2x5"
    qtbot.keyClick(line, Qt.Key.Key_Return)
    editor.spin.editingFinished.emit()
    assert editor.value() == 0.5
    assert said[-1].startswith("'0.2x5' refused: rate must be")


def test_the_check_engine_s_death_is_said_in_a_sentence(qtbot, own_engine):
    """The status bar read "The check engine stopped: was killed (…) killer Restarting it; …"."""
    with qtbot.waitSignal(own_engine.died, timeout=CHECK_TIMEOUT_MS) as died:
        os.kill(own_engine.pid, signal.SIGKILL)
    text = died.args[0]
    assert text.startswith("The check engine was killed (SIGKILL, signal 9)") and text.endswith("."), text
    assert "stopped: was" not in text


def test_the_welcome_page_scrolls_instead_of_crushing_its_examples_when_short(qtbot):
    """With a tall bottom panel the canvas area was ~300 px high: the examples were drawn on top of each other."""
    from pathlib import Path

    from PySide6.QtWidgets import QApplication, QStackedWidget

    from layerlab.gui.welcome import WelcomeView

    stack = QStackedWidget()  # as in the window: the stack may be made small whatever its page would like
    stack.setMinimumSize(320, 200)
    qtbot.addWidget(stack)
    view = WelcomeView()
    stack.addWidget(view)
    view.set_examples([(f"Example number {i}", Path(f"/x/{i}.layerlab")) for i in range(8)])
    view.set_recent([Path("/x/bc.layerlab")])
    stack.resize(700, 260)
    stack.show()
    qtbot.waitExposed(stack)
    for _ in range(3):  # the layouts settle on posted events (the scroll area's page is laid out in its own pass)
        QApplication.processEvents()
    buttons = [view._examples.itemAt(i).widget() for i in range(view._examples.count())]
    assert len(buttons) == 8
    for button in buttons:
        assert button.height() >= button.sizeHint().height(), (button.height(), button.sizeHint().height())
    tops = [b.geometry().top() for b in buttons]
    assert all(later - earlier >= buttons[0].sizeHint().height() for earlier, later in zip(tops, tops[1:]))


def test_an_export_s_notes_are_shown_as_sentences(qtbot, tmp_path):
    """After Export › Python Script the dialog read 'the script builds the model with fresh weights; the
    trained ones stay in small.weights.h5' (lower case, no stop, a file name without its folder)."""
    from PySide6.QtWidgets import QWidget

    from layerlab.core import project as project_io
    from layerlab.core.export import export_project
    from layerlab.core.weights import weights_path_for
    from layerlab.gui.dialogs import Dialogs
    from layerlab.gui.files import ExportDone, ModelExporter

    from .test_training import EXAMPLE

    project = project_io.load(EXAMPLE)
    project.path = tmp_path / "digits.layerlab"
    weights_path_for(project.path).write_bytes(b"")  # weights saved beside the project
    result = export_project(project, tmp_path / "out" / "digits.py")
    shown: list[str] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    exporter = ModelExporter(parent, Dialogs(info=lambda _p, _title, text: shown.append(text)))
    exporter._on_done(ExportDone(result.path, result.format, result.total_params, result.notes))
    [text] = shown
    assert text.startswith("The script builds the model with fresh weights") and text.endswith(".")
    assert str(weights_path_for(project.path)) in text


def test_one_click_on_a_group_s_boxed_sign_collapses_and_expands_it(make_canvas, docs):
    """Clicking the + drawn like a button on MobileNetV2's block cards only selected the card."""
    from .test_canvas_groups import click, grouped

    c = make_canvas(docs.wide_deep())
    gid = grouped(c)
    c.scene.flush()
    frame = c.scene.group_layer.frames[gid]
    click(c, frame.mapToScene(frame.marker_rect().center()))
    c.scene.flush()
    assert c.document.group(gid).collapsed
    card = c.scene.group_layer.cards[gid]
    click(c, card.mapToScene(card.card_rect().center()))  # elsewhere on the card a click only selects
    assert c.document.group(gid).collapsed and c.view.selected_ids() == ["hidden1", "hidden2"]
    click(c, card.mapToScene(card.marker_rect().center()))
    c.scene.flush()
    assert not c.document.group(gid).collapsed and c.scene.nodes["hidden1"].isVisible()
    c.undo_stack.undo()  # each click is one undo step, as a double-click is
    assert c.document.group(gid).collapsed


def test_the_user_guide_s_screenshots_fit_its_window(qtbot):
    """Help › User Guide showed the 1280-pixel screenshots at full size: a sideways scroll, and a picture of the
    editor that looked like the editor itself."""
    from PySide6.QtWidgets import QApplication

    from layerlab.gui.help import GuideDialog, guide_path

    dialog = GuideDialog(guide_path())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):  # the document is laid out on posted events
        QApplication.processEvents()
    assert dialog.browser.document().toPlainText().startswith("User guide")
    assert dialog.browser.horizontalScrollBar().maximum() == 0


def test_the_overview_map_stays_a_small_corner_of_a_short_canvas(make_canvas, docs):
    """Under a tall bottom panel the canvas was ~310 px high and the 200×130 map hid the model's output layer."""
    from layerlab.gui.canvas.minimap import MAP_SIZE

    c = make_canvas(docs.wide_deep(), size=(700, 300))
    mini = c.view.minimap
    vp = c.view.viewport().geometry()
    assert mini.height() <= 0.25 * vp.height() + 1 and mini.width() <= 0.25 * vp.width() + 1
    assert vp.contains(mini.geometry())
    c.view.resize(1200, 800)  # a roomy canvas: the map at its full size again
    assert (mini.width(), mini.height()) == MAP_SIZE


def test_two_windows_on_one_file_never_overwrite_each_other_unasked(qtbot, make_window, tmp_path):
    """Window 2 saved a moved node; window 1 then saved and silently overwrote it."""
    from layerlab.core import project as project_io
    from layerlab.gui.dialogs import OVERWRITE, SAVE_AS

    path = tmp_path / "shared.layerlab"
    first, second = make_window(), make_window()
    first.document.add_node("Input", {"shape": [4]}, node_id="x", position=(0, 0))
    first.document.add_node("Dense", {"units": 2}, node_id="d", position=(0, 120))
    first.document.add_edge("x", "d")
    assert first.save_as(path)
    assert second.open_path(path, ask=False)
    assert "Empty model" not in second.check_label.text()  # a loaded model is never called empty while checked

    second.document.move_node("d", (300, 300))
    assert second.save()
    first.document.move_node("x", (50, 0))

    assert not first.save()  # asked, and Cancel writes nothing
    assert "changed on disk" in first.answers.asked[-1]
    assert project_io.load(path).document.position("d") == (300, 300)

    first.answers.replies = [SAVE_AS]
    first.answers.save_to = str(tmp_path / "mine.layerlab")
    assert first.save()
    assert project_io.load(tmp_path / "mine.layerlab").document.position("x") == (50, 0)
    assert project_io.load(path).document.position("d") == (300, 300)

    second.document.move_node("d", (10, 10))
    second.answers.replies = [OVERWRITE]
    assert second.save()  # nothing else wrote it since its own save: no question
    assert not any("changed on disk" in text for text in second.answers.asked)
    assert second.answers.replies == [OVERWRITE]  # unused

    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # another program wrote it
    second.document.move_node("d", (20, 20))
    assert second.save()  # Overwrite, as the person chose
    assert project_io.load(path).document.position("d") == (20, 20)


def _on_screen(window, node_id):
    """Where a node's card is on the screen (global pixels): what the person sees move or not."""
    canvas = window.canvas
    item = canvas.canvas_scene.nodes[node_id]
    return canvas.viewport().mapToGlobal(canvas.mapFromScene(item.sceneBoundingRect().topLeft()))


def test_existing_nodes_stay_put_on_screen_after_drops_and_the_panels_resizing(make_window, qtbot):
    """After the second palette drop the view had scrolled: the first node was half under the canvas's left edge.

    A drop selects the new layer; the inspector showing it may widen its dock, narrowing the canvas, and
    the view, anchored at its centre, slid everything left by half that. The view keeps its top-left.
    """
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QApplication

    from .test_window import drop_layer

    window = make_window()
    window._show_canvas()
    QApplication.processEvents()
    drop_layer(window, "Input", QPoint(30, 150))  # by the left edge: the card is put wholly in view
    first = window.document.node_ids()[0]
    before = _on_screen(window, first)
    card = window.canvas.mapFromScene(window.canvas.canvas_scene.nodes[first].sceneBoundingRect()).boundingRect()
    assert window.canvas.viewport().rect().contains(card)
    drop_layer(window, "Dense", QPoint(400, 150))
    QApplication.processEvents()
    assert _on_screen(window, first) == before
    dock = window.inspector_dock
    window.resizeDocks([dock], [dock.width() + 160], Qt.Orientation.Horizontal)  # the inspector grows
    qtbot.waitUntil(lambda: window.canvas.viewport().width() < 560)
    assert _on_screen(window, first) == before


def test_the_model_does_not_move_when_the_training_lock_banner_comes_or_goes(make_window, qtbot):
    """The canvas jumped 13 px (half the banner) when a run started and when it ended."""
    from PySide6.QtWidgets import QApplication

    window = make_window()
    window._show_canvas()
    node = window.add_layer_at_center("Dense")
    QApplication.processEvents()
    before = _on_screen(window, node)
    lock, banner = window.training.lock, window.training.banner
    lock.lock()
    QApplication.processEvents()
    assert banner.isVisible() and banner.width() == window.canvas.width() and banner.height() > 10
    assert banner.mapTo(window, banner.rect().topLeft()) == window.canvas.mapTo(window, window.canvas.rect().topLeft())
    assert _on_screen(window, node) == before
    lock.unlock()
    QApplication.processEvents()
    assert not banner.isVisible() and _on_screen(window, node) == before
