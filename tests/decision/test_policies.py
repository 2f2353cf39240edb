"""Policies x scenarios designs from experiment files: every policy meets every scenario once,
on shared seeds, with every value inside its bounds and every name checked against the registry."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from ftzsim import levers as L
from ftzsim.cli import main
from ftzsim.engine.spec import load_experiment

HEAD = """
[experiment]
name = "pol"
scenario = "classroom"
replicates = 2
master_seed = 3

[outcomes]
names = ["final_ds_exports", "final_incidents"]

[scenario_overrides]
n_firms = 150
quarters = 4
"""

INLINE = """
[design]
method = "policies"
n = 7
uncertainties = ["bass_q", "trade_elasticity"]
[design.policies]
rows = [{name = "status_quo", data_openness = 0.0, "rule_alignment.rcep" = 0.0},
        {name = "open", data_openness = 0.8, "rule_alignment.rcep" = 1.0},
        {name = "half", data_openness = 0.4, "rule_alignment.rcep" = 0.5}]
[design.bounds]
bass_q = [0.2, 0.5]
"""


def write(tmp_path, design: str, name: str = "exp.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(HEAD + design), encoding="utf-8")
    return p


def check_crossed(design, P: int, S: int) -> None:
    f = design.frame
    assert len(f) == P * S
    pairs = f.groupby(["policy_id", "scenario_id"]).size()
    assert len(pairs) == P * S and (pairs == 1).all()  # every policy meets every scenario exactly once
    levers, uncs = design.settings["levers"], design.settings["uncertainties"]
    # a scenario is the same future under every policy; a policy the same levers in every scenario
    assert (f.groupby("scenario_id")[uncs].nunique() == 1).all().all()
    assert (f.groupby("policy_id")[levers].nunique() == 1).all().all()
    for (lo, hi), name in zip(design.problem["bounds"], design.problem["names"], strict=True):
        assert f[name].between(lo, hi).all(), name
        assert L.REGISTRY[name].lower <= lo and hi <= L.REGISTRY[name].upper
    rows = design.rows()
    assert not {"policy_id", "scenario_id", "policy", "row_id"} & set(rows[0])  # labels never reach the model


def test_inline_policies_cross_an_lhs_of_uncertainties(tmp_path):
    exp = load_experiment(write(tmp_path, INLINE))
    check_crossed(exp.design, 3, 7)
    f = exp.design.frame
    assert list(f.drop_duplicates("policy_id")["policy"]) == ["status_quo", "open", "half"]
    assert f["bass_q"].between(0.2, 0.5).all() and f["bass_q"].nunique() == 7
    # LHS: one scenario in each of the 7 equal strata of every uncertainty
    strata = np.floor((f.drop_duplicates("scenario_id")["bass_q"] - 0.2) / 0.3 * 7).clip(0, 6)
    assert sorted(strata.astype(int)) == list(range(7))


def test_factorial_policies_and_a_scenarios_file_run_on_shared_seeds(tmp_path):
    pd.DataFrame({"bass_q": [0.1, 0.3], "trade_elasticity": [3.0, 5.0]}).to_csv(tmp_path / "draws.csv", index=False)
    design = """
    [design]
    method = "policies"
    scenarios_file = "draws.csv"
    [design.policies]
    method = "factorial"
    parameters = ["data_openness", "risk_based_inspection"]
    levels = 2
    """
    exp = load_experiment(write(tmp_path, textwrap.dedent(design)))
    check_crossed(exp.design, 4, 2)
    from ftzsim.engine.store import load_results
    from ftzsim.engine.sweep import sweep

    sweep(exp, tmp_path / "s", workers=1, progress=False)
    res = load_results(tmp_path / "s")
    assert len(res) == 16 and {"policy_id", "scenario_id", "policy"} <= set(res.columns)
    assert res.groupby("replicate")["seed"].nunique().eq(1).all()  # every row on the same seeds
    d = exp.design.frame
    assert set(map(tuple, d[["data_openness", "risk_based_inspection"]].to_numpy())) == {(0, 0), (0, 1), (1, 0),
                                                                                          (1, 1)}  # fmt: skip


def test_policies_from_a_csv_file(tmp_path):
    pd.DataFrame({"name": ["a", "b"], "data_classification": [0.1, 0.9]}).to_csv(tmp_path / "p.csv", index=False)
    design = """
    [design]
    method = "policies"
    n = 3
    uncertainties = ["bass_q"]
    [design.policies]
    file = "p.csv"
    """
    exp = load_experiment(write(tmp_path, textwrap.dedent(design)))
    check_crossed(exp.design, 2, 3)


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        (('"bass_q", ', '"bass_q", "data_openness", '), "design.uncertainties[1]: 'data_openness' is a lever"),
        (
            ('"rule_alignment.rcep" = 0.0}', '"rule_alignment.rcep" = 0.0, bass_p = 0.01}'),
            "design.policies.rows[0].bass_p: 'bass_p' is an uncertainty",
        ),
        (("data_openness = 0.8", "data_openness = 1.8"), "design.policies.rows[1].data_openness: 1.8"),
        (("data_openness = 0.8", "data_opennes = 0.8"), "did you mean 'data_openness'"),
        (('"trade_elasticity"', '"trade_elastcity"'), "design.uncertainties[1]"),
        (("rows = [", 'file = "p.csv"\nrows = ['), "give exactly one of rows, file or method"),
        (('method = "policies"', 'method = "policies"\nparameters = ["bass_q"]'), "design.parameters"),
    ],
)
def test_bad_policies_designs_exit_2(tmp_path, capsys, patch, needle):
    text = INLINE.replace(*patch)
    assert text != INLINE
    path = write(tmp_path, text, "bad.toml")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and needle in err, err
    assert not (tmp_path / "o").exists()
