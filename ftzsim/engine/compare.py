"""Scenario comparison on common random numbers: differences from a reference scenario with
paired confidence intervals (within a sweep: :func:`paired_differences`; between ``ftzsim run``
outputs: :func:`compare_runs`, behind ``ftzsim compare``).

Every scenario ran on the same replicate seeds, so the difference of scenario *s* and the
baseline in replicate *r* removes the noise the two share; the interval is a t-interval of
the paired differences (Student 1908), which is exact for normal differences and a good
approximation for the replicate counts used here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FOREST_OUTCOMES",
    "RunOutput",
    "band_of",
    "check_shared_seeds",
    "compare_runs",
    "comparison_table",
    "load_run",
    "paired_differences",
]


def paired_differences(results: pd.DataFrame, outcomes: list[str], reference: str = "baseline",
                       level: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Mean difference from ``reference`` per scenario and outcome, with a paired t-interval.

    ``results`` has columns ``scenario``, ``replicate`` and the outcomes. Returns columns
    ``scenario``, ``outcome``, ``reference_mean``, ``mean``, ``diff``, ``low``, ``high``,
    ``rel_diff`` (difference over the reference mean), ``n``.
    """
    rows = []
    ref = results[results["scenario"] == reference].set_index("replicate")
    if ref.empty:
        raise ValueError(f"reference scenario {reference!r} is not in the results")
    for scen, g in results.groupby("scenario", sort=False):
        if scen == reference:
            continue
        g = g.set_index("replicate")
        common = ref.index.intersection(g.index)
        for o in outcomes:
            d = (g.loc[common, o] - ref.loc[common, o]).to_numpy(dtype=float)
            n = len(d)
            half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            m_ref = float(ref.loc[common, o].mean())
            rows.append({
                "scenario": scen, "outcome": o, "reference_mean": m_ref, "mean": float(g.loc[common, o].mean()),
                "diff": float(d.mean()), "low": float(d.mean() - half), "high": float(d.mean() + half),
                "rel_diff": float(d.mean() / m_ref) if m_ref else np.nan, "n": n,
            })  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Comparing `ftzsim run` outputs (``ftzsim compare``)
# ---------------------------------------------------------------------------------------------

#: Outcomes of the forest plot when none are named: the headline digital-trade and risk outcomes.
FOREST_OUTCOMES = ("ds_exports", "ecommerce_exports", "adoption_rate", "exporter_share", "incidents")


@dataclass
class RunOutput:
    """One ``ftzsim run`` output directory: its manifest and annual frame."""

    label: str
    manifest: dict
    annual: pd.DataFrame

    @property
    def seeds(self) -> list[int]:
        return [int(s) for s in self.manifest.get("seeds", [self.manifest.get("seed")])]

    @property
    def draws(self) -> list[int] | None:
        """The posterior member of each replicate (``ftzsim run --posterior``), else ``None``."""
        d = (self.manifest.get("posterior") or {}).get("draws")
        return None if d is None else [int(k) for k in d]


def load_run(path: str | Path, label: str | None = None) -> RunOutput:
    """Read a ``ftzsim run`` directory (``manifest.json`` + ``annual.parquet``).

    Raises :class:`~ftzsim.io.UserError` naming the directory when it is not such an output.
    """
    from ftzsim.io import UserError

    path = Path(path)
    label = label or path.name
    try:
        man = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not a `ftzsim run` output (no manifest.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}/manifest.json: not valid JSON ({exc})") from None
    if not isinstance(man, dict) or man.get("kind") != "ftzsim.run":
        raise UserError(f"{path}: manifest.json is not a `ftzsim run` manifest (kind {man.get('kind')!r})")
    if not (path / "annual.parquet").is_file():
        raise UserError(f"{path}: no annual.parquet (an incomplete run output)")
    annual = pd.read_parquet(path / "annual.parquet")
    if "seed" not in annual.columns:  # a single run written before seeds were stored in frames
        annual.insert(0, "seed", int(man.get("seed", 0)))
    return RunOutput(label, man, annual)


def check_shared_seeds(runs: list[RunOutput]) -> list[int]:
    """The common seed list of ``runs``; refuse runs that did not share their seeds.

    A paired difference is only a difference of policies when both runs saw the same random
    draws (common random numbers, STYLE §6); otherwise it mixes in seed noise and the paired
    interval is wrong. Runs of ``ftzsim run --seed S --replicates N`` share seeds exactly when
    S and N agree.

    Runs of ``ftzsim run --posterior`` pair on (posterior draw, seed): both runs of a pair must
    have the same calibrated parameters as well, so runs with and without ``--posterior``, or
    with other draws, are refused too.
    """
    from ftzsim.io import UserError

    ref = runs[0]
    for r in runs[1:]:
        if r.seeds != ref.seeds:
            raise UserError(
                f"{r.label} and {ref.label} do not share their seeds ({_seed_text(r)} vs {_seed_text(ref)}); "
                "a paired comparison needs runs made with the same --seed and --replicates"
            )
        if r.draws != ref.draws:
            what = {True: "with --posterior", False: "without --posterior"}
            detail = (f"{r.label} {what[r.draws is not None]}, {ref.label} {what[ref.draws is not None]}"
                      if (r.draws is None) != (ref.draws is None) else "their posterior draws differ")  # fmt: skip
            raise UserError(
                f"{r.label} and {ref.label} do not share their calibrated parameters ({detail}); a paired "
                "comparison needs runs made alike: all with --posterior (same --seed and --replicates, scenarios "
                "with the same posterior) or all without"
            )
    return ref.seeds


def band_of(runs: list[RunOutput]) -> str:
    """What differs between the replicates of ``runs`` (checked alike by
    :func:`check_shared_seeds`): posterior draws and seeds, or seeds only."""
    from ftzsim.analysis.figures import POSTERIOR_BAND

    return POSTERIOR_BAND if runs[0].draws is not None else "seeds only (parameters fixed)"


def _seed_text(r: RunOutput) -> str:
    m = r.manifest
    return f"--seed {m.get('seed')} --replicates {m.get('replicates', len(r.seeds))}"


def _interval(d: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean and t-interval of paired differences (NaN bounds with one pair)."""
    n = len(d)
    m = float(d.mean()) if n else np.nan
    if n < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
    return m, m - half, m + half


def _paired(ref: RunOutput, other: RunOutput, outcome: str) -> pd.DataFrame:
    for r in (ref, other):
        if outcome not in r.annual.columns:
            from ftzsim.io import UserError

            raise UserError(f"{r.label}: no outcome {outcome!r} in annual.parquet")
    keys = ["seed", "draw", "year"] if "draw" in ref.annual.columns and "draw" in other.annual.columns else [
        "seed", "year"]  # fmt: skip
    cols = [*keys, outcome]
    return ref.annual[cols].merge(other.annual[cols], on=keys, suffixes=("_a", "_b"), validate="1:1")


def compare_runs(runs: list[RunOutput], outcome: str = "ds_exports", year: int | None = None,
                 forest: list[str] | tuple[str, ...] = FOREST_OUTCOMES, level: float = 0.95,
                 band: tuple[float, float] = (0.05, 0.95)) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Everything ``ftzsim compare`` draws, as tidy frames keyed by panel.

    ``runs[0]`` is the reference A; every other run B is compared with it, paired by seed (by
    posterior draw and seed for runs of ``ftzsim run --posterior``).

    Returns
    -------
    dict
        ``series``: per run and year the median and ``band`` quantiles of ``outcome`` over
        replicates; ``difference``: per run B and year the mean paired difference B - A
        (``diff``), the ``band`` quantiles of the per-seed differences (``diff_q05``,
        ``diff_q95``) and the t-interval of the mean difference (``low``, ``high``);
        ``forest``: the same difference statistics at ``year`` (default: the last year
        common to all runs) for each outcome in ``forest``. All frames carry ``n``, the
        number of seed pairs. ``band`` says what differs between the replicates (for the
        figures' titles: :func:`band_of`).
    """
    from ftzsim.io import UserError

    check_shared_seeds(runs)
    lo_q, hi_q = band
    rows = []
    for r in runs:
        if outcome not in r.annual.columns:
            raise UserError(f"{r.label}: no outcome {outcome!r} in annual.parquet")
        g = r.annual.groupby("year")[outcome]
        for y, v in g:
            rows.append({"run": r.label, "year": int(y), "outcome": outcome, "mean": v.mean(), "median": v.median(),
                         "q_low": v.quantile(lo_q), "q_high": v.quantile(hi_q), "n": len(v)})  # fmt: skip
    series = pd.DataFrame(rows)
    ref = runs[0]

    def diff_rows(other: RunOutput, name: str, years=None) -> list[dict]:
        p = _paired(ref, other, name)
        out = []
        for y, g in p.groupby("year"):
            if years is not None and y not in years:
                continue
            d = (g[f"{name}_b"] - g[f"{name}_a"]).to_numpy(dtype=float)
            m, low, high = _interval(d, level)
            out.append({"run": other.label, "reference": ref.label, "outcome": name, "year": int(y),
                        "reference_mean": float(g[f"{name}_a"].mean()), "mean": float(g[f"{name}_b"].mean()),
                        "diff": m, "diff_q_low": float(np.quantile(d, lo_q)),
                        "diff_q_high": float(np.quantile(d, hi_q)), "low": low, "high": high,
                        "n": len(d)})  # fmt: skip
        return out

    difference = pd.DataFrame([row for r in runs[1:] for row in diff_rows(r, outcome)])
    common = set.intersection(*(set(r.annual["year"].astype(int)) for r in runs))
    if year is None:
        year = max(common)
    elif year not in common:
        raise UserError(f"--year {year}: allowed: a year every run covers ({min(common)}-{max(common)})")
    unknown = [o for o in forest if not all(o in r.annual.columns for r in runs)]
    if unknown:
        raise UserError(f"forest outcomes {unknown} are not in every run's annual.parquet")
    fst = pd.DataFrame([row for r in runs[1:] for o in forest for row in diff_rows(r, o, {year})])
    return {"series": series, "difference": difference, "forest": fst, "year": year, "band": band_of(runs)}


def comparison_table(panels: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The three panels of :func:`compare_runs` as one long table (the CSV beside the figure).

    Column ``panel`` says which panel a row belongs to; ``diff``, ``low`` and ``high`` are the
    paired difference and its t-interval (empty for the ``series`` rows)."""
    parts = [panels[k].assign(panel=k) for k in ("series", "difference", "forest") if len(panels[k])]
    out = pd.concat(parts, ignore_index=True)
    first = ["panel", "run", "reference", "outcome", "year", "n", "mean", "median", "q_low", "q_high",
             "reference_mean", "diff", "low", "high", "diff_q_low", "diff_q_high"]  # fmt: skip
    return out.reindex(columns=first)
