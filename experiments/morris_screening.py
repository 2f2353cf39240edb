"""Morris screening of every registered lever and uncertainty (experiments/morris_screening.toml).

    python experiments/morris_screening.py [--smoke] [--out DIR] [--workers N]

Writes mu*, mu and sigma per parameter and outcome, ranked by mu*, with a mu*-sigma figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from _common import run

from ftzsim.analysis.figures import morris_scatter, style
from ftzsim.engine.sensitivity import analyze, outcome_values
from ftzsim.engine.store import load_results


def main() -> None:
    exp, out = run("morris_screening", __doc__)
    results = load_results(out, with_design=False)
    sens = out / "sensitivity"
    sens.mkdir(exist_ok=True)
    tables = []
    with plt.rc_context(style()):
        for outcome in exp.outcomes:
            idx = analyze(exp.design, outcome_values(results, outcome), "morris", seed=1)
            idx["outcome"] = outcome
            tables.append(idx)
            fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
            morris_scatter(idx, ax=ax, title=f"Morris screening: {outcome}")
            fig.savefig(sens / f"{outcome}_morris.png")
            plt.close(fig)
    table = pd.concat(tables, ignore_index=True)
    table.to_csv(sens / "morris.csv", index=False)
    ranking = table.query("index == 'mu_star'").sort_values(["outcome", "value"], ascending=[True, False])
    print(ranking.groupby("outcome").head(5)[["outcome", "parameter", "value"]].to_string(index=False))


if __name__ == "__main__":  # the spawn-based worker pool re-imports this module
    main()
