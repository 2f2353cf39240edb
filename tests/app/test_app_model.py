"""The app's model adapter: SolaraViz's Reset and its slider values (no browser needed)."""

from __future__ import annotations

import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from ftzsim.app import AppModel, model_params
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
