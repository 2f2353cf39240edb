"""The FTZ model as a function ``f(params, seed) -> outcomes`` for the engine.

The scenario is loaded and validated once per worker process (cached), not once per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["FTZAdapter"]

_CACHE: dict[str, Any] = {}


def _scenario(key: str):
    from ftzsim.scenario import load_scenario

    if key not in _CACHE:
        _CACHE[key] = load_scenario(key)
    return _CACHE[key]


class FTZAdapter:
    """Run :class:`ftzsim.model.FTZModel` and return its scalar outcomes (``model.summary()``).

    Parameters
    ----------
    scenario : str or Path
        Bundled scenario name or path. A design row may carry its own ``scenario`` (the
        scenario-comparison design).
    overrides : dict, optional
        Fixed overrides for every run (e.g. ``{"n_firms": 5000, "quarters": 20}``).
    outcomes : list of str, optional
        Keys of ``model.summary()`` to keep (default: all).
    timeseries : bool
        Also return the national quarterly series (stored under ``timeseries/``).
    base : str or Path
        Folder that relative scenario paths (the experiment's, a design row's) are relative to.
    """

    def __init__(self, scenario: str | Path, overrides: dict | None = None, outcomes: list[str] | None = None,
                 timeseries: bool = False, base: str | Path = "."):  # fmt: skip
        self.scenario = str(scenario)
        self.base = str(base)
        self.overrides = dict(overrides or {})
        self.outcomes = list(outcomes) if outcomes else None
        self.timeseries = timeseries

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        from ftzsim.runs import run_replicates

        p = {**self.overrides, **params}
        name = str(p.pop("scenario", self.scenario))
        from ftzsim.scenario import bundled_scenarios

        if name not in bundled_scenarios():  # a design row's file, relative to the experiment file
            name = str(Path(self.base, name))
        scenario = _scenario(name)
        rep = run_replicates(scenario, [seed], p, frames=("national",) if self.timeseries else ())
        s = {k: v for k, v in rep.summaries[0].items() if k not in ("replicate", "seed")}
        out: dict[str, Any] = {k: s[k] for k in self.outcomes} if self.outcomes else s
        if self.timeseries:
            out["_series"] = rep.frames["national"].drop(columns=["replicate", "seed"])
        return out
