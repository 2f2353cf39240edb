"""Paired policy designs: the effect (policy minus reference on shared seeds) is an outcome of
its own, analysable by every sensitivity method (issue 17)."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.designs import make_design
from ftzsim.engine.paired import PairedAdapter, base_outcome, paired_outcomes
from ftzsim.engine.sensitivity import analyze, noise_share, outcome_values
from ftzsim.engine.store import load_results
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import ISHIGAMI_S1, ISHIGAMI_ST, ishigami_policy, ishigami_reference

PI = math.pi
ISHIGAMI = {"names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def test_difference_has_the_known_sobol_indices_and_no_seed_noise(tmp_path):
    """Policy = level + Ishigami + seed shock, reference = level + the same seed shock: the
    paired difference is the Ishigami function exactly, so its Sobol indices are the analytic
    ones and none of its variance is seed noise, while the policy's own outcome is dominated
    by the shared shock."""
    design = make_design("sobol", [], 512, seed=5, problem=ISHIGAMI, second_order=False)
    sweep_function(PairedAdapter(ishigami_policy, ishigami_reference), design, tmp_path / "p", replicates=3,
                   master_seed=1, workers=1, progress=False)  # fmt: skip
    res = load_results(tmp_path / "p")
    diff = outcome_values(res, "diff:y")
    assert noise_share(diff) == pytest.approx(0.0, abs=1e-12)
    assert noise_share(outcome_values(res, "y")) > 0.2
    idx = analyze(design, diff, "sobol", seed=2).set_index(["parameter", "index"])["value"]
    for i, p in enumerate(ISHIGAMI["names"]):
        assert idx[(p, "S1")] == pytest.approx(ISHIGAMI_S1[i], abs=0.06)
        assert idx[(p, "ST")] == pytest.approx(ISHIGAMI_ST[i], abs=0.06)
    np.testing.assert_allclose(res["diff:y"], res["y"] - res["ref:y"], rtol=1e-12)
    np.testing.assert_allclose(res["pct:y"], 100 * (res["y"] / res["ref:y"] - 1), rtol=1e-12)


def test_paired_outcome_names():
    assert base_outcome("pct:final_ds_exports") == ("pct", "final_ds_exports")
    assert base_outcome("final_ds_exports") == ("", "final_ds_exports")
    assert base_outcome("cumulative:ds_exports") == ("", "cumulative:ds_exports")  # a series reducer
    out = paired_outcomes({"y": 3.0, "z": 0.0}, {"y": 2.0, "z": 0.0})
    assert out == {"y": 3.0, "ref:y": 2.0, "diff:y": 1.0, "pct:y": 50.0, "z": 0.0, "ref:z": 0.0, "diff:z": 0.0,
                   "pct:z": 0.0}  # fmt: skip


EXPERIMENT = """
[experiment]
name = "corridor_effect"
scenario = "data_corridor"
replicates = 2
master_seed = 3

[paired]
reference = "baseline"

[design]
method = "sobol"
n = 4
parameters = ["dstri_semi_elasticity", "tighten_factor"]
second_order = false

[outcomes]
names = ["final_ds_exports", "diff:final_ds_exports", "pct:final_ds_exports", "pct:cum_incidents"]

[scenario_overrides]
n_firms = 1000
quarters = 16
"""


def test_paired_model_sweep_then_sensitivity_of_the_difference(tmp_path, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_text(textwrap.dedent(EXPERIMENT), encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1"]) == 0
    res = load_results(out)
    assert len(res) == 4 * (2 + 2) * 2  # Saltelli rows x replicates
    # the stored difference is the policy minus the reference run on the same seed
    from ftzsim import FTZModel

    r = res.iloc[0]
    seed = int(res["seed"].iloc[0])  # from the int64 column: a row of mixed dtypes is float
    params = {"dstri_semi_elasticity": r["dstri_semi_elasticity"], "tighten_factor": r["tighten_factor"]}
    ref = FTZModel("baseline", rng=seed, n_firms=1000, quarters=16, build_firm_agents=False,
                   **params).run().summary()  # fmt: skip
    assert r["final_ds_exports"] - ref["final_ds_exports"] == pytest.approx(r["diff:final_ds_exports"], rel=1e-12)
    assert (res["pct:final_ds_exports"] > 0).all()  # opening data flows raises services exports on every row
    assert main(["sensitivity", str(out), "--outcome", "diff:final_ds_exports"]) == 0
    idx = pd.read_csv(out / "sensitivity" / "diff-final_ds_exports_sobol.csv")
    assert set(idx["parameter"]) == {"dstri_semi_elasticity", "tighten_factor"}
    assert np.isfinite(idx["value"]).all()


def test_effect_outcomes_need_a_paired_table(tmp_path, capsys):
    exp = tmp_path / "bad.toml"
    exp.write_text(textwrap.dedent(EXPERIMENT).replace('[paired]\nreference = "baseline"\n', ""), encoding="utf-8")
    assert main(["sweep", str(exp), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "needs a [paired] table" in err and "outcomes.names[1]" in err
    exp.write_text(textwrap.dedent(EXPERIMENT).replace('reference = "baseline"', 'reference = "baselin"'))
    assert main(["sweep", str(exp), "--out", str(tmp_path / "y")]) == 2
    assert "paired.reference" in capsys.readouterr().err
