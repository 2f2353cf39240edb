"""Behaviour the model must show, each against an outcome that could come out the other way."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from ftzsim import FTZModel
from ftzsim.model import FirmAgent, RegulatorAgent, ZoneAgent


def test_data_openness_raises_services_exports_and_incidents():
    """Common seeds, all else fixed: more openness -> more services exports (a1) on average,
    and more incidents (the security side of the stress test)."""
    lo, hi = [], []
    for seed in range(6):
        for store, v in ((lo, 0.1), (hi, 0.6)):
            m = FTZModel("baseline", rng=seed, n_firms=4000, build_firm_agents=False, data_openness=v).run()
            s = m.summary()
            store.append((s["cum_ds_exports"], s["cum_incidents"]))
    lo, hi = np.array(lo), np.array(hi)
    assert hi[:, 0].mean() > 1.05 * lo[:, 0].mean()  # size: tests/model/test_evidence_bands.py
    assert hi[:, 1].mean() > lo[:, 1].mean()
    assert (hi[:, 0] > lo[:, 0]).all()  # paired by seed (CRN): every seed agrees


def test_regulator_tightens_after_incidents_exceed_tolerance():
    """The ratchet: above tolerance allowed openness drops by tighten_factor; below it moves
    at most openness_step of the way toward the request (gradual, never a jump)."""
    m = FTZModel("classroom", rng=2, data_openness=1.0, incident_base_rate=0.02, risk_tolerance=2.0,
                 tighten_factor=0.4, openness_step=0.15)  # fmt: skip
    m.run()
    z = m.zone_frame().pivot(index="step", columns="zone")
    allowed, rate, request = z["allowed_openness"], z["incident_rate"], z["lever_data_openness"]
    tightenings = 0
    for t in range(2, m.quarters + 1):
        for zone in allowed.columns:
            prev, now = allowed.loc[t - 1, zone], allowed.loc[t, zone]
            if rate.loc[t - 1, zone] > 2.0:
                assert now <= prev * 0.6 + 1e-12
                tightenings += prev > 0
            else:
                assert now <= prev + 0.15 * (request.loc[t, zone] - prev) + 1e-9
    assert tightenings >= 3
    assert sum(r.tightenings for r in m.agents_by_type[RegulatorAgent]) >= tightenings


def test_low_incidents_let_openness_rise_gradually():
    m = FTZModel("classroom", rng=2, data_openness=1.0, incident_base_rate=0.0, openness_step=0.15).run()
    z = m.zone_frame().pivot(index="step", columns="zone")["allowed_openness"]
    steps = z.diff().iloc[1:]
    assert (steps >= -1e-12).all().all()  # never tightens without incidents
    assert z.iloc[-1].mean() > z.iloc[0].mean() + 0.2


DIFFUSION = """
[scenario]
name = "diffusion"
start = "2021Q1"
quarters = 36
n_firms = 1200
zones = ["Shanghai", "Zhejiang", "Jiangsu", "Anhui", "Fujian", "Yunnan", "Xinjiang", "Heilongjiang", "Guangxi"]

[levers]
replication_min_zones = 4
replication_lag = 6

[uncertainties]
pilot_rate = 0.5
imitation_rate = 0.5

[network]
k_nearest = 1

[[schedule]]
at = "2021Q1"
zones = ["Shanghai"]
set = { single_window = 1.0 }
"""


def test_reform_reaches_linked_zones_before_unlinked(write_scenario):
    """A reform piloted in Shanghai spreads over network ties (imitation) before it reaches
    zones without a tie (only through nationwide replication)."""
    path = write_scenario(DIFFUSION)
    linked_t, unlinked_t = [], []
    for seed in range(4):
        m = FTZModel(path, rng=seed, build_firm_agents=False).run()
        z = m.zone_frame().pivot(index="step", columns="zone")["lever_single_window"]
        first = {c: (z.index[z[c] >= 0.5][0] if (z[c] >= 0.5).any() else m.quarters + 1) for c in z.columns}
        neighbours = set(m.graph.neighbors("Shanghai"))
        others = set(m.zone_names) - neighbours - {"Shanghai"} - {"Xinjiang"}  # Xinjiang opens 2023
        assert neighbours and others
        linked_t += [first[c] for c in neighbours]
        unlinked_t += [first[c] for c in others]
    assert np.mean(linked_t) + 2 < np.mean(unlinked_t)


def test_zone_is_inactive_before_its_batch_year():
    m = FTZModel("baseline", rng=1, n_firms=3000, build_firm_agents=False).run()
    x = m.zone_frame().query("zone == 'Xinjiang'").set_index("year")
    assert (x.loc[[2021, 2022], "active"] == 0).all()
    assert (x.loc[[2023, 2030], "active"] == 1).all()
    levers = [c for c in x.columns if c.startswith("lever_")]
    assert (x.loc[[2021, 2022], levers] == 0).all().all()
    assert (x.loc[[2021, 2022], "allowed_openness"] == 0).all()
    assert x.loc[2030, levers].to_numpy().sum() > 0  # it reforms once established
    assert m.zone_agents[m.zone_names.index("Xinjiang")].active


def test_adoption_follows_an_s_curve():
    # the mechanism at the literature's Bass values (e1) and unit adoption cost; the calibrated
    # values vary over the posterior, and some members are still early on their S by 2030
    m = FTZModel("baseline", rng=3, build_firm_agents=False, bass_p=0.03, bass_q=0.38, adoption_cost=1.0).run()
    a = m.national_frame()["adoption_rate"].to_numpy()
    assert (np.diff(a) >= -1e-12).all()
    inc = np.diff(a)
    peak = int(np.argmax(inc))
    assert 0 < peak < len(inc) - 1  # growth speeds up, then slows down
    assert inc[-1] < 0.5 * inc[peak]


def test_agents_are_real_mesa_agents_and_inspectable():
    m = FTZModel("classroom", rng=1)
    assert len(m.agents_by_type[ZoneAgent]) == 7
    assert len(m.agents_by_type[RegulatorAgent]) == 8
    assert len(m.agents_by_type[FirmAgent]) == 600
    firm = m.agents_by_type[FirmAgent][0]
    assert firm.zone.name in m.zone_names and 0 <= firm.digital_level <= 1
    assert firm.sector in ("goods", "ecommerce", "digital_services")
    shanghai = m.zone_agents[0]
    assert shanghai.cell.coordinate == "Shanghai"
    assert set(n.coordinate for n in shanghai.cell.connections.values()) == set(m.graph.neighbors("Shanghai"))
    firm.digital_level = 0.9
    assert m.firms.digital_level[firm.index] == 0.9
    with pytest.raises(ValueError):
        firm.digital_level = 1.5


def test_single_firm_step_runs_the_population_rule():
    """firm.step() runs the same vectorised rule on its one slot: a firm certain to adopt
    (huge hazard) adopts, and nothing else changes."""
    m = FTZModel("classroom", rng=1, bass_p=0.08, bass_q=0.8, adoption_cost=0.2)
    m.step()
    firms = [f for f in m.agents_by_type[FirmAgent] if not f.adopted]
    others = m.firms.adopted.copy()
    target = max(firms, key=lambda f: f.size)
    m.zone_inputs().hazard[:] = 1e6
    target.step()
    assert target.adopted and target.digital_level >= 0.25
    others[target.index] = True
    np.testing.assert_array_equal(m.firms.adopted, others)


def test_mesa_batch_run_works():
    res = mesa.batch_run(FTZModel, parameters={"scenario": "classroom", "data_openness": [0.2, 0.8]},
                         rng=[1, 2], max_steps=8, display_progress=False)  # fmt: skip
    df = pd.DataFrame(res)
    assert len(df) == 4 and set(df["data_openness"]) == {0.2, 0.8}
    assert (df["Step"] == 8).all() and (df["ds_exports"] > 0).all()
    # CRN pairs: same rng, higher openness -> higher effective openness
    piv = df.pivot(index="iteration", columns="data_openness", values="mean_openness")
    assert (piv[0.8] > piv[0.2]).all()


def test_annual_frame_sums_flows_and_keeps_last_stock():
    m = FTZModel("classroom", rng=1).run()
    q, a = m.national_frame(), m.annual_frame()
    assert list(a["year"]) == [2021, 2022, 2023, 2024, 2025]
    assert a["ds_exports"].iloc[0] == pytest.approx(q["ds_exports"].iloc[:4].sum())
    assert a["adoption_rate"].iloc[0] == q["adoption_rate"].iloc[3]
    assert (a["quarters"] == 4).all()
    s = m.summary()
    assert s["final_ds_exports"] == pytest.approx(a["ds_exports"].iloc[-1])
    assert s["cum_ds_exports"] == pytest.approx(q["ds_exports"].sum())


def test_stepping_past_the_scenario_is_refused():
    m = FTZModel("classroom", rng=1, quarters=2).run()
    assert not m.running
    with pytest.raises(RuntimeError, match="2 quarters"):
        m.step()


def test_what_if_scenarios_move_their_outcomes():
    """The bundled what-ifs do what they say (common seeds, 4 replicates: single seeds of the
    data corridor range from +4% to +38%, their mean is +32% with a standard error of 1.5 pp,
    docs/experiments.md)."""
    res = {}
    for sc in ("baseline", "data_corridor"):
        runs = [FTZModel(sc, rng=s, n_firms=5000, build_firm_agents=False).run() for s in (1, 2, 3, 4)]
        res[sc] = np.mean([m.summary()["final_ds_exports"] for m in runs])
    assert res["data_corridor"] > 1.15 * res["baseline"]
    m = FTZModel("infrastructure_first", rng=1, n_firms=3000, build_firm_agents=False).run()
    b = FTZModel("baseline", rng=1, n_firms=3000, build_firm_agents=False).run()
    cov = lambda mm: mm.zone_frame().query("zone == 'Yunnan'")["coverage_5g"].iloc[-1]  # noqa: E731
    assert cov(m) > cov(b) + 0.1  # lagging zones pilot slowly (000 §2: effects arrive with a lag)


def test_digital_talent_slows_adoption_in_lagging_zones_only():
    """000 §3.2: the tiers of the seeds are the input of the talent index. A wider talent gap
    slows adoption in the lagging zones (Yunnan, Heilongjiang, Anhui) and leaves the leading
    zones' adoption hazard as it was (their first-quarter adoption is identical, same seed)."""

    def adoption(gap):
        m = FTZModel("baseline", rng=3, n_firms=6000, quarters=12, build_firm_agents=False, talent_gap=gap).run()
        z = m.zone_frame().query("step == 12").set_index("zone")["adoption_rate"]
        first = m.zone_frame().query("step == 1").set_index("zone")["adoption_rate"]
        return z, first

    wide, wide1 = adoption(0.3)
    none, none1 = adoption(1.0)
    lagging, leading = ["Yunnan", "Heilongjiang", "Anhui"], ["Fujian", "Zhejiang", "Beijing", "Hainan"]
    assert (wide[lagging] < none[lagging]).all()
    assert (wide1[leading] == none1[leading]).all()


def test_ecommerce_pilot_zones_raise_ecommerce_imports():
    """Bonded warehouses and bonded display (001): a cross-border e-commerce pilot zone cuts the
    e-commerce trade cost both ways, so e-commerce imports rise as well as exports."""
    runs = {v: FTZModel("classroom", rng=2, cbec_pilot=v).run().summary() for v in (0.0, 1.0)}
    assert runs[1.0]["final_ecommerce_imports"] > runs[0.0]["final_ecommerce_imports"]
    assert runs[1.0]["final_ecommerce_exports"] > runs[0.0]["final_ecommerce_exports"]
    assert runs[1.0]["final_goods_exports"] == runs[0.0]["final_goods_exports"]  # goods do not use the channel
