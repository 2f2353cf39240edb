"""Robust data-governance packages (experiments/robust_openness.toml): policies x scenarios,
then robustness and scenario discovery.

    python experiments/robust_openness.py [--smoke] [--out DIR] [--workers N] [--backend dask]

Which combinations of data openness, data classification, risk-based inspection and rule
alignment raise services exports while keeping incidents under tolerance across the
uncertainties? Writes into --out/analysis/:

* ``robustness.csv``/``.md``/``.png``: per policy, regret in 2030 services exports (max and
  90th percentile across scenarios) and the share of scenarios in which it *satisfices*:
  incident rate under the regulators' default tolerance (5 per 1,000 data exporters per
  quarter) and services exports above the status quo's in the same scenario;
* ``discovery/``: PRIM boxes of the inputs (levers and uncertainties) where runs satisfice,
  the trade-off curve and extra-trees feature scores;
* ``policies.png``: mean exports against mean incident rate per policy, across scenarios.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
from _common import run

from ftzsim.analysis.decision import box_plot, regret_plot, save_figure, tradeoff_plot
from ftzsim.analysis.figures import PALETTE, style
from ftzsim.engine.discovery import discover
from ftzsim.engine.robustness import markdown, parse_threshold, robustness_table, scenario_means
from ftzsim.engine.store import load_results

EXPORTS, RATE = "final_ds_exports", "final_incident_rate"
TOLERANCE = 5.0  # incidents per 1,000 data exporters per quarter: risk_tolerance's default


def main() -> None:
    exp, out = run("robust_openness", __doc__)
    analyse(exp, out)


def analyse(exp, out) -> dict:
    """Robustness, discovery and figures of a finished sweep of ``exp`` in ``out``."""
    ana = out / "analysis"
    ana.mkdir(exist_ok=True)
    results = load_results(out)
    thresholds = [parse_threshold(f"{RATE}<{TOLERANCE:g}"), parse_threshold(f"{EXPORTS}>policy:status_quo")]
    table = robustness_table(results, EXPORTS, maximize=True, thresholds=thresholds)
    table.to_csv(ana / "robustness.csv", index=False)
    (ana / "robustness.md").write_text(markdown(table, thresholds), encoding="utf-8")

    # a run satisfices when its incident rate is under tolerance and its exports beat (strictly) the
    # status quo's in the same scenario and replicate (common random numbers)
    sq = results[results["policy"] == "status_quo"].set_index(["scenario_id", "replicate"])[EXPORTS]
    base = sq.reindex(list(zip(results["scenario_id"], results["replicate"], strict=True))).to_numpy()
    ok = ((results[RATE] < TOLERANCE) & (results[EXPORTS] > base)).to_numpy(dtype=float)
    inputs = exp.design.settings["levers"] + exp.design.settings["uncertainties"]
    X = results[inputs].loc[:, results[inputs].nunique() > 1]
    found = discover(X, ok, above=0.5, threshold=0.7, max_qp=0.05)
    disc = ana / "discovery"
    disc.mkdir(exist_ok=True)
    found["boxes"].to_csv(disc / "boxes.csv", index=False)
    found["tradeoff"].to_csv(disc / "tradeoff.csv", index=False)
    found["scores"].to_csv(disc / "feature_scores.csv", index=False)
    bounds = dict(zip(exp.design.problem["names"], map(tuple, exp.design.problem["bounds"]), strict=True))
    meta = {"kind": "ftzsim.robust_openness", "experiment": exp.name, "runs": len(results),
            "thresholds": [str(t) for t in thresholds], "smoke": "smoke" in exp.text}  # fmt: skip

    means = scenario_means(results, [EXPORTS, RATE]).groupby("policy")[[EXPORTS, RATE]].mean().reset_index()
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.3 * len(table) + 1.2), layout="constrained")
        regret_plot(table, ax=ax, title="2030 services exports: regret across scenarios")
        save_figure(fig, ana / "robustness.png", table, meta)
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        tradeoff_plot(found["tradeoff"], found["chosen"], ax=ax, title="PRIM: where packages satisfice")
        save_figure(fig, disc / "tradeoff.png", found["tradeoff"], meta)
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(6.0, 1.2 + 0.4 * max(1, len(found["boxes"]))), layout="constrained")
        box_plot(found["boxes"], bounds, box=0, ax=ax)
        save_figure(fig, disc / "box.png", found["boxes"], meta)
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(6.0, 4.2), layout="constrained")
        ax.scatter(means[RATE], means[EXPORTS], color=PALETTE[0], s=18)
        for r in means.itertuples():
            ax.annotate(r.policy, (getattr(r, RATE), getattr(r, EXPORTS)), fontsize=5, xytext=(2, 2),
                        textcoords="offset points")  # fmt: skip
        ax.axvline(TOLERANCE, color=PALETTE[3], lw=0.8, ls="--", label="tolerance")
        ax.set_xlabel("incident rate, final year (per 1,000 data exporters per quarter)")
        ax.set_ylabel("services exports, final year (100 million USD)")
        ax.set_title("Policies: mean across scenarios")
        ax.legend(frameon=False)
        save_figure(fig, ana / "policies.png", means, meta)
        plt.close(fig)
    summary = {
        "most_robust": table["policy"].iloc[0],
        "best_satisficing": table.sort_values("satisficing", ascending=False, kind="stable")["policy"].iloc[0],
        "satisficing_share_of_runs": float(np.mean(ok)),
        "box": found["boxes"].to_dict("records"),
        "top_features": found["scores"]["parameter"].head(4).tolist(),
    }
    (ana / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(table[["policy", "mean", "max_regret", "p90_regret", "satisficing"]].to_string(index=False))
    print(json.dumps(summary, indent=2, default=str))
    return summary


if __name__ == "__main__":  # worker processes import this module again
    main()
