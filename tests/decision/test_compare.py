"""``ftzsim compare`` on real run outputs: the CSV's numbers are the paired differences a user
would compute by hand from the two annual.parquet files, and runs on other seeds are refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ftzsim.cli import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    base = ["run", "classroom", "--replicates", "3", "--steps", "8", "--quiet"]
    assert main([*base, "--out", str(root / "a")]) == 0
    assert main([*base, "--out", str(root / "b"), "--set", "data_openness=0.8"]) == 0
    assert main([*base, "--out", str(root / "other_seed"), "--seed", "7"]) == 0
    return root


def test_csv_difference_equals_hand_computed_paired_difference(runs, tmp_path):
    fig = tmp_path / "cmp.png"
    assert main(["compare", str(runs / "a"), str(runs / "b"), "--out", str(fig), "--year", "2021"]) == 0
    table = pd.read_csv(tmp_path / "cmp.png.csv")
    a = pd.read_parquet(runs / "a" / "annual.parquet").set_index(["seed", "year"])
    b = pd.read_parquet(runs / "b" / "annual.parquet").set_index(["seed", "year"])
    by_hand = (b["ds_exports"] - a["ds_exports"]).groupby("year")
    diff = table.query("panel == 'difference'").set_index("year")
    assert list(diff.index) == [2021, 2022]
    np.testing.assert_allclose(diff["diff"], by_hand.mean(), rtol=1e-12)
    d21 = (b["ds_exports"] - a["ds_exports"]).xs(2021, level="year").to_numpy()
    half = stats.t.ppf(0.975, 2) * d21.std(ddof=1) / np.sqrt(3)
    assert diff.loc[2021, "low"] == pytest.approx(d21.mean() - half, rel=1e-12)
    assert diff.loc[2021, "high"] == pytest.approx(d21.mean() + half, rel=1e-12)
    assert diff.loc[2021, "diff"] > 0  # opening data flows raises services exports on every seed
    forest = table.query("panel == 'forest'").set_index("outcome")
    assert set(forest["year"]) == {2021}
    inc = (b["incidents"] - a["incidents"]).xs(2021, level="year")
    assert forest.loc["incidents", "diff"] == pytest.approx(inc.mean(), rel=1e-12)
    series = table.query("panel == 'series' and run == 'a'").set_index("year")
    assert series.loc[2022, "median"] == pytest.approx(a["ds_exports"].xs(2022, level="year").median())
    meta = json.loads((tmp_path / "cmp.png.json").read_text())
    assert meta["runs"] == ["a", "b"] and len(meta["seeds"]) == 3 and meta["git_revision"] is not None
    assert fig.stat().st_size > 20_000


def test_runs_on_different_seeds_are_refused(runs, tmp_path, capsys):
    fig = tmp_path / "x.png"
    assert main(["compare", str(runs / "a"), str(runs / "other_seed"), "--out", str(fig)]) == 2
    err = capsys.readouterr().err
    assert "do not share their seeds" in err and "--seed 7" in err
    assert not fig.exists() and not (tmp_path / "x.png.csv").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--out", "{tmp}/x.jpg"], "suffix"),
        (["--out", "{tmp}/x.png", "--outcome", "exports"], "outcome 'exports'"),
        (["--out", "{tmp}/x.png", "--year", "1999"], "--year 1999"),
    ],
)
def test_bad_options_exit_2(runs, tmp_path, capsys, args, needle):
    args = [a.format(tmp=tmp_path) for a in args]
    assert main(["compare", str(runs / "a"), str(runs / "b"), *args]) == 2
    assert needle in capsys.readouterr().err


def test_not_a_run_directory_exit_2(runs, tmp_path, capsys):
    assert main(["compare", str(runs / "a"), str(tmp_path), "--out", str(tmp_path / "x.png")]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_several_runs_against_one_reference(runs, tmp_path):
    from ftzsim.engine.compare import compare_runs, load_run

    a, b = load_run(runs / "a"), load_run(runs / "b")
    panels = compare_runs([a, b, load_run(runs / "b", "b_again")], "adoption_rate", forest=("ds_exports",))
    diff = panels["difference"]
    assert set(diff["run"]) == {"b", "b_again"} and (diff["reference"] == "a").all()
    same = diff.pivot(index="year", columns="run", values="diff")
    assert (same["b"] == same["b_again"]).all()  # the same run twice: the same differences
    assert panels["year"] == 2022 and len(panels["forest"]) == 2
    own = compare_runs([a, a], "ds_exports")["difference"]
    assert (own["diff"] == 0).all() and (own["low"] == 0).all()  # a run against itself: zero, exactly


@pytest.fixture(scope="module")
def posterior_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("posterior_runs")
    base = ["run", "classroom", "--replicates", "3", "--steps", "8", "--quiet", "--posterior"]
    assert main([*base, "--out", str(root / "pa")]) == 0
    assert main([*base, "--out", str(root / "pb"), "--set", "data_openness=0.8"]) == 0
    return root


def test_posterior_runs_pair_on_draw_and_seed_and_say_so(posterior_runs, tmp_path):
    """Runs of `ftzsim run --posterior` (same --seed and --replicates) share their draws: the
    difference is paired on (draw, seed), the figure's metadata and titles name parameter and
    seed uncertainty, not seeds only."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.decision import compare_difference, compare_series
    from ftzsim.analysis.figures import POSTERIOR_BAND
    from ftzsim.engine.compare import compare_runs, load_run

    fig = tmp_path / "cmp.png"
    pa, pb = posterior_runs / "pa", posterior_runs / "pb"
    assert main(["compare", str(pa), str(pb), "--out", str(fig)]) == 0
    meta = json.loads((tmp_path / "cmp.png.json").read_text())
    draws = json.loads((pa / "manifest.json").read_text())["posterior"]["draws"]
    assert meta["band"] == POSTERIOR_BAND and meta["posterior_draws"] == draws
    a = pd.read_parquet(pa / "annual.parquet").set_index(["seed", "draw", "year"])
    b = pd.read_parquet(pb / "annual.parquet").set_index(["seed", "draw", "year"])
    by_hand = (b["ds_exports"] - a["ds_exports"]).groupby("year").mean()
    diff = pd.read_csv(tmp_path / "cmp.png.csv").query("panel == 'difference'").set_index("year")
    np.testing.assert_allclose(diff["diff"], by_hand, rtol=1e-12)
    panels = compare_runs([load_run(pa), load_run(pb)], "ds_exports")
    assert panels["band"] == POSTERIOR_BAND
    f, axes = plt.subplots(1, 2)
    try:
        assert POSTERIOR_BAND in compare_series(panels["series"], ax=axes[0], band=panels["band"]).get_title()
        assert POSTERIOR_BAND in compare_difference(panels["difference"], ax=axes[1], band=panels["band"]).get_title()
    finally:
        plt.close(f)


def test_seed_only_comparison_says_seeds_only(runs):
    from ftzsim.engine.compare import compare_runs, load_run

    assert compare_runs([load_run(runs / "a"), load_run(runs / "b")])["band"] == "seeds only (parameters fixed)"


def test_posterior_run_against_a_fixed_parameter_run_is_refused(runs, posterior_runs, tmp_path, capsys):
    """Same seeds but one run drew calibrated parameters and the other did not: the pairs
    would differ in their parameters, so the comparison is refused (exit 2, nothing written)."""
    fig = tmp_path / "x.png"
    assert main(["compare", str(runs / "a"), str(posterior_runs / "pb"), "--out", str(fig)]) == 2
    err = capsys.readouterr().err
    assert "do not share their calibrated parameters" in err and "pb with --posterior" in err
    assert not fig.exists() and not (tmp_path / "x.png.csv").exists()
