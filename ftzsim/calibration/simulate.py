"""The model as the calibration sees it: ``f(params, seed) -> raw series``, run by the engine.

Runs use level factors of 1 (the level factors multiply recorded flows only, so the
posterior scales the raw series afterwards, exactly) and report, per run, the annual
national and per-zone flows the observation table (:mod:`ftzsim.calibration.targets`) needs,
plus the 2030 values the projection checks need. One run is one parameter row and one seed:
seed noise is part of what the posterior weighs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LEVELS", "CalibrationRun"]

#: The level factors: exact output multipliers, integrated analytically (never in a design).
LEVELS = ("level_ds_exports", "level_ds_imports", "level_ecommerce")


class CalibrationRun:
    """Picklable engine function for the calibration sweeps.

    Parameters
    ----------
    scenario : str
        Bundled scenario name or path.
    n_firms : int
        Firm agents per run.
    quarters : int or None
        Quarters to run (``None``: the scenario's; projections need 2030).
    """

    def __init__(self, scenario: str, n_firms: int, quarters: int | None = None):
        self.scenario = str(scenario)
        self.n_firms = int(n_firms)
        self.quarters = quarters

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, float]:
        from ftzsim.engine.adapter import _scenario
        from ftzsim.model import FTZModel

        over = {**params, **dict.fromkeys(LEVELS, 1.0), "n_firms": self.n_firms}
        if self.quarters is not None:
            over["quarters"] = self.quarters
        model = FTZModel(_scenario(self.scenario), rng=seed, build_firm_agents=False, **over)
        model.run()
        return observe(model)


def observe(model) -> dict[str, float]:
    """Annual raw series of a finished run (level factors as set in the run)."""
    nat = model.annual_frame().set_index("year")
    zones = model.annual_frame(zones=True).set_index(["year", "zone"])
    out: dict[str, float] = {}
    last = int(nat.index.max())
    for y in sorted({2021, 2022, 2030, last} & set(nat.index)):
        r = nat.loc[y]
        out[f"x_{y}"] = float(r["ds_exports"])
        out[f"m_{y}"] = float(r["ds_imports"])
        out[f"ecny_{y}"] = float(r["ecommerce_exports_cny"])
        out[f"eicny_{y}"] = float(
            r["ecommerce_imports"] * r["ecommerce_exports_cny"] / max(r["ecommerce_exports"], 1e-12)
        )
        out[f"adoption_{y}"] = float(r["adoption_rate"])
    for y in (2021, 2022):
        if y not in nat.index:
            continue
        for z in model.zone_names:
            out[f"zx_{z}_{y}"] = float(zones.loc[(y, z), "ds_exports"])
            out[f"zm_{z}_{y}"] = float(zones.loc[(y, z), "ds_imports"])
    out["last_year"] = float(last)
    return {k: (v if np.isfinite(v) else float("nan")) for k, v in out.items()}
