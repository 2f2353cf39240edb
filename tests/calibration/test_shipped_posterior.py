"""The posterior the package ships: consistent with its data and code, reproducible from the
shipped runs, valid out of sample, and usable from Python, the CLI and sweeps."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ftzsim import levers as L
from ftzsim.calibration import candidates, load_posterior, posterior_for
from ftzsim.calibration.posterior import weigh
from ftzsim.calibration.report import DOC_END, DOC_START, data_hash, markdown_report
from ftzsim.calibration.simulate import LEVELS
from ftzsim.calibration.targets import observations
from ftzsim.calibration.validate import validate
from ftzsim.model import FTZModel
from ftzsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def post():
    return load_posterior("baseline")


@pytest.fixture(scope="module")
def runs():
    with resources.files("ftzsim.data").joinpath("calibration_runs_baseline.parquet").open("rb") as fh:
        return pd.read_parquet(fh)


def test_posterior_is_a_weighted_ensemble_of_the_current_data_and_parameters(post):
    f = post.frame
    assert f["weight"].min() >= 0 and f["weight"].sum() == pytest.approx(1.0, abs=1e-9)
    assert post.provenance["parameters"] == candidates()
    for n in post.parameters:
        p = L.get(n)
        assert f[n].between(p.lower, p.upper).all(), n
    # recalibrate when the data change: the hash of the data the posterior was fitted to
    assert post.provenance["data_sha256"] == data_hash()
    assert post.provenance["git_revision"] and post.provenance["settings"]["master_seed"] >= 0
    assert post.ess >= 50, "too few effective members for 5-95% bands"


def test_shipped_runs_reproduce_the_shipped_posterior(post, runs):
    names = post.provenance["parameters"]
    w2 = runs[runs["wave"] == 2].drop(columns="wave").reset_index(drop=True)
    weighted = weigh(w2, observations(), names, proposal_uniform=False, seed=post.provenance["settings"]["master_seed"])
    members = weighted[weighted["weight"] > 0].reset_index(drop=True)
    np.testing.assert_allclose(members["weight"] / members["weight"].sum(), post.frame["weight"], rtol=1e-6,
                               atol=1e-12)  # fmt: skip
    for k in LEVELS:
        np.testing.assert_allclose(members[k], post.frame[k], rtol=1e-8)


@pytest.fixture(scope="module")
def validation(post, runs):
    names = post.provenance["parameters"]
    seed = post.provenance["settings"]["master_seed"]
    w1 = runs[runs["wave"] == 1].drop(columns="wave").reset_index(drop=True)
    w2 = runs[runs["wave"] == 2].drop(columns="wave").reset_index(drop=True)
    weighted = weigh(w2, observations(), names, proposal_uniform=False, seed=seed)
    return validate(w1, weighted, names, seed)


def test_leave_last_year_out_bands_cover_2022(validation):
    """Fitted to data through 2021 only, the 90% predictive band of every 2022 national figure
    contains the published value."""
    ll = validation.llyo.set_index("name")
    assert set(ll.index) == {"ds_total_2022", "ds_exports_2022", "ds_imports_2022", "ecommerce_exports_cny_2022",
                             "ecommerce_total_cny_2022"}  # fmt: skip
    assert ll["covered"].all(), ll
    # and the bands are bands, not the whole axis: the median is within 15% of every figure
    assert (ll["error"].abs() < 0.15).all(), ll


def test_province_growth_beats_the_uniform_growth_null(validation):
    """No province growth rate enters the model or the fit; the posterior's province growth
    must still be closer to the data than every province growing at the national rate."""
    s = validation.skill_full
    assert s["rmse"] < s["rmse_null"], s
    assert s["spearman"] > 0, s


def test_report_numbers_are_the_recomputed_ones(post, validation):
    summ = post.provenance["summary"]["validation"]
    assert summ["skill"]["rmse"] == pytest.approx(validation.skill_full["rmse"], rel=1e-9)
    assert [r["covered"] for r in summ["llyo"]] == validation.llyo["covered"].tolist()


def test_calibration_doc_is_generated_from_the_shipped_posterior():
    doc = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    block = doc.split(DOC_START)[1].split(DOC_END)[0]
    assert block.strip() == markdown_report().strip()


def test_scenario_point_values_are_the_posterior_means(post):
    fitted = load_scenario("baseline").calibration["fitted"]
    for k, v in post.mean().items():
        assert fitted[k] == pytest.approx(v, rel=1e-8), k  # the CSV keeps 10 significant digits
    # what-ifs that extend the baseline inherit its posterior
    assert posterior_for("data_corridor") is post


def test_posterior_draw_sets_the_member_and_overrides_still_win(post):
    k = int(np.argmax(post.frame["weight"]))
    m = FTZModel("baseline", rng=1, posterior_draw=k, n_firms=800, quarters=4, bass_q=0.5)
    draw = post.draw(k)
    for n, v in draw.items():
        if n != "bass_q":
            assert m.params[n] == pytest.approx(v, rel=1e-12), n
    assert m.params["bass_q"] == 0.5
    with pytest.raises(IndexError, match="out of range"):
        FTZModel("baseline", rng=1, posterior_draw=len(post.frame), n_firms=800, quarters=4)


def _ftzsim(*args):
    return subprocess.run([sys.executable, "-m", "ftzsim", *args], capture_output=True, text=True, timeout=600)


def test_run_with_posterior_draws_one_member_per_replicate(tmp_path, post):
    out = tmp_path / "b"
    r = _ftzsim("run", "baseline", "--posterior", "--replicates", "4", "--seed", "11", "--steps", "8",
                "--set", "n_firms=1500", "--out", str(out), "--quiet")  # fmt: skip
    assert r.returncode == 0, r.stderr
    ann = pd.read_parquet(out / "annual.parquet")
    assert len(ann) == 4 * 2 and ann.groupby("replicate")["draw"].nunique().eq(1).all()
    man = json.loads((out / "manifest.json").read_text())
    assert man["posterior"]["draws"] == ann.groupby("replicate")["draw"].first().tolist()
    assert man["posterior"]["draws"] == post.sample(4, 11).tolist()  # drawn by weight from --seed
    assert man["posterior"]["values"][0] == post.draw(man["posterior"]["draws"][0])
    assert man["uncertainty"].startswith("parameters")
    # seeds differ between replicates as well: parameter and seed uncertainty
    assert len(set(man["seeds"])) == 4


def test_posterior_for_a_scenario_without_one_is_a_clear_error(tmp_path):
    sc = tmp_path / "nopost.toml"
    sc.write_text('[scenario]\nname = "nopost"\nquarters = 4\nn_firms = 500\n', encoding="utf-8")
    r = _ftzsim("run", str(sc), "--posterior", "--replicates", "2", "--out", str(tmp_path / "c"), "--quiet")
    assert r.returncode == 2
    assert "nopost" in r.stderr and "no posterior" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "c").exists()
    # the classroom borrows the baseline's posterior (a subset of its zones)
    assert posterior_for("classroom") is load_posterior("baseline")


def test_policies_design_can_use_posterior_draws_as_scenarios(tmp_path, post):
    from ftzsim.engine.spec import load_experiment

    exp = tmp_path / "e.toml"
    exp.write_text(
        """
        [experiment]
        name = "p"
        scenario = "baseline"
        master_seed = 3
        [design]
        method = "policies"
        n = 5
        posterior = "baseline"
        [design.policies]
        rows = [{ name = "closed", data_openness = 0.1 }, { name = "open", data_openness = 0.7 }]
        [outcomes]
        names = ["final_ds_exports"]
        """.replace("\n        ", "\n"),
        encoding="utf-8",
    )
    d = load_experiment(exp).design
    assert len(d.frame) == 2 * 5
    idx = d.settings["posterior_draws"]
    assert len(idx) == 5
    for s, k in enumerate(idx):
        row = d.frame[(d.frame["scenario_id"] == s) & (d.frame["policy_id"] == 1)].iloc[0]
        assert row["bass_q"] == pytest.approx(post.draw(k)["bass_q"])
