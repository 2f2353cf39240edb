"""One channel per documented mechanism: switch a lever's channels off and its effect vanishes.

Each lever's registry entry names, in its ``channel`` text, the registered parameters that carry
its effect (docs/levers.md shows the same text). Setting exactly those parameters to zero must
leave the lever without any effect on trade, adoption and incidents: bit for bit, on common
random numbers. A lever that still moved an outcome would be acting through a channel nobody
documented — as the single window once did through the incident-rate denominator.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from ftzsim import FTZModel
from ftzsim import levers as L

OUTCOMES = ["ds_exports", "ds_imports", "ecommerce_exports", "goods_exports", "adoption_rate", "incidents"]
#: levers whose channel is a rule rather than a parameter (replication); tested below
RULE_LEVERS = {"replication_min_zones", "replication_lag"}


def channel_parameters(lever: str) -> list[str]:
    """Registered parameters named in the lever's channel text."""
    words = set(re.findall(r"[a-z_]+(?:\.[a-z]+)?", L.get(lever).channel))
    return sorted(w for w in words if w in L.REGISTRY and L.REGISTRY[w].kind == "uncertainty")


def series(lever: str, value: float, off: dict[str, float], seed: int = 5) -> np.ndarray:
    m = FTZModel("baseline", rng=seed, n_firms=3000, quarters=24, build_firm_agents=False, **{lever: value})
    m.params.update(off)  # the model reads its parameters each quarter: a channel switched off from the start
    m.run()
    return m.national_frame()[OUTCOMES].to_numpy()


LEVERS = [p.name for p in L.REGISTRY.values() if p.is_lever and p.name not in RULE_LEVERS]


@pytest.mark.parametrize("lever", LEVERS)
def test_every_lever_names_its_channel_parameters(lever):
    assert channel_parameters(lever), f"{lever}: its channel text names no registered parameter"


@pytest.mark.parametrize("lever", LEVERS)
def test_lever_has_an_effect_with_its_channels_on(lever):
    p = L.get(lever)
    assert not np.array_equal(series(lever, p.lower, {}), series(lever, p.upper, {})), f"{lever} does nothing"


@pytest.mark.parametrize("lever", LEVERS)
def test_lever_effect_vanishes_with_its_channels_off(lever):
    p = L.get(lever)
    off = dict.fromkeys(channel_parameters(lever), 0.0)
    np.testing.assert_array_equal(series(lever, p.lower, off), series(lever, p.upper, off), err_msg=f"{off}")


def test_replication_lag_does_nothing_without_replication():
    """The replication levers' channel is the replication rule: when it never fires (more
    zones needed than there are), the lag cannot matter."""
    never = {"replication_min_zones": 22}
    lo = FTZModel("classroom", rng=3, quarters=16, build_firm_agents=False, replication_lag=1, **never).run()
    hi = FTZModel("classroom", rng=3, quarters=16, build_firm_agents=False, replication_lag=40, **never).run()
    np.testing.assert_array_equal(lo.national_frame()[OUTCOMES].to_numpy(), hi.national_frame()[OUTCOMES].to_numpy())
    assert lo.national_frame()["replications"].sum() == 0


def test_single_window_reaches_services_only_through_imitation():
    """The single window cuts goods and e-commerce trade costs. Services exports may respond
    only through the zones' imitation of better-performing neighbours (performance counts
    e-commerce); with imitation off they must not move at all (no incident-denominator leak)."""

    def ds(value):
        m = FTZModel("baseline", rng=2, n_firms=3000, build_firm_agents=False, imitation_rate=0.0, single_window=value)
        return m.run().national_frame()[["ds_exports", "incident_rate", "mean_openness"]].to_numpy()

    np.testing.assert_array_equal(ds(0.0), ds(1.0))
