"""The fit: least squares of the replicate-mean model against the targets (``ftzsim calibrate``).

What is fitted
--------------
Zone levels are anchored to 2021 by construction (docs/model.md, "Anchoring"). The fit then
chooses the registry's fittable parameters (``fittable=True``: three growth rates and three
level factors) so that the model's *annual* 2021 and 2022 values match the data (targets in
:mod:`ftzsim.calibration.targets`). Everything else (elasticities, Bass p and q, ...) is taken
from the literature (``elasticities.csv``) and not fitted.

Method
------
Least squares on log errors (``scipy.optimize.least_squares``, trust-region reflective with
bounds) of the replicate mean over common random numbers: every evaluation runs the same
replicate seeds, spawned with ``numpy.random.SeedSequence`` from one master seed, so the
objective is a smooth function of the parameters and the fit is reproducible bit for bit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ftzsim import levers as L
from ftzsim.calibration.targets import targets
from ftzsim.outcomes import REGIONS
from ftzsim.scenario import Scenario, load_scenario
from ftzsim.seeds import replicate_seeds

__all__ = ["FIT_START", "CalibrationResult", "calibrate", "evaluate", "fit_parameters"]

#: Where the least-squares fit starts, where that differs from the registry default (the
#: fitted parameters and their bounds come from the registry: ``fittable=True``).
FIT_START = {"world_demand_growth": 0.06, "ecommerce_extra_growth": 0.03}


def fit_parameters() -> list[tuple[str, float, float, float]]:
    """(name, start, lower, upper) of every fittable registry parameter."""
    out = []
    for name in L.select(fittable=True):
        p = L.get(name)
        out.append((name, FIT_START.get(name, p.default), p.lower, p.upper))
    return out


def _with_params(sc: Scenario, values: dict[str, float], n_firms: int | None) -> Scenario:
    unc = dict(sc.uncertainties)
    for k, v in values.items():
        unc[k] = float(v)
    return dataclasses.replace(sc, uncertainties=unc, quarters=8, n_firms=n_firms or sc.n_firms, schedule=())


def evaluate(sc: Scenario, values: dict[str, float], seeds: list[int], n_firms: int | None = None) -> pd.Series:
    """Replicate-mean model values for every target name (2021-2022 only)."""
    from ftzsim.model import FTZModel

    run_sc = _with_params(sc, values, n_firms)
    acc: dict[str, float] = {}
    for seed in seeds:
        m = FTZModel(run_sc, rng=seed, build_firm_agents=False).run()
        nat = m.annual_frame().set_index("year")
        zones = m.annual_frame(zones=True).set_index(["year", "zone"])
        out = {}
        for year in (2021, 2022):
            for name in ("ds_total", "ds_exports", "ds_imports", "ecommerce_exports"):
                out[f"{name}_{year}"] = nat.loc[year, name]
        for z in m.zone_names:
            tot = {y: zones.loc[(y, z), "ds_exports"] + zones.loc[(y, z), "ds_imports"] for y in (2021, 2022)}
            out[f"{z}_total_2022"] = tot[2022]
            out[f"{z}_exports_2022"] = zones.loc[(2022, z), "ds_exports"]
            out[f"{z}_growth_2022"] = 100 * (tot[2022] / tot[2021] - 1) if tot[2021] > 0 else 0.0
        for r in REGIONS:
            out[f"share_{r}_2022"] = 100 * nat.loc[2022, f"share_{r}"]
        for k, v in out.items():
            acc[k] = acc.get(k, 0.0) + v / len(seeds)
    return pd.Series(acc)


def _residuals(achieved: pd.Series, tg: pd.DataFrame) -> np.ndarray:
    a = achieved.reindex(tg["name"]).to_numpy()
    t = tg["target"].to_numpy()
    w = np.sqrt(tg["weight"].to_numpy())
    growth = tg["kind"].eq("province_growth").to_numpy()
    # log errors for levels and shares; growth rates as log ratios of growth factors
    lvl = np.log(np.maximum(a, 1e-12) / np.maximum(t, 1e-12))
    gr = np.log((1 + a / 100) / (1 + t / 100))
    return w * np.where(growth, gr, lvl)


@dataclass
class CalibrationResult:
    fitted: dict[str, float]
    table: pd.DataFrame
    seeds: list[int]
    master_seed: int
    replicates: int
    n_firms: int
    cost: float
    evaluations: int


def calibrate(
    scenario: str | Path | Scenario,
    master_seed: int = 2021,
    replicates: int = 10,
    n_firms: int | None = None,
    max_evaluations: int = 200,
) -> CalibrationResult:
    """Fit the fittable registry parameters to the 2021-2022 targets (see module docstring)."""
    sc = load_scenario(scenario)
    seeds = replicate_seeds(master_seed, replicates)
    tg = targets(list(sc.zones))
    spec = fit_parameters()
    names = [p[0] for p in spec]
    x0 = np.array([p[1] for p in spec])
    lo = np.array([p[2] for p in spec])
    hi = np.array([p[3] for p in spec])
    count = 0

    def fun(x: np.ndarray) -> np.ndarray:
        nonlocal count
        count += 1
        return _residuals(evaluate(sc, dict(zip(names, x, strict=True)), seeds, n_firms), tg)

    res = least_squares(fun, x0, bounds=(lo, hi), x_scale=np.full(len(x0), 0.05), diff_step=1e-4,
                        max_nfev=max_evaluations, xtol=1e-10, ftol=1e-10)  # fmt: skip
    fitted = {n: float(np.round(v, 10)) for n, v in zip(names, res.x, strict=True)}
    achieved = evaluate(sc, fitted, seeds, n_firms)
    table = tg.copy()
    table["achieved"] = achieved.reindex(tg["name"]).to_numpy()
    rel = table["kind"].isin(["national", "ecommerce", "province"])
    table["error"] = np.where(rel, table["achieved"] / table["target"] - 1, table["achieved"] - table["target"])
    table["met"] = table["error"].abs() <= table["tolerance"]
    return CalibrationResult(fitted, table, seeds, master_seed, replicates, n_firms or sc.n_firms,
                             float(res.cost), count)  # fmt: skip
