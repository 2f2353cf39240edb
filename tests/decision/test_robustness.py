"""Regret and satisficing against a table worked out by hand, on a real store written by
``sweep_function`` (y = p * s, three policies and three scenarios)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.policies import policies_design
from ftzsim.engine.robustness import parse_threshold, robustness_table
from ftzsim.engine.store import load_results
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import policy_times_scenario

# y = p * s; p = 1, 2, 3; s = -1, 0.5, 2
#          s=-1  s=0.5  s=2   regret (max):  s=-1 s=0.5 s=2  max  p90 (linear, 3 values)
#   p=1     -1    0.5    2                     0    1     4    4    1 + 0.8 * 3 = 3.4
#   p=2     -2    1      4                     1    0.5   2    2    1 + 0.8 * 1 = 1.8
#   p=3     -3    1.5    6                     2    0     0    2    0 + 0.8 * 2 = 1.6
# regret (min), the minimum per scenario is -3, 0.5, 2: p=1: 2, 0, 0; p=2: 1, 0.5, 2; p=3: 0, 1, 4
HAND_MAX = {"low": (4.0, 3.4, 5 / 3), "mid": (2.0, 1.8, 3.5 / 3), "high": (2.0, 1.6, 2 / 3)}
HAND_MIN = {"low": (2.0, 1.6, 2 / 3), "mid": (2.0, 1.8, 3.5 / 3), "high": (4.0, 3.4, 5 / 3)}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    pol = pd.DataFrame({"policy": ["low", "mid", "high"], "p": [1.0, 2.0, 3.0]})
    scen = pd.DataFrame({"s": [-1.0, 0.5, 2.0]})
    design = policies_design(pol, scen)
    out = tmp_path_factory.mktemp("rob") / "s"
    sweep_function(policy_times_scenario, design, out, replicates=3, master_seed=4, workers=1, progress=False)
    return out


@pytest.mark.parametrize(("maximize", "hand"), [(True, HAND_MAX), (False, HAND_MIN)])
def test_regret_matches_the_hand_computed_table(store, maximize, hand):
    t = robustness_table(load_results(store), "y", maximize=maximize).set_index("policy")
    for policy, (mx, p90, mean) in hand.items():
        assert t.loc[policy, "max_regret"] == pytest.approx(mx, abs=1e-12)
        assert t.loc[policy, "p90_regret"] == pytest.approx(p90, abs=1e-12)
        assert t.loc[policy, "mean_regret"] == pytest.approx(mean, abs=1e-12)
    assert t.index[0] == ("high" if maximize else "low")  # most robust first
    assert t.loc["low", "mean"] == pytest.approx((-1 + 0.5 + 2) / 3)


def test_replicates_are_averaged_before_regret(store):
    """``noisy`` adds the same seed noise to every row of a replicate (common random numbers),
    so its regret equals that of ``y`` exactly."""
    res = load_results(store)
    a = robustness_table(res, "noisy")
    b = robustness_table(res, "y")
    np.testing.assert_allclose(a["max_regret"], b["max_regret"], atol=1e-12)


def test_satisficing_share(store):
    res = load_results(store)
    t = robustness_table(res, "y", thresholds=[parse_threshold("y>=1.5")]).set_index("policy")["satisficing"]
    assert t.to_dict() == pytest.approx({"low": 1 / 3, "mid": 1 / 3, "high": 2 / 3})
    two = [parse_threshold("y>0"), parse_threshold("noisy < 5")]
    t = robustness_table(res, "y", thresholds=two).set_index("policy")["satisficing"]
    assert t.to_dict() == pytest.approx({"low": 2 / 3, "mid": 2 / 3, "high": 1 / 3})
    rel = robustness_table(res, "y", thresholds=[parse_threshold("y>=policy:mid")]).set_index("policy")["satisficing"]
    assert rel.to_dict() == pytest.approx({"low": 1 / 3, "mid": 1.0, "high": 2 / 3})


def test_robustness_cli_writes_table_markdown_and_figure(store, capsys):
    assert main(["robustness", str(store), "--outcome", "y", "--minimize", "--threshold", "y<1"]) == 0
    out = store / "robustness"
    t = pd.read_csv(out / "y.csv").set_index("policy")
    assert t.loc["high", "max_regret"] == pytest.approx(4.0) and t.loc["low", "satisficing"] == pytest.approx(2 / 3)
    assert "| policy_id | policy |" in (out / "y.md").read_text()
    assert (out / "y.png").stat().st_size > 10_000 and (out / "y.png.json").exists()
    assert pd.read_parquet(out / "y_regret_matrix.parquet").shape == (3, 4)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--outcome", "nope"], "unknown outcome 'nope'"),
        (["--outcome", "y", "--threshold", "y=3"], "threshold 'y=3'"),
        (["--outcome", "y", "--threshold", "y>policy:none"], "no policy named 'none'"),
    ],
)
def test_robustness_bad_input_exit_2(store, capsys, args, needle):
    assert main(["robustness", str(store), *args]) == 2
    assert needle in capsys.readouterr().err


def test_robustness_refuses_a_sweep_that_is_not_policies_x_scenarios(tmp_path, capsys):
    from ftzsim.engine.designs import make_design

    design = make_design("lhs", [], 4, seed=1, problem={"names": ["p", "s"], "bounds": [[0, 1], [0, 1]]})
    sweep_function(policy_times_scenario, design, tmp_path / "lhs", workers=1, progress=False)
    assert main(["robustness", str(tmp_path / "lhs"), "--outcome", "y"]) == 2
    assert "needs a policies x scenarios sweep" in capsys.readouterr().err
    assert not (tmp_path / "lhs" / "robustness").exists()
