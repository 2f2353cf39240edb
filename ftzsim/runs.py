"""Running a scenario over replicate seeds: the one loop the CLI, the calibration and the
experiment engine share, and the manifest that says what was run.

``ftzsim run`` writes what :func:`run_replicates` returns and :func:`run_manifest` describes,
so a notebook calling these functions gets exactly what the command line writes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FRAMES", "Replicates", "run_manifest", "run_replicates"]

#: Frames a replicate run can collect: quarterly national and zone outcomes, annual national
#: and annual zone aggregates.
FRAMES = ("national", "zones", "annual", "annual_zones")


@dataclass
class Replicates:
    """The runs of one scenario over replicate seeds.

    Attributes
    ----------
    frames : dict of DataFrame
        The collected frames (:data:`FRAMES`), each with ``replicate`` and ``seed`` columns
        first.
    summaries : list of dict
        Per replicate: ``replicate``, ``seed`` and the run's scalar outcomes (``final_``, ``cum_``).
    model : FTZModel
        The last replicate's model (its scenario, network and reach times).
    seeds : list of int
    wall_seconds : float
    """

    frames: dict[str, Any]
    summaries: list[dict[str, Any]]
    model: Any
    seeds: list[int]
    wall_seconds: float
    started: str = field(default="")
    #: the posterior the replicates drew from: name, members, effective sample size, each
    #: replicate's member index and parameter values (empty when parameters were fixed)
    posterior: dict[str, Any] = field(default_factory=dict)


def run_replicates(
    scenario: Any,
    seeds: Sequence[int],
    overrides: dict[str, Any] | None = None,
    *,
    frames: Sequence[str] = ("national", "zones", "annual"),
    progress: bool = False,
    on_step: Callable[[int], None] | None = None,
    posterior_draws: Sequence[int] | None = None,
) -> Replicates:
    """Run ``scenario`` once per seed (common random numbers across scenarios) and collect
    ``frames``; ``progress`` shows a bar per replicate on stderr.

    ``posterior_draws`` (one member index per seed) gives each replicate its own calibrated
    parameter set from the scenario's posterior (``FTZModel(posterior_draw=k)``): the
    replicates then carry parameter and seed uncertainty, and every frame gets a ``draw``
    column."""
    from ftzsim.model import FTZModel

    unknown = [f for f in frames if f not in FRAMES]
    if unknown:
        raise ValueError(f"unknown frames {unknown}; allowed: {', '.join(FRAMES)}")
    overrides = dict(overrides or {})
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    parts: dict[str, list] = {f: [] for f in frames}
    summaries = []
    model = None
    if posterior_draws is not None and len(posterior_draws) != len(seeds):
        raise ValueError(f"posterior_draws: {len(posterior_draws)} given for {len(seeds)} seeds; give one per seed")
    for r, s in enumerate(seeds):
        draw = None if posterior_draws is None else int(posterior_draws[r])
        model = FTZModel(scenario, rng=s, build_firm_agents=False, posterior_draw=draw, **overrides)
        if progress:
            from tqdm import tqdm

            desc = model.config.name + (f" {r + 1}/{len(seeds)}" if len(seeds) > 1 else "")
            with tqdm(total=model.quarters, desc=desc, unit="q", delay=1.0, file=sys.stderr) as bar:
                model.run(progress=bar.update)
        else:
            model.run(progress=on_step)
        made = {
            "national": model.national_frame,
            "zones": model.zone_frame,
            "annual": model.annual_frame,
            "annual_zones": lambda m=model: m.annual_frame(zones=True),
        }
        for f in frames:
            df = made[f]()
            if draw is not None:
                df.insert(0, "draw", draw)
            df.insert(0, "seed", s)
            df.insert(0, "replicate", r)
            parts[f].append(df)
        summaries.append({"replicate": r, "seed": s, **({"draw": draw} if draw is not None else {}), **model.summary()})
    out: dict[str, Any] = {}
    if any(parts.values()):  # pandas only where frames are asked for: a sweep's run (frames=()) never loads it
        import pandas as pd

        out = {f: pd.concat(p, ignore_index=True) for f, p in parts.items() if p}
    post: dict[str, Any] = {}
    if posterior_draws is not None:
        from ftzsim.calibration.posterior import posterior_for

        pst = posterior_for(scenario)
        post = {
            "name": model.config.calibration.get("posterior"),
            "members": len(pst.frame),
            "ess": round(pst.ess, 1),
            "data_sha256": pst.provenance.get("data_sha256"),
            "calibrated_at_revision": pst.provenance.get("git_revision"),
            "draws": [int(k) for k in posterior_draws],
            "values": [pst.draw(int(k)) for k in posterior_draws],
        }
    return Replicates(out, summaries, model, list(seeds), time.perf_counter() - t0, started, post)


def run_manifest(rep: Replicates, *, seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """What ``ftzsim run`` records beside its frames: the scenario as resolved, seeds,
    overrides, the run's network, summaries, timing and provenance (no machine paths)."""
    from ftzsim.io import portable_text, provenance

    model = rep.model
    cfg = model.config
    cfg_dict = cfg.to_dict()
    return {
        "kind": "ftzsim.run",
        "scenario": cfg.name,
        "scenario_source": Path(cfg.source).name,
        "scenario_sha256": cfg.content_hash(),
        "seed": seed,
        "replicates": len(rep.seeds),
        "seeds": rep.seeds,
        "quarters": model.quarters,
        "n_firms": int(model.n_agents.sum()),
        "overrides": overrides,
        "levers": dict(cfg.levers),
        "zone_levers": {z: dict(v) for z, v in cfg.zone_levers.items()},
        **{k: cfg_dict[k] for k in ("schedule", "network", "constants")},
        # the run's own zone network, so figures draw these ties and not a re-derived guess
        "zones": list(model.zone_names),
        "network_edges": [[a, b, d["weight"], list(d["kinds"])] for a, b, d in model.graph.edges(data=True)],
        "uncertainties": dict(cfg.uncertainties),
        "calibrated": cfg.calibration is not None,
        "uncertainty": "parameters (posterior draws) and seeds" if rep.posterior else "seeds only (parameters fixed)",
        **({"posterior": rep.posterior} if rep.posterior else {}),
        "summary": rep.summaries if len(rep.seeds) > 1 else rep.summaries[0],
        "reach_times": model.reach_times(),
        "started": rep.started,
        "wall_seconds": round(rep.wall_seconds, 3),
        "command": ["ftzsim", *map(portable_text, sys.argv[1:])] if Path(sys.argv[0]).name == "ftzsim" else None,
        **provenance(),
    }
