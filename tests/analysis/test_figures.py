"""Every figure kind renders without warnings from small real data, shows what it should, and
matches its stored PNG baseline within a tolerance (regenerate: FTZSIM_REGEN_BASELINES=1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

from ftzsim import FTZModel
from ftzsim.analysis import figures as F

BASE = Path(__file__).resolve().parent / "baseline"
REGEN = os.environ.get("FTZSIM_REGEN_BASELINES") == "1"


@pytest.fixture(scope="module")
def runs():
    frames, zones = [], []
    for r, seed in enumerate((1, 2, 3)):
        m = FTZModel("classroom", rng=seed, n_firms=300, quarters=12, build_firm_agents=False).run()
        frames.append(m.national_frame().assign(replicate=r))
        zones.append(m.zone_frame().assign(replicate=r))
    return m, pd.concat(frames, ignore_index=True), pd.concat(zones, ignore_index=True)


def check_png(fig, name, tmp_path, tol=15):
    path = tmp_path / f"{name}.png"
    with plt.rc_context({**F.style(), "font.family": "DejaVu Sans"}):
        fig.savefig(path, dpi=80)
    plt.close(fig)
    base = BASE / f"{name}.png"
    if REGEN or not base.exists():
        BASE.mkdir(exist_ok=True)
        base.write_bytes(path.read_bytes())
        if not REGEN:
            pytest.fail(f"baseline {base.name} was missing and has been written; re-run")
    assert compare_images(str(base), str(path), tol=tol) is None


def new_fig():
    with plt.rc_context(F.style()):
        return plt.subplots(figsize=(6, 3.6), layout="constrained")


def test_national_bands_two_scenarios(runs, tmp_path):
    _, nat, _ = runs
    other = nat.assign(ds_exports=nat["ds_exports"] * 1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = new_fig()
        F.national_series(nat, "ds_exports", ax=ax, label="baseline")
        F.national_series(other, "ds_exports", ax=ax, label="what-if")
    assert ax.get_ylabel() == "100 million USD per year" and ax.get_xlabel() == "year"
    assert len(ax.lines) == 2 and len(ax.collections) == 2  # median lines and 5-95% bands
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    med = ax.lines[0].get_ydata()
    assert band.min() <= med.min() and band.max() >= med.max()
    check_png(fig, "national_bands", tmp_path)


def test_zone_map(runs, tmp_path):
    m, _, zones = runs
    last = zones[zones["step"] == 12].groupby("zone")["ds_exports"].mean().to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = new_fig()
        F.zone_map(m.graph, last, ax=ax, label="services exports")
    assert ax.get_xlabel() == "longitude (°E)" and ax.get_ylabel() == "latitude (°N)"
    assert len(ax.texts) == len(m.graph.nodes)
    sizes = ax.collections[0].get_sizes()
    assert sizes[m.zone_names.index("Shanghai")] == sizes.max()  # node size follows the outcome
    check_png(fig, "zone_map", tmp_path)


def test_regional_shares(runs, tmp_path):
    _, _, zones = runs
    table = F.regional_share_table(zones)
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = new_fig()
        F.regional_shares(zones, ax=ax)
    assert ax.get_ylim() == (0.0, 100.0) and len(ax.collections) == table.shape[1]
    check_png(fig, "regional_shares", tmp_path)


def test_difference_plot(tmp_path):
    diffs = pd.DataFrame({"scenario": ["a", "a", "b", "b"], "outcome": ["x", "y", "x", "y"],
                          "diff": [1.0, -2.0, 0.5, 0.0], "low": [0.5, -3.0, -0.5, -1.0],
                          "high": [1.5, -1.0, 1.5, 1.0], "reference_mean": [10.0, 20.0, 10.0, 20.0]})  # fmt: skip
    fig, ax = new_fig()
    F.difference_plot(diffs, ax=ax)
    assert ax.get_xlabel() == "difference from baseline (% of baseline)"
    assert len(ax.containers) == 2  # one errorbar series per scenario
    check_png(fig, "difference", tmp_path)


def test_response_surface(tmp_path):
    grid = pd.DataFrame([(a, b, r, 10 * a + b + 0.01 * r) for a in (0, 0.5, 1) for b in (0, 0.5, 1) for r in (0, 1)],
                        columns=["data_openness", "fiveg_coverage", "replicate", "final_ds_exports"])  # fmt: skip
    fig, ax = new_fig()
    F.response_surface(grid, "data_openness", "fiveg_coverage", "final_ds_exports", ax=ax)
    mesh = ax.collections[0].get_array()
    assert mesh.max() == pytest.approx(11.005) and mesh.min() == pytest.approx(0.005)
    assert ax.get_xlabel() == "data_openness"
    check_png(fig, "surface", tmp_path)


def test_sobol_morris_convergence(tmp_path):
    idx = pd.DataFrame({"parameter": ["a", "a", "b", "b"], "index": ["S1", "ST", "S1", "ST"],
                        "value": [0.6, 0.7, 0.2, 0.3], "conf": [0.05, 0.05, 0.04, 0.04]})  # fmt: skip
    fig, ax = new_fig()
    F.sobol_bars(idx, ax=ax)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([0.6, 0.2, 0.7, 0.3])
    check_png(fig, "sobol", tmp_path)
    mo = pd.DataFrame({"parameter": ["a", "a", "b", "b"], "index": ["mu_star", "sigma"] * 2, "value": [3, 1, 0.5, 2]})
    fig, ax = new_fig()
    F.morris_scatter(mo, ax=ax)
    assert ax.collections[0].get_offsets().shape == (2, 2)
    check_png(fig, "morris", tmp_path)
    conv = pd.DataFrame({"N": [8, 16, 8, 16], "parameter": ["a", "a", "b", "b"], "index": "ST",
                         "value": [0.5, 0.6, 0.2, 0.25], "conf": 0.05})  # fmt: skip
    fig, ax = new_fig()
    F.convergence_plot(conv, ax=ax)
    assert ax.get_xscale() == "log" and len(ax.containers) == 2
    check_png(fig, "convergence", tmp_path)


def test_plot_cli_writes_figure_data_and_provenance(tmp_path):
    run = tmp_path / "run"
    ftz = [sys.executable, "-m", "ftzsim"]
    subprocess.run([*ftz, "run", "classroom", "--replicates", "2", "--steps", "8", "--out", str(run), "--quiet"],
                   check=True, timeout=120)  # fmt: skip
    for kind in ("national", "zonemap", "regions"):
        out = tmp_path / f"{kind}.png"
        r = subprocess.run(
            [*ftz, "plot", kind, str(run), "--out", str(out)], capture_output=True, text=True, timeout=120
        )
        assert r.returncode == 0, r.stderr
        data = pd.read_csv(tmp_path / f"{kind}.png.csv")
        meta = json.loads((tmp_path / f"{kind}.png.json").read_text())
        assert meta["kind"] == kind and meta["input"] == "run" and len(data) > 0
        from PIL import Image

        assert json.loads(Image.open(out).info["Description"])["kind"] == kind  # provenance inside the PNG
    nat = pd.read_csv(tmp_path / "national.png.csv")
    ann = pd.read_parquet(run / "annual.parquet")
    np.testing.assert_allclose(nat["50%"], ann.groupby("year")["ds_exports"].median().to_numpy())
    r = subprocess.run([*ftz, "plot", "national", str(run), "--out", str(tmp_path / "x.jpg")],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and ".pdf, .svg or .png" in r.stderr
    r = subprocess.run([*ftz, "plot", "pie", str(run), "--out", str(tmp_path / "x.png")],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "allowed" in r.stderr and not (tmp_path / "x.png").exists()


def test_style_uses_a_colour_blind_safe_palette():
    assert F.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe-Ito


def test_importing_figures_leaves_the_backend_alone():
    """Notebooks keep their inline backend: the figures module must not switch to Agg."""
    code = "import matplotlib; matplotlib.use('svg'); import ftzsim.analysis.figures; print(matplotlib.get_backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"
