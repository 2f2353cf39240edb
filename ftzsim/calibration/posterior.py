"""The posterior: weighing simulated runs against the data, and the ensemble the package ships.

Statistical model
-----------------
Every observation (:func:`ftzsim.calibration.targets.observations`) is the model's value of
the same quantity plus a Gaussian error on the row's scale (log for levels and growth factors,
points for shares) with the row's standard deviation. One run (a parameter row ``θ`` and its
own seed) gives the model's value, so seed noise is part of the simulator the posterior
weighs (a pseudo-marginal estimate of the likelihood).

Level factors
-------------
The three level factors multiply recorded flows only, so every level observation is
``log y_j = log λ_k + log f_j(θ, seed) + ε_j`` with ``k`` the row's scale. With a uniform prior
on ``log λ_k`` within the registry bounds, ``λ_k`` given ``θ`` has a truncated normal
posterior in closed form; the likelihood of ``θ`` integrates it out analytically, and each
posterior member carries one draw of ``λ`` (exact Rao-Blackwellisation, no design dimension
spent on a pure scale). Growth and share rows are then evaluated at the drawn ``λ``.

Weights
-------
``w_i ∝ prior(θ_i) / proposal(θ_i) × L(y | θ_i, seed_i)``: importance sampling from the
design's proposal (stratified draws from the prior, the prior restricted to the
history-matching NROY space, or a uniform box) to the posterior.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ftzsim import levers as L
from ftzsim import reference
from ftzsim.calibration.simulate import LEVELS
from ftzsim.calibration.targets import WORLD_DDS_EXPORTS_2022, WORLD_SHARE_CAP
from ftzsim.outcomes import REGIONS

__all__ = [
    "PRIORS",
    "Posterior",
    "ess",
    "load_posterior",
    "log_prior",
    "posterior_for",
    "predict",
    "weigh",
    "world_share",
]

#: Priors other than the default, with why. Every other calibrated parameter has a **PERT**
#: prior (a Beta on its registry bounds with its mode at the registry default, Malcolm et al.
#: 1959; Vose 2008): the bounds span the sources, the default is the evidence's central value
#: (each carries its citation in the registry), and a uniform prior would put the mean of an
#: uninformed parameter at the middle of its bounds instead (for ``broadband_growth``, 0.075
#: against the default 0.03 from b1), moving every point run away from the evidence.
PRIORS: dict[str, tuple[str, float, float]] = {
    # world digitally deliverable services exports grew 6.1%/yr 2012-2022 (partner_markets_2022.csv,
    # 002 from WTO); partner demand for China's exports grows with the world market; sd 2 points
    # spans the decade's developed (slower) and developing (+14% in 2022) markets
    "world_demand_growth": ("normal", 0.061, 0.02),
}

_SCALE_OF = {"level_ds_exports": "x", "level_ds_imports": "m", "level_ecommerce": "ecny"}


def pert(name: str) -> tuple[float, float]:
    """Beta shape parameters (alpha, beta) of the PERT prior of registry parameter ``name``:
    mode at the registry default, support its bounds, weight 4 on the mode (mean (a + 4m + b) / 6)."""
    p = L.get(name)
    width = p.upper - p.lower
    return 1 + 4 * (p.default - p.lower) / width, 1 + 4 * (p.upper - p.default) / width


def prior(name: str):
    """The prior of ``name`` as a frozen scipy distribution on its registry bounds."""
    p = L.get(name)
    if name in PRIORS:
        _, mu, sd = PRIORS[name]
        return stats.truncnorm((p.lower - mu) / sd, (p.upper - mu) / sd, loc=mu, scale=sd)
    a, b = pert(name)
    return stats.beta(a, b, loc=p.lower, scale=p.upper - p.lower)


def prior_spec(name: str) -> list:
    """How the report names the prior of ``name``."""
    p = L.get(name)
    if name in PRIORS:
        return list(PRIORS[name])
    return ["PERT", p.lower, p.default, p.upper]


def log_prior(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Log prior density of each row over ``names``, -inf outside the bounds."""
    lp = np.zeros(len(frame))
    for n in names:
        p = L.get(n)
        v = frame[n].to_numpy(dtype=float)
        inside = (v >= p.lower - 1e-12) & (v <= p.upper + 1e-12)
        with np.errstate(divide="ignore"):
            dens = prior(n).logpdf(np.clip(v, p.lower, p.upper))
        lp = np.where(inside, lp + np.where(np.isfinite(dens), dens, -np.inf), -np.inf)
    return lp


def _zone_regions() -> dict[str, str]:
    return {z.name: z.region for z in reference.zones().values()}


def predict(runs: pd.DataFrame, obs: pd.DataFrame, lam: dict[str, np.ndarray]) -> np.ndarray:
    """The model's value of every observation row for every run, in the data's units.

    ``lam`` holds each level factor per run. Levels are raw x factor; growth rows are percent
    growth of the run's 2021-2022 trend; shares are percent of services trade.
    """
    n = len(runs)

    def col(name):
        return runs[name].to_numpy(dtype=float) if name in runs else np.full(n, np.nan)

    lx, lm, le = lam["level_ds_exports"], lam["level_ds_imports"], lam["level_ecommerce"]
    x21, x22, m21, m22 = col("x_2021"), col("x_2022"), col("m_2021"), col("m_2022")
    e21, e22, ei21, ei22 = col("ecny_2021"), col("ecny_2022"), col("eicny_2021"), col("eicny_2022")
    growth = {
        "g_total": (lx * x22 + lm * m22) / (lx * x21 + lm * m21),
        "g_x": x22 / x21,
        "g_m": m22 / m21,
        "g_ecny": e22 / e21,
        "g_ecny_total": (le * e22 + ei22) / (le * e21 + ei21),
    }
    zones, tot, all_tot = [], {}, None
    if obs["series"].str.startswith("share_").any():  # regional shares from the zones' 2022 totals
        regions = _zone_regions()
        zones = [c[3:-5] for c in runs.columns if c.startswith("zx_") and c.endswith("_2022")]
        tot = {r: np.zeros(n) for r in REGIONS}
        for z in zones:
            tot[regions[z]] += lx * col(f"zx_{z}_2022") + lm * col(f"zm_{z}_2022")
        all_tot = sum(tot.values())
    out = np.full((n, len(obs)), np.nan)
    for j, r in enumerate(obs.itertuples()):
        s = r.series
        if s in growth:
            out[:, j] = 100 * (growth[s] - 1)
        elif s.startswith("share_"):
            out[:, j] = 100 * tot[s[6:]] / all_tot if zones else np.nan
        else:
            factor = {"level_ds_exports": lx, "level_ds_imports": lm, "level_ecommerce": le}[r.scale]
            out[:, j] = factor * col(s)
    return out


def _row_loglik(obs: pd.DataFrame, pred: np.ndarray) -> np.ndarray:
    """Gaussian log-likelihood of every run, rows on their comparison scales."""
    ll = np.zeros(pred.shape[0])
    for j, r in enumerate(obs.itertuples()):
        if r.kind == "region_share":
            z = (pred[:, j] - r.value) / r.sd
        elif r.kind == "growth":
            z = (np.log1p(pred[:, j] / 100) - math.log1p(r.value / 100)) / r.sd
        else:
            z = (np.log(np.maximum(pred[:, j], 1e-300)) - math.log(r.value)) / r.sd
        ll += -0.5 * z**2 - math.log(r.sd * math.sqrt(2 * math.pi))
    return ll


def weigh(runs: pd.DataFrame, obs: pd.DataFrame, names: list[str], *, proposal_uniform: bool, seed: int,
          world_share_cap: bool = True) -> pd.DataFrame:  # fmt: skip
    """Posterior weights of ``runs`` (one row per run: parameters ``names`` and raw series).

    Parameters
    ----------
    runs : DataFrame
        The engine's results of :class:`~ftzsim.calibration.simulate.CalibrationRun`.
    obs : DataFrame
        The observation table (all rows, or the leave-last-year-out subset).
    names : list of str
        The calibrated parameters varied by the design.
    proposal_uniform : bool
        True when the runs were drawn uniformly over the prior box (a Latin hypercube): the
        weight then carries the prior density; False when they were drawn from the prior itself
        (restricted to NROY), which cancels it.
    seed : int
        Seeds the level-factor draws (reproducible weights).

    Returns
    -------
    DataFrame
        ``runs`` with the drawn level factors, ``loglik``, ``logw`` and normalised ``weight``
        (0 for runs that failed or break the world-share pattern).
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    n = len(runs)
    lam: dict[str, np.ndarray] = {}
    log_marg = np.zeros(n)
    for k in LEVELS:
        p = L.get(k)
        lo, hi = math.log(p.lower), math.log(p.upper)
        rows = obs[obs["scale"] == k]
        if rows.empty:  # nothing measures this level: its prior
            lam[k] = np.exp(rng.uniform(lo, hi, n))
            continue
        prec = (1 / rows["sd"] ** 2).to_numpy()
        resid = np.stack([math.log(r.value) - np.log(np.maximum(runs[r.series].to_numpy(dtype=float), 1e-300))
                          for r in rows.itertuples()], axis=1)  # fmt: skip
        P = prec.sum()
        mu = (resid * prec).sum(axis=1) / P
        s = 1 / math.sqrt(P)
        a, b = (lo - mu) / s, (hi - mu) / s
        mass = np.clip(stats.norm.cdf(b) - stats.norm.cdf(a), 1e-300, 1.0)
        ss = (((resid - mu[:, None]) ** 2) * prec).sum(axis=1)
        # ∫ N(resid | log λ, σ) dU(log λ) = exp(-ss/2) · Π(1/(σ√2π)) · s√2π · mass / (hi - lo)
        log_marg += (-0.5 * ss + np.log(prec).sum() / 2 - len(prec) * math.log(math.sqrt(2 * math.pi))
                     + math.log(s * math.sqrt(2 * math.pi)) + np.log(mass) - math.log(hi - lo))  # fmt: skip
        u = rng.uniform(stats.norm.cdf(a), stats.norm.cdf(b))
        lam[k] = np.exp(mu + s * stats.norm.ppf(np.clip(u, 1e-16, 1 - 1e-16)))
    other = obs[obs["scale"] == ""]
    pred = predict(runs, other, lam)
    ll = log_marg + _row_loglik(other, pred)
    if world_share_cap and "x_2030" in runs:
        ll = np.where(world_share(runs, lam) <= WORLD_SHARE_CAP, ll, -np.inf)
    lp = log_prior(runs, names) if proposal_uniform else np.where(np.isfinite(log_prior(runs, names)), 0.0, -np.inf)
    logw = np.where(np.isfinite(ll), ll + lp, -np.inf)
    out = runs.copy()
    for k in LEVELS:
        out[k] = lam[k]
    out["loglik"] = ll
    out["logw"] = logw
    w = np.exp(logw - np.max(logw[np.isfinite(logw)])) if np.isfinite(logw).any() else np.zeros(n)
    out["weight"] = np.where(np.isfinite(logw), w, 0.0) / w[np.isfinite(logw)].sum()
    return out


def world_share(runs: pd.DataFrame, lam: dict[str, np.ndarray] | pd.DataFrame) -> np.ndarray:
    """China's 2030 share of world digitally deliverable services exports in each run: its
    exports over the 2022 world total grown at the run's world demand growth."""
    g = runs["world_demand_growth"].to_numpy(dtype=float) if "world_demand_growth" in runs else L.get(
        "world_demand_growth").default  # fmt: skip
    return (
        np.asarray(lam["level_ds_exports"])
        * runs["x_2030"].to_numpy(dtype=float)
        / (WORLD_DDS_EXPORTS_2022 * (1 + g) ** 8)
    )


def ess(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    w = np.asarray(weights, dtype=float)
    return float(1.0 / np.sum(w**2)) if w.sum() > 0 else 0.0


# --------------------------------------------------------------------------- shipped ensemble
@dataclass
class Posterior:
    """A calibrated ensemble: parameter sets with weights and their provenance.

    Attributes
    ----------
    frame : DataFrame
        One row per member: ``draw`` (its index), ``weight`` (sums to 1), every calibrated
        parameter and level factor, and the ``seed`` of the run that weighed it.
    provenance : dict
        Data hash, code revision, settings, diagnostics (written by ``ftzsim calibrate``).
    """

    frame: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        return list(self.provenance.get("parameters", [])) + list(LEVELS)

    def draw(self, k: int) -> dict[str, float]:
        """Parameter values of member ``k``."""
        if not 0 <= k < len(self.frame):
            raise IndexError(f"posterior draw {k} out of range: the ensemble has {len(self.frame)} members (0-"
                             f"{len(self.frame) - 1})")  # fmt: skip
        row = self.frame.iloc[k]
        return {n: float(row[n]) for n in self.parameters}

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``n`` member indices drawn with replacement by weight (reproducible from ``seed``)."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
        w = self.frame["weight"].to_numpy(dtype=float)
        return rng.choice(len(w), size=n, replace=True, p=w / w.sum())

    def mean(self) -> dict[str, float]:
        """Posterior means (the point a single default run uses)."""
        w = self.frame["weight"].to_numpy(dtype=float)
        return {n: float(np.sum(w * self.frame[n].to_numpy(dtype=float))) for n in self.parameters}

    @property
    def ess(self) -> float:
        return ess(self.frame["weight"].to_numpy())

    def write(self, stem: Path) -> None:
        """``stem``.csv (members) and ``stem``.json (provenance), each written atomically."""
        from ftzsim.io import write_json

        tmp = stem.with_name(f".{stem.name}.csv.tmp")
        self.frame.to_csv(tmp, index=False, float_format="%.10g")
        tmp.replace(stem.with_suffix(".csv"))
        write_json(self.provenance, stem.with_suffix(".json"))


@functools.cache
def load_posterior(name: str = "baseline") -> Posterior:
    """The ensemble shipped for scenario ``name`` (``ftzsim/data/posterior_<name>.csv``).

    Raises
    ------
    FileNotFoundError
        With the list of shipped posteriors, when ``name`` has none.
    """
    base = resources.files("ftzsim.data")
    csv = base.joinpath(f"posterior_{name}.csv")
    if not csv.is_file():
        have = sorted(p.name[len("posterior_"):-4] for p in base.iterdir() if p.name.startswith("posterior_")
                      and p.name.endswith(".csv"))  # fmt: skip
        raise FileNotFoundError(f"no posterior shipped for scenario {name!r}; shipped: {', '.join(have) or 'none'} "
                                "(run `ftzsim calibrate` to make one)")  # fmt: skip
    with csv.open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh)
    prov = json.loads(base.joinpath(f"posterior_{name}.json").read_text(encoding="utf-8"))
    return Posterior(frame, prov)


def posterior_for(scenario) -> Posterior:
    """The shipped posterior a scenario names in its ``[calibration] posterior`` (inherited by
    scenarios that extend a calibrated one).

    Raises
    ------
    ValueError
        When the scenario has no posterior, naming the scenario and what to do.
    """
    from ftzsim.scenario import load_scenario

    sc = load_scenario(scenario)
    name = (sc.calibration or {}).get("posterior")
    if not name:
        raise ValueError(f"scenario {sc.name!r} has no posterior (its [calibration] table names none): run "
                         "`ftzsim calibrate SCENARIO --ship`, extend a calibrated scenario, or run without "
                         "--posterior (seed-only bands)")  # fmt: skip
    return load_posterior(str(name))
