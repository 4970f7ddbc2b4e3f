"""Issue 15's measure, kept: no module of the package passes 500 lines (bench/code_size.py counts them)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_size():
    spec = importlib.util.spec_from_file_location("code_size", ROOT / "bench" / "code_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_is_over_500_lines():
    over = [(n, name) for n, name in _code_size().module_sizes(ROOT / "layerlab") if n > 500]
    assert not over, f"split these along their seams (docs/architecture.md): {over}"


def test_the_counts_are_line_counts(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("class A:\n    x = 1\n\n    def f(self):\n        return 2\n")
    (package / "b.py").write_text("y = 1\n")
    size = _code_size()
    assert size.module_sizes(package) == [(5, "pkg/a.py"), (1, "pkg/b.py")]
    assert size.class_sizes(package) == [(5, "pkg/a.py:A")]
