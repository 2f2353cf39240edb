"""Bayesian calibration by history matching with a Gaussian-process emulator, then importance
sampling of real runs (``ftzsim calibrate``; docs/calibration.md says why this method).

Steps, each an experiment-engine sweep (parallel, resumable, with a progress bar) in its own
folder under ``out``:

1. ``screen``: a Morris screen (SALib) of every candidate parameter (the registry's
   ``fittable`` parameters less the level factors) on the scale-free calibration quantities
   (growth rates, regional shares, province levels relative to the nation). Parameters whose
   elementary effects move some quantity by at least :data:`SCREEN_THRESHOLD` of its error
   standard deviation become the emulator's active inputs.
2. ``wave1``: a Latin hypercube in the prior's quantile space over all candidates (inactive
   ones too: the data do not inform them, so their posterior is their prior and the bands
   carry it).
3. History matching (Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015): one
   ``scikit-learn`` Gaussian process per scale-free observation on the active inputs, with a
   white-noise term for seed noise; a point is *not ruled out yet* (NROY) when its
   implausibility ``|z - E[f]| / sqrt(sd_obs² + Var[f])`` is at most 3 for every observation
   (Pukelsheim's three-sigma rule).
4. ``wave2``: points drawn from the prior and kept when the emulator finds them NROY.
5. The posterior: wave-2 runs weighted by the real simulator's likelihood
   (:func:`ftzsim.calibration.posterior.weigh`; the level factors integrated analytically).

Everything is seeded from ``master_seed``: a resumed or repeated calibration gives the same
ensemble bit for bit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ftzsim import levers as L
from ftzsim.calibration.posterior import Posterior, ess, prior, prior_spec, weigh
from ftzsim.calibration.simulate import LEVELS, CalibrationRun
from ftzsim.calibration.targets import observations

__all__ = ["SCREEN_THRESHOLD", "Calibration", "Settings", "calibrate", "candidates"]

#: A parameter is an active emulator input when its Morris mu* reaches this share of some
#: observation's error standard deviation (assumption: a quarter of the data's own noise).
SCREEN_THRESHOLD = 0.25
#: Implausibility cut-off (Pukelsheim 1994: 95% of any unimodal distribution within 3 sd).
IMPLAUSIBILITY_CUT = 3.0


def candidates() -> list[str]:
    """The parameters the calibration may inform: the registry's ``fittable`` ones less the
    level factors (which are integrated analytically)."""
    return [n for n in L.select(fittable=True) if n not in LEVELS]


@dataclass(frozen=True)
class Settings:
    """How a calibration is run (recorded in the posterior's provenance)."""

    scenario: str = "baseline"
    n_firms: int = 5000
    morris_trajectories: int = 10
    wave1: int = 600
    wave2: int = 800
    master_seed: int = 2021
    workers: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "workers"}


@dataclass
class Calibration:
    """What :func:`calibrate` leaves: the runs of each wave and the weighted ensemble."""

    settings: Settings
    active: list[str]
    screen: pd.DataFrame
    wave1: pd.DataFrame
    wave2: pd.DataFrame
    posterior: Posterior
    nroy_share: float
    timings: dict[str, float] = field(default_factory=dict)


def _sweep(fn, design, out: Path, settings: Settings, seed_offset: int, progress: bool) -> pd.DataFrame:
    """Run ``design`` through the engine into ``out`` (resuming what a killed run left)."""
    from ftzsim.engine.store import load_results
    from ftzsim.engine.sweep import sweep_function

    resume = (out / "manifest.json").exists()
    sweep_function(fn, design, out, master_seed=settings.master_seed + seed_offset, workers=settings.workers,
                   resume=resume, progress=progress)  # fmt: skip
    df = load_results(out)
    if df.empty or "x_2022" not in df:
        raise RuntimeError(f"calibration sweep {out.name}: no finished runs")
    return df.sort_values("row_id").reset_index(drop=True)


def _problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[L.get(n).lower, L.get(n).upper] for n in names]}


def _scale_free(df: pd.DataFrame) -> pd.DataFrame:
    """Quantities of a run that do not depend on the level factors (screen and emulator
    outputs): log growth factors 2021-2022, regional shares and provinces' exports relative to
    the nation's, at level factors of 1."""
    obs = observations()
    out = {}
    for s in ("x", "m", "ecny"):
        out[f"g_{s}"] = np.log(df[f"{s}_2022"] / df[f"{s}_2021"])
    out["g_total"] = np.log((df["x_2022"] + df["m_2022"]) / (df["x_2021"] + df["m_2021"]))
    for r in obs.itertuples():
        if r.kind == "province_level":
            nat = "x_2022" if r.series.startswith("zx_") else "m_2022"
            out[f"rel_{r.name}"] = np.log(df[r.series] / df[nat])
    return pd.DataFrame(out)


def _sd_of(col: str) -> float:
    from ftzsim.calibration.targets import ERROR_SD

    return ERROR_SD["province_level"] if col.startswith("rel_") else ERROR_SD["growth"]


def morris_screen(design, runs: pd.DataFrame) -> pd.DataFrame:
    """mu* of every candidate on every scale-free quantity, in units of its error sd."""
    from ftzsim.engine.sensitivity import analyze

    q = _scale_free(runs)
    rows = []
    for col in q.columns:
        vals = pd.DataFrame({"row_id": runs["row_id"], "y": q[col].to_numpy()})
        res = analyze(design, vals, method="morris")
        for r in res[res["index"] == "mu_star"].itertuples():
            rows.append((r.parameter, col, r.value / _sd_of(col)))
    return pd.DataFrame(rows, columns=["parameter", "quantity", "mu_star_sd"])


def _emulators(X: np.ndarray, Y: pd.DataFrame, seed: int):
    """One GP per emulated quantity (Matern 5/2 with per-input length scales + white noise)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    gps = {}
    d = X.shape[1]
    # an input the quantity does not depend on drives its length scale to the upper bound:
    # that is the answer (the input is inactive), not a failure, so sklearn's warning is muted
    warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")
    for col in Y.columns:
        y = Y[col].to_numpy()
        kern = ConstantKernel(1.0, (1e-4, 1e3)) * Matern(np.full(d, 0.5), (1e-2, 1e2), nu=2.5) + WhiteKernel(
            1e-3, (1e-8, 1e0))  # fmt: skip
        gp = GaussianProcessRegressor(kern, normalize_y=True, n_restarts_optimizer=1, random_state=seed)
        gps[col] = gp.fit(X, y)
    return gps


def _unit(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    b = np.array([(L.get(n).lower, L.get(n).upper) for n in names], dtype=float)
    return (frame[names].to_numpy(dtype=float) - b[:, 0]) / (b[:, 1] - b[:, 0])


def implausibility(gps: dict, X: np.ndarray, targets: dict[str, tuple[float, float]]) -> np.ndarray:
    """Maximum implausibility over the emulated observations at unit-cube points ``X``."""
    worst = np.zeros(len(X))
    for col, (z, sd) in targets.items():
        mu, s = gps[col].predict(X, return_std=True)
        worst = np.maximum(worst, np.abs(z - mu) / np.sqrt(sd**2 + s**2))
    return worst


def _emulated_targets() -> dict[str, tuple[float, float]]:
    """Scale-free observations the emulator matches: growth rows on the log-growth scale."""
    obs = observations()
    series = {"g_x": "g_x", "g_m": "g_m", "g_ecny": "g_ecny", "g_total": "g_total"}
    out = {}
    for r in obs[obs["kind"] == "growth"].itertuples():
        if r.series in series:
            # several rows of one series (the total's three years): their precision-weighted mean
            z, sd = math.log1p(r.value / 100), r.sd
            if r.series in out:
                z0, sd0 = out[r.series]
                w0, w1 = 1 / sd0**2, 1 / sd**2
                z, sd = (z0 * w0 + z * w1) / (w0 + w1), (w0 + w1) ** -0.5
            out[r.series] = (z, sd)
    return out


def prior_lhs(names: list[str], n: int, seed: int):
    """Wave 1: a Latin hypercube on the unit cube mapped through each parameter's prior
    quantile function, i.e. stratified draws *from the prior*. Its runs depend on no data, so
    the leave-last-year-out validation weighs them by the likelihood alone (a hypercube over
    the uniform box would need prior/proposal weights, which wastes most of the runs when the
    priors are peaked: 16 effective of 800 in a trial)."""
    from ftzsim.engine.designs import Design, latin_hypercube

    U = latin_hypercube(len(names), n, np.random.default_rng(np.random.SeedSequence([seed, 1])))
    frame = pd.DataFrame({name: prior(name).ppf(U[:, j]) for j, name in enumerate(names)})
    for name in names:  # a quantile function can round a hair outside the bounds
        frame[name] = frame[name].clip(L.get(name).lower, L.get(name).upper)
    frame.insert(0, "row_id", np.arange(n, dtype=np.int64))
    return Design("prior_lhs", frame, _problem(names), {"source": "Latin hypercube through the prior quantiles"})


def _prior_draws(names: list[str], n: int, seed: int) -> pd.DataFrame:
    """``n`` draws from the prior (:func:`ftzsim.calibration.posterior.prior`)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    return pd.DataFrame({name: prior(name).rvs(size=n, random_state=rng) for name in names})


def calibrate(out: Path, settings: Settings = Settings(), progress: bool = True, log=print) -> Calibration:
    """Run (or resume) the whole calibration into ``out``; see the module docstring."""
    from ftzsim.engine.designs import Design, make_design

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = candidates()
    fn = CalibrationRun(settings.scenario, settings.n_firms)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    log(f"1/4 Morris screen of {len(names)} candidates ({settings.morris_trajectories} trajectories)")
    d_screen = make_design("morris", names, settings.morris_trajectories, seed=settings.master_seed)
    screen_runs = _sweep(fn, d_screen, out / "screen", settings, 0, progress)
    screen = morris_screen(d_screen, screen_runs)
    top = screen.groupby("parameter")["mu_star_sd"].max()
    active = [n for n in names if top.get(n, 0.0) >= SCREEN_THRESHOLD]
    timings["screen"] = time.perf_counter() - t0
    log(f"   active emulator inputs: {', '.join(active) or 'none'}")

    log(f"2/4 wave 1: {settings.wave1} Latin-hypercube runs in the prior's quantile space")
    d1 = prior_lhs(names, settings.wave1, settings.master_seed + 1)
    wave1 = _sweep(fn, d1, out / "wave1", settings, 1, progress)
    timings["wave1"] = time.perf_counter() - t0

    log("3/4 history matching: Gaussian-process emulators and the NROY space")
    targets = _emulated_targets()
    X1 = _unit(wave1, active)
    gps = _emulators(X1, _scale_free(wave1)[list(targets)], settings.master_seed)
    cand = _prior_draws(names, 20 * settings.wave2, settings.master_seed + 2)
    keep = implausibility(gps, _unit(cand, active), targets) <= IMPLAUSIBILITY_CUT
    nroy_share = float(keep.mean())
    chosen = cand[keep].head(settings.wave2).reset_index(drop=True)
    if len(chosen) < settings.wave2:
        log(f"   only {len(chosen)} of {len(cand)} prior draws are NROY")
    log(f"   NROY: {100 * nroy_share:.1f}% of the prior")
    timings["history_matching"] = time.perf_counter() - t0

    log(f"4/4 wave 2: {len(chosen)} runs drawn from the prior within NROY")
    frame = chosen.copy()
    frame.insert(0, "row_id", np.arange(len(frame), dtype=np.int64))
    d2 = Design("nroy", frame, _problem(names), {"source": "prior draws kept by the wave-1 emulator"})
    wave2 = _sweep(fn, d2, out / "wave2", settings, 2, progress)
    timings["wave2"] = time.perf_counter() - t0

    weighted = weigh(wave2, observations(), names, proposal_uniform=False, seed=settings.master_seed)
    members = weighted[weighted["weight"] > 0].reset_index(drop=True)
    ens = members[["seed", *names, *LEVELS, "weight"]].copy()
    ens["weight"] = ens["weight"] / ens["weight"].sum()
    ens.insert(0, "draw", np.arange(len(ens)))
    posterior = Posterior(ens, {
        "kind": "ftzsim.posterior",
        "scenario": settings.scenario,
        "parameters": names,
        "active_inputs": active,
        "settings": settings.to_dict(),
        "method": "history matching (GP emulator, scikit-learn) + importance sampling of real runs",
        "nroy_share": nroy_share,
        "ess": ess(ens["weight"].to_numpy()),
        "members": len(ens),
        "runs": {"screen": len(screen_runs), "wave1": len(wave1), "wave2": len(wave2)},
        "priors": {n: prior_spec(n) for n in names}
        | {k: ["log-uniform", L.get(k).lower, L.get(k).upper] for k in LEVELS},
    })  # fmt: skip
    timings["total"] = time.perf_counter() - t0
    return Calibration(settings, active, screen, wave1, wave2, posterior, nroy_share, timings)
