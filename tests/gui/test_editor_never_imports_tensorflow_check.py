"""The editor never imports TensorFlow: checking, probing wires, the summary, the Data panel, exports and imports.

Run in a fresh interpreter: an editing session goes through each of these
paths, then the editor's own process must hold no `tensorflow` (nor `keras`)
module and map no libtensorflow. The training half of the session is in the
training engineer's test (test_editor_never_imports_tensorflow_train.py).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from PySide6.QtCore import QEventLoop, QSettings
    from layerlab.core.document import Edge
    from layerlab.gui.app import make_app
    from layerlab.gui.dialogs import DISCARD, Dialogs
    from layerlab.gui.main_window import MainWindow

    out = Path(sys.argv[1])
    app = make_app()
    errors = []
    window = MainWindow(settings=QSettings(str(out / "s.ini"), QSettings.Format.IniFormat),
                        dialogs=Dialogs(ask=lambda *a, **k: DISCARD, error=lambda _p, _t, text: errors.append(text),
                                        info=lambda *a: None, notify=lambda *a: None),
                        recovery_folder=out / "recovery", interactive=False, warm_up_delay_ms=0)
    window.resize(1200, 800)
    window.show()

    def spin(what, condition, seconds=240):
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {what}; errors: {errors}")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    checks, training = window.check_service, window.training
    problems = []
    training.dataProblemsChanged.connect(problems.append)
    window.open_example(Path("resources/examples/digits_mlp.layerlab"))
    doc = window.document
    spin("the shape check", lambda: checks.report_revision == doc.revision and not checks.pending)
    spin("the data preview", lambda: training.data_service.preview is not None)
    spin("the data's problems", lambda: problems)
    preview_images = len(training.data_service.preview.images)
    first, second = doc.input_ids()[0], doc.node_ids()[1]
    verdicts = {}
    checks.probeReady.connect(lambda _g, found: verdicts.update(found))
    checks.probe([Edge(first, second)])
    spin("a wire's verdict", lambda: verdicts)
    window.summary.refresh()
    written = []
    for suffix in (".keras", ".h5", ".py"):
        target = out / ("model" + suffix)
        window.exporter.export(window.project, target)
        spin("an export", lambda: window.exporter.task is None)
        written.append(target.is_file())
    imported = []
    window.importer.imported.connect(imported.append)
    window.import_model_file(out / "model.keras", ask=False)
    spin("the import", lambda: imported)
    spin("the imported model's check", lambda: checks.report_revision == doc.revision and not checks.pending)
    maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
    print(json.dumps({
        "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")),
        "libtensorflow": "libtensorflow" in maps,
        "valid": checks.report.valid, "verdict": next(iter(verdicts.values())).ok,
        "preview_images": preview_images, "data_checked": bool(problems),
        "summary_rows": window.summary.table.topLevelItemCount(),
        "written": written, "imported_layers": len(doc), "errors": errors}))
    window.undo_stack.setClean()
    window._import = None
    window.close()
    """
)


def test_an_editing_session_never_imports_tensorflow_in_the_editor(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=900,
                         cwd=ROOT, env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [] and result["libtensorflow"] is False, result
    assert result["valid"] and result["verdict"] is not None and result["errors"] == []
    assert result["preview_images"] > 0 and result["data_checked"]  # the digits, previewed and checked in the engine
    assert result["written"] == [True, True, True]
    assert result["imported_layers"] > 1 and result["summary_rows"] > 1
