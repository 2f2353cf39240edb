"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for scenario discovery
(Bryant & Lempert 2010): find a box of input ranges in which the cases of interest (runs where
an outcome is above or below a threshold) are concentrated.

The algorithm, as in EMA Workbench's ``analysis.prim`` (Kwakkel 2017):

1. *Peeling*: start from the box holding every case; for each dimension, try removing the
   ``alpha`` share of the points in the box at its lower or upper end; keep the peel that
   leaves the highest share of cases in the box (the original criterion of Friedman &
   Fisher); repeat until the box holds less than ``mass_min`` of all points. Each step is a
   point of the *peeling trajectory* (the coverage-density trade-off curve).
2. *Choosing*: among the boxes with a density of at least ``threshold``, the one with the
   largest coverage x density (both of Bryant & Lempert's measures weighted equally: the
   highest coverage alone picks the first, loosest box that crosses the threshold; the
   highest density alone the last, smallest one). EMA Workbench leaves this choice to the
   user (``box.select(i)``); ``step`` does the same here, and the whole trajectory is kept.
3. *Pasting*: widen the chosen box face by face, ``alpha`` of its points at a time, while
   that raises its density (Friedman & Fisher §6).
4. *Quasi-p-values* of each restricted dimension: a one-sided binomial test of whether the
   box's density beats the density of the same box with that restriction dropped (EMA's
   ``_calculate_quasip``); a large value says the restriction is not doing much.

5. Optionally (``max_qp``), restrictions whose quasi-p-value is above a level are dropped.

Further boxes cover what the first one missed: the points inside a box are removed and the
search repeated (``n_boxes``).

Why our own ~200 lines and not ``ema_workbench.analysis.prim``: EMA Workbench 3.0 installs
statsmodels, seaborn, Platypus, formulaic and patsy beside scikit-learn, and its PRIM
takes its own experiment frames; what it computes is short to write, and here it is tested
on a box planted in a known function (tests/decision/test_discovery.py).

Definitions (Bryant & Lempert 2010): *coverage* = cases inside the box / all cases;
*density* = cases inside the box / points inside the box; *mass* = points inside / all points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["PrimBox", "PrimResult", "prim", "quasi_p_values"]


@dataclass
class PrimBox:
    """One box: its limits (per parameter), trajectory and statistics."""

    limits: pd.DataFrame  # index parameter, columns lower, upper (every parameter)
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    chosen: int
    qp: dict[str, float] = field(default_factory=dict)

    def restricted(self, full: pd.DataFrame) -> list[str]:
        """Parameters whose limits are narrower than their full range ``full``."""
        lim = self.limits
        return [p for p in lim.index if lim.at[p, "lower"] > full.at[p, "lower"] or
                lim.at[p, "upper"] < full.at[p, "upper"]]  # fmt: skip


@dataclass
class PrimResult:
    boxes: list[PrimBox]
    full: pd.DataFrame  # the full range of each parameter
    n_cases: int
    n_points: int

    def table(self) -> pd.DataFrame:
        """``box, parameter, lower, upper, coverage, density, mass, qp``: restricted
        dimensions of every box (coverage and density of the box repeated on each row)."""
        rows = []
        for k, b in enumerate(self.boxes):
            for p in b.restricted(self.full):
                rows.append({"box": k, "parameter": p, "lower": b.limits.at[p, "lower"],
                             "upper": b.limits.at[p, "upper"], "coverage": b.coverage, "density": b.density,
                             "mass": b.mass, "qp": b.qp.get(p, np.nan)})  # fmt: skip
        cols = ["box", "parameter", "lower", "upper", "coverage", "density", "mass", "qp"]
        return pd.DataFrame(rows, columns=cols)


def _inside(X: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((X >= lo) & (X <= hi), axis=1)


def _stats(y, inside, n_cases_all, n_all):
    n_in = int(inside.sum())
    h = int(y[inside].sum())
    return (h / n_cases_all if n_cases_all else np.nan, h / n_in if n_in else np.nan, n_in / n_all)


def _peel(X, y, lo, hi, alpha, mass_min, n_all, n_cases_all):
    """Peeling trajectory from (lo, hi): list of (lo, hi) boxes, the first being the start."""
    boxes = [(lo.copy(), hi.copy())]
    inside = _inside(X, lo, hi)
    while inside.sum() / n_all > mass_min:
        Xi, yi = X[inside], y[inside]
        best = None  # (density, -removed, dim, side, value)
        for j in range(X.shape[1]):
            col = Xi[:, j]
            for side, q in (("lower", np.quantile(col, alpha)), ("upper", np.quantile(col, 1 - alpha))):
                keep = col >= q if side == "lower" else col <= q
                if keep.all():
                    # ties at the end (a discrete input): peel its extreme distinct value instead
                    vals = np.unique(col)
                    if len(vals) < 2:
                        continue
                    q = vals[1] if side == "lower" else vals[-2]
                    keep = col >= q if side == "lower" else col <= q
                n_keep = int(keep.sum())
                if n_keep == len(col) or n_keep == 0:
                    continue
                dens = yi[keep].mean()
                cand = (dens, n_keep, -j, side == "lower", q, side, j)
                if best is None or cand[:4] > best[:4]:
                    best = cand
        if best is None:
            break
        *_, q, side, j = best
        lo, hi = lo.copy(), hi.copy()
        if side == "lower":
            lo[j] = q
        else:
            hi[j] = q
        boxes.append((lo, hi))
        inside = _inside(X, lo, hi)
    return boxes


def _paste(X, y, lo, hi, full_lo, full_hi, alpha):
    """Widen faces while density rises (each move adds about ``alpha`` of the box's points)."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        inside = _inside(X, lo, hi)
        dens = y[inside].mean()
        n_in = int(inside.sum())
        best = None
        for j in range(X.shape[1]):
            others = np.ones(len(X), dtype=bool)
            for k in range(X.shape[1]):
                if k != j:
                    others &= (X[:, k] >= lo[k]) & (X[:, k] <= hi[k])
            for side in ("lower", "upper"):
                if side == "lower":
                    cand = np.sort(X[others & (X[:, j] < lo[j]), j])[::-1]
                else:
                    cand = np.sort(X[others & (X[:, j] > hi[j]), j])
                if not len(cand):
                    continue
                k = max(1, int(np.ceil(alpha * n_in)))
                v = cand[min(k, len(cand)) - 1]
                nlo, nhi = lo.copy(), hi.copy()
                if side == "lower":
                    nlo[j] = v
                else:
                    nhi[j] = v
                d = y[_inside(X, nlo, nhi)].mean()
                if d > dens and (best is None or d > best[0]):
                    best = (d, nlo, nhi)
        if best is None:
            return lo, hi
        _, lo, hi = best


def _quasi_p(X, y, lo, hi, full_lo, full_hi) -> list[float]:
    inside = _inside(X, lo, hi)
    h, t = int(y[inside].sum()), int(inside.sum())
    out = []
    for j in range(X.shape[1]):
        if lo[j] <= full_lo[j] and hi[j] >= full_hi[j]:
            out.append(np.nan)
            continue
        l2, h2 = lo.copy(), hi.copy()
        l2[j], h2[j] = full_lo[j], full_hi[j]
        wider = _inside(X, l2, h2)
        p = y[wider].mean()
        out.append(float(stats.binomtest(h, t, p, alternative="greater").pvalue) if t else np.nan)
    return out


def quasi_p_values(X: pd.DataFrame, y, limits: pd.DataFrame) -> dict[str, float]:
    """Quasi-p-value of each restricted dimension of the box ``limits`` (index parameter,
    columns lower, upper): the one-sided binomial probability of the box's cases if its
    density were that of the box without the restriction (EMA Workbench's ``_calculate_quasip``)."""
    Xa = X.to_numpy(dtype=float)
    lo = limits.loc[list(X.columns), "lower"].to_numpy(dtype=float)
    hi = limits.loc[list(X.columns), "upper"].to_numpy(dtype=float)
    qp = _quasi_p(Xa, np.asarray(y, dtype=bool), lo, hi, Xa.min(axis=0), Xa.max(axis=0))
    return {p: v for p, v in zip(X.columns, qp, strict=True) if v == v}


def prim(X: pd.DataFrame, y, *, alpha: float = 0.05, mass_min: float = 0.05, threshold: float = 0.8,
         paste: bool = True, n_boxes: int = 1, step: int | None = None,
         max_qp: float | None = None) -> PrimResult:  # fmt: skip
    """Find up to ``n_boxes`` boxes in which ``y`` (boolean: the cases of interest) is dense.

    Parameters
    ----------
    X : DataFrame
        One numeric column per parameter, one row per run.
    y : array-like of bool
        Whether each run is a case of interest.
    alpha : float
        Share of the box's points removed per peel (Friedman & Fisher recommend 0.05-0.1).
    mass_min : float
        Peeling stops when the box holds less than this share of all points.
    threshold : float
        Minimum density of the chosen box.
    paste : bool
        Widen the chosen box while that raises its density.
    n_boxes : int
        Boxes to find; each next one on the points the earlier ones left out.
    step : int, optional
        Take this step of the first box's peeling trajectory instead of the automatic choice
        (as EMA's ``box.select(i)`` after looking at the trade-off curve).
    max_qp : float, optional
        Drop restrictions whose quasi-p-value exceeds this, the least significant first,
        re-testing after each (EMA's ``box.drop_restriction``): a restriction that a box
        without it would match as well is noise of the sample, not a finding.
    """
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha {alpha}: allowed: 0 < alpha < 0.5")
    y = np.asarray(y, dtype=bool)
    Xa = X.to_numpy(dtype=float)
    if len(Xa) != len(y):
        raise ValueError("X and y have different lengths")
    if not np.isfinite(Xa).all():
        raise ValueError("the inputs hold missing or infinite values")
    n_all, n_cases_all = len(y), int(y.sum())
    if n_cases_all == 0:
        raise ValueError("no run is a case of interest: nothing to discover (change the threshold)")
    full_lo, full_hi = Xa.min(axis=0), Xa.max(axis=0)
    full = pd.DataFrame({"lower": full_lo, "upper": full_hi}, index=X.columns)
    boxes = []
    remaining = np.ones(n_all, dtype=bool)
    for _ in range(n_boxes):
        Xr, yr = Xa[remaining], y[remaining]
        if yr.sum() == 0:
            break
        traj = _peel(Xr, yr, full_lo, full_hi, alpha, mass_min, n_all, n_cases_all)
        rows = []
        for lo, hi in traj:
            cov, dens, mass = _stats(yr, _inside(Xr, lo, hi), n_cases_all, n_all)
            restricted = int(np.sum((lo > full_lo) | (hi < full_hi)))
            rows.append({"step": len(rows), "coverage": cov, "density": dens, "mass": mass,
                         "n_restricted": restricted})  # fmt: skip
        curve = pd.DataFrame(rows)
        if step is not None and not boxes:
            if not 0 <= step < len(curve):
                raise ValueError(f"step {step}: allowed: 0 to {len(curve) - 1} (the peeling trajectory's steps)")
            chosen = step
        else:
            ok = curve[curve["density"] >= threshold]
            score = ok["coverage"] * ok["density"]
            chosen = int(score.idxmax()) if len(ok) else int(curve["density"].idxmax())
        lo, hi = traj[chosen]
        if paste:
            lo, hi = _paste(Xr, yr, lo, hi, full_lo, full_hi, alpha)
        qps = _quasi_p(Xr, yr, lo, hi, full_lo, full_hi)
        while max_qp is not None and np.nanmax(qps, initial=-1.0) > max_qp:
            # drop the restriction that does least (EMA's box.drop_restriction), then re-test
            j = int(np.nanargmax(qps))
            lo, hi = lo.copy(), hi.copy()
            lo[j], hi[j] = full_lo[j], full_hi[j]
            qps = _quasi_p(Xr, yr, lo, hi, full_lo, full_hi)
        inside = _inside(Xr, lo, hi)
        cov, dens, mass = _stats(yr, inside, n_cases_all, n_all)
        qp = dict(zip(X.columns, qps, strict=True))
        limits = pd.DataFrame({"lower": lo, "upper": hi}, index=X.columns)
        boxes.append(PrimBox(limits, cov, dens, mass, curve, chosen, {k: v for k, v in qp.items() if v == v}))
        idx = np.flatnonzero(remaining)
        remaining[idx[inside]] = False
    return PrimResult(boxes, full, n_cases_all, n_all)
