"""The stored calibration of the baseline: targets hold (or misses are the documented ones)
and re-running the fit reproduces the stored numbers."""

from __future__ import annotations

import pytest

from ftzsim import load_scenario
from ftzsim.calibration import calibrate, targets
from ftzsim.scenario import bundled_scenarios

#: misses explained in docs/calibration.md (2022 shocks no mechanism of the model carries)
DOCUMENTED_MISSES = {"Hainan_total_2022"}


@pytest.fixture(scope="module")
def stored():
    cal = load_scenario("baseline").calibration
    assert cal is not None, "baseline.toml has no [calibration] table: run ftzsim calibrate"
    return cal


def test_targets_cover_the_issue_list(stored):
    names = {t["name"] for t in stored["targets"]}
    assert {"ds_total_2021", "ds_total_2022", "ds_exports_2022", "ds_imports_2022", "ecommerce_exports_2022"} <= names
    assert len([n for n in names if n.endswith("_total_2022") and not n.startswith("ds_")]) == 12
    assert {f"share_{r}_2022" for r in ("east", "central", "west", "northeast")} <= names
    assert len(targets(list(load_scenario("baseline").zones))) == len(names)


def test_stored_fit_meets_the_targets(stored):
    by = {t["name"]: t for t in stored["targets"]}
    assert abs(by["ds_total_2022"]["error"]) <= 0.02 and abs(by["ds_exports_2022"]["error"]) <= 0.02
    assert abs(by["ecommerce_exports_2022"]["error"]) <= 0.05
    for r in ("east", "central", "west", "northeast"):
        assert abs(by[f"share_{r}_2022"]["error"]) <= 2.0
    province_totals = {n for n in by if n.endswith("_total_2022") and not n.startswith("ds_")}
    misses = {n for n in province_totals if abs(by[n]["error"]) > 0.10}
    assert misses <= DOCUMENTED_MISSES, misses


def test_fitted_values_are_applied(stored):
    sc = load_scenario("baseline")
    for name, value in stored["fitted"].items():
        assert sc.uncertainties[name] == pytest.approx(value)
    # what-ifs extend the calibrated baseline
    assert load_scenario("data_corridor").uncertainties["world_demand_growth"] == pytest.approx(
        stored["fitted"]["world_demand_growth"]
    )


@pytest.mark.slow
def test_calibration_reproduces_the_stored_fit(stored):
    """Same seeds -> same numbers: re-running the stored command gives the stored fit."""
    res = calibrate(
        bundled_scenarios()["baseline"],
        master_seed=stored["master_seed"],
        replicates=stored["replicates"],
        n_firms=stored["n_firms"],
    )
    for name, value in stored["fitted"].items():
        assert res.fitted[name] == pytest.approx(value, rel=1e-7, abs=1e-9), name
    assert int(res.table["met"].sum()) == stored["targets_met"]


def test_calibration_doc_matches_the_stored_fit():
    """docs/calibration.md shows the numbers stored in baseline.toml (regenerate with
    `python -m ftzsim.calibration docs/calibration.md`)."""
    from pathlib import Path

    from ftzsim.calibration import DOC_END, DOC_START, markdown_report

    doc = (Path(__file__).resolve().parents[2] / "docs" / "calibration.md").read_text(encoding="utf-8")
    block = doc.split(DOC_START)[1].split(DOC_END)[0]
    assert block.strip() == markdown_report("baseline").strip()
