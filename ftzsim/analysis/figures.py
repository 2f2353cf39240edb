"""Figures of a single run: national series and the zone map.

Each function takes data and an optional matplotlib ``Axes`` and returns the ``Axes``
(STYLE §7). :func:`run_figures` draws the set ``ftzsim run --figures`` writes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from ftzsim.outcomes import NATIONAL_OUTCOMES

__all__ = ["PALETTE", "national_series", "run_figures", "style", "zone_map"]

#: Okabe-Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_REGION_COLOURS = {"east": PALETTE[0], "central": PALETTE[1], "west": PALETTE[2], "northeast": PALETTE[3]}


def style() -> dict:
    """Journal style: readable fonts, no top/right spines, light grid."""
    return {
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "figure.dpi": 150,
        "savefig.bbox": "tight",
        "pdf.fonttype": 42,
    }


def national_series(df: pd.DataFrame, outcome: str, ax=None, label: str | None = None, annual: bool = True):
    """Plot one national outcome over time (annual aggregate by default)."""
    from ftzsim.outcomes import annual as to_annual

    ax = ax or plt.gca()
    o = NATIONAL_OUTCOMES[outcome]
    if annual:
        d = to_annual(df)
        d["x"] = d["year"]
        per = " per year" if o.agg == "flow" else ""
    else:
        d = df.assign(x=df["year"] + (df["quarter"] - 1) / 4)
        per = " per quarter" if o.agg == "flow" else ""
    g = d.groupby("x")[outcome]
    if "replicate" in d.columns and d["replicate"].nunique() > 1:
        lo, med, hi = g.quantile(0.05), g.median(), g.quantile(0.95)
        line = ax.plot(med.index, med.to_numpy(), marker="o" if annual else None, ms=3, label=label)[0]
        ax.fill_between(med.index, lo.to_numpy(), hi.to_numpy(), color=line.get_color(), alpha=0.25, lw=0)
    else:
        v = g.first()
        ax.plot(v.index, v.to_numpy(), marker="o" if annual else None, ms=3, label=label)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(f"{o.unit}{per}")
    ax.set_title(o.meaning[0].upper() + o.meaning[1:])
    return ax


def zone_map(graph, values: dict[str, float] | None = None, ax=None, label: str = ""):
    """Zones placed by longitude/latitude, ties drawn by strength, nodes sized by a value."""
    ax = ax or plt.gca()
    pos = {n: (d["lon"], d["lat"]) for n, d in graph.nodes(data=True)}
    wmax = max((d["weight"] for *_, d in graph.edges(data=True)), default=1.0)
    for a, b, d in graph.edges(data=True):
        alliance = any(k != "proximity" for k in d["kinds"])
        ax.plot(
            [pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color="0.35" if alliance else "0.7",
            lw=0.5 + 2.0 * d["weight"] / wmax, ls="-" if alliance else "--", zorder=1,
        )  # fmt: skip
    vals = np.array([values.get(n, 0.0) if values else 1.0 for n in graph.nodes])
    size = 30 + 400 * (vals / vals.max() if vals.max() > 0 else vals)
    colours = [_REGION_COLOURS[graph.nodes[n]["region"]] for n in graph.nodes]
    ax.scatter([pos[n][0] for n in graph.nodes], [pos[n][1] for n in graph.nodes], s=size, c=colours,
               edgecolor="white", linewidth=0.8, zorder=2)  # fmt: skip
    for n in graph.nodes:
        ax.annotate(n, pos[n], fontsize=6, xytext=(3, 3), textcoords="offset points")
    for r, c in _REGION_COLOURS.items():
        ax.scatter([], [], c=c, s=30, label=r)
    ax.plot([], [], color="0.35", lw=2, label="alliance tie")
    ax.plot([], [], color="0.7", lw=1, ls="--", label="proximity tie")
    ax.legend(loc="lower right", frameon=False)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title("Pilot zones" + (f": node size = {label}" if label else ""))
    ax.set_aspect("equal", adjustable="datalim")
    return ax


def run_figures(model, out_dir: str | Path, national: pd.DataFrame | None = None) -> list[str]:
    """Draw the figures of a run into ``out_dir``; return the file names written.

    ``national`` may hold several replicates (column ``replicate``); the national panel then
    shows their median and 5-95% band.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nat = model.national_frame() if national is None else national
    written = []
    with plt.rc_context(style()):
        fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.0), layout="constrained")
        for ax, name in zip(axes.flat, ["ds_exports", "ecommerce_exports", "adoption_rate", "mean_openness"]):
            national_series(nat, name, ax=ax)
        n_rep = nat["replicate"].nunique() if "replicate" in nat.columns else 1
        note = f"median and 5-95% of {n_rep} replicates" if n_rep > 1 else "one seed"
        fig.suptitle(f"{model.config.name}: national outcomes ({note})")
        for ext in ("png", "pdf"):
            fig.savefig(out_dir / f"national.{ext}")
            written.append(f"national.{ext}")
        plt.close(fig)
        zones = model.zone_frame()
        last = zones[zones["step"] == zones["step"].max()].set_index("zone")
        values = (last["ds_exports"] + last["ds_imports"]).to_dict()
        fig, ax = plt.subplots(figsize=(6.0, 5.0), layout="constrained")
        zone_map(model.graph, values, ax=ax, label="services trade, last quarter")
        for ext in ("png", "pdf"):
            fig.savefig(out_dir / f"zones.{ext}")
            written.append(f"zones.{ext}")
        plt.close(fig)
    return written


def sobol_bars(indices: pd.DataFrame, ax=None, title: str = ""):
    """S1 and ST per parameter with 95% confidence bars (from ``engine.sensitivity.analyze``)."""
    ax = ax or plt.gca()
    d = indices[indices["index"].isin(["S1", "ST"])]
    params = list(dict.fromkeys(d["parameter"]))
    x = np.arange(len(params))
    for k, (name, colour) in enumerate((("S1", PALETTE[0]), ("ST", PALETTE[1]))):
        v = d[d["index"] == name].set_index("parameter").reindex(params)
        ax.bar(x + (k - 0.5) * 0.38, v["value"], 0.38, yerr=v["conf"], color=colour, label=name,
               error_kw={"elinewidth": 0.8, "capsize": 2})  # fmt: skip
    ax.set_xticks(x, params, rotation=45, ha="right")
    ax.set_ylabel("Sobol index (share of output variance)")
    ax.axhline(0, color="0.3", lw=0.6)
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def morris_scatter(indices: pd.DataFrame, ax=None, title: str = ""):
    """Morris screening: mu* (overall effect) against sigma (interactions, non-linearity)."""
    ax = ax or plt.gca()
    v = indices.pivot_table(index="parameter", columns="index", values="value")
    ax.scatter(v["mu_star"], v["sigma"], color=PALETTE[0], s=18)
    for p, r in v.iterrows():
        ax.annotate(p, (r["mu_star"], r["sigma"]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    lim = max(v["mu_star"].max(), v["sigma"].max()) * 1.05 or 1.0
    ax.plot([0, lim], [0, lim], color="0.6", lw=0.6, ls="--")
    ax.set_xlabel("mu* (mean absolute elementary effect, outcome units)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(title)
    return ax


def convergence_plot(conv: pd.DataFrame, ax=None, index: str = "ST", title: str = ""):
    """Sobol indices recomputed at increasing N: flat lines mean the sample is large enough."""
    ax = ax or plt.gca()
    for k, (p, g) in enumerate(conv[conv["index"] == index].groupby("parameter", sort=False)):
        g = g.sort_values("N")
        ax.errorbar(g["N"], g["value"], yerr=g["conf"], marker="o", ms=3, lw=1, capsize=2,
                    color=PALETTE[k % len(PALETTE)], label=p)  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xlabel("base samples N")
    ax.set_ylabel(f"{index} (share of output variance)")
    ax.legend(frameon=False, fontsize=6)
    ax.set_title(title)
    return ax


def difference_plot(diffs: pd.DataFrame, ax=None, title: str = "", relative: bool = True):
    """Difference from baseline per outcome and scenario, with paired 95% intervals."""
    ax = ax or plt.gca()
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    scen = list(dict.fromkeys(diffs["scenario"]))
    y = np.arange(len(outcomes))
    for k, s in enumerate(scen):
        d = diffs[diffs["scenario"] == s].set_index("outcome").reindex(outcomes)
        scale = 100 / d["reference_mean"] if relative else 1.0
        mid = d["diff"] * scale
        err = np.vstack([mid - d["low"] * scale, d["high"] * scale - mid])
        ax.errorbar(mid, y + (k - (len(scen) - 1) / 2) * 0.25, xerr=err, fmt="o", ms=4, capsize=2,
                    color=PALETTE[k % len(PALETTE)], label=s)  # fmt: skip
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_yticks(y, outcomes)
    ax.set_xlabel("difference from baseline (% of baseline)" if relative else "difference from baseline")
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def regional_shares(zone_frame: pd.DataFrame, ax=None, title: str = "Regional shares of services trade"):
    """Stacked shares of services trade (exports + imports) by region, per year (annual sums).

    With several replicates the shares are averaged over them. Returns the Axes; the data
    drawn is ``regional_share_table(zone_frame)``."""
    ax = ax or plt.gca()
    t = regional_share_table(zone_frame)
    ax.stackplot(t.index, *(100 * t[r] for r in t.columns), labels=list(t.columns),
                 colors=[_REGION_COLOURS[r] for r in t.columns], alpha=0.9)  # fmt: skip
    ax.set_ylim(0, 100)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("% of services trade")
    ax.legend(loc="lower left", frameon=False, ncol=4)
    ax.set_title(title)
    return ax


def regional_share_table(zone_frame: pd.DataFrame) -> pd.DataFrame:
    """Year x region shares (0-1) of services trade, averaged over replicates if present."""
    z = zone_frame.assign(total=zone_frame["ds_exports"] + zone_frame["ds_imports"])
    keys = [k for k in ("replicate",) if k in z.columns]
    by = z.groupby([*keys, "year", "region"])["total"].sum().unstack("region").fillna(0.0)
    share = by.div(by.sum(axis=1), axis=0)
    if keys:
        share = share.groupby("year").mean()
    order = [r for r in ("east", "central", "west", "northeast") if r in share.columns]
    return share[order]


def response_surface(frame: pd.DataFrame, x: str, y: str, outcome: str, ax=None, title: str = ""):
    """Mean outcome over a two-lever grid (a factorial sweep), as a heatmap with contours."""
    ax = ax or plt.gca()
    grid = frame.groupby([y, x])[outcome].mean().unstack(x)
    xs, ys = grid.columns.to_numpy(dtype=float), grid.index.to_numpy(dtype=float)
    mesh = ax.pcolormesh(xs, ys, grid.to_numpy(), shading="nearest", cmap="viridis")
    if len(xs) > 1 and len(ys) > 1:
        cs = ax.contour(xs, ys, grid.to_numpy(), colors="white", linewidths=0.6)
        ax.clabel(cs, fontsize=6)
    cbar = ax.figure.colorbar(mesh, ax=ax)
    o = NATIONAL_OUTCOMES.get(outcome.removeprefix("final_").removeprefix("cum_"))
    cbar.set_label(f"{outcome} ({o.unit})" if o else outcome)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{outcome}: mean over replicates")
    return ax
