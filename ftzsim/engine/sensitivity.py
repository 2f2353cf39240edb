"""Sensitivity analysis of any scalar outcome of a sweep (SALib).

Replicate noise is handled explicitly: the indices are computed on the mean over
replicates of each design row (all rows share the replicate seeds, so the mean is a common-
random-number estimate), and the share of the output variance that is seed noise — mean
within-row variance over total variance — is reported beside them, because indices of an
outcome dominated by seed noise are not worth reading.

Methods: Sobol' (S1, ST, S2 with bootstrap confidence intervals; Saltelli 2002, Jansen
1999), Morris (mu*, sigma; Campolongo et al. 2007), eFAST (S1, ST; Saltelli et al. 1999),
and the moment-independent delta (Borgonovo 2007), which works on any design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ftzsim.engine.designs import Design

__all__ = ["REDUCERS", "analyze", "noise_share", "outcome_values", "sobol_convergence"]

#: Reducers over the national time series, for outcomes named ``<reducer>:<outcome>``.
REDUCERS = {
    "final": lambda s: s.iloc[-1],
    "cumulative": lambda s: s.sum(),
    "mean": lambda s: s.mean(),
    "max": lambda s: s.max(),
    "min": lambda s: s.min(),
}


def outcome_values(results: pd.DataFrame, outcome: str, series: pd.DataFrame | None = None) -> pd.DataFrame:
    """One value per run: a scalar column (including the ``diff:``/``pct:``/``ref:`` columns of a
    paired sweep), or ``reducer:outcome`` over the stored series."""
    if outcome in results.columns:
        return results[["row_id", "replicate", outcome]].rename(columns={outcome: "y"})
    if ":" in outcome and outcome.split(":", 1)[0] in ("diff", "pct", "ref"):
        raise ValueError(f"outcome {outcome!r} is not stored: it needs a [paired] experiment that names it")
    if ":" in outcome:
        red, name = outcome.split(":", 1)
        if red not in REDUCERS:
            raise ValueError(f"unknown reducer {red!r}; allowed: {', '.join(REDUCERS)}")
        if series is None or series.empty or name not in series.columns:
            raise ValueError(f"outcome {outcome!r} needs the sweep's time series (outcomes.timeseries = true)")
        v = series.groupby(["row_id", "replicate"])[name].agg(REDUCERS[red]).rename("y").reset_index()
        return v
    if outcome not in results.columns:
        raise ValueError(f"unknown outcome {outcome!r}; stored: {', '.join(c for c in results.columns if '_' in c)}")
    return results[["row_id", "replicate", outcome]].rename(columns={outcome: "y"})


def noise_share(values: pd.DataFrame) -> float:
    """Mean within-row (seed) variance over the total variance of all runs."""
    total = values["y"].var(ddof=0)
    if not np.isfinite(total) or total <= 0:
        return 0.0
    within = values.groupby("row_id")["y"].var(ddof=0).mean()
    return float(within / total)


def _row_means(values: pd.DataFrame, n_rows: int) -> np.ndarray:
    y = values.groupby("row_id")["y"].mean().reindex(range(n_rows))
    if y.isna().any():
        missing = int(y.isna().sum())
        raise ValueError(f"{missing} design rows have no finished run; resume the sweep first")
    return y.to_numpy()


def analyze(design: Design, values: pd.DataFrame, method: str | None = None, seed: int = 1,
            num_resamples: int = 200) -> pd.DataFrame:  # fmt: skip
    """Indices of every design parameter for one outcome, as a tidy frame.

    Columns: ``parameter``, ``index`` (S1, ST, S2, mu_star, sigma, delta, ...), ``value``,
    ``conf`` (half-width of the 95% interval), ``other`` (second parameter for S2),
    ``interval`` (how ``conf`` was computed: ``bootstrap``, or ``t over R scrambles`` for a
    Sobol design of R independent scrambles, see :mod:`ftzsim.engine.sobol_intervals`).
    """
    method = method or {"sobol": "sobol", "morris": "morris", "fast": "fast"}.get(design.method, "delta")
    problem = design.problem
    y = _row_means(values, len(design.frame))
    # SALib analyzers reseed NumPy's legacy global generator themselves and skip that for a
    # seed of 0 (``if seed:``): pass a positive integer derived from ours
    rng = int(np.random.SeedSequence(seed).generate_state(1)[0] % (2**31 - 1)) + 1
    rows = []
    if method == "sobol":
        if design.method != "sobol":
            raise ValueError("Sobol indices need a Sobol/Saltelli design (method = 'sobol')")
        from SALib.analyze import sobol

        so = design.settings.get("second_order", True)
        R = int(design.settings.get("scrambles", 1))
        if R > 1:  # independent scrambles: t-intervals across them (sobol_intervals.py)
            from ftzsim.engine.sobol_intervals import sobol_scrambles

            out = sobol_scrambles(problem, y, R, so).drop(columns="sd")
            out["method"] = "sobol"
            out["interval"] = f"t over {R} scrambles"
            return out
        r = sobol.analyze(problem, y, calc_second_order=so, num_resamples=num_resamples, seed=rng)
        for i, p in enumerate(problem["names"]):
            rows += [(p, "S1", r["S1"][i], r["S1_conf"][i], ""), (p, "ST", r["ST"][i], r["ST_conf"][i], "")]
            if so:
                for j in range(i + 1, len(problem["names"])):
                    rows.append((p, "S2", r["S2"][i, j], r["S2_conf"][i, j], problem["names"][j]))
    elif method == "morris":
        if design.method != "morris":
            raise ValueError("Morris indices need a Morris design (method = 'morris')")
        from SALib.analyze import morris

        r = morris.analyze(problem, design.X(), y, num_resamples=num_resamples,
                           num_levels=design.settings.get("num_levels", 4), seed=rng)  # fmt: skip
        for i, p in enumerate(problem["names"]):
            rows += [(p, "mu_star", r["mu_star"][i], r["mu_star_conf"][i], ""), (p, "mu", r["mu"][i], np.nan, ""),
                     (p, "sigma", r["sigma"][i], np.nan, "")]  # fmt: skip
    elif method == "fast":
        if design.method != "fast":
            raise ValueError("eFAST indices need a FAST design (method = 'fast')")
        import warnings

        from SALib.analyze import fast

        with warnings.catch_warnings():  # SALib warns that bootstrap CIs of eFAST are indicative only
            warnings.simplefilter("ignore", UserWarning)
            r = fast.analyze(problem, y, M=design.settings.get("M", 4), num_resamples=num_resamples, seed=rng)
        for i, p in enumerate(problem["names"]):
            rows += [(p, "S1", r["S1"][i], r["S1_conf"][i], ""), (p, "ST", r["ST"][i], r["ST_conf"][i], "")]
    elif method == "delta":
        from SALib.analyze import delta

        r = delta.analyze(problem, design.X(), y, num_resamples=num_resamples, seed=rng)
        for i, p in enumerate(problem["names"]):
            rows += [
                (p, "delta", r["delta_balanced"][i], r["delta_balanced_conf"][i], ""),
                (p, "S1", r["S1"][i], r["S1_conf"][i], ""),
            ]
    else:
        raise ValueError(f"unknown method {method!r}; allowed: sobol, morris, fast, delta")
    out = pd.DataFrame(rows, columns=["parameter", "index", "value", "conf", "other"])
    out["method"] = method
    out["interval"] = "bootstrap"  # SALib's resampling of the design's points
    return out


def sobol_convergence(design: Design, values: pd.DataFrame, steps: int = 4, seed: int = 1) -> pd.DataFrame:
    """S1 and ST recomputed on the first N/2^k base samples (Saltelli blocks are contiguous)."""
    if design.method != "sobol":
        raise ValueError("convergence is computed for Sobol designs")
    D = design.problem["num_vars"]
    so = design.settings.get("second_order", True)
    block = 2 * D + 2 if so else D + 2
    n = design.settings["n"]
    y = _row_means(values, len(design.frame))
    from SALib.analyze import sobol

    rows = []
    sizes = sorted({max(4, n >> k) for k in range(steps)})
    for nk in sizes:
        yk = y[: nk * block]
        r = sobol.analyze(design.problem, yk, calc_second_order=so, num_resamples=100, seed=seed + 1)  # fmt: skip
        for i, p in enumerate(design.problem["names"]):
            rows += [(nk, p, "S1", r["S1"][i], r["S1_conf"][i]), (nk, p, "ST", r["ST"][i], r["ST_conf"][i])]
    return pd.DataFrame(rows, columns=["N", "parameter", "index", "value", "conf"])
