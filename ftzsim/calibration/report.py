"""What a fit writes: the ``[calibration]`` record in the scenario file, the fit figure and the
Markdown table of ``docs/calibration.md`` (generated, so the numbers cannot drift)."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ftzsim.calibration.fit import CalibrationResult
from ftzsim.scenario import Scenario, load_scenario

__all__ = ["DOC_END", "DOC_START", "MARKER", "fit_figure", "markdown_report", "update_doc", "write_calibration_block"]

MARKER = "# ---- calibration: written by `ftzsim calibrate`; edit by re-running it ----"


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
