"""Interactive app (Mesa SolaraViz): sliders from the lever registry, a scenario selector, the
zone network coloured by an outcome, and national series that update as the model steps.

Run it with ``ftzsim app`` (binds to 127.0.0.1 unless told otherwise) or
``solara run ftzsim/app.py``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from ftzsim.analysis.figures import PALETTE, style, zone_map
from ftzsim.levers import REGISTRY, select
from ftzsim.model import FTZModel
from ftzsim.scenario import bundled_scenarios, load_scenario

__all__ = ["DEFAULT_SCENARIO", "SLIDERS", "AppModel", "model_params", "page"]

DEFAULT_SCENARIO = "classroom"
#: Registry entries that get a slider (``slider=True`` in the registry): every zone lever, the
#: national levers a student can reason about, and three uncertainties.
SLIDERS = tuple(select(slider=True))


class AppModel(FTZModel):
    """FTZModel as SolaraViz rebuilds it on Reset.

    Two adaptations, both about how SolaraViz passes inputs, none about the model:

    * Mesa 3.5's controller adds its own ``scenario=`` (a ``mesa.experimental.scenarios``
      object) when it re-creates a model, which would collide with ftzsim's scenario
      argument; the app therefore names the scenario ``scenario_name`` and ignores Mesa's.
    * SolaraViz passes every slider's value. A national lever value replaces the scenario's
      per-zone values (``Scenario.with_overrides``), so only sliders moved away from the
      scenario's national value are applied; the others keep the scenario as written.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng=None, scenario=None, **sliders):
        base = load_scenario(scenario_name).params()
        moved = {k: v for k, v in sliders.items() if k not in base or v != base[k]}
        super().__init__(scenario_name, rng=rng, **moved)


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict:
    """SolaraViz inputs generated from the registry; slider defaults are the scenario's values."""
    sc = load_scenario(scenario)
    values = sc.params()
    params: dict = {
        "scenario_name": {
            "type": "Select",
            "value": scenario,
            "values": list(bundled_scenarios()),
            "label": "scenario",
        },
        "rng": {"type": "SliderInt", "value": 1, "min": 0, "max": 99, "step": 1, "label": "seed"},
    }
    for name in SLIDERS:
        p = REGISTRY[name]
        span = p.upper - p.lower
        params[name] = {
            "type": "SliderInt" if p.integer else "SliderFloat",
            "value": values[name],
            "min": p.lower,
            "max": p.upper,
            "step": 1 if p.integer else round(span / 100, 6),
            "label": name,
        }
    params["build_firm_agents"] = False  # fixed: the app shows aggregates, so no firm objects
    return params


@solara.component
def ZoneNetwork(model):
    """The zone network: node size = services exports this quarter, colour = region."""
    update_counter.get()
    values = {}
    if model.steps:
        values = {z.name: z.outcomes["ds_exports"] for z in model.zone_agents}
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(5.5, 4.2), layout="constrained")
        zone_map(model.graph, values or None, ax=ax, label="services exports")
        ax.set_title(f"{model.config.name}: quarter {model.steps} of {model.quarters}")
    solara.FigureMatplotlib(fig, format="png")
    plt.close(fig)


def page(scenario: str = DEFAULT_SCENARIO):
    """The app's page: a model, its inputs and components."""
    model = AppModel(scenario, rng=1, build_firm_agents=False)
    plots = [
        make_plot_component({"ds_exports": PALETTE[0], "ecommerce_exports": PALETTE[1]}),
        make_plot_component({"adoption_rate": PALETTE[2], "mean_openness": PALETTE[3]}),
        make_plot_component({"incidents": PALETTE[3]}),
    ]
    return SolaraViz(model, components=[ZoneNetwork, *plots], model_params=model_params(scenario),
                     name="ftzsim: pilot free trade zones")  # fmt: skip


Page = page()
