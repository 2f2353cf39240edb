"""Honest confidence intervals of Sobol' indices from independent scrambles of the design.

SALib's intervals resample the N base points of one Saltelli design with replacement (a
bootstrap). The points of a scrambled Sobol' sequence are not independent draws: they are
spread more evenly than random points, so the estimate's real error is much smaller than
the bootstrap says (on the G-function and Ishigami, 10-17 times smaller; issue 14). The
standard remedy of randomised quasi-Monte Carlo (Owen 1997; L'Ecuyer & Lemieux 2002) is to
run R independently scrambled copies of the design, estimate the indices on each, and use
the spread of the R estimates: their mean is the estimate and a Student t-interval with
R - 1 degrees of freedom its confidence interval. Each copy has N base samples, so the cost
is R times one design; R = 8-16 is usual.

Build such a design with ``make_design("sobol", ..., scrambles=R)`` (or ``scrambles = R`` in
an experiment file); :func:`ftzsim.engine.sensitivity.analyze` then reports these intervals
(column ``interval``: ``t over R scrambles``) instead of the bootstrap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["sobol_scrambles"]


def sobol_scrambles(problem: dict, y: np.ndarray, scrambles: int, second_order: bool = True,
                    level: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Sobol' indices as the mean over ``scrambles`` independent designs, with t-intervals.

    Parameters
    ----------
    problem : dict
        The SALib problem of one design.
    y : ndarray
        Outputs of the stacked design, scramble after scramble (as ``make_design`` orders it).

    Returns
    -------
    DataFrame
        ``parameter, index, value, conf, other``: ``value`` the mean of the R estimates,
        ``conf`` the half-width of the ``level`` t-interval, ``sd`` their standard deviation.
    """
    from SALib.analyze import sobol

    if scrambles < 2:
        raise ValueError("an interval across scrambles needs at least 2 scrambles")
    y = np.asarray(y, dtype=float)
    if len(y) % scrambles:
        raise ValueError(f"{len(y)} outputs do not split into {scrambles} equal scrambles")
    names = problem["names"]
    per: dict[tuple[str, str, str], list[float]] = {}
    for part in np.split(y, scrambles):
        # SALib's own bootstrap is not used here: 2 resamples keep it cheap
        r = sobol.analyze(problem, part, calc_second_order=second_order, num_resamples=2, seed=1)
        for i, p in enumerate(names):
            per.setdefault((p, "S1", ""), []).append(r["S1"][i])
            per.setdefault((p, "ST", ""), []).append(r["ST"][i])
            if second_order:
                for j in range(i + 1, len(names)):
                    per.setdefault((p, "S2", names[j]), []).append(r["S2"][i, j])
    tq = stats.t.ppf(0.5 + level / 2, scrambles - 1)
    rows = []
    for (p, idx, other), v in per.items():
        v = np.asarray(v, dtype=float)
        sd = float(v.std(ddof=1))
        rows.append((p, idx, float(v.mean()), tq * sd / np.sqrt(scrambles), other, sd))
    return pd.DataFrame(rows, columns=["parameter", "index", "value", "conf", "other", "sd"])
