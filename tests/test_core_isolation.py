"""The core imports without Qt and without loading TensorFlow or Keras."""

import subprocess
import sys
import textwrap


def test_core_imports_without_qt_and_without_keras():
    code = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import layerlab.core
        names = [m.name for m in pkgutil.walk_packages(layerlab.core.__path__, "layerlab.core.")]
        for name in names:
            importlib.import_module(name)
        from layerlab.core import catalog
        catalog.all_specs()
        heavy = sorted(m for m in ("tensorflow", "keras", "sklearn") if m in sys.modules)
        print(len(names), heavy)
        assert not heavy, heavy
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    count = int(out.stdout.split()[0])
    assert count >= 5  # the walk really found the core's modules
