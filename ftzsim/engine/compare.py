"""Scenario comparison on common random numbers: differences from a reference scenario with
paired confidence intervals.

Every scenario ran on the same replicate seeds, so the difference of scenario *s* and the
baseline in replicate *r* removes the noise the two share; the interval is a t-interval of
the paired differences (Student 1908), which is exact for normal differences and a good
approximation for the replicate counts used here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["paired_differences"]


def paired_differences(results: pd.DataFrame, outcomes: list[str], reference: str = "baseline",
                       level: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Mean difference from ``reference`` per scenario and outcome, with a paired t-interval.

    ``results`` has columns ``scenario``, ``replicate`` and the outcomes. Returns columns
    ``scenario``, ``outcome``, ``reference_mean``, ``mean``, ``diff``, ``low``, ``high``,
    ``rel_diff`` (difference over the reference mean), ``n``.
    """
    rows = []
    ref = results[results["scenario"] == reference].set_index("replicate")
    if ref.empty:
        raise ValueError(f"reference scenario {reference!r} is not in the results")
    for scen, g in results.groupby("scenario", sort=False):
        if scen == reference:
            continue
        g = g.set_index("replicate")
        common = ref.index.intersection(g.index)
        for o in outcomes:
            d = (g.loc[common, o] - ref.loc[common, o]).to_numpy(dtype=float)
            n = len(d)
            half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            m_ref = float(ref.loc[common, o].mean())
            rows.append({
                "scenario": scen, "outcome": o, "reference_mean": m_ref, "mean": float(g.loc[common, o].mean()),
                "diff": float(d.mean()), "low": float(d.mean() - half), "high": float(d.mean() + half),
                "rel_diff": float(d.mean() / m_ref) if m_ref else np.nan, "n": n,
            })  # fmt: skip
    return pd.DataFrame(rows)
