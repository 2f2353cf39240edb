"""What a calibration writes: the posterior and its summary in ``--out``, its figures, the
shipped ensemble (``ftzsim/data/posterior_<scenario>.*``) with the scenario's
``[calibration]`` record, and the generated block of ``docs/calibration.md`` (rendered from
the shipped summary, so the numbers in the document cannot drift from the package)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ftzsim import levers as L
from ftzsim.calibration.history import Calibration
from ftzsim.calibration.posterior import weigh, world_share
from ftzsim.calibration.simulate import LEVELS
from ftzsim.calibration.targets import ERROR_SD, observations
from ftzsim.calibration.validate import validate as _validate
from ftzsim.calibration.validate import weighted_quantile

__all__ = ["DOC_END", "DOC_START", "MARKER", "finish", "markdown_report", "ship_posterior", "update_doc"]

MARKER = "# ---- calibration: written by `ftzsim calibrate --ship`; edit by re-running it ----"
DOC_START, DOC_END = "<!-- calibration-report:start -->", "<!-- calibration-report:end -->"
DATA_FILES = ("national_digital_trade.csv", "provincial_digital_trade_2022.csv", "regional_digital_trade_2022.csv",
              "exchange_rates.csv", "partner_markets_2022.csv")  # fmt: skip


def data_hash() -> str:
    """SHA-256 over the data files the calibration reads (provenance of the posterior)."""
    h = hashlib.sha256()
    for name in DATA_FILES:
        h.update(name.encode())
        h.update(resources.files("ftzsim.data").joinpath(name).read_bytes())
    return h.hexdigest()


def _q(x, w) -> list[float]:
    return [float(v) for v in weighted_quantile(np.asarray(x, dtype=float), w, [0.05, 0.5, 0.95])]


def _parameter_table(cal: Calibration, weighted: pd.DataFrame) -> list[dict]:
    w = weighted["weight"].to_numpy()
    top = cal.screen.groupby("parameter")["mu_star_sd"].max()
    rows = []
    for n in [*cal.posterior.provenance["parameters"], *LEVELS]:
        p = L.get(n)
        x = weighted[n].to_numpy(dtype=float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        spec = cal.posterior.provenance["priors"][n]
        if spec[0] == "log-uniform":
            prior_sd = float(np.std(np.exp(np.linspace(np.log(p.lower), np.log(p.upper), 10001))))
        else:
            from ftzsim.calibration.posterior import prior

            prior_sd = float(prior(n).std())
        q5, q50, q95 = _q(x, w)
        rows.append({"parameter": n, "prior": spec, "mean": mean, "sd": sd, "low": q5, "median": q50, "high": q95,
                     "shrinkage": 1 - sd / prior_sd, "screen_mu_star": float(top.get(n, np.nan)),
                     "active": n in cal.active})  # fmt: skip
    return rows


def _projection(weighted: pd.DataFrame) -> dict[str, list[float]]:
    w = weighted["weight"].to_numpy()
    lx = weighted["level_ds_exports"].to_numpy()
    lm = weighted["level_ds_imports"].to_numpy()
    x30, m30 = lx * weighted["x_2030"].to_numpy(), lm * weighted["m_2030"].to_numpy()
    x21 = lx * weighted["x_2021"].to_numpy()
    return {
        "ds_exports_2030": _q(x30, w),
        "ds_imports_2030": _q(m30, w),
        "surplus_2030": _q(x30 - m30, w),
        "ds_exports_growth_pct_per_year": _q(100 * ((x30 / x21) ** (1 / 9) - 1), w),
        "ecommerce_exports_cny_2030": _q(weighted["level_ecommerce"] * weighted["ecny_2030"], w),
        "world_share_2030_pct": _q(100 * world_share(weighted, weighted), w),
        "adoption_2030": _q(weighted["adoption_2030"], w),
    }


def _figures(cal: Calibration, weighted: pd.DataFrame, val, decomp: pd.DataFrame | None, out: Path) -> list[str]:
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import PALETTE, style

    out.mkdir(parents=True, exist_ok=True)
    names = [*[n for n in cal.active if n in weighted][:6], "level_ds_exports"]
    w = weighted["weight"].to_numpy()
    made = []
    with plt.rc_context(style()):
        k = len(names)
        fig, axes = plt.subplots(k, k, figsize=(1.45 * k + 1, 1.45 * k + 1), layout="constrained")
        rng = np.random.default_rng(0)
        pick = rng.choice(len(w), size=min(2000, len(w)), p=w / w.sum())
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                ax = axes[i, j]
                if i == j:
                    ax.hist(weighted[a], bins=25, weights=w, color=PALETTE[0])
                    p = L.get(a)
                    ax.set_xlim(p.lower, p.upper)
                elif i > j:
                    ax.scatter(weighted[b].to_numpy()[pick], weighted[a].to_numpy()[pick], s=2, alpha=0.3,
                               color=PALETTE[1], rasterized=True)  # fmt: skip
                else:
                    ax.axis("off")
                ax.tick_params(labelsize=5)
                if j == 0:
                    ax.set_ylabel(a, fontsize=6)
                if i == k - 1:
                    ax.set_xlabel(b, fontsize=6)
        fig.suptitle("Posterior (weighted members; diagonal: marginals over the prior range)", fontsize=8)
        fig.savefig(out / "pairs.png", dpi=200)
        plt.close(fig)
        made.append("pairs.png")
        if val is not None:
            fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
            t = val.provinces_full
            y = np.arange(len(t))
            ax = axes[0]
            ax.errorbar(t["model"], y, xerr=[t["model"] - t["low"], t["high"] - t["model"]], fmt="o", ms=3,
                        color=PALETTE[1], label="model, 90% band")  # fmt: skip
            ax.scatter(t["data"], y, color=PALETTE[0], marker="D", s=14, label="data (never fitted)", zorder=3)
            ax.axvline(t["null"].iloc[0], color="0.5", lw=0.8, ls="--", label="uniform-growth null")
            ax.set_yticks(y, t.index, fontsize=6)
            ax.set_xlabel("growth of services trade 2022, %")
            s = val.skill_full
            ax.set_title(f"Provinces: RMSE {s['rmse']:.2f} vs null {s['rmse_null']:.2f} pp", fontsize=8)
            ax.legend(fontsize=6, frameon=False)
            ax = axes[1]
            ll = val.llyo
            y = np.arange(len(ll))
            rel = lambda c: 100 * (ll[c] / ll["data"] - 1)  # noqa: E731
            ax.errorbar(rel("median"), y, xerr=[rel("median") - rel("low"), rel("high") - rel("median")], fmt="o",
                        ms=3, color=PALETTE[1], label="predicted without 2022 data, 90%")  # fmt: skip
            ax.axvline(0, color=PALETTE[0], lw=1, label="2022 data")
            ax.set_yticks(y, ll["name"], fontsize=6)
            ax.set_xlabel("% from the 2022 figure")
            ax.set_title("Leave-last-year-out", fontsize=8)
            ax.legend(fontsize=6, frameon=False)
            fig.savefig(out / "validation.png", dpi=200)
            plt.close(fig)
            made.append("validation.png")
        if decomp is not None:
            from ftzsim.calibration.projection import SOURCES
            from ftzsim.calibration.projection import summary as dsum

            s = dsum(decomp)
            fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
            cols = ["total", *SOURCES, "remainder"]
            y = np.arange(len(cols))[::-1]
            ax.barh(y, s.loc[cols, "median"], color=[PALETTE[0]] + [PALETTE[1]] * (len(cols) - 1))
            ax.errorbar(s.loc[cols, "median"], y, xerr=[s.loc[cols, "median"] - s.loc[cols, "low"],
                        s.loc[cols, "high"] - s.loc[cols, "median"]], fmt="none", color="k", lw=0.8)  # fmt: skip
            ax.set_yticks(y, cols)
            ax.axvline(0, color="0.5", lw=0.6)
            ax.set_xlabel("growth of services exports 2021-2030, % per year (log points)")
            ax.set_title(f"Where the baseline's growth comes from ({len(decomp)} posterior draws, 90% range)",
                         fontsize=8)  # fmt: skip
            fig.savefig(out / "decomposition.png", dpi=200)
            plt.close(fig)
            made.append("decomposition.png")
    return made


def finish(cal: Calibration, out: Path, command: str, validate: bool = True, decomposition_draws: int = 24) -> dict:
    """Weigh, validate, project and write the calibration's outputs into ``out``."""
    from ftzsim.io import provenance, write_json

    names = cal.posterior.provenance["parameters"]
    seed = cal.settings.master_seed
    weighted = weigh(cal.wave2, observations(), names, proposal_uniform=False, seed=seed)
    val = _validate(cal.wave1, weighted, names, seed) if validate else None
    decomp = None
    if "x_2030" in weighted and decomposition_draws:
        from ftzsim.calibration.projection import decompose

        decomp = decompose(cal.posterior, cal.settings.scenario, decomposition_draws, cal.settings.n_firms, seed)
        decomp.to_csv(out / "decomposition.csv", index=False)
    figs = _figures(cal, weighted, val, decomp, out / "figures")
    summary: dict[str, Any] = {
        "command": command,
        "date": _dt.date.today().isoformat(),
        "settings": cal.settings.to_dict(),
        "timings_s": {k: round(v, 1) for k, v in cal.timings.items()},
        "error_sd": ERROR_SD,
        "active": cal.active,
        "nroy_share": cal.nroy_share,
        "ess": cal.posterior.provenance["ess"],
        "members": len(cal.posterior.frame),
        "parameters": _parameter_table(cal, weighted),
        "projection": _projection(weighted) if "x_2030" in weighted else {},
        "figures": figs,
    }
    if decomp is not None:
        from ftzsim.calibration.projection import summary as dsum

        summary["decomposition"] = {k: [float(v) for v in r] for k, r in dsum(decomp).iterrows()}
    if val is not None:
        summary["validation"] = {
            "llyo": val.llyo.to_dict(orient="records"),
            "llyo_ess": val.llyo_ess,
            "provinces": val.provinces_full.reset_index(names="province").to_dict(orient="records"),
            "skill": val.skill_full,
            "provinces_llyo": val.provinces.reset_index(names="province").to_dict(orient="records"),
            "skill_llyo": val.skill,
            "ppc": val.ppc.to_dict(orient="records"),
        }
    summary = json.loads(json.dumps(summary, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
    cal.posterior.provenance.update({"command": command, "data_sha256": data_hash(), **provenance(),
                                     "summary": summary})  # fmt: skip
    cal.posterior.write(out / "posterior")
    write_json({"kind": "ftzsim.calibration", "complete": True, "settings": cal.settings.to_dict()},
               out / "calibration.json")  # fmt: skip
    (out / "report.md").write_text(markdown_report(summary), encoding="utf-8")
    summary["text"] = _text(summary)
    return summary


def _text(s: dict) -> str:
    lines = [f"posterior: {s['members']} members, effective sample size {s['ess']:.0f}; "
             f"NROY {100 * s['nroy_share']:.0f}% of the prior"]  # fmt: skip
    v = s.get("validation")
    if v:
        cov = sum(r["covered"] for r in v["llyo"])
        lines.append(f"leave-last-year-out: {cov}/{len(v['llyo'])} national 2022 figures inside the 90% band")
        k = v["skill"]
        lines.append(f"province growth 2022: RMSE {k['rmse']:.2f} pp vs uniform-growth null {k['rmse_null']:.2f} pp; "
                     f"Spearman {k['spearman']:+.2f}")  # fmt: skip
    return "\n".join(lines)


def ship_posterior(cal: Calibration, scenario_path: Path, summary: dict) -> None:
    """Install the ensemble in the package and write the scenario's ``[calibration]`` record
    (``fitted``: posterior means, the point a run without ``--posterior`` uses)."""
    from ftzsim.scenario import load_scenario

    data = Path(resources.files("ftzsim.data"))
    cal.posterior.write(data / f"posterior_{cal.settings.scenario}")
    # the runs the posterior and its validation were computed from, so the validation can be
    # recomputed (and tested) without re-running the model
    runs = pd.concat([cal.wave1.assign(wave=1), cal.wave2.assign(wave=2)], ignore_index=True)
    keep = [c for c in runs.columns if c in ("wave", "row_id", "seed") or c in cal.posterior.provenance["parameters"]
            or c.split("_")[0] in ("x", "m", "ecny", "eicny", "adoption", "zx", "zm")]  # fmt: skip
    tmp = data / f".calibration_runs_{cal.settings.scenario}.parquet.tmp"
    runs[keep].to_parquet(tmp, index=False, compression="zstd")
    tmp.replace(data / f"calibration_runs_{cal.settings.scenario}.parquet")
    means = cal.posterior.mean()
    text = scenario_path.read_text(encoding="utf-8")
    head = text.split(MARKER)[0]
    for old in ("# ---- calibration: written by `ftzsim calibrate`; edit by re-running it ----",):
        head = head.split(old)[0]
    lines = [
        MARKER,
        "[calibration]",
        f'date = "{summary["date"]}"',
        f'command = "{summary["command"]}"',
        f'posterior = "{cal.settings.scenario}"',
        'method = "history matching (GP emulator) + importance sampling; docs/calibration.md"',
        f"members = {len(cal.posterior.frame)}",
        f"ess = {round(float(summary['ess']), 1)}",
        "",
        "# posterior means: the point a single run without --posterior uses",
        "[calibration.fitted]",
        *(f"{k} = {float(v)!r}" for k, v in means.items()),
        "",
    ]
    tmp = scenario_path.with_name(f".{scenario_path.name}.tmp")
    tmp.write_text(head.rstrip() + "\n\n" + "\n".join(lines), encoding="utf-8")
    load_scenario(tmp)  # the new file must validate before it replaces the old one
    tmp.replace(scenario_path)


def _fmt(v: float) -> str:
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else f"{v:,.1f}" if a >= 100 else f"{v:.3g}"


def markdown_report(summary: dict | None = None, scenario: str = "baseline") -> str:
    """The generated part of docs/calibration.md, from ``summary`` or the shipped posterior."""
    if summary is None:
        from ftzsim.calibration.posterior import load_posterior

        summary = load_posterior(scenario).provenance["summary"]
    s = summary
    st = s["settings"]
    out = [
        f"Generated by `{s['command']}` on {s['date']} ({st['n_firms']:,} firm agents per run; "
        f"{sum(1 for _ in s['parameters'])} parameters; master seed {st['master_seed']}). "
        f"Wall time of the invocation that wrote this: {s['timings_s'].get('total', 0) / 60:.1f} min "
        "(a `--resume` reuses the waves an earlier invocation finished).",
        "",
        f"* **History matching**: NROY after wave 1 = {100 * s['nroy_share']:.1f}% of the prior; emulator inputs "
        f"(Morris screen): {', '.join(f'`{a}`' for a in s['active'])}.",
        f"* **Posterior**: {s['members']} weighted members, effective sample size {s['ess']:.0f}.",
        "",
        "**Parameters** (prior, posterior mean and 90% interval; shrinkage = 1 - posterior sd / prior sd: "
        "near 0 means the data do not inform it and the bands carry its prior)",
        "",
        "| parameter | prior | mean | 90% interval | shrinkage | Morris mu*/sd |",
        "|---|---|---|---|---|---|",
    ]
    for r in s["parameters"]:
        pr = r["prior"]
        if pr[0] == "normal":
            prior = f"N({pr[1]:g}, {pr[2]:g}) on bounds"
        elif pr[0] == "PERT":
            prior = f"PERT({pr[1]:g}, {pr[2]:g}, {pr[3]:g})"
        else:
            prior = f"{pr[0]} [{pr[1]:g}, {pr[2]:g}]"
        mu = "" if r["screen_mu_star"] is None or r["screen_mu_star"] != r["screen_mu_star"] else (
            f"{r['screen_mu_star']:.2f}")  # fmt: skip
        out.append(f"| `{r['parameter']}` | {prior} | {r['mean']:.4g} | {r['low']:.4g} to {r['high']:.4g} | "
                   f"{r['shrinkage']:.2f} | {mu} |")  # fmt: skip
    v = s.get("validation")
    if v:
        out += ["", "**Leave-last-year-out** (weights from data through 2021 only; effective sample size "
                f"{v['llyo_ess']:.0f}; the band includes the year-to-year growth scatter)", "",
                "| 2022 figure | data | median | 90% band | inside | median error |",
                "|---|---|---|---|---|---|"]  # fmt: skip
        for r in v["llyo"]:
            inside = "yes" if r["covered"] else "**no**"
            out.append(f"| `{r['name']}` | {_fmt(r['data'])} | {_fmt(r['median'])} | {_fmt(r['low'])} to "
                       f"{_fmt(r['high'])} | {inside} | {100 * r['error']:+.1f}% |")  # fmt: skip
        k, kl = v["skill"], v["skill_llyo"]
        out += ["", "**Province growth 2022** (never used by the model or the fit; no per-province parameter). "
                f"Full posterior: RMSE {k['rmse']:.2f} pp against {k['rmse_null']:.2f} pp for the uniform-growth "
                f"null, skill {k['skill']:+.2f}, Spearman {k['spearman']:+.2f}, Pearson {k['pearson']:+.2f}. "
                f"Leave-last-year-out weights: RMSE {kl['rmse']:.2f} pp, Spearman {kl['spearman']:+.2f}.", "",
                "| province | data % | model % (median) | 90% band |", "|---|---|---|---|"]  # fmt: skip
        for r in v["provinces"]:
            out.append(
                f"| {r['province']} | {r['data']:+.2f} | {r['model']:+.2f} | {r['low']:+.2f} to {r['high']:+.2f} |"
            )
        cov = sum(r["covered"] for r in v["ppc"])
        out += ["", f"**Posterior predictive checks**: {cov} of {len(v['ppc'])} observations inside their 90% "
                "predictive band.", "", "| observation | data | median | 90% band | p |",
                "|---|---|---|---|---|"]  # fmt: skip
        for r in v["ppc"]:
            out.append(f"| `{r['name']}` | {_fmt(r['data'])} | {_fmt(r['median'])} | {_fmt(r['low'])} to "
                       f"{_fmt(r['high'])} | {r['p_value']:.2f} |")  # fmt: skip
    p = s.get("projection")
    if p:
        out += ["", "**2030 under the posterior** (parameter + seed uncertainty; median and 90% band)", "",
                "| quantity | median | 90% band |", "|---|---|---|"]  # fmt: skip
        for name, (lo, med, hi) in p.items():
            out.append(f"| {name} | {_fmt(med)} | {_fmt(lo)} to {_fmt(hi)} |")
    d = s.get("decomposition")
    if d:
        out += ["", "**Growth of services exports 2021-2030 by source** (% per year, log points; median and 90% "
                "range over posterior draws)", "", "| source | median | 90% range |", "|---|---|---|"]  # fmt: skip
        for name, (lo, med, hi) in d.items():
            out.append(f"| {name} | {med:+.2f} | {lo:+.2f} to {hi:+.2f} |")
    return "\n".join(out) + "\n"


def update_doc(doc: Path, summary: dict | None = None) -> None:
    """Rewrite the generated block of ``doc`` (between :data:`DOC_START` and :data:`DOC_END`)."""
    text = doc.read_text(encoding="utf-8")
    if DOC_START not in text:
        raise ValueError(f"{doc}: no {DOC_START} ... {DOC_END} block to rewrite")
    head, rest = text.split(DOC_START)
    _, tail = rest.split(DOC_END)
    doc.write_text(f"{head}{DOC_START}\n{markdown_report(summary)}{DOC_END}{tail}", encoding="utf-8")
