"""Figures of decision support: run comparisons, robustness and scenario discovery.

Each drawing function takes the tidy frame its engine function returns and an optional
``Axes`` and returns the ``Axes`` (STYLE §7), so a notebook draws exactly what the command
line writes. :func:`save_figure` writes a figure with its data (``FIG.csv``) and provenance
(``FIG.json`` and the file's metadata), each file complete or absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from ftzsim.analysis.figures import PALETTE
from ftzsim.io import atomic_write, provenance, write_json

__all__ = [
    "box_plot",
    "compare_difference",
    "compare_series",
    "forest_plot",
    "regret_plot",
    "save_figure",
    "tradeoff_plot",
    "write_text",
]


def _label(outcome: str) -> str:
    from ftzsim.outcomes import NATIONAL_OUTCOMES

    o = NATIONAL_OUTCOMES.get(outcome.removeprefix("final_").removeprefix("cum_"))
    return f"{outcome} ({o.unit})" if o else outcome


def _band_words(band: str | None) -> str:
    """What the band of a comparison varies, for a title (``None``: not known, say nothing)."""
    return f"\nband: {band}" if band else ""


def compare_series(series: pd.DataFrame, ax=None, title: str = "", band: str | None = None):
    """Median of each run's annual outcome over replicates with its quantile band.

    ``band`` says what differs between the replicates (``compare_runs(...)["band"]``: posterior
    draws and seeds, or seeds only); the default title says it."""
    ax = ax or plt.gca()
    for k, (run, g) in enumerate(series.groupby("run", sort=False)):
        c = PALETTE[k % len(PALETTE)]
        ax.plot(g["year"], g["median"], marker="o", ms=3, color=c, label=run)
        ax.fill_between(g["year"], g["q_low"], g["q_high"], color=c, alpha=0.2, lw=0)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(_label(series["outcome"].iloc[0]))
    ax.legend(frameon=False)
    ax.set_title(title or "national series (median, 5-95% of replicates)" + _band_words(band))
    return ax


def compare_difference(difference: pd.DataFrame, ax=None, title: str = "", band: str | None = None):
    """Paired difference B - A over time: mean, band of per-pair differences, t-interval.

    ``band`` as for :func:`compare_series`: what differs between the pairs."""
    ax = ax or plt.gca()
    for k, (run, g) in enumerate(difference.groupby("run", sort=False)):
        c = PALETTE[(k + 1) % len(PALETTE)]
        ax.fill_between(g["year"], g["diff_q_low"], g["diff_q_high"], color=c, alpha=0.15, lw=0)
        ax.errorbar(g["year"], g["diff"], yerr=[g["diff"] - g["low"], g["high"] - g["diff"]], color=c, marker="o",
                    ms=3, capsize=2, label=f"{run} - {g['reference'].iloc[0]}")  # fmt: skip
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(f"difference in {_label(difference['outcome'].iloc[0])}")
    ax.legend(frameon=False)
    ax.set_title(title or "paired difference: mean with 95% t-interval; band 5-95% of pairs" + _band_words(band))
    return ax


def forest_plot(forest: pd.DataFrame, ax=None, title: str = "", relative: bool = True):
    """Difference of each outcome at one year, as % of the reference mean, with its interval."""
    ax = ax or plt.gca()
    outcomes = list(dict.fromkeys(forest["outcome"]))
    runs = list(dict.fromkeys(forest["run"]))
    y = np.arange(len(outcomes))
    for k, run in enumerate(runs):
        d = forest[forest["run"] == run].set_index("outcome").reindex(outcomes)
        ref = d["reference_mean"].abs().replace(0, np.nan)
        scale = 100 / ref if relative else 1.0
        mid = d["diff"] * scale
        err = np.vstack([(d["diff"] - d["low"]) * scale, (d["high"] - d["diff"]) * scale])
        ax.errorbar(mid, y + (k - (len(runs) - 1) / 2) * 0.2, xerr=err, fmt="o", ms=4, capsize=2,
                    color=PALETTE[(k + 1) % len(PALETTE)], label=run)  # fmt: skip
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_yticks(y, outcomes)
    ax.invert_yaxis()
    ax.set_xlabel("difference (% of reference)" if relative else "difference")
    ax.legend(frameon=False, loc="best")
    ax.set_title(title or f"year {int(forest['year'].iloc[0])}: paired difference, 95% interval")
    return ax


def regret_plot(table: pd.DataFrame, ax=None, title: str = ""):
    """Maximum and 90th-percentile regret per policy (bars) and satisficing share (dots)."""
    ax = ax or plt.gca()
    t = table.sort_values("max_regret")
    y = np.arange(len(t))
    ax.barh(y - 0.2, t["max_regret"], 0.4, color=PALETTE[3], label="maximum regret")
    ax.barh(y + 0.2, t["p90_regret"], 0.4, color=PALETTE[1], label="90th percentile regret")
    ax.set_yticks(y, t["policy"].astype(str))
    ax.set_xlabel(f"regret in {t['outcome'].iloc[0]}")
    if "satisficing" in t.columns and t["satisficing"].notna().any():
        ax2 = ax.twiny()
        ax2.plot(t["satisficing"], y, "o", color=PALETTE[2], label="satisficing share")
        ax2.set_xlim(-0.02, 1.02)
        ax2.set_xlabel("share of scenarios meeting every threshold", color=PALETTE[2])
        ax2.grid(False)
    ax.legend(frameon=False, loc="lower right", fontsize=7)
    ax.set_title(title)
    return ax


def tradeoff_plot(curve: pd.DataFrame, chosen: int | None = None, ax=None, title: str = ""):
    """PRIM's peeling trajectory: density against coverage, coloured by restricted dimensions."""
    ax = ax or plt.gca()
    sc = ax.scatter(curve["coverage"], curve["density"], c=curve["n_restricted"], cmap="viridis", s=14)
    ax.figure.colorbar(sc, ax=ax, label="restricted dimensions")
    if chosen is not None:
        r = curve.iloc[chosen]
        ax.scatter([r["coverage"]], [r["density"]], s=80, facecolors="none", edgecolors="red", label="chosen box")
        ax.legend(frameon=False)
    ax.set_xlabel("coverage (share of cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "PRIM peeling trajectory")
    return ax


def box_plot(boxes: pd.DataFrame, bounds: dict[str, tuple[float, float]], box: int = 0, ax=None, title: str = ""):
    """The restricted dimensions of one box, each normalised to its full range (EMA's box figure)."""
    ax = ax or plt.gca()
    b = boxes[boxes["box"] == box]
    y = np.arange(len(b))
    for i, r in enumerate(b.itertuples()):
        lo, hi = bounds[r.parameter]
        span = (hi - lo) or 1.0
        ax.plot([0, 1], [i, i], color="0.8", lw=6, solid_capstyle="butt")
        a, b_ = (r.lower - lo) / span, (r.upper - lo) / span
        if b_ - a < 0.01:  # a single value (a lever at one level of a factorial): a tick, not a bar
            ax.plot([a], [i], marker="|", ms=14, mew=4, color=PALETTE[0])
        else:
            ax.plot([a, b_], [i, i], color=PALETTE[0], lw=6, solid_capstyle="butt")
        ax.annotate(f"{r.lower:.3g}", ((r.lower - lo) / span, i), xytext=(0, 8), textcoords="offset points",
                    ha="center", fontsize=6)  # fmt: skip
        if r.upper != r.lower:
            ax.annotate(f"{r.upper:.3g}", ((r.upper - lo) / span, i), xytext=(0, 8), textcoords="offset points",
                        ha="center", fontsize=6)  # fmt: skip
    labels = [f"{r.parameter}" + (f"  (p={r.qp:.2g})" if hasattr(r, "qp") and pd.notna(r.qp) else "")
              for r in b.itertuples()]  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of the parameter's range (design bounds)")
    ax.set_ylim(len(b) - 0.5, -0.8)
    if len(b):
        ax.set_title(title or f"box {box}: coverage {b['coverage'].iloc[0]:.2f}, density {b['density'].iloc[0]:.2f}")
    return ax


def save_figure(fig, out: str | Path, data: pd.DataFrame, meta: dict) -> list[Path]:
    """Write ``fig`` to ``out`` (suffix .png, .pdf or .svg) with ``meta`` and provenance in
    the file's own metadata, ``out``.csv with ``data`` (what is drawn) and ``out``.json with
    the same metadata; each under a temporary name and renamed, so no file is ever
    half-written. Every figure command writes through this function. Returns the three paths."""
    out = Path(out)
    prov = provenance()
    meta = {**meta, "ftzsim": prov["packages"]["ftzsim"], "git_revision": prov["git_revision"],
            "command": " ".join(["ftzsim", *sys.argv[1:]])}  # fmt: skip
    text = json.dumps(meta, default=str)
    file_meta = {"png": {"Software": "ftzsim", "Description": text}, "pdf": {"Creator": "ftzsim", "Subject": text},
                 "svg": {"Creator": "ftzsim", "Description": text}}[out.suffix[1:]]  # fmt: skip
    with atomic_write(out) as tmp:
        fig.savefig(tmp, format=out.suffix[1:], metadata=file_meta)
    csv = out.with_name(out.name + ".csv")
    with atomic_write(csv) as tmp:
        data.to_csv(tmp, index=False)
    js = write_json({**meta, **prov, "figure": out.name, "data": csv.name}, out.with_name(out.name + ".json"))
    return [out, csv, js]


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` under a temporary name and rename it: complete or absent."""
    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
