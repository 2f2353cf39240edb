"""Every lever's default effect lies inside the band its evidence supports (ftzsim.evidence).

The effect of a lever is measured as the card measures it: the lever at its upper bound
against its lower bound, in every zone, on the baseline, everything else at the scenario's
values, on shared seeds; relative change of a final-year (2030) or cumulative outcome.
Bands are derived from the registry in ``ftzsim/evidence.py`` (arithmetic in its docstring and
in docs/levers.md); where the mechanism has a closed form at the defaults the model must also
come close to it, which checks the mechanism, not only the band.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from ftzsim import FTZModel
from ftzsim import levers as L
from ftzsim.evidence import bands, facilitation_effect

SEEDS = (11, 12)
N_FIRMS = 8000


@functools.cache
def _summary(overrides: tuple) -> dict[str, float]:
    runs = [
        FTZModel("baseline", rng=s, n_firms=N_FIRMS, build_firm_agents=False, **dict(overrides)).run().summary()
        for s in SEEDS
    ]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def effect(lever: str, outcome: str, **fixed) -> float:
    """Percent effect of ``lever`` from its lower to its upper bound (both 0 -> 0)."""
    p = L.get(lever)
    cast = int if p.integer else float
    lo = _summary(tuple(sorted({**fixed, lever: cast(p.lower)}.items())))[outcome]
    hi = _summary(tuple(sorted({**fixed, lever: cast(p.upper)}.items())))[outcome]
    if lo == 0:
        return 0.0 if hi == 0 else np.inf * np.sign(hi)
    return 100.0 * (hi / lo - 1.0)


def test_every_lever_has_a_band():
    levers = {b.lever for b in bands()}
    assert levers == {p.name for p in L.REGISTRY.values() if p.is_lever}


@pytest.mark.parametrize("band", bands(), ids=lambda b: f"{b.lever}-{b.outcome}")
def test_default_effect_inside_its_band(band):
    value = effect(band.lever, band.outcome)
    where = f"{band.lever} on {band.outcome}: {value:+.1f}%"
    assert band.contains(value), f"{where} outside [{band.low:+.1f}, {band.high:+.1f}]"


@pytest.mark.parametrize("band", [b for b in bands() if b.expected is not None], ids=lambda b: b.lever)
def test_default_effect_close_to_its_closed_form(band):
    """Where the mechanism has a closed form at the defaults, the model is within 30% of it
    (relative): the rest is the regulator, replication timing and the finite firm sample."""
    value = effect(band.lever, band.outcome)
    assert value == pytest.approx(band.expected, rel=0.30), band.arithmetic


def test_single_window_matches_the_ave_arithmetic_closely():
    """The facilitation mechanism exactly: goods exports move by the AVE formula (2%)."""
    p = {n: L.get(n).default for n in ("trade_cost_ave", "single_window_cost_cut", "trade_elasticity")}
    expected = facilitation_effect(p["trade_cost_ave"], p["single_window_cost_cut"], p["trade_elasticity"])
    assert effect("single_window", "final_goods_exports") == pytest.approx(expected, rel=0.05)


def test_openness_effect_without_the_regulator_is_the_gravity_arithmetic():
    """With a regulator that never tightens and no trust penalty, the effect of full openness on
    services exports is exp(b x 0.44 x Δ openness) - 1 with the openness change the run shows."""
    fixed = {"risk_tolerance": 50.0, "trust_penalty": 0.0}
    lo = _summary(tuple(sorted({**fixed, "data_openness": 0.0}.items())))
    hi = _summary(tuple(sorted({**fixed, "data_openness": 1.0}.items())))
    d_open = hi["final_mean_openness"] - lo["final_mean_openness"]
    assert d_open > 0.5  # the request is granted: replication makes it national by 2030
    b = L.get("dstri_semi_elasticity").default
    expected = 100 * (np.exp(b * 0.44 * d_open) - 1)
    got = 100 * (hi["final_ds_exports"] / lo["final_ds_exports"] - 1)
    assert got == pytest.approx(expected, rel=0.25)


def test_alignment_effects_follow_the_blocs_shares_not_a_top_ten_list():
    """RCEP carries 23.3% of China's services exports, the EU 13.7% (partner_blocs_2022.csv):
    full alignment with RCEP must do more than with the EU (the old top-ten weights made the
    EU 7x RCEP)."""
    rcep = effect("rule_alignment.rcep", "final_ds_exports")
    eu = effect("rule_alignment.eu", "final_ds_exports")
    assert rcep > 1.3 * eu > 0
