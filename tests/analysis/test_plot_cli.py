"""`ftzsim plot` and `ftzsim run --figures` through the real CLI: each figure's CSV is checked
against the run's (or sweep's) own files, so a figure that draws the wrong data fails here."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ftzsim.analysis.labels import cjk_font
from ftzsim.outcomes import ZONE_OUTCOMES, annual

FTZ = [sys.executable, "-m", "ftzsim"]


def ftz(*args, check=True):
    """The CLI: `run` and `sweep` as real processes, `plot` in this process through the same
    entry point (``ftzsim.cli.main``: parsing, exit codes, messages), which saves a Python
    start-up per figure."""
    argv = list(map(str, args))
    if argv[0] == "plot":
        from ftzsim.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        r = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
    else:
        r = subprocess.run([*FTZ, *argv], capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    ftz("run", "classroom", "--replicates", "3", "--steps", "8", "--out", d / "base", "--quiet", "--figures")
    ftz("run", "classroom", "--replicates", "3", "--steps", "8", "--out", d / "open", "--quiet",
        "--set", "data_openness=0.8")  # fmt: skip
    return d


SWEEP = """
[experiment]
name = "plot_test"
scenario = "{scenario}"
replicates = 2
master_seed = 5

[design]
{design}

[outcomes]
names = ["final_ds_exports"]
timeseries = true

[scenario_overrides]
n_firms = 300
quarters = 8
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweeps")
    scen = 'method = "scenarios"\nscenarios = ["classroom", "baseline"]'
    specs = {
        "scen": SWEEP.format(scenario="classroom", design=scen),
        "fact": SWEEP.format(scenario="classroom",
                             design='method = "factorial"\nparameters = ["data_openness"]\nlevels = 7'),
    }  # fmt: skip
    for name, text in specs.items():
        (d / f"{name}.toml").write_text(text)
        ftz("sweep", d / f"{name}.toml", "--out", d / name, "--workers", "1", "--quiet")
    return d


def test_national_of_a_run_draws_the_runs_medians(runs, tmp_path):
    out = tmp_path / "n.png"
    ftz("plot", "national", runs / "base", "--out", out)
    data = pd.read_csv(f"{out}.csv")
    ann = pd.read_parquet(runs / "base" / "annual.parquet")
    np.testing.assert_allclose(data["median"], ann.groupby("year")["ds_exports"].median().to_numpy())
    np.testing.assert_allclose(data["p95"], ann.groupby("year")["ds_exports"].quantile(0.95).to_numpy())
    assert (data["runs"] == 3).all()
    img = Image.open(out)
    assert round(img.info["dpi"][0]) == 300  # print resolution
    assert json.loads(img.info["Description"])["kind"] == "national"  # provenance inside the PNG
    meta = json.loads(Path(f"{out}.json").read_text())
    assert meta["input"] == "base" and meta["data"] == "n.png.csv"


def test_national_of_a_scenario_sweep_draws_one_series_per_scenario(sweeps, tmp_path):
    from ftzsim.engine.store import load_timeseries

    out = tmp_path / "s.png"
    ftz("plot", "national", sweeps / "scen", "--out", out)
    data = pd.read_csv(f"{out}.csv")
    assert list(dict.fromkeys(data["series"])) == ["classroom", "baseline"]  # never pooled into one band
    ts = load_timeseries(sweeps / "scen")
    for row_id, scen in ((0, "classroom"), (1, "baseline")):
        by_hand = annual(ts[ts["row_id"] == row_id]).groupby("year")["ds_exports"].median()
        np.testing.assert_allclose(data[data["series"] == scen]["median"], by_hand.to_numpy())
    pooled = annual(ts).groupby("year")["ds_exports"].median().to_numpy()
    assert not np.allclose(data[data["series"] == "classroom"]["median"], pooled)


def test_national_of_a_large_sweep_refuses_without_row_and_draws_the_row_asked_for(sweeps, tmp_path):
    from ftzsim.engine.store import load_timeseries

    r = ftz("plot", "national", sweeps / "fact", "--out", tmp_path / "f.png", check=False)
    assert r.returncode == 2 and "--row N" in r.stderr and "7 design rows" in r.stderr, r.stderr
    assert not (tmp_path / "f.png").exists() and "Traceback" not in r.stderr
    ftz("plot", "national", sweeps / "fact", "--row", 3, "--out", tmp_path / "f.png")
    data = pd.read_csv(tmp_path / "f.png.csv")
    assert set(data["row_id"]) == {3} and data["series"].iloc[0].startswith("row 3: data_openness=")
    ts = load_timeseries(sweeps / "fact")
    by_hand = annual(ts[ts["row_id"] == 3]).groupby("year")["ds_exports"].median()
    np.testing.assert_allclose(data["median"], by_hand.to_numpy())
    r = ftz("plot", "national", sweeps / "fact", "--row", 99, "--out", tmp_path / "g.png", check=False)
    assert r.returncode == 2 and "rows are 0-6" in r.stderr


def test_zonemap_draws_the_runs_own_network(runs, tmp_path):
    from ftzsim import FTZModel

    out = tmp_path / "z.svg"
    ftz("plot", "zonemap", runs / "base", "--out", out)
    data = pd.read_csv(f"{out}.csv")
    ties = data[data["element"] == "tie"]
    g = FTZModel("classroom", rng=0, build_firm_agents=False).graph  # the run's network (k_nearest = 2)
    assert len(ties) == g.number_of_edges() == 8
    assert {frozenset(p) for p in zip(ties["zone"], ties["zone_b"], strict=True)} == {frozenset(e) for e in g.edges}
    man = json.loads((runs / "base" / "manifest.json").read_text())
    assert len(man["network_edges"]) == len(ties)
    zones = pd.read_parquet(runs / "base" / "zones.parquet")
    last = zones[zones["step"] == zones["step"].max()].groupby("zone")["ds_exports"].mean()
    nodes = data[data["element"] == "zone"].set_index("zone")["value"]
    np.testing.assert_allclose(nodes.sort_index(), last.sort_index())
    svg = out.read_text()
    assert "<text" in svg and ">Shanghai<" in svg  # text kept as text (editable), not paths


def test_zonemap_of_an_older_run_rebuilds_the_network_from_its_manifest(runs, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(runs / "base", old)
    man = json.loads((old / "manifest.json").read_text())
    edges = man.pop("network_edges")
    man.pop("zones")
    (old / "manifest.json").write_text(json.dumps(man))
    ftz("plot", "zonemap", old, "--out", tmp_path / "z.png")
    ties = pd.read_csv(tmp_path / "z.png.csv").query("element == 'tie'")
    assert len(ties) == len(edges)
    (old / "manifest.json").unlink()
    r = ftz("plot", "zonemap", old, "--out", tmp_path / "y.png", check=False)
    assert r.returncode == 2 and "manifest.json" in r.stderr


def final_year(zones: pd.DataFrame, outcome: str) -> pd.Series:
    a = annual(zones, ZONE_OUTCOMES)
    return a[a["year"] == a["year"].max()].groupby("zone")[outcome].mean()


def test_map_and_what_if_difference_match_the_runs(runs, tmp_path):
    out = tmp_path / "m.pdf"
    ftz("plot", "map", runs / "open", "--vs", runs / "base", "--out", out)
    data = pd.read_csv(f"{out}.csv").set_index("zone")
    a = final_year(pd.read_parquet(runs / "open" / "zones.parquet"), "ds_exports")
    b = final_year(pd.read_parquet(runs / "base" / "zones.parquet"), "ds_exports")
    np.testing.assert_allclose(data["difference"].sort_index(), (a - b).sort_index())
    assert (data["difference"] != 0).any()
    pdf = out.read_bytes()
    assert b"/FontFile2" in pdf and b"/FontFile3" not in pdf  # TrueType fonts embedded (Type 42), no Type 3
    ftz("plot", "map", runs / "base", "--outcome", "adoption_rate", "--out", tmp_path / "a.png")
    lvl = pd.read_csv(tmp_path / "a.png.csv").set_index("zone")["adoption_rate"]
    np.testing.assert_allclose(lvl.sort_index(), final_year(pd.read_parquet(runs / "base" / "zones.parquet"),
                                                           "adoption_rate").sort_index())  # fmt: skip
    r = ftz("plot", "map", runs / "base", "--outcome", "nonsense", "--out", tmp_path / "b.png", check=False)
    assert r.returncode == 2 and "allowed" in r.stderr


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font (scripts/setup.sh installs fonts-wqy-microhei)")
def test_lang_zh_draws_chinese_zone_names(runs, tmp_path):
    out = tmp_path / "zh.svg"
    ftz("plot", "map", runs / "open", "--vs", runs / "base", "--lang", "zh", "--out", out)
    svg = out.read_text()
    assert "上海" in svg and "云南" in svg  # zone names from the zone data's province_zh
    from ftzsim.analysis.labels import label

    assert label("ds_exports", "zh") in svg  # the outcome's Chinese label from the outcome list
    assert re.search(r"font-family[:=]\s*[^;]*WenQuanYi|Noto Sans CJK", svg)


def test_bad_lang_and_missing_cjk_font_are_user_errors(runs, tmp_path):
    r = ftz("plot", "national", runs / "base", "--lang", "fr", "--out", tmp_path / "x.png", check=False)
    assert r.returncode == 2 and "allowed: en, zh" in r.stderr
    code = ("import ftzsim.analysis.labels as L, sys; L.CJK_FAMILIES = ('No Such Font',); L.CJK_FILES = ();"
            "from ftzsim.cli import main; sys.exit(main(sys.argv[1:]))")  # fmt: skip
    r = subprocess.run([sys.executable, "-c", code, "plot", "national", str(runs / "base"), "--lang", "zh",
                        "--out", str(tmp_path / "x.png")], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2 and "fonts-wqy-microhei" in r.stderr and not (tmp_path / "x.png").exists()


def test_run_figures_writes_data_and_provenance_beside_each_figure(runs):
    fig_dir = runs / "base" / "figures"
    for stem in ("national", "zones"):
        for ext in ("png", "pdf", "csv", "json"):
            assert (fig_dir / f"{stem}.{ext}").exists(), f"{stem}.{ext}"
    nat = pd.read_csv(fig_dir / "national.csv")
    ann = pd.read_parquet(runs / "base" / "annual.parquet")
    got = nat[nat["outcome"] == "adoption_rate"]["median"].to_numpy()
    np.testing.assert_allclose(got, ann.groupby("year")["adoption_rate"].median().to_numpy())
    meta = json.loads((fig_dir / "national.json").read_text())
    assert meta["scenario"] == "classroom" and meta["runs"] == 3 and "git_revision" in meta
    assert round(Image.open(fig_dir / "national.png").info["dpi"][0]) == 300


def test_unknown_kind_and_bad_suffix(runs, tmp_path):
    r = ftz("plot", "national", runs / "base", "--out", tmp_path / "x.jpg", check=False)
    assert r.returncode == 2 and ".pdf, .svg or .png" in r.stderr
    r = ftz("plot", "pie", runs / "base", "--out", tmp_path / "x.png", check=False)
    assert r.returncode == 2 and "allowed" in r.stderr and not (tmp_path / "x.png").exists()
    r = ftz("plot", "national", runs / "base", "--row", 1, "--out", tmp_path / "x.png", check=False)
    assert r.returncode == 2 and "not a sweep" in r.stderr


def test_regions_draws_the_runs_regional_shares(runs, tmp_path):
    ftz("plot", "regions", runs / "base", "--out", tmp_path / "r.png")
    data = pd.read_csv(tmp_path / "r.png.csv").set_index("year")
    z = pd.read_parquet(runs / "base" / "zones.parquet")
    trade = (z["ds_exports"] + z["ds_imports"]).groupby([z["replicate"], z["year"], z["region"]]).sum()
    share = (trade / trade.groupby(level=[0, 1]).transform("sum")).groupby(level=[1, 2]).mean().unstack()
    np.testing.assert_allclose(data[share.columns].to_numpy(), share.to_numpy())
    np.testing.assert_allclose(data.sum(axis=1), 1.0)


def test_table_kinds_draw_their_input_unchanged(tmp_path):
    """compare and sobol draw a table written elsewhere: the CSV beside the figure is that table."""
    diffs = pd.DataFrame({"scenario": ["a", "a"], "outcome": ["final_ds_exports", "cum_incidents"],
                          "diff": [1.0, -2.0], "low": [0.5, -3.0], "high": [1.5, -1.0],
                          "reference_mean": [10.0, 20.0]})  # fmt: skip
    diffs.to_csv(tmp_path / "comparison.csv", index=False)
    ftz("plot", "compare", tmp_path / "comparison.csv", "--out", tmp_path / "c.svg")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "c.svg.csv"), diffs)
    idx = pd.DataFrame({"parameter": ["data_openness", "bass_q"] * 2, "index": ["S1", "S1", "ST", "ST"],
                        "value": [0.6, 0.2, 0.7, 0.3], "conf": [0.05, 0.04, 0.05, 0.04]})  # fmt: skip
    idx.to_csv(tmp_path / "idx.csv", index=False)
    ftz("plot", "sobol", tmp_path / "idx.csv", "--out", tmp_path / "s.png")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s.png.csv"), idx)


def test_difference_and_tornado_kinds_draw_their_tables(tmp_path):
    """`plot difference` (year, diff, low, high: e.g. from `ftzsim compare`) and `plot tornado`
    (lever, outcome, low, mid, high: an effect card) draw exactly their input's rows."""
    diff = pd.DataFrame({"outcome": ["final_ds_exports"] * 3 + ["cum_incidents"] * 3, "year": [2021, 2022, 2023] * 2,
                         "diff": [0.0, 1.0, 2.0, 0.0, -1.0, -2.0], "low": [-0.5, 0.2, 1.0, -0.5, -2.0, -3.0],
                         "high": [0.5, 1.8, 3.0, 0.5, 0.0, -1.0]})  # fmt: skip
    diff.to_csv(tmp_path / "diff.csv", index=False)
    r = ftz("plot", "difference", tmp_path / "diff.csv", "--out", tmp_path / "d.png", check=False)
    assert r.returncode == 2 and "--outcome" in r.stderr  # two outcomes: refuses to mix them
    ftz("plot", "difference", tmp_path / "diff.csv", "--outcome", "cum_incidents", "--out", tmp_path / "d.png")
    got = pd.read_csv(tmp_path / "d.png.csv")
    pd.testing.assert_frame_equal(got, diff[diff["outcome"] == "cum_incidents"].reset_index(drop=True))
    card = pd.DataFrame({"lever": ["data_openness", "sme_subsidy"], "outcome": "final_ds_exports",
                         "low": [90.0, 99.0], "mid": [100.0, 100.0], "high": [130.0, 101.0]})  # fmt: skip
    card.to_csv(tmp_path / "card.csv", index=False)
    ftz("plot", "tornado", tmp_path / "card.csv", "--out", tmp_path / "t.pdf")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.pdf.csv"), card)
