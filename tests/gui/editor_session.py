"""An editing session in a fresh interpreter, with TensorFlow and Keras kept out of the editor process.

Run by tests/gui/test_editor_never_imports_tensorflow.py as
``python tests/gui/editor_session.py OUT_FOLDER``: a finder at the front of
``sys.meta_path`` refuses every import of ``tensorflow`` or ``keras`` in this
process and records where it came from (the LayerLab frames of the stack).
Then the session: open the digits example (its shapes checked, its data previewed and checked, a
wire probed, the summary shown, all in the check engine, while the worker trains), train, stop, continue, save,
export .h5, .keras and .py, import a .keras model, reopen the saved project
(its weights are loaded in a worker), adapt a Normalization to the data and
expand a MobileNetV2 into its layers (both in the check engine). The steps' outcomes, the refused
imports and what this process has mapped go to OUT_FOLDER/report.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from importlib.abc import MetaPathFinder
from pathlib import Path

HEAVY = ("tensorflow", "keras", "ray")  # Ray too: the editor reaches a cluster through helper processes
ROOT = Path(__file__).resolve().parents[2]
refused: list[dict] = []


class KeepOut(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HEAVY:
            frames = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
                      for f in traceback.extract_stack()[:-1] if f.filename.startswith(str(ROOT / "layerlab"))]
            refused.append({"module": name, "stack": frames})
            raise ImportError(f"{name} may not be imported in the editor process")
        return None


sys.meta_path.insert(0, KeepOut())

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from layerlab.core.document import Edge  # noqa: E402
from layerlab.gui.dialogs import DISCARD, Dialogs  # noqa: E402
from layerlab.gui.main_window import MainWindow  # noqa: E402

TIMEOUT_S = 300


def wait(signal, start, accept=lambda *args: True, timeout: float = TIMEOUT_S):
    """Start something, then run the event loop until `signal` fires with arguments `accept` takes."""
    loop, got = QEventLoop(), []

    def on(*args):
        if accept(*args) and not got:
            got.append(args)
            loop.quit()

    signal.connect(on)
    try:
        start()
        if not got:
            QTimer.singleShot(int(timeout * 1000), loop.quit)
            loop.exec()
    finally:
        signal.disconnect(on)
    return got[0] if got else None


def spin(what: str, condition, timeout: float = TIMEOUT_S) -> None:
    """Run the event loop until `condition()` holds; end the session saying what never came."""
    app, end = QApplication.instance(), time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def checked(window) -> bool:
    service = window.check_service
    return service.report_revision == window.document.revision and not service.pending


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    errors: list[str] = []
    dialogs = Dialogs(ask=lambda *a, **k: DISCARD, open_file=lambda *a: None, save_file=lambda *a: None,
                      error=lambda _p, title, text: errors.append(f"{title}: {text}"), info=lambda *a: None)
    window = MainWindow(settings=QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat), dialogs=dialogs,
                        recovery_folder=out / "recovery", warm_up_delay_ms=0)
    window.show()
    steps: dict[str, object] = {}
    controller = window.training
    checks, problems, verdicts = window.check_service, [], {}
    controller.dataProblemsChanged.connect(problems.append)
    checks.probeReady.connect(lambda _group, found: verdicts.update(found))
    window.open_example(ROOT / "resources" / "examples" / "digits_mlp.layerlab")
    section = controller.store.get("training")
    section["epochs"] = 300
    controller.store.edit("training", section)

    wait(controller.runner.epoch, controller.train)
    steps["trained an epoch"] = controller.training
    stopped = wait(controller.outcomeReady, controller.stop)
    steps["stop"] = stopped[0].status if stopped else None
    continued = wait(controller.outcomeReady, lambda: controller.continue_training(1))
    steps["continue"] = continued[0].status if continued else None
    steps["evaluation"] = bool(continued and continued[0].evaluation is not None)
    # the check engine loaded Keras while the worker trained: the checks of the opened example
    spin("the shape check", lambda: checked(window))
    steps["valid"] = checks.report.valid
    spin("the data preview", lambda: controller.data_service.preview is not None)
    steps["preview images"] = len(controller.data_service.preview.images)
    spin("the data's problems", lambda: problems)  # the digits, previewed and checked in the engine
    doc = window.document
    checks.probe([Edge(doc.input_ids()[0], doc.node_ids()[1])])
    spin("a wire's verdict", lambda: verdicts)
    steps["verdict"] = next(iter(verdicts.values())).ok
    window.summary.refresh()
    steps["summary rows"] = window.summary.table.topLevelItemCount()
    project = out / "digits.layerlab"
    steps["save"] = window.save_as(project)
    for suffix in (".h5", ".keras", ".py"):
        target = out / f"digits{suffix}"
        wait(window.exporter.busyChanged, lambda t=target: window.export_model(t), lambda busy: not busy)
        steps[f"export {suffix}"] = target.exists()
    wait(window.importer.busyChanged, lambda: window.import_model_file(out / "digits.keras", ask=False),
         lambda busy: not busy)
    steps["import .keras"] = window.project.path is None and "digit" in window.document
    spin("the imported model's check", lambda: checked(window))
    steps["imported layers"] = len(window.document)
    reopened = wait(controller.outcomeReady, lambda: window.open_path(project, ask=False))
    steps["reopen"] = reopened[0].status if reopened else None
    doc, data = window.document, controller.data_service
    if data.dataset is None:
        wait(data.datasetReady, lambda: None)
    doc.add_node("Normalization", {}, node_id="norm")  # adapted to the digits in the check engine
    doc.add_edge(doc.input_ids()[0], "norm")
    adapted = wait(controller.adapter.finished, lambda: controller.adapter.adapt(["norm"]))
    steps["adapt"] = bool(adapted and not adapted[1]) and "mean" in doc.params("norm")
    app_id = window.add_layer_at_center("applications.MobileNetV2")  # expanded into layers in the check engine
    doc.set_param(app_id, "alpha", 0.35)
    expanded = wait(window.canvas.app_expander.finished, lambda: window.canvas.app_expander.expand(app_id))
    steps["expand"] = bool(expanded and not expanded[1]) and any(g.model for g in doc.groups())

    maps = Path(f"/proc/{os.getpid()}/maps")
    mapped = maps.read_text() if maps.exists() else ""
    report = {"steps": steps, "errors": errors, "refused": refused,
              "modules": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY),
              "libtensorflow": "libtensorflow" in mapped}
    window.undo_stack.setClean()
    controller.unsaved_records, controller.weights_unsaved = [], False
    window.close()
    (out / "report.json").write_text(json.dumps(report, indent=1))
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
