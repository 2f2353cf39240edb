"""The app's model adapter: SolaraViz's Reset and its slider values (no browser needed)."""

from __future__ import annotations

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
