"""The experiment scripts run end to end at their --smoke size (examples are tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def run_script(name: str, out: Path) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, str(ROOT / "experiments" / f"{name}.py"), "--smoke", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_sobol_digital_smoke(tmp_path):
    out = tmp_path / "sobol"
    run_script("sobol_digital", out)
    summary = json.loads((out / "sensitivity" / "summary.json").read_text())
    assert set(summary) == {"final_ds_exports", "final_ecommerce_exports", "final_adoption_rate", "cum_incidents"}
    idx = pd.read_csv(out / "sensitivity" / "final_adoption_rate_sobol.csv")
    assert {"parameter", "index", "value", "conf", "method"} <= set(idx.columns)
    assert len(idx.query("index == 'S1'")) == 10 and np.isfinite(idx["value"]).all()
    # adoption is driven by the diffusion parameter, not by trade elasticities
    st = idx.query("index == 'ST'").set_index("parameter")["value"]
    assert st["bass_q"] > st["trade_elasticity"]
    for v in summary.values():
        assert 0 <= v["noise_share"] <= 1


def test_morris_screening_smoke(tmp_path):
    out = tmp_path / "morris"
    run_script("morris_screening", out)
    table = pd.read_csv(out / "sensitivity" / "morris.csv")
    from ftzsim.levers import REGISTRY

    mu = table.query("index == 'mu_star' and outcome == 'final_adoption_rate'").set_index("parameter")["value"]
    assert set(mu.index) == set(REGISTRY)  # every registry parameter screened
    # adoption cannot depend on the trade block's distance elasticity, but does on Bass q
    assert mu["bass_q"] > 10 * mu["distance_elasticity"]


def test_scenario_comparison_smoke(tmp_path):
    out = tmp_path / "cmp"
    run_script("scenario_comparison", out)
    diffs = pd.read_csv(out / "comparison.csv")
    assert set(diffs["scenario"]) == {"data_corridor", "infrastructure_first"}
    assert (diffs["low"] <= diffs["diff"]).all() and (diffs["diff"] <= diffs["high"]).all()
    corridor = diffs.query("scenario == 'data_corridor' and outcome == 'final_ds_exports'").iloc[0]
    assert corridor["diff"] > 0  # opening data flows in the leading zones raises services exports
    assert (out / "scenarios_series.png").exists() and (out / "scenarios_difference.png").exists()


def test_headline_spec_is_the_issue_5_size():
    """10 parameters, N = 1024 with second order, 3 replicates: 67,584 runs of the baseline."""
    from ftzsim.engine.spec import load_experiment

    exp = load_experiment(ROOT / "experiments" / "headline_sobol.toml")
    assert len(exp.design.parameters) == 10 and exp.design.settings["n"] == 1024
    assert len(exp.design.frame) * exp.replicates == 67_584 and exp.scenario == "baseline"


def test_negative_list_brief_smoke(tmp_path):
    """The research loop end to end: paired runs, the effect with both bands, its sensitivity."""
    out = tmp_path / "brief"
    run_script("negative_list_brief", out)
    summary = json.loads((out / "brief" / "summary.json").read_text())
    for o in ("pct:final_ds_exports", "pct:cum_incidents"):
        b = summary["effects"][o]
        assert b["uncertainty_low"] <= b["median"] <= b["uncertainty_high"]
        assert 0.0 <= b["noise_share"] <= 1.0
        assert len(summary["top_drivers"][o]) == 3
    assert summary["effects"]["pct:final_ds_exports"]["median"] >= 0  # listing data cannot lower exports
    assert (out / "brief" / "brief.png").stat().st_size > 10_000 and (out / "brief" / "brief.pdf").exists()
    st = pd.read_csv(out / "brief" / "sobol_pct-final_ds_exports.csv")
    assert len(st.query("index == 'ST'")) == 8


def test_convergence_study_smoke(tmp_path):
    out = tmp_path / "conv"
    script = ROOT / "experiments" / "convergence_firms.py"
    r = subprocess.run([sys.executable, str(script), "--smoke", "--out", str(out)], capture_output=True, text=True,
                       timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    table = pd.read_csv(out / "convergence.csv")
    assert list(table["n_firms"]) == [500, 1000, 2000]
    assert table["effect_final_ds_exports_dev_pp"].iloc[-1] == 0  # the largest size is the reference
    assert (out / "convergence.png").exists()
