"""Import plus layout of a ~800-node model (NASNetMobile, weights=None, 32x32 input), against plain Keras opening it.

Target: LayerLab's import (config, graph, weights, layout) <= 2 s. The model is
built once by a child process and cached in the temp folder; the LayerLab timings
run before TensorFlow is imported in this process (the importer does not need it),
then Keras's own keras.models.load_model opens the same files.

Usage: python bench/bench_import.py [--runs N]
"""

import argparse
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from common import fmt_ms, markdown_table, median, quiet_keras, timed

CACHE = Path(tempfile.gettempdir()) / "layerlab-bench-import"
MAKE = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    model = keras.applications.NASNetMobile(weights=None, input_shape=(32, 32, 3), classes=10)
    model.save(sys.argv[1]); model.save(sys.argv[2])
""")


def saved_models() -> dict[str, Path]:
    paths = {".keras": CACHE / "nasnet_mobile.keras", ".h5": CACHE / "nasnet_mobile.h5"}
    if not all(p.is_file() for p in paths.values()):
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"building NASNetMobile once (cached in {CACHE})...", file=sys.stderr)
        subprocess.run([sys.executable, "-c", MAKE, str(paths[".keras"]), str(paths[".h5"])], check=True,
                       stderr=subprocess.DEVNULL)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paths = saved_models()

    from layerlab.core.importer import import_model
    from layerlab.core.layout import count_crossings, layered_layout

    rows, nodes = [], 0
    for suffix, path in paths.items():
        import_model(path)  # warm the file cache and Python's imports
        totals, converts, layouts, result = [], [], [], None
        for _ in range(args.runs):
            seconds, result = timed(lambda p=path: import_model(p))
            totals.append(seconds)
            converts.append(timed(lambda p=path: import_model(p, layout=False, weights=False))[0])
            layouts.append(timed(lambda r=result: layered_layout(r.project.document))[0])
        doc = result.project.document
        nodes = len(doc)
        crossings = count_crossings(doc, {n.id: n.position for n in doc.nodes()})
        rows.append([f"LayerLab import, {suffix} (read + graph + weights + layout)", fmt_ms(median(totals)),
                     f"{nodes} nodes, {len(doc.edges())} edges, {crossings} crossings"])
        rows.append([f"  of which read + graph ({suffix})", fmt_ms(median(converts)), ""])
        rows.append([f"  of which layout ({suffix})", fmt_ms(median(layouts)), ""])
    tensorflow_loaded = "tensorflow" in sys.modules

    seconds, keras = timed(quiet_keras)
    rows.append(["import keras (TensorFlow), once", fmt_ms(seconds), ""])
    for suffix, path in paths.items():
        keras.models.load_model(path, compile=False)
        runs = max(2, args.runs // 2)
        times = [timed(lambda p=path: keras.models.load_model(p, compile=False))[0] for _ in range(runs)]
        rows.append([f"keras.models.load_model, {suffix}", fmt_ms(median(times)), "TensorFlow already imported"])

    print(f"\nNASNetMobile (weights=None, 32x32x3): {nodes} layers; median of {args.runs} runs; "
          f"TensorFlow loaded by the importer: {'yes' if tensorflow_loaded else 'no'}\n")
    print(markdown_table(["what", "time", "notes"], rows))


if __name__ == "__main__":
    main()
