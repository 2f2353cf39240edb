"""Out-of-sample validation and posterior predictive checks (``ftzsim calibrate --validate``).

* **Leave-last-year-out**: the wave-1 runs (stratified draws from the prior, so they do not
  depend on any data) are weighted with the data through 2021 only, and the 2022 figures
  are predicted: is each inside the 90% band, and how far is the median?
* **Province skill**: the provinces' 2022 growth rates are used nowhere (zones start from
  national growth, no per-province free parameter). The model's out-of-sample prediction of
  each province's growth *relative to the nation* (plus the national rate) is scored against
  the uniform-growth null (every province at the national rate): RMSE and rank correlation.
* **Posterior predictive checks**: every observation's replicated value under the full
  posterior (model value plus the row's error), its 90% band and predictive p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ftzsim import reference
from ftzsim.calibration.posterior import predict, weigh
from ftzsim.calibration.simulate import LEVELS
from ftzsim.calibration.targets import GROWTH_SD, observations, province_growth

__all__ = ["Validation", "national_2022", "province_growth_pred", "validate", "weighted_quantile"]


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under normalised weights ``w`` (inverse of the weighted CDF)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    order = np.argsort(x)
    x, w = x[order], w[order] / w.sum()
    mid = np.cumsum(w) - w / 2  # each value at the middle of its weight (Hazen's rule, weighted)
    return np.interp(np.atleast_1d(q), mid, x)


def _lam(weighted: pd.DataFrame) -> dict[str, np.ndarray]:
    return {k: weighted[k].to_numpy(dtype=float) for k in LEVELS}


def national_2022(weighted: pd.DataFrame) -> pd.DataFrame:
    """Each run's 2022 national figures (data units) beside the data."""
    nat = reference.national()
    lam = _lam(weighted)
    x = lam["level_ds_exports"] * weighted["x_2022"]
    m = lam["level_ds_imports"] * weighted["m_2022"]
    e = lam["level_ecommerce"] * weighted["ecny_2022"]
    rows = {
        "ds_total_2022": (x + m, nat.loc[2022, "dd_services_total"]),
        "ds_exports_2022": (x, nat.loc[2022, "dd_services_exports"]),
        "ds_imports_2022": (m, nat.loc[2022, "dd_services_imports"]),
        "ecommerce_exports_cny_2022": (e, nat.loc[2022, "ecommerce_exports"] * 1e4),
        "ecommerce_total_cny_2022": (e + weighted["eicny_2022"], nat.loc[2022, "ecommerce_total"] * 1e4),
    }
    return pd.DataFrame({k: v[0].to_numpy() for k, v in rows.items()}), pd.Series({k: v[1] for k, v in rows.items()})


def province_growth_pred(weighted: pd.DataFrame) -> pd.DataFrame:
    """Each run's 2022 growth of services trade (%) per province with data, and the run's
    national growth (column ``national``)."""
    lam = _lam(weighted)
    lx, lm = lam["level_ds_exports"], lam["level_ds_imports"]
    out = {}
    for p in province_growth().index:
        t22 = lx * weighted[f"zx_{p}_2022"] + lm * weighted[f"zm_{p}_2022"]
        t21 = lx * weighted[f"zx_{p}_2021"] + lm * weighted[f"zm_{p}_2021"]
        out[p] = 100 * (t22 / t21 - 1)
    out["national"] = 100 * ((lx * weighted["x_2022"] + lm * weighted["m_2022"])
                             / (lx * weighted["x_2021"] + lm * weighted["m_2021"]) - 1)  # fmt: skip
    return pd.DataFrame(out)


def province_skill(weighted: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Province growth 2022: the model's weighted median of each province's growth relative to
    the nation, plus the national rate in the data, against the uniform-growth null."""
    g = province_growth_pred(weighted)
    w = weighted["weight"].to_numpy()
    data = province_growth()
    nat_data = 100 * (reference.national().loc[2022, "dd_services_total"]
                      / reference.national().loc[2021, "dd_services_total"] - 1)  # fmt: skip
    rel = g[data.index].sub(g["national"], axis=0)
    med = pd.Series({p: float(weighted_quantile(rel[p], w, 0.5)[0]) for p in data.index}) + nat_data
    lo = pd.Series({p: float(weighted_quantile(rel[p], w, 0.05)[0]) for p in data.index}) + nat_data
    hi = pd.Series({p: float(weighted_quantile(rel[p], w, 0.95)[0]) for p in data.index}) + nat_data
    table = pd.DataFrame({"data": data, "model": med, "low": lo, "high": hi, "null": nat_data})
    rmse = float(np.sqrt(((table["model"] - table["data"]) ** 2).mean()))
    rmse0 = float(np.sqrt(((table["null"] - table["data"]) ** 2).mean()))
    rho = float(stats.spearmanr(table["model"], table["data"]).statistic)
    r = float(np.corrcoef(table["model"], table["data"])[0, 1])
    return table, {"rmse": rmse, "rmse_null": rmse0, "spearman": rho, "pearson": r,
                   "skill": 1 - rmse**2 / rmse0**2}  # fmt: skip


def _band_table(values: pd.DataFrame, data: pd.Series, w: np.ndarray) -> pd.DataFrame:
    rows = []
    for name in data.index:
        q5, q50, q95 = weighted_quantile(values[name].to_numpy(), w, [0.05, 0.5, 0.95])
        d = float(data[name])
        rows.append((name, d, q50, q5, q95, q5 <= d <= q95, q50 / d - 1))
    return pd.DataFrame(rows, columns=["name", "data", "median", "low", "high", "covered", "error"])


def ppc(weighted: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Posterior predictive check of every observation row (model value plus the row's error)."""
    obs = observations()
    lam = _lam(weighted)
    pred = predict(weighted, obs, lam)
    w = weighted["weight"].to_numpy()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    rows = []
    for j, r in enumerate(obs.itertuples()):
        e = rng.standard_normal(len(pred))
        if r.kind == "region_share":
            rep = pred[:, j] + r.sd * e
        elif r.kind == "growth":
            rep = 100 * ((1 + pred[:, j] / 100) * np.exp(r.sd * e) - 1)
        else:
            rep = pred[:, j] * np.exp(r.sd * e)
        q5, q50, q95 = weighted_quantile(rep, w, [0.05, 0.5, 0.95])
        ok = np.isfinite(rep)
        p = float(np.sum(w[ok] * (rep[ok] <= r.value)) / np.sum(w[ok]))
        rows.append((r.name, r.kind, r.value, q50, q5, q95, q5 <= r.value <= q95, p))
    return pd.DataFrame(rows, columns=["name", "kind", "data", "median", "low", "high", "covered", "p_value"])


@dataclass
class Validation:
    """What ``ftzsim calibrate --validate`` reports."""

    llyo: pd.DataFrame  # 2022 national figures predicted without 2022 data
    llyo_ess: float
    provinces: pd.DataFrame  # province growth, out of sample (leave-last-year-out weights)
    skill: dict[str, float]
    provinces_full: pd.DataFrame  # the same under the full posterior
    skill_full: dict[str, float]
    ppc: pd.DataFrame


def validate(wave1: pd.DataFrame, wave2_weighted: pd.DataFrame, names: list[str], seed: int) -> Validation:
    """Leave-last-year-out, province skill and posterior predictive checks (module docstring)."""
    from ftzsim.calibration.posterior import ess

    held = weigh(wave1, observations(through=2021), names, proposal_uniform=False, seed=seed)
    values, data = national_2022(held)
    # the left-out year's figures carry their own year shock, which no run has: the
    # predictive band adds the growth scatter measured in the data (targets.GROWTH_SD)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    values = values * np.exp(GROWTH_SD * rng.standard_normal(len(values)))[:, None]
    llyo = _band_table(values, data, held["weight"].to_numpy())
    prov, skill = province_skill(held)
    prov_full, skill_full = province_skill(wave2_weighted)
    return Validation(llyo, ess(held["weight"].to_numpy()), prov, skill, prov_full, skill_full,
                      ppc(wave2_weighted, seed))  # fmt: skip
