"""Calibrate a scenario to the 2021-2022 data (``ftzsim calibrate``).

What is fitted
--------------
Zone levels are anchored to 2021 by construction (docs/model.md, "Anchoring"). The fit then
chooses six parameters so that the model's *annual* 2021 and 2022 values match the data:

* ``world_demand_growth``, ``import_demand_growth``, ``ecommerce_extra_growth`` — the growth
  of foreign demand for services, of zones' demand for imported services, and of
  cross-border e-commerce beyond services;
* ``level_ds_exports``, ``level_ds_imports``, ``level_ecommerce`` — level factors on the
  anchored scales (the anchor matches the first quarter; the data are annual sums of a
  growing series).

Everything else (elasticities, Bass p and q, ...) is taken from the literature
(``elasticities.csv``) and not fitted.

Method
------
Least squares on log errors (``scipy.optimize.least_squares``, trust-region reflective with
bounds) of the replicate mean over common random numbers: every evaluation runs the same
replicate seeds, spawned with ``numpy.random.SeedSequence`` from one master seed, so the
objective is a smooth function of the parameters and the fit is reproducible bit for bit.
Targets (``ftzsim/data``): national services trade 2021 (derived) and 2022, total, exports
and imports; cross-border e-commerce exports 2021-2022; the 2022 totals and exports of the
12 provinces with data, and their 2022 growth rates (weight 0.3, secondary); the 2022
regional shares.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ftzsim import levers as L
from ftzsim import reference
from ftzsim.outcomes import REGIONS
from ftzsim.reference import CNY_PER_USD_2021
from ftzsim.scenario import Scenario, load_scenario
from ftzsim.seeds import replicate_seeds

__all__ = ["CalibrationResult", "calibrate", "evaluate", "fit_parameters", "targets", "write_calibration_block"]

#: Where the least-squares fit starts, where that differs from the registry default (the
#: fitted parameters and their bounds come from the registry: ``fittable=True``).
FIT_START = {"world_demand_growth": 0.06, "ecommerce_extra_growth": 0.03}


def fit_parameters() -> list[tuple[str, float, float, float]]:
    """(name, start, lower, upper) of every fittable registry parameter."""
    out = []
    for name in L.select(fittable=True):
        p = L.get(name)
        out.append((name, FIT_START.get(name, p.default), p.lower, p.upper))
    return out


#: CNY per USD, 2022 annual average (PBoC central parity); converts e-commerce (trillion CNY)
CNY_PER_USD_2022 = 6.73
MARKER = "# ---- calibration: written by `ftzsim calibrate`; edit by re-running it ----"


def targets(zones: list[str]) -> pd.DataFrame:
    """Calibration targets with their tolerance (DESIGN §7, issue 3).

    Columns: ``name``, ``kind`` (national / ecommerce / province / province_growth /
    region_share), ``target``, ``weight``, ``tolerance`` (relative for levels, absolute in
    percentage points for shares and growth rates), ``unit``.
    """
    nat = reference.national()
    prov = reference.read_csv("provincial_digital_trade_2022.csv").set_index("province")
    reg = reference.read_csv("regional_digital_trade_2022.csv").set_index("region")
    rows = []
    for year in (2021, 2022):
        for col, name in (("dd_services_total", "ds_total"), ("dd_services_exports", "ds_exports"),
                          ("dd_services_imports", "ds_imports")):  # fmt: skip
            tol = 0.02 if year == 2022 and name != "ds_imports" else 0.05
            rows.append((f"{name}_{year}", "national", nat.loc[year, col], 100.0, tol, "100 million USD"))
        rate = CNY_PER_USD_2021 if year == 2021 else CNY_PER_USD_2022
        rows.append(
            (f"ecommerce_exports_{year}", "ecommerce", nat.loc[year, "ecommerce_exports"] * 1e4 / rate, 100.0,
             0.05, "100 million USD"),
        )  # fmt: skip
    for p in prov.index:
        if p in zones:
            rows.append((f"{p}_total_2022", "province", prov.loc[p, "total"], 1.0, 0.10, "100 million USD"))
            rows.append((f"{p}_exports_2022", "province", prov.loc[p, "exports"], 1.0, 0.10, "100 million USD"))
            rows.append((f"{p}_growth_2022", "province_growth", prov.loc[p, "total_growth_pct"], 0.3, 10.0, "%"))
    total = reg["total"].sum()
    for r in REGIONS:
        rows.append((f"share_{r}_2022", "region_share", 100 * reg.loc[r, "total"] / total, 1.0, 2.0, "%"))
    return pd.DataFrame(rows, columns=["name", "kind", "target", "weight", "tolerance", "unit"])


def _with_params(sc: Scenario, values: dict[str, float], n_firms: int | None) -> Scenario:
    unc = dict(sc.uncertainties)
    for k, v in values.items():
        unc[k] = float(v)
    return dataclasses.replace(sc, uncertainties=unc, quarters=8, n_firms=n_firms or sc.n_firms, schedule=())


def evaluate(sc: Scenario, values: dict[str, float], seeds: list[int], n_firms: int | None = None) -> pd.Series:
    """Replicate-mean model values for every target name (2021-2022 only)."""
    from ftzsim.model import FTZModel

    run_sc = _with_params(sc, values, n_firms)
    acc: dict[str, float] = {}
    for seed in seeds:
        m = FTZModel(run_sc, rng=seed, build_firm_agents=False).run()
        nat = m.annual_frame().set_index("year")
        zones = m.annual_frame(zones=True).set_index(["year", "zone"])
        out = {}
        for year in (2021, 2022):
            for name in ("ds_total", "ds_exports", "ds_imports", "ecommerce_exports"):
                out[f"{name}_{year}"] = nat.loc[year, name]
        for z in m.zone_names:
            tot = {y: zones.loc[(y, z), "ds_exports"] + zones.loc[(y, z), "ds_imports"] for y in (2021, 2022)}
            out[f"{z}_total_2022"] = tot[2022]
            out[f"{z}_exports_2022"] = zones.loc[(2022, z), "ds_exports"]
            out[f"{z}_growth_2022"] = 100 * (tot[2022] / tot[2021] - 1) if tot[2021] > 0 else 0.0
        for r in REGIONS:
            out[f"share_{r}_2022"] = 100 * nat.loc[2022, f"share_{r}"]
        for k, v in out.items():
            acc[k] = acc.get(k, 0.0) + v / len(seeds)
    return pd.Series(acc)


def _residuals(achieved: pd.Series, tg: pd.DataFrame) -> np.ndarray:
    a = achieved.reindex(tg["name"]).to_numpy()
    t = tg["target"].to_numpy()
    w = np.sqrt(tg["weight"].to_numpy())
    growth = tg["kind"].eq("province_growth").to_numpy()
    # log errors for levels and shares; growth rates as log ratios of growth factors
    lvl = np.log(np.maximum(a, 1e-12) / np.maximum(t, 1e-12))
    gr = np.log((1 + a / 100) / (1 + t / 100))
    return w * np.where(growth, gr, lvl)


@dataclass
class CalibrationResult:
    fitted: dict[str, float]
    table: pd.DataFrame
    seeds: list[int]
    master_seed: int
    replicates: int
    n_firms: int
    cost: float
    evaluations: int


def calibrate(
    scenario: str | Path | Scenario,
    master_seed: int = 2021,
    replicates: int = 10,
    n_firms: int | None = None,
    max_evaluations: int = 200,
) -> CalibrationResult:
    """Fit the fittable registry parameters to the 2021-2022 targets (see module docstring)."""
    sc = load_scenario(scenario)
    seeds = replicate_seeds(master_seed, replicates)
    tg = targets(list(sc.zones))
    spec = fit_parameters()
    names = [p[0] for p in spec]
    x0 = np.array([p[1] for p in spec])
    lo = np.array([p[2] for p in spec])
    hi = np.array([p[3] for p in spec])
    count = 0

    def fun(x: np.ndarray) -> np.ndarray:
        nonlocal count
        count += 1
        return _residuals(evaluate(sc, dict(zip(names, x, strict=True)), seeds, n_firms), tg)

    res = least_squares(fun, x0, bounds=(lo, hi), x_scale=np.full(len(x0), 0.05), diff_step=1e-4,
                        max_nfev=max_evaluations, xtol=1e-10, ftol=1e-10)  # fmt: skip
    fitted = {n: float(np.round(v, 10)) for n, v in zip(names, res.x, strict=True)}
    achieved = evaluate(sc, fitted, seeds, n_firms)
    table = tg.copy()
    table["achieved"] = achieved.reindex(tg["name"]).to_numpy()
    rel = table["kind"].isin(["national", "ecommerce", "province"])
    table["error"] = np.where(rel, table["achieved"] / table["target"] - 1, table["achieved"] - table["target"])
    table["met"] = table["error"].abs() <= table["tolerance"]
    return CalibrationResult(fitted, table, seeds, master_seed, replicates, n_firms or sc.n_firms,
                             float(res.cost), count)  # fmt: skip


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_calibration_block(path: Path, result: CalibrationResult, command: str) -> None:
    """Replace everything after :data:`MARKER` in the scenario file with the new record.

    The rest of the file (comments included) is left as the author wrote it.
    """
    text = path.read_text(encoding="utf-8")
    head = text.split(MARKER)[0].rstrip() + "\n\n"
    lines = [
        MARKER,
        "[calibration]",
        f"date = {_toml_value(_dt.date.today().isoformat())}",
        f"command = {_toml_value(command)}",
        f"master_seed = {result.master_seed}",
        f"replicates = {result.replicates}",
        f"n_firms = {result.n_firms}",
        f"cost = {_toml_value(round(result.cost, 8))}",
        f"targets_met = {int(result.table['met'].sum())}",
        f"targets_total = {len(result.table)}",
    ]
    lines.append("# one row per target: data, model (replicate mean), error (relative for levels, points for %)")
    lines.append("targets = [")
    for r in result.table.itertuples():
        fields = {
            "name": r.name,
            "target": round(float(r.target), 4),
            "achieved": round(float(r.achieved), 4),
            "error": round(float(r.error), 5),
            "tolerance": float(r.tolerance),
            "met": bool(r.met),
        }
        lines.append("  { " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in fields.items()) + " },")
    lines += ["]", "", "[calibration.fitted]", *(f"{k} = {_toml_value(v)}" for k, v in result.fitted.items()), ""]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(head + "\n".join(lines), encoding="utf-8")
    load_scenario(tmp)  # the new file must validate before it replaces the old one
    tmp.replace(path)


def fit_figure(table: pd.DataFrame, out: Path) -> None:
    """Targets vs achieved: national and e-commerce levels, provinces, regional shares."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import PALETTE, style

    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
        for ax, kinds, title, unit in (
            (axes[0], ("national", "ecommerce"), "National", "100 million USD per year"),
            (axes[1], ("province",), "Provinces, 2022", "100 million USD per year"),
            (axes[2], ("region_share",), "Regional shares, 2022", "% of services trade"),
        ):
            t = table[table["kind"].isin(kinds)]
            y = np.arange(len(t))
            ax.barh(y - 0.2, t["target"], 0.4, color=PALETTE[0], label="data")
            ax.barh(y + 0.2, t["achieved"], 0.4, color=PALETTE[1], label="model")
            ax.set_yticks(y, [re.sub(r"_(20\d\d)$", r" \1", n).replace("_", " ") for n in t["name"]], fontsize=6)
            ax.set_xlabel(unit)
            ax.set_title(title)
            if kinds == ("region_share",):
                ax.set_xscale("log")
        axes[0].legend(frameon=False)
        fig.savefig(out)
        plt.close(fig)


DOC_START, DOC_END = "<!-- fit-table:start -->", "<!-- fit-table:end -->"


def markdown_report(scenario: str | Path | Scenario = "baseline") -> str:
    """The stored fit of ``scenario`` as Markdown (fitted values and the target table).

    ``docs/calibration.md`` holds this between :data:`DOC_START` and :data:`DOC_END`; a test
    checks that the document matches the scenario file, so the numbers cannot drift.
    """
    cal = load_scenario(scenario).calibration
    if not cal:
        return "_no stored calibration_\n"
    lines = [
        f"Stored fit: `{cal['command']}` ({cal['date']}, {cal['replicates']} replicates, master seed "
        f"{cal['master_seed']}, {cal['n_firms']:,} firm agents); {cal['targets_met']} of {cal['targets_total']} "
        "targets within tolerance.",
        "",
        "| fitted parameter | value |",
        "|---|---|",
        *(f"| `{k}` | {v:.4f} |" for k, v in cal["fitted"].items()),
        "",
        "| target | data | model | error | tolerance | met |",
        "|---|---|---|---|---|---|",
    ]
    for t in cal["targets"]:
        relative = not (t["name"].startswith("share_") or t["name"].endswith("_growth_2022"))
        err = f"{100 * t['error']:+.1f}%" if relative else f"{t['error']:+.2f} pp"
        tol = f"{100 * t['tolerance']:g}%" if relative else f"{t['tolerance']:g} pp"
        lines.append(
            f"| `{t['name']}` | {t['target']:,.2f} | {t['achieved']:,.2f} | {err} | {tol} | "
            f"{'yes' if t['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def update_doc(doc: Path, scenario: str | Path | Scenario = "baseline") -> None:
    """Rewrite the generated block of ``doc`` from the stored fit."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(DOC_START)
    _, tail = rest.split(DOC_END)
    doc.write_text(f"{head}{DOC_START}\n{markdown_report(scenario)}{DOC_END}{tail}", encoding="utf-8")


if __name__ == "__main__":  # python -m ftzsim.calibration docs/calibration.md
    import sys

    update_doc(Path(sys.argv[1]))
