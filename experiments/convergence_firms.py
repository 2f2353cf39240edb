"""Numerical convergence in the number of firm agents (issue 17).

Firm agents carry weights so that any number of them stands for the same real firms; results
should not depend on how many there are, beyond sampling noise. This study runs the baseline
and a policy (the ``data_corridor`` what-if) on shared seeds at increasing numbers of firm
agents and reports, per size, the national 2030 levels and the policy's effect (policy minus
baseline, per seed) with their standard errors, against the largest size as reference.

    python experiments/convergence_firms.py [--smoke] [--out DIR]

Tolerance (stated in docs/experiments.md): a size is converged when the mean policy effect on
2030 services exports is within 2 percentage points of the reference, and the 2030 levels of
services exports and adoption within 1.5%. Writes ``convergence.csv``, ``convergence.png`` and
``summary.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ftzsim import FTZModel
from ftzsim.seeds import replicate_seeds

#: tolerance of the study (docs/experiments.md)
EFFECT_TOL_PP = 2.0
LEVEL_TOL = 0.015
OUTCOMES = ("final_ds_exports", "final_adoption_rate", "cum_incidents")


def run_size(n_firms: int, seeds: list[int], quarters: int | None = None) -> pd.DataFrame:
    """One row per seed: baseline levels and the policy's effects at ``n_firms`` agents."""
    rows = []
    extra = {"quarters": quarters} if quarters else {}
    for s in seeds:
        base = FTZModel("baseline", rng=s, n_firms=n_firms, build_firm_agents=False, **extra).run().summary()
        pol = FTZModel("data_corridor", rng=s, n_firms=n_firms, build_firm_agents=False, **extra).run().summary()
        row = {"n_firms": n_firms, "seed": s}
        for o in OUTCOMES:
            row[o] = base[o]
            row[f"effect_{o}"] = 100 * (pol[o] / base[o] - 1) if base[o] else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error per size, and the departure from the largest size."""
    g = df.groupby("n_firms")
    out = g.mean(numeric_only=True).drop(columns="seed")
    se = g.std(numeric_only=True).drop(columns="seed") / np.sqrt(g.size().to_numpy()[:, None])
    out = out.join(se.add_suffix("_se"))
    ref = out.iloc[-1]
    for o in OUTCOMES:
        out[f"effect_{o}_dev_pp"] = out[f"effect_{o}"] - ref[f"effect_{o}"]
        out[f"{o}_dev"] = out[o] / ref[o] - 1
    out["converged"] = (
        (out["effect_final_ds_exports_dev_pp"].abs() <= EFFECT_TOL_PP)
        & (out["final_ds_exports_dev"].abs() <= LEVEL_TOL)
        & (out["final_adoption_rate_dev"].abs() <= LEVEL_TOL)
    )
    return out.reset_index()


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import style

    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
        ax = axes[0]
        ax.errorbar(table["n_firms"], table["effect_final_ds_exports"], yerr=1.96 * table["effect_final_ds_exports_se"],
                    marker="o", capsize=2, label="services exports")  # fmt: skip
        ax.errorbar(table["n_firms"], table["effect_cum_incidents"], yerr=1.96 * table["effect_cum_incidents_se"],
                    marker="s", capsize=2, label="incidents (cumulative)")  # fmt: skip
        ref = table["effect_final_ds_exports"].iloc[-1]
        ax.axhspan(ref - EFFECT_TOL_PP, ref + EFFECT_TOL_PP, color="0.85", lw=0, label="tolerance (±2 pp)")
        ax.set_xscale("log")
        ax.set_xlabel("firm agents")
        ax.set_ylabel("data_corridor effect, 2030 (%)")
        ax.legend(frameon=False, fontsize=7)
        ax.set_title("Policy effect (mean and 95% interval over seeds)")
        ax = axes[1]
        ax.errorbar(table["n_firms"], 100 * table["final_ds_exports_dev"],
                    yerr=196 * table["final_ds_exports_se"] / table["final_ds_exports"].iloc[-1], marker="o",
                    capsize=2, label="services exports")  # fmt: skip
        ax.plot(table["n_firms"], 100 * table["final_adoption_rate_dev"], marker="s", label="adoption")
        ax.axhspan(-100 * LEVEL_TOL, 100 * LEVEL_TOL, color="0.85", lw=0, label="tolerance (±1.5%)")
        ax.set_xscale("log")
        ax.set_xlabel("firm agents")
        ax.set_ylabel("2030 level vs largest size (%)")
        ax.legend(frameon=False, fontsize=7)
        ax.set_title("Baseline levels")
        fig.savefig(path, dpi=200)
        plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("results") / "convergence_firms")
    ap.add_argument("--smoke", action="store_true", help="three small sizes, two seeds, 16 quarters (tests)")
    args = ap.parse_args()
    if args.smoke:
        sizes, seeds, quarters = [500, 1000, 2000], replicate_seeds(17, 2), 16  # the policy starts in 2024Q1
    else:
        sizes, seeds, quarters = [1000, 2000, 5000, 10000, 20000, 50000, 200000], replicate_seeds(17, 8), None
    args.out.mkdir(parents=True, exist_ok=True)
    runs = pd.concat([run_size(n, seeds, quarters) for n in sizes], ignore_index=True)
    table = summarise(runs)
    runs.to_csv(args.out / "runs.csv", index=False)
    table.to_csv(args.out / "convergence.csv", index=False)
    figure(table, args.out / "convergence.png")
    converged = table.loc[table["converged"], "n_firms"]
    smallest = int(converged.min()) if len(converged) else None
    summary = {"sizes": sizes, "seeds": len(seeds), "smallest_converged": smallest,
               "tolerance": {"effect_pp": EFFECT_TOL_PP, "level": LEVEL_TOL}}  # fmt: skip
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    cols = ["n_firms", "effect_final_ds_exports", "effect_final_ds_exports_se", "effect_final_ds_exports_dev_pp",
            "final_ds_exports_dev", "converged"]  # fmt: skip
    print(table[cols].to_string(index=False))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
