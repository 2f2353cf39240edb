"""Scenario discovery finds a box planted in a known function: y = 1 inside x1 in [0.2, 0.5]
and x3 in [0.6, 0.9], 0 outside, plus noise, over 8 uniform inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.cart import cart_boxes
from ftzsim.engine.designs import make_design
from ftzsim.engine.feature_scoring import extra_trees_scores
from ftzsim.engine.prim import prim, quasi_p_values
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import planted_box

PLANTED = {"x1": (0.2, 0.5), "x3": (0.6, 0.9)}
NAMES = [f"x{i}" for i in range(1, 9)]


def sample(seed: int, n: int = 1000):
    X = pd.DataFrame(np.random.default_rng(seed).uniform(size=(n, 8)), columns=NAMES)
    y = np.array([planted_box(r, seed)["y"] for r in X.to_dict("records")])
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_prim_finds_the_planted_box(seed):
    X, y = sample(seed)
    res = prim(X, y > 0.5)
    t = res.table().set_index("parameter")
    assert set(t.index) == {"x1", "x3"}  # only the two planted dimensions are restricted
    for p, (lo, hi) in PLANTED.items():
        assert t.loc[p, "lower"] == pytest.approx(lo, abs=0.05) and t.loc[p, "upper"] == pytest.approx(hi, abs=0.05)
    assert (t["density"] > 0.8).all() and (t["coverage"] > 0.8).all()
    assert (t["qp"] < 1e-6).all()  # both restrictions matter (binomial quasi-p-values)
    curve = res.boxes[0].trajectory
    assert curve["coverage"].is_monotonic_decreasing and curve["coverage"].iloc[0] == 1.0
    assert curve["mass"].iloc[-1] >= 0.05 * 0.9  # stops near mass_min
    assert curve["density"].iloc[0] == pytest.approx((y > 0.5).mean())


def test_quasi_p_value_is_large_for_a_restriction_that_does_nothing():
    """The planted box with an extra restriction on a noise input (x2 <= 0.5): dropping x2
    loses no density, so its quasi-p-value is large; dropping x1 or x3 loses most of it."""
    X, y = sample(0)
    limits = pd.DataFrame({"lower": 0.0, "upper": 1.0}, index=NAMES)
    limits.loc["x1"] = PLANTED["x1"]
    limits.loc["x3"] = PLANTED["x3"]
    limits.loc["x2", "upper"] = 0.5
    qp = quasi_p_values(X, y > 0.5, limits)
    assert set(qp) == {"x1", "x2", "x3"}
    assert qp["x2"] > 0.5 and qp["x1"] < 1e-6 and qp["x3"] < 1e-6


def test_cart_and_feature_scores_point_at_x1_and_x3():
    X, y = sample(5)
    boxes = cart_boxes(X, y > 0.5)
    first = boxes[boxes["box"] == 0].set_index("parameter")
    assert set(first.index) == {"x1", "x3"} and first["density"].iloc[0] > 0.8
    assert first.loc["x1", "lower"] == pytest.approx(0.2, abs=0.05)
    scores = extra_trees_scores(X, y > 0.5)
    assert set(scores["parameter"].iloc[:2]) == {"x1", "x3"}
    assert scores["score"].sum() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    problem = {"names": NAMES, "bounds": [[0.0, 1.0]] * 8}
    design = make_design("lhs", [], 800, seed=3, problem=problem)
    out = tmp_path_factory.mktemp("disc") / "s"
    sweep_function(planted_box, design, out, workers=1, progress=False)
    return out


def test_discover_cli_writes_boxes_tradeoff_and_figures(store, capsys):
    assert main(["discover", str(store), "--outcome", "y", "--above", "0.5"]) == 0
    out = store / "discovery" / "y"
    boxes = pd.read_csv(out / "boxes.csv")
    assert list(boxes.columns[:6]) == ["box", "parameter", "lower", "upper", "coverage", "density"]
    assert set(boxes["parameter"]) == {"x1", "x3"} and (boxes["density"] > 0.8).all()
    b = boxes.set_index("parameter")
    assert b.loc["x3", "upper"] == pytest.approx(0.9, abs=0.05)
    curve = pd.read_csv(out / "tradeoff.csv")
    assert {"coverage", "density", "mass", "n_restricted"} <= set(curve.columns)
    for f in ("tradeoff.png", "box.png"):
        assert (out / f).stat().st_size > 10_000
    assert pd.read_csv(out / "feature_scores.csv")["parameter"].iloc[:2].isin(["x1", "x3"]).all()
    assert main(["discover", str(store), "--outcome", "y", "--below", "0.5", "--method", "cart"]) == 0
    cart = pd.read_csv(out / "boxes.csv")
    assert (cart["density"] > 0.5).all() and len(cart)  # the complement of the box, in leaves


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--outcome", "y", "--above", "1", "--below", "0"], "exactly one of --above"),
        (["--outcome", "nope", "--above", "1"], "unknown outcome 'nope'"),
        (["--outcome", "y", "--above", "99"], "no run is a case of interest"),
        (["--outcome", "y", "--above", "0.5", "--method", "forest"], "--method 'forest'"),
        (["--outcome", "y", "--above", "0.5", "--parameter", "x9"], "not inputs of this sweep"),
    ],
)
def test_discover_bad_input_exit_2(store, capsys, args, needle):
    assert main(["discover", str(store), *args]) == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_qp_drops_restrictions_that_are_sample_noise(seed):
    """300 runs with 10% of labels flipped: PRIM also restricts noise inputs, each with a large
    quasi-p-value; dropping restrictions above 0.05 leaves exactly the planted x1 and x3."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(size=(300, 8)), columns=NAMES)
    inside = (X["x1"].between(0.2, 0.5) & X["x3"].between(0.6, 0.9)).to_numpy()
    y = (inside | (rng.uniform(size=300) < 0.05)) & (rng.uniform(size=300) > 0.1)
    loose = prim(X, y).table()
    assert set(loose["parameter"]) > {"x1", "x3"}
    assert loose[~loose["parameter"].isin(["x1", "x3"])]["qp"].max() > 0.05
    pruned = prim(X, y, max_qp=0.05).table()
    assert set(pruned["parameter"]) == {"x1", "x3"} and (pruned["qp"] <= 0.05).all()
    assert pruned["density"].iloc[0] > 0.8


@pytest.mark.parametrize("step", [5, 20, 40])
def test_pasting_only_widens_and_never_lowers_density(step):
    X, y = sample(4)
    cases = y > 0.5
    peeled = prim(X, cases, step=step, paste=False).boxes[0]
    pasted = prim(X, cases, step=step, paste=True).boxes[0]
    assert (pasted.limits["lower"] <= peeled.limits["lower"]).all()
    assert (pasted.limits["upper"] >= peeled.limits["upper"]).all()
    assert pasted.density >= peeled.density and pasted.coverage >= peeled.coverage
    assert peeled.density == pytest.approx(peeled.trajectory["density"].iloc[step])
