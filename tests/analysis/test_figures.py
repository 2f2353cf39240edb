"""Every figure kind renders without warnings from small real data, shows what it should, and
matches its stored PNG baseline within a tolerance (regenerate: FTZSIM_REGEN_BASELINES=1)."""

from __future__ import annotations

import itertools
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

from ftzsim.analysis import figures as F
from ftzsim.analysis.labels import label

BASE = Path(__file__).resolve().parent / "baseline"
REGEN = os.environ.get("FTZSIM_REGEN_BASELINES") == "1"


ZONES = {"Shanghai": 100.0, "Zhejiang": 30.0, "Fujian": 10.0, "Guangdong": 60.0, "Hainan": 2.0, "Chongqing": 5.0,
         "Yunnan": 3.0}  # fmt: skip


@pytest.fixture(scope="module")
def runs():
    """Three seeded runs with the shape of the model's frames (national and zone, 12 quarters).

    Synthetic on purpose: these tests test the figures, so their PNG baselines must not move
    when the model's numbers change (tests/model checks those). The network is the classroom
    scenario's (2 nearest neighbours plus its alliances), built by the model's own function.
    """
    from types import SimpleNamespace

    from ftzsim.model.network import build_zone_graph
    from ftzsim.reference import zones as zone_info

    rng = np.random.default_rng(7)
    names = list(ZONES)
    alliances = {"coastal_digital": ["Fujian", "Zhejiang", "Shanghai"], "guangdong_hainan": ["Guangdong", "Hainan"]}
    graph = build_zone_graph(names, 2, 2.0, alliances)
    steps = np.arange(1, 13)
    time = pd.DataFrame({"step": steps, "year": 2021 + (steps - 1) // 4, "quarter": (steps - 1) % 4 + 1})
    frames, zones = [], []
    for r in range(3):
        growth = 1.03**steps * (1 + 0.04 * rng.standard_normal(len(steps)))
        parts = [
            time.assign(zone=n, region=zone_info()[n].region, ds_imports=0.6 * v * growth,
                        ds_exports=v * growth * (1 + 0.02 * rng.standard_normal(len(steps))))
            for n, v in ZONES.items()
        ]  # fmt: skip
        z = pd.concat(parts, ignore_index=True)
        zones.append(z.assign(replicate=r))
        nat = z.groupby("step", as_index=False)[["ds_exports", "ds_imports"]].sum().merge(time, on="step")
        frames.append(nat.assign(replicate=r))
    return SimpleNamespace(graph=graph, zone_names=names), pd.concat(frames, ignore_index=True), pd.concat(zones)


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
    assert ax.get_xlabel() == "data openness (0-1)" or ax.get_xlabel().startswith(label("data_openness"))
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


def test_style_uses_a_colour_blind_safe_palette():
    assert F.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe-Ito


def test_importing_figures_leaves_the_backend_alone():
    """Notebooks keep their inline backend: the figures module must not switch to Agg."""
    code = "import matplotlib; matplotlib.use('svg'); import ftzsim.analysis.figures; print(matplotlib.get_backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"


def test_national_labels_come_from_the_registry_and_caption_says_what_the_band_is(runs):
    _, nat, _ = runs
    fig, ax = new_fig()
    F.national_series(nat, "ds_exports", ax=ax)
    assert ax.get_title().lower() == label("ds_exports").lower() and ax.get_title() != "ds_exports"
    text = F.band_caption(nat)
    assert "3 runs" in text and "only in their random seed" in text
    assert "differ in parameters and seeds" in F.band_caption(nat.assign(band="parameters and seeds"))
    assert F.band_caption(nat[nat["replicate"] == 0]) is None  # one run: no band, no caption
    t = F.national_table(nat, "ds_exports")
    by_hand = nat.groupby(["replicate", "year"])["ds_exports"].sum().groupby("year").median()  # a flow: annual sum
    np.testing.assert_allclose(t["median"], by_hand.to_numpy())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), by_hand.to_numpy())  # the line is the table
    plt.close(fig)


def test_year_ticks_never_run_together():
    """40 years on a narrow axis: the tick labels, as drawn, do not overlap."""
    for width in (1.6, 3.0, 6.4):
        with plt.rc_context(F.style()):
            fig, ax = plt.subplots(figsize=(width, 2.0), layout="constrained")
            ax.plot(np.arange(2021, 2061), np.arange(40.0))
            F.year_axis(ax)
            fig.canvas.draw()
            boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
            lo, hi = ax.get_xlim()
            boxes = [b for b, t in zip(boxes, ax.get_xticks(), strict=False) if lo <= t <= hi]
            assert len(boxes) >= 2
            assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes)), width  # left to right, gaps between
            assert all("," not in t.get_text() for t in ax.get_xticklabels())
            plt.close(fig)


def test_tornado_sorts_by_swing_and_draws_low_and_high(tmp_path):
    eff = pd.DataFrame({"lever": ["data_openness", "fiveg_coverage", "sme_subsidy"], "outcome": "final_ds_exports",
                        "low": [90.0, 98.0, 99.0], "mid": [100.0] * 3, "high": [130.0, 104.0, 100.5]})  # fmt: skip
    fig, ax = new_fig()
    F.tornado(eff, ax=ax)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == label("data_openness") and ticks[0] == label("sme_subsidy")  # widest swing on top
    bars = ax.containers  # low bars, high bars
    assert [p.get_width() for p in bars[1]] == pytest.approx([0.5, 4.0, 30.0])
    assert [p.get_x() for p in bars[0]] == pytest.approx([100.0] * 3)
    assert [p.get_width() for p in bars[0]] == pytest.approx([-1.0, -2.0, -10.0])
    check_png(fig, "tornado", tmp_path)
    with pytest.raises(ValueError, match="one outcome"):
        F.tornado(pd.concat([eff, eff.assign(outcome="cum_incidents")]))


def test_difference_over_time(tmp_path):
    d = pd.DataFrame({"year": [2021, 2022, 2023, 2024], "diff": [0.0, 1.0, 2.5, 4.0],
                      "low": [-0.5, 0.2, 1.5, 2.8], "high": [0.5, 1.8, 3.5, 5.2]})  # fmt: skip
    fig, ax = new_fig()
    F.difference_over_time(d, ax=ax, outcome="ds_exports")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), d["diff"])
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(-0.5) and band.max() == pytest.approx(5.2)
    assert "100 million USD" in ax.get_ylabel()
    check_png(fig, "difference_over_time", tmp_path)


def test_china_map_colours_and_sizes_the_zones(tmp_path):
    frame = pd.DataFrame({"colour": [3.0, -1.0, 0.0], "size": [100.0, 10.0, 50.0]},
                         index=["Shanghai", "Yunnan", "Hubei"])  # fmt: skip
    with plt.rc_context(F.style()):
        fig, ax = plt.subplots(figsize=(6.4, 5.0), layout="constrained")
        F.china_map(frame, ax=ax, colour_label="difference", size_label="trade", diverging=True)
    sc = next(c for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets()) == 3)
    arr, sizes = sc.get_array(), sc.get_sizes()
    assert sorted(arr) == [-1.0, 0.0, 3.0] and sizes.max() == pytest.approx(400.0)  # biggest circle = max size
    assert sc.norm.vcenter == 0.0 and sc.norm.vmin == -3.0  # a difference: white at zero, symmetric
    polys = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    assert sum(len(p.get_paths()) for p in polys) > 34  # every province (some with islands)
    check_png(fig, "china_map", tmp_path, tol=20)


def test_chinese_figures_take_every_text_from_the_registries_or_the_word_list(runs):
    """lang="zh": parameter and outcome labels from the registries' Chinese labels, zone names
    from the zone data, axis words from labels.word; no English text is left on the axes."""
    from ftzsim.analysis.labels import cjk_font, word

    if cjk_font() is None:
        pytest.skip("no CJK font (scripts/setup.sh installs fonts-wqy-microhei)")
    m, _, zones = runs
    idx = pd.DataFrame({"parameter": ["data_openness", "bass_q"] * 2, "index": ["S1", "S1", "ST", "ST"],
                        "value": [0.6, 0.2, 0.7, 0.3], "conf": [0.05, 0.04, 0.05, 0.04]})  # fmt: skip
    with plt.rc_context(F.style("zh")):
        fig, axes = plt.subplots(1, 3, figsize=(9, 3), layout="constrained")
        F.sobol_bars(idx, ax=axes[0], lang="zh")
        F.regional_shares(zones, ax=axes[1], lang="zh")
        F.zone_map(m.graph, None, ax=axes[2], lang="zh")
    assert [t.get_text() for t in axes[0].get_xticklabels()] == [label("data_openness", "zh"), label("bass_q", "zh")]
    assert (
        axes[0].get_ylabel()
        == word("Sobol index (share of output variance)", "zh")
        != "Sobol index (share of output variance)"
    )
    assert axes[1].get_title() == "各区域服务贸易占比" and axes[1].get_xlabel() == "年份"
    assert {t.get_text() for t in axes[2].texts} == {"上海", "浙江", "福建", "广东", "海南", "重庆", "云南"}
    plt.close(fig)
