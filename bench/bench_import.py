"""Import of NASNetMobile (771 layers) from .keras and .h5: LayerLab's import, its parts, the editor's path, Keras.

What is timed (median of --runs, wall and CPU of this process):

- "LayerLab import": `layerlab.core.importer.import_model(path)`, everything `layerlab
  import` does but start Python and write the project: read the file, convert the config
  into a graph, make the name-scope groups, lay it out (`fit_layout`, as the import
  does), read the weights. The target of issue 13: <= 0.5 s for the `.keras` file.
- its parts, each timed alone: read + graph + scope groups (`layout=False,
  weights=False`); the layout (`fit_layout` of the imported graph); the weights
  (`read_weights`).
- "editor": what File > Import Model does, in one process here: the check engine's
  `import` operation (the import without layout, the weights handed over by file),
  then the editor's side (the weights taken back, the project read, `layout_positions`
  with the cards' sizes). The process start and the messages are not in it.
- `keras.models.load_model` of the same files, for scale (TensorFlow imported first).

Two NASNetMobile files are built once (child process, cached in the temp folder):
the default one (224x224x3, 1000 classes: the issue's) and the 32x32x3, 10-class one
of earlier figures. With --apps, other keras.applications models (default shapes)
are imported too, to see that no model got slower.

Usage: python bench/bench_import.py [--runs N] [--apps] [--no-keras] [--only NAME ...] [--formats .keras .h5]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import fmt_ms, markdown_table, median, quiet_keras

CACHE = Path(tempfile.gettempdir()) / "layerlab-bench-import"
MODELS = {  # file stem -> (keras.applications name, its keyword arguments as JSON)
    "nasnet_mobile_224": ("NASNetMobile", '{"weights": null}'),
    "nasnet_mobile": ("NASNetMobile", '{"weights": null, "input_shape": [32, 32, 3], "classes": 10}'),
}
APPS = {name: (name, '{"weights": null}') for name in
        ("ResNet50", "InceptionV3", "DenseNet121", "MobileNetV2", "EfficientNetB0", "Xception", "NASNetLarge")}
MAKE = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    name, kwargs, keras_path, h5_path = sys.argv[1:]
    model = getattr(keras.applications, name)(**json.loads(kwargs))
    model.save(keras_path); model.save(h5_path)
""")


def saved(stem: str, name: str, kwargs: str) -> dict[str, Path]:
    paths = {".keras": CACHE / f"{stem}.keras", ".h5": CACHE / f"{stem}.h5"}
    if not all(p.is_file() for p in paths.values()):
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"building {name}({kwargs}) once (cached in {CACHE})...", file=sys.stderr)
        subprocess.run([sys.executable, "-c", MAKE, name, kwargs, str(paths[".keras"]), str(paths[".h5"])],
                       check=True, stderr=subprocess.DEVNULL)
    return paths


def clocked(fn, runs: int) -> tuple[float, float, object]:
    """(median wall seconds, median CPU seconds, the last result) of `runs` calls after one warm-up."""
    result = fn()  # the file cache and Python's imports warm
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return median(walls), median(cpus), result


def editor_import(path: Path):
    """The engine's import operation, then the editor's side of File > Import Model, in this process."""
    from layerlab.core.engine import check_role
    from layerlab.core.engine.arrays import ArrayFolder
    from layerlab.gui import files

    class InProcessEngine:  # what files.import_for_editor asks of the check engine, without the process
        def __init__(self, folder):
            self.arrays = ArrayFolder(folder)

        def call_blocking(self, op, args):
            return check_role.import_model(args, type("Ctx", (), {"arrays": self.arrays})())

    with tempfile.TemporaryDirectory() as folder:
        return files.import_for_editor(path, InProcessEngine(folder))


def layerlab_rows(label: str, paths: dict[str, Path], runs: int, parts: bool) -> list[list[str]]:
    from layerlab.core.importer import import_model
    from layerlab.core.importer.arrays import read_weights
    from layerlab.core.importer.reading import read_model_file
    from layerlab.core.layout import count_crossings
    from layerlab.core.layout_fit import fit_layout

    rows = []
    for suffix, path in paths.items():
        wall, cpu, result = clocked(lambda p=path: import_model(p), runs)
        doc = result.project.document
        crossings = count_crossings(doc, {n.id: n.position for n in doc.nodes()})
        rows.append([f"{label} {suffix}: LayerLab import", fmt_ms(wall), fmt_ms(cpu),
                     f"{len(doc)} nodes, {len(doc.edges())} edges, {len(doc.groups())} groups, "
                     f"{crossings} crossings"])
        if not parts:
            continue
        bare = import_model(path, layout=False, weights=False)
        model_file = read_model_file(path)
        from layerlab.core.importer.convert import Converter

        origins = Converter().convert(model_file.model_config).origins
        for what, fn in [
            ("read + graph + scope groups", lambda p=path: import_model(p, layout=False, weights=False)),
            ("layout (fit_layout)", lambda d=bare.project.document: fit_layout(d)),
            ("weights (read_weights)", lambda m=model_file, o=origins: read_weights(m, o, [])),
        ]:
            wall, cpu, _ = clocked(fn, runs)
            rows.append([f"  of which {what}", fmt_ms(wall), fmt_ms(cpu), ""])
        try:
            import PySide6  # noqa: F401 - the editor's layout measures cards with the canvas's style
        except ImportError:
            continue
        wall, cpu, _ = clocked(lambda p=path: editor_import(p), runs)
        rows.append([f"{label} {suffix}: editor (engine op + layout for the cards)", fmt_ms(wall), fmt_ms(cpu),
                     "no process start, no messages"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--apps", action="store_true", help="other keras.applications models too")
    parser.add_argument("--no-keras", action="store_true", help="leave out keras.models.load_model")
    parser.add_argument("--only", nargs="*", help=f"these files only, of {', '.join([*MODELS, *APPS])}")
    parser.add_argument("--formats", nargs="*", default=[".keras", ".h5"], choices=[".keras", ".h5"])
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    def chosen(specs: dict) -> dict:
        picked = {stem: saved(stem, *spec) for stem, spec in specs.items() if not args.only or stem in args.only}
        return {stem: {s: p for s, p in paths.items() if s in args.formats} for stem, paths in picked.items()}

    models = chosen(MODELS)
    apps = chosen(APPS) if args.apps or args.only else {}

    rows = []
    for stem, paths in models.items():
        label = "NASNetMobile" + (" 224x224" if stem.endswith("224") else " 32x32")
        rows += layerlab_rows(label, paths, args.runs, parts=True)
    for name, paths in apps.items():
        rows += layerlab_rows(name, paths, args.runs, parts=False)
    tensorflow_loaded = "tensorflow" in sys.modules

    if not args.no_keras and "nasnet_mobile_224" in models:
        start = time.perf_counter()
        keras = quiet_keras()
        rows.append(["import keras (TensorFlow), once", fmt_ms(time.perf_counter() - start), "", ""])
        for suffix, path in models["nasnet_mobile_224"].items():
            wall, cpu, _ = clocked(lambda p=path: keras.models.load_model(p, compile=False), max(2, args.runs // 2))
            rows.append([f"NASNetMobile 224x224 {suffix}: keras.models.load_model", fmt_ms(wall), fmt_ms(cpu),
                         "TensorFlow already imported"])

    load = os.getloadavg()
    print(f"\nmedian of {args.runs} runs; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
          f"TensorFlow loaded by LayerLab's import: {'yes' if tensorflow_loaded else 'no'}\n")
    print(markdown_table(["what", "wall", "CPU", "notes"], rows))


if __name__ == "__main__":
    main()
