"""Classroom app (Solara, with ftzsim's Mesa model): change a lever, step the quarters, and see
the effect against a reference run.

Run it with ``ftzsim app`` (binds to 127.0.0.1 unless told otherwise) or
``solara run ftzsim/app.py``.

Design choices, each for a classroom:

* **One model per browser session.** The models live in the page component's state
  (``solara.use_reactive``), never at module level: every student who opens the page gets
  their own run, at quarter 0, and nothing one student does shows up for another.
* **A step appears at once.** Stepping the classroom model takes milliseconds; redrawing
  matplotlib figures took 1-2 s. The charts are Vega-Lite (Altair) specifications with a few
  hundred numbers, drawn by the browser, so a step is on screen within about 0.2 s.
* **Two runs side by side.** The what-if (the scenario with the sliders) and a reference
  (the scenario as written, or the same scenario with every lever at its neutral value) run
  on the same seed, step by step; the "difference" chart is what-if minus reference.
  Common random numbers make that difference the policy's effect, not noise.
* **Sliders say what they are.** Labels and units come from the parameter registry, the
  lever's meaning is the slider's tooltip, and switching scenario puts every slider back to
  that scenario's values.
* **Quarter 0 is shown.** After a reset the charts show the whole period (quarter 0 to the
  last) with axes and units, the stocks (adoption, openness) at their starting values, and
  the label says no quarter has been simulated yet.
* **Honest uncertainty by default.** One pair of runs shows one future. Beside it the app
  runs a small ensemble of pairs (:data:`BAND_RUNS` what-if/reference pairs with
  :data:`BAND_FIRMS` firms each, in a background thread whenever a slider, the scenario, the
  seed or the reference changes) and draws the 5-95% band of the what-if's effect over the
  whole period. Where the scenario has a calibrated posterior, each pair runs its own
  posterior draw of the calibrated parameters and its own seed (both runs of a pair share
  them), so the band shows parameter and seed uncertainty; the student can switch to a
  seed-only band (parameters fixed at the scenario's values). The caption under the chart
  always says which it is.
"""

from __future__ import annotations

import time

import numpy as np
import solara

from ftzsim.analysis.figures import PALETTE, POSTERIOR_BAND
from ftzsim.analysis.labels import label, unit
from ftzsim.levers import REGISTRY, select
from ftzsim.model import FTZModel
from ftzsim.outcomes import NATIONAL_OUTCOMES, ZONE_OUTCOMES
from ftzsim.scenario import bundled_scenarios, load_scenario
from ftzsim.seeds import replicate_seeds

__all__ = [
    "BAND_FIRMS",
    "BAND_RUNS",
    "DEFAULT_SCENARIO",
    "REFERENCES",
    "SLIDERS",
    "UNCERTAINTY",
    "AppModel",
    "Page",
    "band_caption_text",
    "band_chart",
    "band_table",
    "build_runs",
    "ensemble_differences",
    "model_params",
    "uncertainty_modes",
]

DEFAULT_SCENARIO = "classroom"
#: Registry entries that get a slider (``slider=True`` in the registry): every zone lever, the
#: national levers a student can reason about, and three uncertainties.
SLIDERS = tuple(select(slider=True))
#: What the what-if run is compared with.
REFERENCES = {
    "written": "the scenario as written (effect of your slider changes)",
    "neutral": "no reform: every lever neutral (effect of the whole policy)",
}
#: National outcomes shown as series, per chart.
CHARTS = (("ds_exports", "ecommerce_exports"), ("adoption_rate", "mean_openness"), ("incidents",))
#: Outcomes of the difference chart (as % of the reference).
DIFFERENCES = ("ds_exports", "ecommerce_exports", "adoption_rate")
PLAY_INTERVAL = 0.3  # seconds between quarters when playing: slow enough to follow
#: What differs between the runs of the uncertainty band, per choice of the student.
UNCERTAINTY = {
    "posterior": POSTERIOR_BAND,
    "seeds": "seed only (parameters fixed at the scenario's values)",
}
#: The uncertainty ensemble: what-if/reference pairs, and firms per run. 16 pairs of 200-firm
#: classroom runs take about 2 s on one core, so the band follows a slider within seconds;
#: the band is of the effect in % of the reference, which depends little on the firm count.
BAND_RUNS, BAND_FIRMS = 16, 200


class AppModel(FTZModel):
    """FTZModel built from slider values.

    Two adaptations, both about how slider values arrive, none about the model:

    * The scenario is named ``scenario_name``; a ``scenario=`` keyword (Mesa 3.5's
      SolaraViz controller adds its own ``mesa.experimental.scenarios`` object on Reset) is
      ignored, so the class also works under Mesa's own controller.
    * Every slider's value is passed. A national lever value replaces the scenario's
      per-zone values (``Scenario.with_overrides``), so only sliders moved away from the
      scenario's national value are applied; the others keep the scenario as written.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng=None, scenario=None, posterior_draw=None,
                 **sliders):  # fmt: skip
        base = load_scenario(scenario_name).params()
        moved = {k: v for k, v in sliders.items() if k not in base or v != base[k]}
        super().__init__(scenario_name, rng=rng, posterior_draw=posterior_draw, **moved)


def slider_label(name: str) -> str:
    """A slider's label: the registry's words and unit (``data openness (0-1)``)."""
    u = unit(name)
    return f"{label(name)} ({u})" if u else label(name)


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict:
    """Inputs generated from the registry (SolaraViz format); defaults are the scenario's values."""
    values = load_scenario(scenario).params()
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
        params[name] = {
            "type": "SliderInt" if p.integer else "SliderFloat",
            "value": values[name],
            "min": p.lower,
            "max": p.upper,
            "step": 1 if p.integer else slider_step(name),
            "label": slider_label(name),
            "description": p.meaning,
        }
    params["build_firm_agents"] = False  # fixed: the app shows aggregates, so no firm objects
    return params


def slider_step(name: str) -> float:
    """A float slider's step: a hundredth of the registry range."""
    p = REGISTRY[name]
    return round((p.upper - p.lower) / 100, 6)


def is_snap(name: str, old: float, new: float) -> bool:
    """Whether ``new`` is only the browser snapping ``old`` onto the slider's grid.

    The grid runs from the registry's lower bound in :func:`slider_step` steps; a scenario
    value off that grid (``risk_tolerance`` 5.0 on a grid 0.1 + k 0.499) is moved to the
    nearest grid point when the slider is drawn, and reported back as if the student had moved
    it. Taken as a move, the what-if would differ from its reference with no slider touched.
    A real move is at least one step; a snap is under half of one.
    """
    return abs(new - old) < slider_step(name) / 2


def slider_defaults(scenario: str) -> dict[str, float]:
    values = load_scenario(scenario).params()
    return {n: values[n] for n in SLIDERS}


def build_runs(scenario: str, seed: int, values: dict, reference: str, posterior_draw: int | None = None,
               **settings) -> tuple[FTZModel, FTZModel]:  # fmt: skip
    """The what-if run (the scenario with the slider values) and its reference, on one seed.

    ``posterior_draw`` runs both on one member of the scenario's posterior (moved sliders
    still win in the what-if); ``settings`` (``n_firms``, ``quarters``) apply to both.
    """
    what_if = AppModel(scenario, rng=seed, build_firm_agents=False, posterior_draw=posterior_draw, **settings,
                       **values)  # fmt: skip
    ref_kw = {"reform": False} if reference == "neutral" else {}
    ref = FTZModel(scenario, rng=seed, build_firm_agents=False, posterior_draw=posterior_draw, **settings, **ref_kw)
    for m in (what_if, ref):
        m.quarter_zero = quarter_zero(m)  # the starting state, recorded before any step
    return what_if, ref


def quarter_text(m: FTZModel) -> str:
    if m.steps == 0:
        return f"Quarter 0 of {m.quarters}: nothing simulated yet, press Step"
    y, q = m.period_of(m.steps)
    return f"Quarter {m.steps} of {m.quarters} ({y}Q{q})"


# Charts are Vega-Lite specifications written as plain dicts: building them takes well under
# a millisecond (an Altair chart object with schema validation took 0.3 s per step), and the
# browser draws them.
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_NAT = {name: j for j, name in enumerate(NATIONAL_OUTCOMES)}


def _legend(domain: list[str], colours: list[str]) -> dict:
    return {"scale": {"domain": domain, "range": colours}, "legend": {"orient": "bottom", "title": None}}


def _quarter_x(m: FTZModel) -> dict:
    return {"field": "quarter", "type": "quantitative", "scale": {"domain": [0, m.quarters]}, "title": "quarter"}


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


def quarter_zero(m: FTZModel) -> dict[str, float]:
    """The state before the first quarter, for the outcomes that have one.

    The model records outcomes from quarter 1 on. Stocks exist at the start: the firms'
    weighted adoption share and the mean effective data openness of the active zones (as the
    recorder computes them each quarter). Flows (trade, incidents) are amounts *over* a
    quarter, so quarter 0 has none and is left out rather than drawn as a zero.
    """
    f, zp = m.firms, m.zones
    w = f.weight.sum()
    openness = zp.openness_effective()
    return {
        "adoption_rate": float((f.weight * f.adopted).sum() / w) if w > 0 else 0.0,
        "mean_openness": float(openness[zp.active].mean()) if zp.active.any() else 0.0,
    }


def series_chart(m: FTZModel, ref: FTZModel, names: tuple[str, ...]) -> dict:
    """National outcomes per quarter: the what-if solid, the reference dashed, axis 0..quarters.

    Each run's ``quarter_zero`` (taken by :func:`build_runs` before any step) is drawn at
    quarter 0 for the stocks, so a chart is never empty after a reset.
    """
    rows = []
    for run, model in (("what-if", m), ("reference", ref)):
        data = model.recorder.national
        zero = getattr(model, "quarter_zero", {})
        for name in names:
            lab, j = label(name), _NAT[name]
            if name in zero:
                rows.append({"quarter": 0, "outcome": lab, "run": run, "value": zero[name]})
            rows += [
                {"quarter": t + 1, "outcome": lab, "run": run, "value": float(data[t, j])} for t in range(model.steps)
            ]
    labels = [label(n) for n in names]
    return {
        "$schema": _SCHEMA,
        "width": 360,
        "height": 180,
        "title": _title(" and ".join(labels)),
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": _quarter_x(m),
            "y": {"field": "value", "type": "quantitative", "title": ", ".join(sorted({unit(n) for n in names}))},
            "color": {"field": "outcome", "type": "nominal", **_legend(labels, PALETTE[: len(names)])},
            "strokeDash": {
                "field": "run",
                "type": "nominal",
                "scale": {"domain": ["what-if", "reference"], "range": [[1, 0], [4, 3]]},
                "legend": {"orient": "bottom", "title": None},
            },
            "tooltip": [
                {"field": f, "type": t}
                for f, t in (
                    ("quarter", "quantitative"),
                    ("outcome", "nominal"),
                    ("run", "nominal"),
                    ("value", "quantitative"),
                )
            ],
        },
    }


def differences(m: FTZModel, ref: FTZModel) -> np.ndarray:
    """What-if minus reference in % of the reference, (quarters so far) x :data:`DIFFERENCES`."""
    n = min(m.steps, ref.steps)
    idx = [_NAT[o] for o in DIFFERENCES]
    a, b = m.recorder.national[:n, idx], ref.recorder.national[:n, idx]
    return np.divide(100 * (a - b), np.abs(b), out=np.zeros_like(a), where=np.abs(b) > 1e-12)


def difference_chart(m: FTZModel, ref: FTZModel) -> dict:
    """What-if minus reference, in % of the reference, per quarter, with a zero line."""
    pct = differences(m, ref)
    labels = [label(o) for o in DIFFERENCES]
    rows = [{"quarter": t + 1, "outcome": lab, "difference": float(pct[t, k])}
            for t in range(len(pct)) for k, lab in enumerate(labels)]  # fmt: skip
    return {
        "$schema": _SCHEMA,
        "width": 360,
        "height": 180,
        "title": "Difference from the reference run",
        "layer": [
            {"data": {"values": [{"y": 0.0}]}, "mark": {"type": "rule", "color": "#555"},
             "encoding": {"y": {"field": "y", "type": "quantitative"}}},
            {"data": {"values": rows}, "mark": {"type": "line", "point": True},
             "encoding": {"x": _quarter_x(m),
                          "y": {"field": "difference", "type": "quantitative",
                                "title": "what-if minus reference (% of reference)"},
                          "color": {"field": "outcome", "type": "nominal", **_legend(labels, PALETTE[: len(labels)])},
                          "tooltip": [{"field": "quarter", "type": "quantitative"},
                                      {"field": "outcome", "type": "nominal"},
                                      {"field": "difference", "type": "quantitative", "format": "+.2f"}]}},
        ],
    }  # fmt: skip


def uncertainty_modes(scenario: str) -> list[str]:
    """The bands a scenario offers: ``posterior`` first (the default) when it has a calibrated
    posterior, and always ``seeds``."""
    from ftzsim.calibration import posterior_for

    try:
        posterior_for(scenario)
    except (ValueError, FileNotFoundError):
        return ["seeds"]
    return ["posterior", "seeds"]


def ensemble_differences(scenario: str, seed: int, values: dict, reference: str, mode: str,
                         n: int = BAND_RUNS, n_firms: int = BAND_FIRMS, keep_going=None) -> np.ndarray:  # fmt: skip
    """What-if minus reference in % of the reference over ``n`` pairs of whole runs:
    (pairs) x (quarters) x :data:`DIFFERENCES`.

    Pair ``i`` runs on seed ``replicate_seeds(seed, n)[i]`` and, with ``mode="posterior"``,
    on member ``posterior_for(scenario).sample(n, seed)[i]``; both runs of a pair share seed
    and member (common random numbers), so an unmoved slider gives a band of exactly zero.
    ``keep_going()`` returning False stops early (a newer slider value wants the thread):
    the result then has fewer pairs.
    """
    if mode not in UNCERTAINTY:
        raise ValueError(f"uncertainty mode {mode!r}: allowed: {', '.join(UNCERTAINTY)}")
    seeds = replicate_seeds(seed, n)
    if mode == "posterior":
        from ftzsim.calibration import posterior_for

        draws = [int(k) for k in posterior_for(scenario).sample(n, seed)]
    else:
        draws = [None] * n
    out = []
    for s, k in zip(seeds, draws, strict=True):
        if keep_going is not None and not keep_going():
            break
        m, ref = build_runs(scenario, s, values, reference, posterior_draw=k, n_firms=n_firms)
        m.run()
        ref.run()
        out.append(differences(m, ref))
    return np.array(out)


def band_table(diffs: np.ndarray) -> list[dict]:
    """Per quarter and outcome of :data:`DIFFERENCES`: the 5%, 50% and 95% quantiles over the
    ensemble's pairs (the rows the band chart draws)."""
    q = np.quantile(diffs, [0.05, 0.5, 0.95], axis=0)  # 3 x quarters x outcomes
    return [{"quarter": t + 1, "outcome": label(o), "p05": float(q[0, t, k]), "median": float(q[1, t, k]),
             "p95": float(q[2, t, k])} for t in range(diffs.shape[1]) for k, o in enumerate(DIFFERENCES)]  # fmt: skip


def band_caption_text(mode: str, n: int, zero: bool = False) -> str:
    """The band chart's caption: what the band is and what varies between its runs (and, when
    every pair gave exactly zero, that the what-if is its reference)."""
    text = f"Line: median; band: 5-95% of {n} what-if/reference pairs. Band: {UNCERTAINTY[mode]}."
    return text + (" Every pair differs by exactly zero: the what-if is its reference." if zero else "")


def band_chart(rows: list[dict], quarters: int, title: str = "Effect of the what-if: uncertainty band") -> dict:
    """The ensemble's effect per quarter: median line and 5-95% band per outcome, zero line."""
    labels = [label(o) for o in DIFFERENCES]
    x = {"field": "quarter", "type": "quantitative", "scale": {"domain": [0, quarters]}, "title": "quarter"}
    colour = {"field": "outcome", "type": "nominal", **_legend(labels, PALETTE[: len(labels)])}
    return {
        "$schema": _SCHEMA,
        "width": 360,
        "height": 180,
        "title": title,
        "layer": [
            {"data": {"values": [{"y": 0.0}]}, "mark": {"type": "rule", "color": "#555"},
             "encoding": {"y": {"field": "y", "type": "quantitative"}}},
            {"data": {"values": rows}, "mark": {"type": "area", "opacity": 0.25},
             "encoding": {"x": x, "y": {"field": "p05", "type": "quantitative", "stack": None,
                                        "title": "what-if minus reference (% of reference)"},
                          "y2": {"field": "p95"}, "color": colour}},
            {"data": {"values": rows}, "mark": {"type": "line"},
             "encoding": {"x": x, "y": {"field": "median", "type": "quantitative"}, "color": colour,
                          "tooltip": [{"field": "quarter", "type": "quantitative"},
                                      {"field": "outcome", "type": "nominal"},
                                      {"field": "p05", "type": "quantitative", "format": "+.2f"},
                                      {"field": "median", "type": "quantitative", "format": "+.2f"},
                                      {"field": "p95", "type": "quantitative", "format": "+.2f"}]}},
        ],
    }  # fmt: skip


def network_chart(m: FTZModel) -> dict:
    """Zones at their longitude/latitude, ties as lines, circle area = services exports this quarter."""
    g = m.graph
    j = list(ZONE_OUTCOMES).index("ds_exports")
    now = m.recorder.zones[m.steps - 1, :, j] if m.steps else np.zeros(len(m.zone_names))
    nodes = [{"zone": z, "lon": g.nodes[z]["lon"], "lat": g.nodes[z]["lat"], "region": g.nodes[z]["region"],
              "ds_exports": float(v)} for z, v in zip(m.zone_names, now, strict=True)]  # fmt: skip
    ties = [{"lon": g.nodes[a]["lon"], "lat": g.nodes[a]["lat"], "lon2": g.nodes[b]["lon"], "lat2": g.nodes[b]["lat"],
             "weight": d["weight"]} for a, b, d in g.edges(data=True)]  # fmt: skip
    lons, lats = [n["lon"] for n in nodes], [n["lat"] for n in nodes]
    x = {"field": "lon", "type": "quantitative", "scale": {"domain": [min(lons) - 2, max(lons) + 2]},
         "title": "longitude (°E)"}  # fmt: skip
    y = {"field": "lat", "type": "quantitative", "scale": {"domain": [min(lats) - 2, max(lats) + 2]},
         "title": "latitude (°N)"}  # fmt: skip
    regions = ["east", "central", "west", "northeast"]
    return {
        "$schema": _SCHEMA,
        "width": 360,
        "height": 300,
        "title": "Zones and their ties (circle area: services exports this quarter)",
        "layer": [
            {"data": {"values": ties}, "mark": {"type": "rule", "color": "#999"},
             "encoding": {"x": x, "y": y, "x2": {"field": "lon2"}, "y2": {"field": "lat2"},
                          "strokeWidth": {"field": "weight", "type": "quantitative", "legend": None}}},
            {"data": {"values": nodes}, "mark": {"type": "circle", "opacity": 0.85, "stroke": "white"},
             "encoding": {"x": x, "y": y,
                          "size": {"field": "ds_exports", "type": "quantitative",
                                   "scale": {"range": [30, 900], "zero": True},
                                   "title": f"{label('ds_exports')} ({unit('ds_exports')})"},
                          "color": {"field": "region", "type": "nominal", **_legend(regions, PALETTE[:4])},
                          "tooltip": [{"field": "zone", "type": "nominal"}, {"field": "region", "type": "nominal"},
                                      {"field": "ds_exports", "type": "quantitative", "format": ",.2f"}]}},
            {"data": {"values": nodes}, "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 10},
             "encoding": {"x": x, "y": y, "text": {"field": "zone", "type": "nominal"}}},
        ],
    }  # fmt: skip


@solara.component
def Chart(spec: dict):
    """A Vega-Lite chart drawn by the browser."""
    return solara.widgets.VegaLite.element(spec=spec, listen_to_click=False, listen_to_hover=False)


@solara.component
def LeverSlider(name: str, value: float, on_value):
    """One registry slider: label and unit from the registry, the lever's meaning as tooltip."""
    p = REGISTRY[name]
    with solara.Tooltip(p.meaning):
        with solara.Column(gap="0px", classes=["ftz-lever"]):
            shown = f"{int(value)}" if p.integer else f"{value:.3g}"
            solara.Text(f"{slider_label(name)}: {shown}", style={"font-size": "0.85em", "color": "#444"})
            if p.integer:
                solara.SliderInt("", value=int(value), min=int(p.lower), max=int(p.upper), on_value=on_value)
            else:

                def moved(v):  # the browser snapping a value onto the grid is not a move
                    if not is_snap(name, value, v):
                        on_value(v)

                solara.SliderFloat("", value=float(value), min=p.lower, max=p.upper, step=slider_step(name),
                                   on_value=moved)  # fmt: skip


@solara.component
def Page():
    """The app's page. All state is this component's: one pair of runs per browser session."""
    scenario = solara.use_reactive(DEFAULT_SCENARIO)
    seed = solara.use_reactive(1)
    values = solara.use_reactive(solara.use_memo(lambda: slider_defaults(DEFAULT_SCENARIO), []))
    reference = solara.use_reactive("written")
    first = solara.use_memo(lambda: build_runs(DEFAULT_SCENARIO, 1, values.value, "written"), [])
    runs = solara.use_reactive(first)
    tick = solara.use_reactive(0)  # bumped after every step: re-renders the charts
    playing = solara.use_reactive(False)
    modes = uncertainty_modes(scenario.value)
    uncertainty = solara.use_reactive(modes[0])  # parameters and seeds where a posterior exists
    mode = uncertainty.value if uncertainty.value in modes else modes[0]

    settings = (scenario.value, seed.value, values.value, reference.value, mode)

    def band_runs():
        """The uncertainty ensemble, in a thread; stops early when a newer setting replaces it."""

        def keep_going():
            try:
                return band_task.is_current()
            except NameError:  # the task object is not bound yet: this is the current run
                return True

        return settings[-1], ensemble_differences(*settings, keep_going=keep_going)

    band_task = solara.lab.use_task(band_runs, dependencies=list(settings), prefer_threaded=True)

    def rebuild(scen=None, sd=None, vals=None, ref=None):
        playing.set(False)
        runs.set(build_runs(scen or scenario.value, seed.value if sd is None else sd, vals or values.value,
                            ref or reference.value))  # fmt: skip
        tick.set(tick.value + 1)

    def step_once() -> bool:
        m, r = runs.value
        if m.steps >= m.quarters:
            return False
        m.step()
        r.step()
        tick.set(tick.value + 1)
        return True

    def play_loop():
        while playing.value:
            t0 = time.perf_counter()
            if not step_once():
                playing.set(False)
                return
            time.sleep(max(0.0, PLAY_INTERVAL - (time.perf_counter() - t0)))

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def on_scenario(name):
        scenario.set(name)
        fresh = slider_defaults(name)  # sliders go back to the new scenario's own values
        values.set(fresh)
        rebuild(scen=name, vals=fresh)

    def on_lever(name):
        def set_(v):
            new = {**values.value, name: v}
            values.set(new)
            rebuild(vals=new)

        return set_

    solara.Title("ftzsim classroom")
    with solara.AppBar():
        solara.AppBarTitle("ftzsim: pilot free trade zones")
    with solara.Sidebar():
        with solara.Card("Run"):
            with solara.Row():
                solara.Button("Step", color="primary", on_click=step_once)
                solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value))
                solara.Button("Reset", on_click=lambda: rebuild())
            solara.Select("scenario", value=scenario.value, values=list(bundled_scenarios()), on_value=on_scenario)
            solara.SliderInt("seed", value=seed.value, min=0, max=99,
                             on_value=lambda v: (seed.set(v), rebuild(sd=v)))  # fmt: skip
            solara.Select("compare with", value=reference.value, values=list(REFERENCES),
                          on_value=lambda v: (reference.set(v), rebuild(ref=v)))  # fmt: skip
            solara.Text(REFERENCES[reference.value], style={"font-size": "0.8em"})
            solara.Select("uncertainty band", value=mode, values=modes, on_value=uncertainty.set)
            solara.Text(f"band varies: {UNCERTAINTY[mode]}", style={"font-size": "0.8em", "display": "block"})
            solara.Text("Changing a lever, the scenario or the seed starts again at quarter 0.",
                        style={"font-size": "0.8em"})  # fmt: skip
        with solara.Card("Levers and uncertainties"):
            for name in SLIDERS:
                LeverSlider(name, values.value[name], on_lever(name)).key(f"{scenario.value}-{name}")
    RunView(runs, tick)
    BandView(band_task, runs.value[0].quarters)


@solara.component
def BandView(task, quarters: int):
    """The uncertainty band of the what-if's effect, with its caption (what varies)."""
    done = task.value if task.finished else None
    shown = done if done is not None and len(done[1]) else None
    if shown is None and task.pending:  # while a new band runs, the last one stays, marked as updating
        shown = task.latest if task.latest is not None and len(task.latest[1]) else None
    with solara.Column():
        if task.error:
            solara.Error(f"the uncertainty band failed: {task.exception}")
        elif shown is not None:
            mode, diffs = shown
            Chart(band_chart(band_table(diffs), quarters))
            solara.Text(band_caption_text(mode, len(diffs), zero=not np.any(diffs)),
                        classes=["ftz-band-caption"] if done is not None else ["ftz-band-stale"],
                        style={"font-size": "0.85em", "color": "#333" if done is not None else "#999"})  # fmt: skip
        if task.pending:
            solara.Text(f"computing the uncertainty band over {BAND_RUNS} pairs of runs ...",
                        classes=["ftz-band-pending"], style={"font-size": "0.85em"})  # fmt: skip


@solara.component
def RunView(runs, tick):
    """The quarter label and the charts. Only this component reads ``tick``, so a step
    re-renders these and not the sidebar's controls (which is what keeps a step fast)."""
    _ = tick.value
    m, r = runs.value
    with solara.Column():
        solara.Text(f"{m.config.name}: {quarter_text(m)}", classes=["ftz-quarter"],
                    style={"font-size": "1.3em", "font-weight": "500", "margin": "8px 0"})  # fmt: skip
        with solara.GridFixed(columns=2):
            Chart(network_chart(m))
            Chart(difference_chart(m, r))
            for names in CHARTS:
                Chart(series_chart(m, r, names))


def page(scenario: str = DEFAULT_SCENARIO):
    """The page component (kept for ``solara run`` scripts that call ``page()``)."""
    return Page()
