"""Sobol analysis of 2030 services exports, e-commerce, adoption and cumulative incidents over
the main levers and key uncertainties (experiments/sobol_digital.toml).

    python experiments/sobol_digital.py [--smoke] [--out DIR] [--workers N] [--backend dask]

Writes the sweep into --out and, per outcome, Sobol S1/ST/S2 with 95% intervals, the seed
noise share and the convergence of the indices into --out/sensitivity/.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
from _common import run

from ftzsim.analysis.figures import convergence_plot, sobol_bars, style
from ftzsim.engine.sensitivity import analyze, noise_share, outcome_values, sobol_convergence
from ftzsim.engine.store import load_results


def main() -> None:
    exp, out = run("sobol_digital", __doc__)
    results = load_results(out, with_design=False)
    sens = out / "sensitivity"
    sens.mkdir(exist_ok=True)
    summary = {}
    with plt.rc_context(style()):
        for outcome in exp.outcomes:
            values = outcome_values(results, outcome)
            idx = analyze(exp.design, values, "sobol", seed=1)
            conv = sobol_convergence(exp.design, values)
            idx.to_csv(sens / f"{outcome}_sobol.csv", index=False)
            conv.to_csv(sens / f"{outcome}_convergence.csv", index=False)
            noise = noise_share(values)
            summary[outcome] = {"noise_share": noise, "top_ST": idx.query("index == 'ST'").nlargest(3, "value")[
                "parameter"].tolist()}  # fmt: skip
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
            sobol_bars(idx, ax=axes[0], title=f"{outcome} ({noise:.0%} seed noise)")
            convergence_plot(conv, ax=axes[1], title="convergence of ST")
            fig.savefig(sens / f"{outcome}_sobol.png")
            plt.close(fig)
    (sens / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":  # the spawn-based worker pool re-imports this module
    main()
