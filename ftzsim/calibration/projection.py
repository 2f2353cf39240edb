"""Projection sanity (issue 12): where the 2030 growth comes from, and China's 2030 share of
world digitally deliverable services exports.

The growth of services exports 2021-2030 is split by switching one source off at a time in
runs that share parameter draws and seeds: **world demand** (``world_demand_growth = 0``),
**firm adoption** (Bass ``p = q = 0``: no firm adopts after 2021) and **policy** (the
no-reform path, ``reform=False``: every lever at its neutral value and no piloting,
imitation or replication). A source's contribution is how much faster the full run grows
than the run without it (log points per year); what the three do not account for together
(interactions, 5G productivity, founding effects) is the remainder.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["SOURCES", "decompose"]

#: Each source and the overrides that switch it off (``reform`` is the model's keyword).
SOURCES = {
    "world demand": {"world_demand_growth": 0.0},
    "firm adoption": {"bass_p": 0.0, "bass_q": 0.0},
    "policy": {"reform": False},
}


def _exports(scenario, seed: int, over: dict, off: dict) -> tuple[float, float, int, int]:
    """First and last year's services exports of one run; ``off`` switches a source off and
    may leave the registry's plausible range (Bass p = q = 0 is a counterfactual, not a
    value the evidence allows), so it is applied to the loaded scenario, not validated."""
    import dataclasses

    from ftzsim.model import FTZModel
    from ftzsim.scenario import load_scenario

    off = dict(off)
    reform = off.pop("reform", True)
    sc = load_scenario(scenario, **over)
    if off:
        sc = dataclasses.replace(sc, uncertainties={**sc.uncertainties, **off})
    m = FTZModel(sc, rng=seed, build_firm_agents=False, reform=reform)
    m.run()
    a = m.annual_frame().set_index("year")["ds_exports"]
    return float(a.iloc[0]), float(a.iloc[-1]), int(a.index[0]), int(a.index[-1])


def decompose(posterior, scenario: str = "baseline", draws: int = 24, n_firms: int = 5000,
              seed: int = 2021) -> pd.DataFrame:  # fmt: skip
    """Growth of services exports, first to last year, by source, for ``draws`` posterior draws.

    Returns one row per draw: ``total`` and one column per source of :data:`SOURCES` plus
    ``remainder``, in percent per year (log points x 100).
    """
    from ftzsim.seeds import replicate_seeds

    idx = posterior.sample(draws, seed)
    seeds = replicate_seeds(seed, draws)
    rows = []
    for k, s in zip(idx, seeds, strict=True):
        base = {**posterior.draw(int(k)), "n_firms": n_firms}
        x0, x1, y0, y1 = _exports(scenario, s, base, {})
        years = y1 - y0
        row = {"draw": int(k), "total": 100 * math.log(x1 / x0) / years}
        for name, off in SOURCES.items():
            z0, z1, _, _ = _exports(scenario, s, base, off)
            row[name] = 100 * (math.log(x1 / z1) - math.log(x0 / z0)) / years
        row["remainder"] = row["total"] - sum(row[n] for n in SOURCES)
        rows.append(row)
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median and 5-95% range of each column of :func:`decompose` (draws equally weighted:
    they were drawn by weight)."""
    cols = ["total", *SOURCES, "remainder"]
    return pd.DataFrame({c: np.percentile(table[c], [5, 50, 95]) for c in cols}, index=["low", "median", "high"]).T
