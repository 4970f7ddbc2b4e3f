"""Code size: the largest modules and classes of the layerlab package, in lines.

A module's size is its line count (as `wc -l` counts); a class's size is the
span from its `class` line (decorators included) to its last line. Issue 15's
measure of "modules with one job" is that no module passes 500 lines; this
script prints the figures a note quotes (before and after a restructuring).

Usage: python bench/code_size.py [--top 10] [--limit 500] [--root layerlab]
Exits 1 when a module is over --limit lines, so it can serve as a check.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_sizes(root: Path) -> list[tuple[int, str]]:
    """(lines, path) for every .py file below root, largest first."""
    sizes = []
    for path in sorted(root.rglob("*.py")):
        with path.open(encoding="utf-8") as f:
            sizes.append((sum(1 for _ in f), str(path.relative_to(root.parent))))
    return sorted(sizes, reverse=True)


def class_sizes(root: Path) -> list[tuple[int, str]]:
    """(lines, path:Class) for every class below root (nested ones too), largest first."""
    sizes = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                lines = node.end_lineno - first + 1
                sizes.append((lines, f"{path.relative_to(root.parent)}:{node.name}"))
    return sorted(sizes, reverse=True)


def main(argv: list[str] | None = None) -> int:
    """Print the tables; return 1 when a module is over the limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--root", type=Path, default=ROOT / "layerlab")
    args = parser.parse_args(argv)
    modules = module_sizes(args.root)
    classes = class_sizes(args.root)
    total = sum(n for n, _ in modules)
    print(f"{len(modules)} modules, {total} lines; median {sorted(n for n, _ in modules)[len(modules) // 2]}")
    print("\n| largest modules | lines |\n|---|---:|")
    for n, name in modules[: args.top]:
        print(f"| {name} | {n} |")
    print("\n| largest classes | lines |\n|---|---:|")
    for n, name in classes[: args.top]:
        print(f"| {name} | {n} |")
    over = [(n, name) for n, name in modules if n > args.limit]
    if over:
        print(f"\nover {args.limit} lines: " + ", ".join(f"{name} ({n})" for n, name in over))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
