"""The effect card: what each policy lever does, from its lower to its upper bound (issue 11).

A what-if figure is only worth publishing when its effect sizes are defensible, and a reader
can only judge them when every lever's effect is on one page beside the evidence it rests
on. The card answers, for every lever of the registry: *moving this lever from its lower to
its upper bound (in every zone, for a zone lever), everything else as in the scenario, what
happens to each outcome in the final year?*

How the card is computed
------------------------
* **Pairs on shared seeds.** Each lever is run at its lower and at its upper bound. Both runs
  of a pair use the same seed (every design row of a sweep runs on the same replicate seeds,
  :func:`ftzsim.seeds.replicate_seeds`), so firm draws and shocks cancel in the difference
  (common random numbers) and the effect is not seed noise.
* **Relative effect** of one pair: ``100 (Y_high - Y_low) / Y_low`` percent (undefined, NaN,
  when ``Y_low`` is 0); the absolute difference ``Y_high - Y_low`` is kept beside it.
* **Spread over what we do not know.** The pairs are repeated at the scenario's values of the
  uncertainties (row 0, the *defaults*) and at ``n_lhs`` Latin-hypercube rows over the
  registry bounds of a short list of uncertainties (:data:`DEFAULT_UNCERTAINTIES`: the
  parameters the levers' effects scale with). ``mid`` is the effect at the defaults (mean over
  replicates), ``low`` and ``high`` the 5th and 95th percentiles over the LHS rows and the
  defaults row of the replicate-averaged effect (so the band always holds the default effect),
  and ``seed_sd`` the standard deviation over replicates at the defaults (how much of an effect
  could be seed noise).
* **The engine runs it.** The runs go through :func:`ftzsim.engine.sweep.sweep_function`
  (process pool, resumable Parquet store, progress bar). The design is a table of rows
  ``(u_row, lever, level, value, <uncertainties>)``; a small wrapper turns a row into the
  overrides ``{lever: value, **uncertainties}`` of the function it runs.

The core (:func:`effect_runs`, :func:`summarize_effects`) takes any callable
``f(params, seed) -> dict`` and any levers and uncertainties with bounds, so it is tested on a
function whose effects are known in closed form; :func:`effect_card` applies it to the FTZ
model with names, bounds and labels from the registry.

Cost: ``2 x levers x (n_lhs + 1) x replicates`` runs; for the baseline (22 levers, n_lhs 16,
2 replicates) 1,496 runs at :data:`CARD_FIRMS` agents, the sweeps' converged count.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ftzsim import levers as L
from ftzsim.io import UserError
from ftzsim.scenario import SWEEP_FIRMS

if TYPE_CHECKING:  # workers unpickle LeverRun from here: keep scipy (designs) out of their start-up
    from ftzsim.engine.designs import Design

__all__ = [
    "CARD_COLUMNS",
    "CARD_FIRMS",
    "DEFAULT_OUTCOMES",
    "DEFAULT_UNCERTAINTIES",
    "MARK_END",
    "MARK_START",
    "effect_card",
    "effect_design",
    "effect_runs",
    "markdown_card",
    "splice_block",
    "strip_block",
    "summarize_effects",
    "write_card",
]

#: Outcomes the card reports by default: services exports, e-commerce exports, adoption and
#: incidents in the final year (issue 11).
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "final_ds_exports",
    "final_ecommerce_exports",
    "final_goods_exports",
    "final_adoption_rate",
    "cum_incidents",  # incidents over the run: one year's count is a noisy stock of a ratchet
)

#: Uncertainties the card varies by default: those the levers' effects scale with (trade
#: and openness elasticities, the cost cuts behind the trade-cost levers, firm heterogeneity,
#: diffusion speed and the incident rate). Edit this list, not the code; names no longer in
#: the registry are skipped.
DEFAULT_UNCERTAINTIES: tuple[str, ...] = (
    "dstri_semi_elasticity",
    "trade_elasticity",
    "size_tail",
    "export_fixed_cost",
    "alignment_effect",
    "single_window_cost_cut",
    "bass_q",
    "incident_base_rate",
    "trade_cost_ave",
    "tighten_factor",
    "pilot_area_share",
)

#: Firm agents the card runs by default (fewer if the scenario has fewer): the sweeps' converged
#: count (``ftzsim.scenario.SWEEP_FIRMS``; docs/experiments.md, "Number of firm agents": the
#: 2030 policy effect at 2,000 agents is within 0.1 pp of 200,000). The full baseline card at its
#: 20,000 firms took 5 min 32 s on the project's 2 shared cores, over the 5-minute budget.
CARD_FIRMS = SWEEP_FIRMS

#: Columns of a card, in order (one row per lever and outcome).
CARD_COLUMNS: tuple[str, ...] = (
    "lever", "label", "kind", "outcome", "outcome_label", "unit", "lower", "upper",
    "mid", "low", "high", "seed_sd", "mid_abs", "low_abs", "high_abs", "y_low", "y_high",
    "channel", "evidence", "n_runs",
)  # fmt: skip

MARK_START = "<!-- effect-card:start -->"
MARK_END = "<!-- effect-card:end -->"

_DESIGN_COLS = ("u_row", "lever", "level", "value")


# ---------------------------------------------------------------------------------- design
def effect_design(
    levers: Mapping[str, tuple[float, float]],
    uncertainties: Mapping[str, tuple[float, float]],
    defaults: Mapping[str, float],
    n_lhs: int,
    seed: int,
    integer: Sequence[str] = (),
) -> Design:
    """The card's design: every lever at its low and high value, at every uncertainty row.

    Parameters
    ----------
    levers : mapping name -> (low, high)
        The values each lever is moved between.
    uncertainties : mapping name -> (lower, upper)
        Ranges of the uncertainties varied by the LHS.
    defaults : mapping name -> value
        The uncertainties' values in row 0 (the scenario's values).
    n_lhs : int
        Latin-hypercube rows (:func:`ftzsim.engine.designs.latin_hypercube`, seeded by ``seed``), after row 0.
    integer : list of str
        Uncertainties that take whole numbers (their LHS values are rounded).

    Returns
    -------
    Design
        Rows ``u_row`` (0 = defaults, 1..n_lhs = LHS), ``lever``, ``level`` ("low"/"high"),
        ``value`` and one column per uncertainty; ``row_id`` in that order. The two runs of
        a pair are neighbours, which keeps them in the same batch of the runner.
    """
    from ftzsim.engine.designs import Design, _seed, scaled_lhs

    if n_lhs < 0:
        raise ValueError(f"n_lhs must be >= 0, got {n_lhs}")
    names = list(uncertainties)
    missing = [u for u in names if u not in defaults]
    if missing:
        raise ValueError(f"no default value for uncertainties {missing}")
    lo = np.array([uncertainties[u][0] for u in names], dtype=float)
    hi = np.array([uncertainties[u][1] for u in names], dtype=float)
    if np.any(lo >= hi):
        raise ValueError("every uncertainty range needs lower < upper")
    U = np.array([[float(defaults[u]) for u in names]]) if names else np.zeros((1, 0))
    if n_lhs and names:
        lhs = scaled_lhs(lo, hi, n_lhs, _seed(seed))
        lhs = np.clip(lhs, lo, hi)
        for j, n in enumerate(names):
            if n in integer:
                lhs[:, j] = np.round(lhs[:, j])
        U = np.vstack([U, lhs])
    elif n_lhs:  # nothing to vary: the LHS rows repeat the defaults
        U = np.zeros((n_lhs + 1, 0))
    rows = []
    for k, u in enumerate(U):
        for lever, (a, b) in levers.items():
            for level, v in (("low", a), ("high", b)):
                rows.append({"u_row": k, "lever": lever, "level": level, "value": float(v),
                             **{n: float(x) for n, x in zip(names, u, strict=True)}})  # fmt: skip
    frame = pd.DataFrame(rows, columns=[*_DESIGN_COLS, *names])
    frame.insert(0, "row_id", np.arange(len(frame), dtype=np.int64))
    problem = {"num_vars": len(names), "names": names, "bounds": [[float(a), float(b)] for a, b in zip(lo, hi)]}
    settings = {"n_lhs": n_lhs, "seed": seed, "levers": {k: list(map(float, v)) for k, v in levers.items()}}
    return Design("effects", frame, problem, settings)


class LeverRun:
    """Turn a design row of the card into the overrides of ``fn`` and call it.

    A row ``{u_row, lever, level, value, u1, u2, ...}`` becomes ``fn({lever: value, u1: ..,
    u2: ..}, seed)``; parameters named in ``integer`` get whole numbers (``int``). Picklable (a module-level
    class holding a picklable ``fn``), so the process pool can ship it to workers.
    """

    def __init__(self, fn: Callable[[dict, int], Mapping[str, float]], integer: Sequence[str] = ()):
        self.fn = fn
        self.integer = frozenset(integer)

    def __call__(self, params: dict[str, Any], seed: int) -> Mapping[str, float]:
        p = {k: round(v) if k in self.integer else v for k, v in params.items() if k not in _DESIGN_COLS}
        name, v = params["lever"], params["value"]
        p[name] = round(v) if name in self.integer else v
        return self.fn(p, seed)


# ---------------------------------------------------------------------------------- runs
def effect_runs(
    fn: Callable[[dict, int], Mapping[str, float]],
    levers: Mapping[str, tuple[float, float]],
    uncertainties: Mapping[str, tuple[float, float]],
    defaults: Mapping[str, float],
    outcomes: Sequence[str],
    *,
    n_lhs: int = 8,
    replicates: int = 2,
    master_seed: int = 2030,
    workers: int | None = None,
    out: str | Path,
    integer: Sequence[str] = (),
    overwrite: bool = False,
    progress: bool = True,
    extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Run every pair of the card through the engine and return one row per pair and replicate.

    ``fn(params, seed)`` is any picklable callable returning the ``outcomes``. The runs go
    into the sweep store at ``out``; a store of the same card (same hash of the settings and
    ``extra``) is resumed, so an interrupted card finishes where it stopped; a store of another
    card is refused unless ``overwrite``. A run that fails makes the
    card fail (a card with holes would look complete): the error names the failures folder.

    Returns
    -------
    DataFrame
        Columns ``u_row, lever, replicate, seed``, and per outcome ``<o>@low``, ``<o>@high``,
        ``<o>@rel`` (percent) and ``<o>@abs``.
    """
    from ftzsim.engine.store import RunStore, load_results
    from ftzsim.engine.sweep import sweep_function

    design = effect_design(levers, uncertainties, defaults, n_lhs, master_seed, integer)
    settings = {
        "levers": {k: [float(a), float(b)] for k, (a, b) in levers.items()},
        "uncertainties": {k: [float(a), float(b)] for k, (a, b) in uncertainties.items()},
        "defaults": {k: float(defaults[k]) for k in uncertainties},
        "outcomes": list(outcomes), "n_lhs": n_lhs, "replicates": replicates, "master_seed": master_seed,
        **(extra or {}),
    }  # fmt: skip
    text = json.dumps(settings, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    store = RunStore(out)
    resume = False
    if store.exists and not overwrite:
        if store.manifest().get("experiment_sha256") != digest:
            raise UserError(f"--out {out}: holds the runs of a different effect card; pass --overwrite or choose "
                            "another --out")  # fmt: skip
        resume = True
    before = len(store.done()) if resume else 0
    sweep_function(
        LeverRun(fn, integer), design, out, replicates=replicates, master_seed=master_seed, workers=workers,
        resume=resume, overwrite=overwrite, progress=progress, spec_text=text + "\n",
        spec_hash=digest, extra={"kind_detail": "ftzsim.effects", "effect_card": settings},
    )  # fmt: skip
    failed = store.failed()
    if len(failed):
        first = failed.iloc[0]
        raise RuntimeError(f"{len(failed)} of the card's runs failed (first: {first['error']}: {first['message']}); "
                           f"see {store.failures}")  # fmt: skip
    res = load_results(out)
    missing = [o for o in outcomes if o not in res.columns]
    if missing:
        raise ValueError(f"the function returned no outcome {missing}")
    wide = res.pivot_table(index=["u_row", "lever", "replicate", "seed"], columns="level", values=list(outcomes),
                           aggfunc="first")  # fmt: skip
    out_df = wide.index.to_frame(index=False)
    order = {name: i for i, name in enumerate(levers)}  # the caller's (registry) order, not alphabetical
    keep = np.lexsort((out_df["replicate"], out_df["lever"].map(order), out_df["u_row"]))
    wide, out_df = wide.iloc[keep], out_df.iloc[keep].reset_index(drop=True)
    for o in outcomes:
        y0 = wide[(o, "low")].to_numpy(dtype=float)
        y1 = wide[(o, "high")].to_numpy(dtype=float)
        out_df[f"{o}@low"] = y0
        out_df[f"{o}@high"] = y1
        with np.errstate(divide="ignore", invalid="ignore"):
            out_df[f"{o}@rel"] = np.where(y0 != 0, 100.0 * (y1 - y0) / np.where(y0 != 0, y0, 1.0), np.nan)
        out_df[f"{o}@abs"] = y1 - y0
    out_df.attrs["runs_now"] = len(res) - before  # run by this call; the rest were resumed from the store
    return out_df


def _pct(values: np.ndarray, q: float) -> float:
    v = values[np.isfinite(values)]
    return float(np.percentile(v, q)) if v.size else math.nan


def summarize_effects(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per (lever, outcome): ``mid``, ``low``, ``high``, ``seed_sd`` and the absolute
    versions (see the module docstring), from the pairs of :func:`effect_runs`.

    Means skip undefined relative effects (``Y_low`` = 0); ``low``/``high`` are NaN without
    LHS rows and ``seed_sd`` is NaN with one replicate.
    """
    rows = []
    levers = list(dict.fromkeys(runs["lever"]))
    for lever in levers:
        r = runs[runs["lever"] == lever]
        at0 = r[r["u_row"] == 0]
        # the spread over what we do not know: the LHS rows and the defaults row together, so
        # the band always contains the default effect
        lhs = r if (r["u_row"] > 0).any() else r.iloc[0:0]
        for o in outcomes:
            rel0 = at0[f"{o}@rel"].to_numpy(dtype=float)
            per_row = lhs.groupby("u_row")[[f"{o}@rel", f"{o}@abs"]].mean()
            rel_rows = per_row[f"{o}@rel"].to_numpy(dtype=float)
            abs_rows = per_row[f"{o}@abs"].to_numpy(dtype=float)
            fin = rel0[np.isfinite(rel0)]
            rows.append({
                "lever": lever, "outcome": o,
                "mid": float(fin.mean()) if fin.size else math.nan,
                "low": _pct(rel_rows, 5), "high": _pct(rel_rows, 95),
                "seed_sd": float(fin.std(ddof=1)) if fin.size > 1 else math.nan,
                "mid_abs": float(at0[f"{o}@abs"].mean()),
                "low_abs": _pct(abs_rows, 5), "high_abs": _pct(abs_rows, 95),
                "y_low": float(at0[f"{o}@low"].mean()), "y_high": float(at0[f"{o}@high"].mean()),
                "n_runs": 2 * len(r),
            })  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- the model
def _check_names(given: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    import difflib

    out = []
    for n in given:
        if n not in allowed:
            close = list(dict.fromkeys([*difflib.get_close_matches(n, allowed, n=3),
                                        *(a for a in allowed if n and n in a)]))[:3]  # fmt: skip
            hint = f"; did you mean {', '.join(close)}?" if close else f"; allowed: {', '.join(allowed)}"
            raise UserError(f"{what} {n!r} is not known{hint}")
        out.append(n)
    if len(set(out)) != len(out):
        raise UserError(f"{what}s: a name is given twice ({', '.join(out)})")
    return out


def effect_card(
    scenario: str | Path = "baseline",
    *,
    levers: Sequence[str] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    uncertainties: Sequence[str] | None = None,
    n_lhs: int = 16,
    replicates: int = 2,
    master_seed: int = 2030,
    n_firms: int | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """The effect card of the FTZ model: every lever from its lower to its upper bound.

    Parameters
    ----------
    scenario : str or Path
        Bundled scenario name or scenario file; everything not moved stays as it sets it.
        Its ``[[schedule]]`` entries still apply during the run (a schedule that sets the
        lever later undoes part of the move).
    levers : list of str, optional
        Registry levers (zone or national) to show; default all. A zone lever is set in every
        zone (``data_openness=1.0``), a national lever once (``rule_alignment.eu=1.0``).
    outcomes : list of str
        Scalar outcomes (:func:`ftzsim.outcomes.summary_names`), final-year values by default.
    uncertainties : list of str, optional
        Registry uncertainties the LHS varies over their registry bounds; default
        :data:`DEFAULT_UNCERTAINTIES` (those still in the registry).
    n_lhs, replicates, master_seed : int
        LHS rows (besides the defaults row), replicate seeds per row, and the master seed of
        both the LHS and the replicate seeds (the card is reproducible from it).
    n_firms : int, optional
        Firm agents. Default :data:`CARD_FIRMS` (5,000), or the scenario's count if smaller:
        the baseline card at its 20,000 firms took 5 min 32 s on 2 busy cores, over the
        5-minute budget, and results have converged in the number of agents well below 5,000
        (the card's header says which count was used).
    workers : int, optional
        Worker processes (default: all cores).
    out : path, optional
        The runs' store (a sweep directory, resumable); default a temporary directory that
        is removed afterwards.
    overrides : mapping, optional
        Further fixed overrides for every run (e.g. ``{"quarters": 8}`` in tests).

    Returns
    -------
    DataFrame
        One row per (lever, outcome), columns :data:`CARD_COLUMNS`; ``attrs`` hold the card's
        settings (scenario, firms, final year, seeds, timing) for the writers' header.
    """
    from ftzsim import outcomes as O
    from ftzsim.engine.adapter import FTZAdapter
    from ftzsim.io import git_revision
    from ftzsim.scenario import load_scenario

    all_levers = [n for n, p in L.REGISTRY.items() if p.kind in ("zone_lever", "national_lever")]
    lever_names = _check_names(list(levers) if levers else all_levers, all_levers, "lever")
    outcome_names = _check_names(list(outcomes), O.summary_names(), "outcome")
    all_unc = L.names("uncertainty")
    if uncertainties is None:
        unc_names = [u for u in DEFAULT_UNCERTAINTIES if u in L.REGISTRY and L.REGISTRY[u].kind == "uncertainty"]
    else:
        unc_names = _check_names(list(uncertainties), all_unc, "uncertainty")
    if not lever_names or not outcome_names:
        raise UserError("the card needs at least one lever and one outcome")
    if n_lhs < 0 or replicates < 1:
        raise UserError(f"n_lhs must be >= 0 and replicates >= 1 (got {n_lhs}, {replicates})")
    sc = load_scenario(scenario)
    fixed = dict(overrides or {})
    fixed["n_firms"] = int(n_firms) if n_firms is not None else min(sc.n_firms, CARD_FIRMS)
    quarters = int(fixed.get("quarters", sc.quarters))
    final_year = sc.start[0] + (sc.start[1] - 1 + quarters - 1) // 4
    bounds = {n: (L.REGISTRY[n].lower, L.REGISTRY[n].upper) for n in lever_names}
    unc_bounds = {u: (L.REGISTRY[u].lower, L.REGISTRY[u].upper) for u in unc_names}
    defaults = {u: float(sc.uncertainties.get(u, L.REGISTRY[u].default)) for u in unc_names}
    fn = FTZAdapter(str(scenario), overrides=fixed, outcomes=outcome_names)
    integer = [n for n in (*lever_names, *unc_names) if L.REGISTRY[n].integer]
    # the commit (not its "-dirty" mark) is part of the card's identity: runs of an earlier commit
    # are not resumed into a new card, while writing the card into docs/ (which dirties the tree)
    # does not stop the same command from resuming
    extra = {"scenario": sc.name, "scenario_sha256": sc.content_hash(), "overrides": fixed,
             "git": (git_revision() or "").removesuffix("-dirty")}  # fmt: skip
    t0 = time.perf_counter()
    tmp = None
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix="ftzsim-effects-")
        out = Path(tmp.name) / "runs"
    try:
        runs = effect_runs(fn, bounds, unc_bounds, defaults, outcome_names, n_lhs=n_lhs, replicates=replicates,
                           master_seed=master_seed, workers=workers, out=out, integer=integer,
                           overwrite=overwrite, progress=progress, extra=extra)  # fmt: skip
    finally:
        if tmp is not None:
            tmp.cleanup()
    wall = time.perf_counter() - t0
    card = summarize_effects(runs, outcome_names)
    meta = []
    for r in card.itertuples():
        p = L.REGISTRY[r.lever]
        ev = getattr(p, "evidence", ())
        meta.append({
            "label": p.label, "label_zh": p.label_zh, "kind": p.kind,
            "outcome_label": O.label(r.outcome), "outcome_label_zh": O.label(r.outcome, "zh"),
            "unit": O.unit(r.outcome), "lower": p.lower, "upper": p.upper,
            "channel": str(getattr(p, "channel", "") or ""),
            "evidence": "; ".join(ev) if isinstance(ev, (tuple, list)) else str(ev or ""),
        })  # fmt: skip
    card = pd.concat([card, pd.DataFrame(meta)], axis=1)
    card = card[[*CARD_COLUMNS, "label_zh", "outcome_label_zh"]]
    card.attrs = {
        "scenario": sc.name, "n_firms": fixed["n_firms"], "scenario_firms": sc.n_firms, "quarters": quarters,
        "final_year": final_year, "n_lhs": n_lhs, "replicates": replicates, "master_seed": master_seed,
        "uncertainties": unc_names, "overrides": {k: v for k, v in fixed.items() if k != "n_firms"},
        "runs": int(len(runs) * 2), "runs_now": int(runs.attrs.get("runs_now", len(runs) * 2)),
        "wall_seconds": round(wall, 1),
        "workers": workers or os.cpu_count() or 1, "schedule": bool(sc.schedule),
    }  # fmt: skip
    return card


# ---------------------------------------------------------------------------------- writers
def _fmt(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:+.1f}"


def _text(v: Any) -> str:
    """A text cell; empty (NaN after a CSV round trip, None, "") becomes a dash."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "":
        return "–"
    return str(v).replace("|", "\\|").replace("\n", " ")  # a table cell: no pipe, no line break


def _cell(mid: float, low: float, high: float) -> str:
    if not np.isfinite(low) and not np.isfinite(high):
        return f"{_fmt(mid)} %"
    return f"{_fmt(mid)} [{_fmt(low)}, {_fmt(high)}] %"


def header_text(attrs: Mapping[str, Any], lang: str = "en") -> str:
    """One paragraph saying what the card is and how it was computed (from ``frame.attrs``)."""
    if not attrs:
        return ""
    unc = ", ".join(f"`{u}`" for u in attrs.get("uncertainties", [])) or "none"
    ov = attrs.get("overrides") or {}
    extra = f", overrides {', '.join(f'{k}={v}' for k, v in ov.items())}" if ov else ""
    sched = " The scenario's schedule still applies during the runs." if attrs.get("schedule") else ""
    own = attrs.get("scenario_firms", attrs["n_firms"])
    if own != attrs["n_firms"]:
        extra = f"; the scenario has {own:,}" + extra
    runs, now = attrs["runs"], attrs.get("runs_now", attrs["runs"])
    extra_zh = f"，情景本身 {own:,} 家" if own != attrs["n_firms"] else ""
    resumed = "" if now == runs else f" ({now} of them in this call, the rest resumed from the store)"
    resumed_zh = "" if now == runs else f"（本次运行 {now} 次，其余取自已有结果）"
    if lang == "zh":
        return (f"情景 `{attrs['scenario']}`（{attrs['n_firms']:,} 家企业{extra_zh}），{attrs['final_year']} 年结果。"
                f"每个政策杠杆在所有自贸区由下限调到上限，其余不变，同一随机种子（共同随机数）。"
                f"数值：默认参数下的相对效应 mid（{attrs['replicates']} 次重复的均值）[5%, 95% 分位，"
                f"{attrs['n_lhs']} 行拉丁超立方抽样及默认值行，变动：{unc}]。"
                f"{attrs['runs']} 次运行{resumed_zh}，{attrs['wall_seconds']} 秒，{attrs['workers']} 个进程，主种子 "
                f"{attrs['master_seed']}。{sched}")  # fmt: skip
    return (
        f"Scenario `{attrs['scenario']}` ({attrs['n_firms']:,} firms{extra}), outcomes in {attrs['final_year']}. "
        "Each lever moved from its lower to its upper bound (in every zone, for zone levers), everything else "
        "as in the scenario, low and high runs on the same seeds (common random numbers). Cells: effect at the "
        f"scenario's uncertainty values, mean of {attrs['replicates']} replicates [5th, 95th percentile over "
        f"{attrs['n_lhs']} Latin-hypercube rows of {unc} over their registry bounds and the defaults row], in "
        "percent of the "
        f"low-bound value. {attrs['runs']} runs{resumed} in {attrs['wall_seconds']} s on {attrs['workers']} worker(s), "
        f"master seed {attrs['master_seed']}.{sched}"
    )


def markdown_card(frame: pd.DataFrame, lang: str = "en") -> str:
    """The card as Markdown: a header paragraph and one table row per lever (label, channel,
    evidence rows, then ``mid [low, high] %`` per outcome)."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang {lang!r}: allowed: en, zh")
    zh = lang == "zh"
    outcomes = list(dict.fromkeys(frame["outcome"]))
    col = "outcome_label_zh" if zh and "outcome_label_zh" in frame else "outcome_label"
    olab = frame.drop_duplicates("outcome").set_index("outcome")[col]
    head = ["杠杆" if zh else "Lever", "渠道" if zh else "Channel", "证据" if zh else "Evidence",
            *[str(olab[o]) for o in outcomes]]  # fmt: skip
    lines = [header_text(frame.attrs, lang), ""] if frame.attrs else []
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for lever, g in frame.groupby("lever", sort=False):
        g = g.set_index("outcome")
        first = g.iloc[0]
        lab = first.get("label_zh" if zh else "label", lever)
        name = f"{_text(lab)} (`{lever}`, {first['lower']:g} → {first['upper']:g})"
        cells = [_cell(g.loc[o, "mid"], g.loc[o, "low"], g.loc[o, "high"]) for o in outcomes]
        lines.append("| " + " | ".join([name, _text(first["channel"]), _text(first["evidence"]), *cells]) + " |")
    return "\n".join(lines) + "\n"


def _tornado(frame: pd.DataFrame, ax, lang: str = "en"):
    """Bars from ``low`` to ``high``, a marker at ``mid``, levers sorted by |mid| (largest on
    top). ``frame`` holds one outcome's rows (columns lever, low, mid, high)."""
    from ftzsim.analysis.figures import PALETTE

    f = frame.assign(_key=frame["mid"].abs().fillna(-1)).sort_values("_key")
    y = np.arange(len(f))
    lo = f["low"].to_numpy(dtype=float)
    hi = f["high"].to_numpy(dtype=float)
    mid = f["mid"].to_numpy(dtype=float)
    has = np.isfinite(lo) & np.isfinite(hi)
    ax.barh(y[has], (hi - lo)[has], left=lo[has], height=0.6, color=PALETTE[5], alpha=0.7,
            label="5-95% over uncertainties" if lang == "en" else "不确定性 5-95%")  # fmt: skip
    ax.plot(mid, y, "o", color=PALETTE[0], ms=4, label="at defaults" if lang == "en" else "默认参数")
    ax.axvline(0, color="0.3", lw=0.8)
    col = "label_zh" if lang == "zh" and "label_zh" in f else ("label" if "label" in f else "lever")
    ax.set_yticks(y, f[col].tolist())
    ax.set_xlabel("effect, % of the low-bound value" if lang == "en" else "效应（相对下限，%）")
    return ax


def tornado_figure(frame: pd.DataFrame, lang: str = "en"):
    """One tornado panel per outcome (see :func:`_tornado`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import style

    outcomes = list(dict.fromkeys(frame["outcome"]))
    n_lev = frame["lever"].nunique()
    ncol = min(2, len(outcomes))
    nrow = math.ceil(len(outcomes) / ncol)
    with plt.rc_context(style()):
        fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 0.6 + 0.24 * n_lev * nrow + 0.5 * nrow),
                                 squeeze=False, sharey=False)  # fmt: skip
        lab = "outcome_label_zh" if lang == "zh" else "outcome_label"
        for ax, o in zip(axes.flat, outcomes, strict=False):
            g = frame[frame["outcome"] == o]
            _tornado(g, ax, lang)
            ax.set_title(str(g[lab].iloc[0]) if lab in g else o)
        for ax in list(axes.flat)[len(outcomes) :]:
            ax.set_visible(False)
        fig.tight_layout()
        handles, labels = axes.flat[0].get_legend_handles_labels()  # below the panels, over no bar
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    return fig


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_card(frame: pd.DataFrame, out_dir: str | Path, lang: str = "en") -> list[Path]:
    """Write ``effects.csv``, ``effects.md``, ``effects.json`` (settings) and the tornado
    figure ``effects.png`` / ``effects.pdf`` into ``out_dir`` (created); each file is written
    aside and renamed, so none is ever half-written. Returns the paths."""
    import matplotlib.pyplot as plt

    from ftzsim.io import provenance, write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    csv = out / "effects.csv"
    _atomic_write(csv, lambda p: frame.to_csv(p, index=False))
    md = out / "effects.md"
    _atomic_write(md, lambda p: p.write_text(markdown_card(frame, lang), encoding="utf-8"))
    write_json({"kind": "ftzsim.effects", **frame.attrs, **provenance()}, out / "effects.json")
    paths += [csv, md, out / "effects.json"]
    fig = tornado_figure(frame, lang)
    try:
        for ext in ("png", "pdf"):
            p = out / f"effects.{ext}"
            _atomic_write(p, lambda t, ext=ext: fig.savefig(t, format=ext, bbox_inches="tight"))
            paths.append(p)
    finally:
        plt.close(fig)
    return paths


# ---------------------------------------------------------------------------------- docs block
_BLOCK = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END), re.S)


def splice_block(text: str, block: str) -> str:
    """Put ``block`` between the effect-card markers of ``text``, leaving every other byte as
    it was; without markers, append them (after a blank line) at the end."""
    n_start, n_end = text.count(MARK_START), text.count(MARK_END)
    if n_start == n_end == 0:
        sep = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{sep}\n{MARK_START}\n{block.rstrip(chr(10))}\n{MARK_END}\n"
    if n_start != 1 or n_end != 1 or text.index(MARK_START) > text.index(MARK_END):
        raise UserError(f"the file must hold {MARK_START} once, followed by {MARK_END} once "
                        f"(found {n_start} and {n_end})")  # fmt: skip
    new = f"{MARK_START}\n{block.rstrip(chr(10))}\n{MARK_END}"
    return _BLOCK.sub(lambda _: new, text, count=1)


def strip_block(text: str) -> str:
    """``text`` without the effect-card block that :func:`splice_block` appended (inverse of
    the append), e.g. to compare docs/levers.md with the registry's own rendering."""
    return re.sub(r"\n?" + _BLOCK.pattern + r"\n?", "", text, count=1, flags=re.S)
