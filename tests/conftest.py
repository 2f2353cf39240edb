"""Shared fixtures: small scenario files written to real temporary folders."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# Property-based tests run derandomised by default: the same cases on every CI run, so a
# failure is reproducible and a pass means the same thing each time. For exploration, run
# with HYPOTHESIS_PROFILE=explore (fresh random cases each run).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write TOML text to a scenario file in a temporary folder and return its path."""

    def _write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


SMALL = dict(n_firms=1500, quarters=12)
