"""Every notebook in notebooks/ runs top to bottom in a fresh kernel (examples are tests), checks
the facts it teaches with assert cells, and offers its exercise's solution collapsed."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_fresh_kernel(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: commit notebooks without outputs"
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert time.perf_counter() - t0 < 120, f"{path.name} took over 2 minutes"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # every cell that shows a figure really displays one (a forced Agg backend would show nothing)
    for cell in nb.cells:
        if cell.cell_type == "code" and "plt.show()" in cell.source:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert images, f"{path.name}: a cell calling plt.show() displayed no figure"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_asserts_what_it_teaches_and_hides_its_solution(path):
    """A teaching notebook checks its claims (so a model change that breaks a lesson fails CI)
    and ships its solution as a code cell collapsed in JupyterLab (run in CI like the rest)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    asserts = sum(line.lstrip().startswith("assert ") for c in code for line in c.source.splitlines())
    assert asserts >= 3, f"{path.name}: {asserts} assert lines; a notebook checks the facts it teaches"
    solutions = [c for c in code if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{path.name}: no cell tagged 'solution'"
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions), "solutions start collapsed"
