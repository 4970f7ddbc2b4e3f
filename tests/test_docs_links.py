"""The README and docs/ point at files and headings that exist, and every picture they show is one
`make screenshots` remakes (so none can go stale unnoticed)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # code is not linked
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target} (no heading '{anchor}' in {file.name})")
    assert not broken, f"{page.relative_to(ROOT)}: " + ", ".join(broken)


def test_the_screenshot_script_makes_every_picture_the_docs_show():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # module level only: no Qt, no window
    shown = {Path(t).name for page in PAGES for t in links(page) if t.endswith(".png")}
    assert shown, "the docs show screenshots"
    assert shown <= set(script.OUTPUTS), f"not made by docs/screenshots.py: {sorted(shown - set(script.OUTPUTS))}"
    assert sorted(p.name for p in (ROOT / "docs" / "images").glob("*.png")) == sorted(script.OUTPUTS)
