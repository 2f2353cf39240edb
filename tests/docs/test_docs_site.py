"""The documentation site builds in strict mode (any warning fails: a broken link, a docstring
that does not parse, a page missing from the navigation) and carries the API reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def nav_pages(nav) -> set[str]:
    out: set[str] = set()
    for item in nav:
        for value in item.values() if isinstance(item, dict) else [item]:
            if isinstance(value, list):
                out |= nav_pages(value)
            else:
                out.add(value)
    return out


def test_every_docs_page_is_in_the_navigation():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    missing, stale = pages - nav_pages(config["nav"]), nav_pages(config["nav"]) - pages
    assert not missing, f"docs pages not in mkdocs.yml's nav (add them there): {sorted(missing)}"
    assert not stale, f"mkdocs.yml's nav names pages that do not exist: {sorted(stale)}"


def test_docs_build_strict_with_the_api_reference(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert "WARNING" not in r.stderr, r.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "model" / "index.html").read_text()
    assert "FTZModel" in api and "Parameters" in api  # classes and their numpydoc sections rendered
    figures = (tmp_path / "site" / "api" / "analysis" / "index.html").read_text()
    assert "difference_over_time" in figures and "tornado" in figures
