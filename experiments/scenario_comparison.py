"""Baseline against each what-if scenario on common seeds (experiments/scenario_comparison.toml).

    python experiments/scenario_comparison.py [--smoke] [--out DIR] [--workers N]

Writes the paired differences from baseline with 95% intervals (comparison.csv), and figures of
the national series (median and 5-95% band per scenario) and of the differences.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _common import run

from ftzsim.analysis.figures import difference_plot, national_series, style
from ftzsim.engine.compare import paired_differences
from ftzsim.engine.store import load_results, load_timeseries


def main() -> None:
    exp, out = run("scenario_comparison", __doc__)
    results = load_results(out)
    results["scenario"] = results["scenario"].map(lambda s: s.rsplit("/", 1)[-1].removesuffix(".toml"))
    diffs = paired_differences(results, exp.outcomes, reference="baseline")
    diffs.to_csv(out / "comparison.csv", index=False)
    series = load_timeseries(out).merge(results[["row_id", "scenario"]].drop_duplicates(), on="row_id")
    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
        for scen, g in series.groupby("scenario", sort=False):
            national_series(g, "ds_exports", ax=axes[0], label=scen)
            national_series(g, "incidents", ax=axes[1], label=scen)
        axes[0].legend(frameon=False)
        fig.savefig(out / "scenarios_series.png")
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
        difference_plot(diffs, ax=ax, title="What-ifs against the baseline (paired 95% intervals)")
        fig.savefig(out / "scenarios_difference.png")
        plt.close(fig)
    print(diffs[["scenario", "outcome", "diff", "low", "high", "rel_diff"]].to_string(index=False))


if __name__ == "__main__":  # the spawn-based worker pool re-imports this module
    main()
