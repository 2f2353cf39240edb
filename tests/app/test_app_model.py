"""The app's model adapter: SolaraViz's Reset and its slider values (no browser needed)."""

from __future__ import annotations

import numpy as np
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from ftzsim.analysis.labels import label
from ftzsim.app import AppModel, differences, model_params
from ftzsim.levers import REGISTRY


def slider_values(params: dict) -> dict:
    return {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}


def test_reset_with_mesas_scenario_keyword_rebuilds_the_model():
    """Mesa 3.5's Reset passes scenario=<mesa Scenario> and every slider value."""
    values = slider_values(model_params("classroom"))
    m = AppModel(**values, scenario=MesaScenario())
    assert m.config.name == "classroom" and m.run().steps == m.quarters


def test_unmoved_sliders_keep_the_scenarios_zone_values():
    values = slider_values(model_params("classroom"))
    m = AppModel(**values)
    z = m.zone_names.index("Zhejiang")
    assert m.zone_agents[z].targets["data_openness"] == 0.25  # classroom's [zone.Zhejiang]
    moved = AppModel(**{**values, "data_openness": 0.9})
    assert min(z.targets["data_openness"] for z in moved.zone_agents) == 0.9  # a moved slider applies
    assert set(model_params()) - {"scenario_name", "rng", "build_firm_agents"} <= set(REGISTRY)


def test_reference_run_on_the_same_seed_shows_only_the_policys_effect():
    """Common random numbers: the scenario as written against itself differs by exactly zero;
    moving a slider gives a difference; the no-reform reference differs from the written one."""
    from ftzsim.app import build_runs, differences, slider_defaults

    vals = slider_defaults("classroom")
    m, ref = build_runs("classroom", 3, vals, "written")
    for _ in range(6):
        m.step()
        ref.step()
    assert np.all(differences(m, ref) == 0.0)
    m, ref = build_runs("classroom", 3, {**vals, "data_openness": 0.9}, "written")
    for _ in range(6):
        m.step()
        ref.step()
    d = differences(m, ref)
    assert d.shape == (6, 3) and np.abs(d).max() > 0.1
    m, ref = build_runs("classroom", 3, vals, "neutral")
    assert ref.reform is False and m.reform is True


def test_sliders_carry_registry_labels_units_and_meanings():
    from ftzsim.analysis.labels import label, unit
    from ftzsim.app import SLIDERS, slider_label

    params = model_params("classroom")
    for name in SLIDERS:
        assert params[name]["label"] == slider_label(name) == f"{label(name)} ({unit(name)})"
        assert params[name]["description"] == REGISTRY[name].meaning
    assert slider_label("data_openness") != "data_openness"


def test_charts_start_at_quarter_zero_and_hold_the_runs_numbers():
    import pytest

    from ftzsim.analysis.labels import label
    from ftzsim.app import build_runs, series_chart, slider_defaults

    m, ref = build_runs("classroom", 1, slider_defaults("classroom"), "written")
    spec = series_chart(m, ref, ("ds_exports",))
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, m.quarters]  # the whole period, even at quarter 0
    assert spec["data"]["values"] == []  # a flow has no quarter-0 value: nothing drawn rather than a false zero
    stocks = series_chart(m, ref, ("adoption_rate", "mean_openness"))["data"]["values"]
    assert {(v["quarter"], v["run"]) for v in stocks} == {(0, "what-if"), (0, "reference")}  # step 0 recorded
    f = m.firms
    adopted = next(v["value"] for v in stocks if v["run"] == "what-if" and v["outcome"] == label("adoption_rate"))
    assert adopted == pytest.approx((f.weight * f.adopted).sum() / f.weight.sum())
    m.step()
    ref.step()
    m.step()
    ref.step()
    rows = [r for r in series_chart(m, ref, ("ds_exports",))["data"]["values"] if r["run"] == "what-if"]
    assert [r["value"] for r in rows] == m.national_frame()["ds_exports"].tolist()
    later = series_chart(m, ref, ("adoption_rate",))["data"]["values"]
    assert [r["quarter"] for r in later if r["run"] == "what-if"] == [0, 1, 2]


def test_uncertainty_band_pairs_share_posterior_draw_and_seed():
    """The band's pairs: pair i is the what-if and its reference on posterior member
    ``sample(n, seed)[i]`` and seed ``replicate_seeds(seed, n)[i]`` (checked against runs built
    by hand); an unmoved slider gives a band of exactly zero; seed-only pairs differ from
    posterior pairs; the caption names what varies."""
    from ftzsim.app import (
        band_caption_text,
        band_table,
        build_runs,
        ensemble_differences,
        slider_defaults,
        uncertainty_modes,
    )
    from ftzsim.calibration import posterior_for
    from ftzsim.seeds import replicate_seeds

    assert uncertainty_modes("classroom") == ["posterior", "seeds"]  # on by default where a posterior exists
    vals = {**slider_defaults("classroom"), "data_openness": 0.9}
    small = {"n": 3, "n_firms": 100}
    post = ensemble_differences("classroom", 5, vals, "written", "posterior", **small)
    assert post.shape == (3, 20, 3)
    k, s = int(posterior_for("classroom").sample(3, 5)[1]), replicate_seeds(5, 3)[1]
    m, ref = build_runs("classroom", s, vals, "written", posterior_draw=k, n_firms=100)
    assert m.posterior_draw == ref.posterior_draw == k
    assert np.array_equal(post[1], differences(m.run(), ref.run()))
    seeds_only = ensemble_differences("classroom", 5, vals, "written", "seeds", **small)
    assert not np.array_equal(post, seeds_only)  # the parameters differ between the two kinds of band
    m0, ref0 = build_runs("classroom", s, vals, "written", n_firms=100)
    assert np.array_equal(seeds_only[1], differences(m0.run(), ref0.run()))
    unmoved = ensemble_differences("classroom", 5, slider_defaults("classroom"), "written", "posterior", **small)
    assert np.all(unmoved == 0.0)
    rows = band_table(post)
    ds = next(r for r in rows if r["quarter"] == 20 and r["outcome"] == label("ds_exports"))
    assert ds["p05"] == pytest.approx(np.quantile(post[:, 19, 0], 0.05))
    assert ds["p95"] == pytest.approx(np.quantile(post[:, 19, 0], 0.95)) and ds["p05"] <= ds["median"] <= ds["p95"]
    assert "calibrated parameters (posterior draws) and seeds" in band_caption_text("posterior", 3)
    assert "seed only" in band_caption_text("seeds", 3)
    with pytest.raises(ValueError, match="allowed: posterior, seeds"):
        ensemble_differences("classroom", 5, vals, "written", "both", **small)


def test_a_slider_snapping_onto_its_grid_is_not_a_move():
    """classroom's risk_tolerance 5.0 is off its slider's grid (0.1 + k 0.499): the browser
    reports 5.09 when it draws the slider, which must not count as the student's move; one
    step either way does."""
    from ftzsim.app import is_snap, slider_defaults, slider_step

    v, step = slider_defaults("classroom")["risk_tolerance"], slider_step("risk_tolerance")
    assert v == 5.0 and step == pytest.approx(0.499)
    assert is_snap("risk_tolerance", v, 5.09)
    assert not is_snap("risk_tolerance", v, 5.589) and not is_snap("risk_tolerance", v, 4.591)
    assert not is_snap("data_openness", 0.1, 0.11)  # one step of a 0-1 lever


def test_a_scenario_without_posterior_offers_a_seed_only_band(tmp_path):
    """Parameter uncertainty is the default only where a posterior exists: a scenario written
    from scratch has none and its band is seed only (labelled so); one that extends a calibrated
    scenario inherits the posterior."""
    from ftzsim.app import band_caption_text, ensemble_differences, uncertainty_modes

    own = tmp_path / "own.toml"
    own.write_text('[scenario]\nname = "own"\nstart = "2021Q1"\nquarters = 4\nn_firms = 100\n'
                   'zones = ["Guangdong", "Hainan"]\n')  # fmt: skip
    assert uncertainty_modes(str(own)) == ["seeds"]
    with pytest.raises(ValueError, match="has no posterior"):
        ensemble_differences(str(own), 1, {}, "written", "posterior", n=2, n_firms=50)
    d = ensemble_differences(str(own), 1, {"data_openness": 0.9}, "written", "seeds", n=2, n_firms=50)
    assert d.shape == (2, 4, 3) and np.abs(d).max() > 0
    assert band_caption_text("seeds", 2).endswith("Band: seed only (parameters fixed at the scenario's values).")
    child = tmp_path / "child.toml"
    child.write_text('[scenario]\nname = "child"\nextends = "classroom"\n')
    assert uncertainty_modes(str(child)) == ["posterior", "seeds"]
