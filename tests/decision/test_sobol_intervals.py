"""Sobol' intervals from independent scrambles are honest: on the G-function, whose indices
are known analytically, the 95% intervals cover the truth about 95% of the time over many
designs (not always, as the bootstrap of one scrambled design does)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from ftzsim.engine.designs import make_design
from ftzsim.engine.sensitivity import analyze
from ftzsim.engine.spec import load_experiment
from ftzsim.engine.testfunctions import G_A, g_function, g_indices

PROBLEM = {"names": [f"x{i}" for i in range(len(G_A))], "bounds": [[0.0, 1.0]] * len(G_A)}


def indices(design):
    values = pd.DataFrame({"row_id": design.frame["row_id"], "replicate": 0, "y": g_function(design.X())})
    return analyze(design, values, "sobol")


def test_g_function_analytic_indices_are_right():
    s1, st = g_indices((0.0,))  # one input: all variance is its own
    assert s1 == pytest.approx((1.0,)) and st == pytest.approx((1.0,))
    s1, st = g_indices()
    assert sum(s1) < 1 < sum(st) and s1[0] > s1[1] > s1[2]


def test_interval_over_scrambles_covers_the_analytic_indices_near_nominal():
    s1, st = g_indices()
    truth = {"S1": np.array(s1), "ST": np.array(st)}
    hits = []
    for k in range(40):  # 40 designs x 5 inputs x 2 indices = 400 intervals
        d = make_design("sobol", [], 64, seed=k, problem=PROBLEM, second_order=False, scrambles=8)
        idx = indices(d)
        assert (idx["interval"] == "t over 8 scrambles").all()
        for name, true in truth.items():
            r = idx[idx["index"] == name]
            hits.append(np.abs(r["value"].to_numpy() - true) <= r["conf"].to_numpy())
    per_index = np.mean(hits, axis=0)
    coverage = float(np.mean(hits))
    assert 0.88 <= coverage <= 0.99, coverage  # nominal 0.95; 400 intervals: +-0.02 by chance
    assert (per_index < 1.0).any()  # not the 100% of an interval far wider than the error
    assert per_index.min() >= 0.75


def test_scrambles_design_layout_and_experiment_key(tmp_path):
    d = make_design("sobol", [], 16, seed=1, problem=PROBLEM, second_order=False, scrambles=4)
    block = 16 * (len(G_A) + 2)
    assert len(d.frame) == 4 * block and list(d.frame["scramble"].unique()) == [0, 1, 2, 3]
    first, second = d.X()[:block], d.X()[block : 2 * block]
    assert not np.allclose(first, second)  # independent scrambles, not copies
    assert "scramble" not in d.rows()[0]
    text = """
    [experiment]
    name = "s"
    scenario = "classroom"
    [design]
    method = "sobol"
    n = 4
    scrambles = 3
    parameters = ["data_openness", "bass_q"]
    """
    p = tmp_path / "e.toml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    exp = load_experiment(p)
    assert len(exp.design.frame) == 3 * 4 * (2 * 2 + 2) and exp.design.settings["scrambles"] == 3
    p.write_text(textwrap.dedent(text).replace('"sobol"', '"lhs"'), encoding="utf-8")
    from ftzsim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"design\.scrambles"):
        load_experiment(p)
