"""The whole research loop on one question, as a policy brief needs it.

*What do data-export negative lists with classification in the six leading zones from 2024Q1 do
to 2030 services exports and to incidents, and which assumptions drive the answer?*

1. the scenario (``scenarios/negative_list.toml``) and a paired experiment
   (``experiments/negative_list_brief.toml``): every row of a Sobol design over the uncertain
   assumptions runs the policy and the baseline on the same seeds;
2. the effect with both kinds of band: across the uncertain inputs (the 5-95% range of the
   row means, parameters and seeds) and from seed noise alone (the 5-95% range of a row's
   replicates around its mean, at the median row);
3. the sensitivity of the effect (Sobol ST of ``pct:final_ds_exports`` and ``pct:cum_incidents``);
4. a two-panel figure ready for a brief, with its data and provenance.

    python experiments/negative_list_brief.py [--smoke] [--out DIR] [--workers N]

Writes into ``--out``: the sweep, ``brief/effect.csv``, ``brief/sobol_*.csv``,
``brief/brief.png`` / ``.pdf`` and ``brief/summary.json``.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _common import run

from ftzsim.analysis.figures import PALETTE, style
from ftzsim.engine.sensitivity import analyze, noise_share, outcome_values
from ftzsim.engine.store import load_results
from ftzsim.io import provenance
from ftzsim.outcomes import label

EFFECTS = ("pct:final_ds_exports", "pct:cum_incidents")


def effect_bands(results: pd.DataFrame, outcome: str) -> dict[str, float]:
    """The effect's median and 5-95% range across the uncertain inputs (row means) and, for
    comparison, the 5-95% range of seed noise alone (replicates around their row's mean)."""
    v = outcome_values(results, outcome)
    rows = v.groupby("row_id")["y"].mean()
    resid = v["y"] - v["row_id"].map(rows)
    med = float(rows.median())
    return {
        "median": med,
        "uncertainty_low": float(rows.quantile(0.05)),
        "uncertainty_high": float(rows.quantile(0.95)),
        "seed_low": med + float(resid.quantile(0.05)),
        "seed_high": med + float(resid.quantile(0.95)),
        "noise_share": noise_share(v),
    }


def main() -> None:
    exp, out = run("negative_list_brief", __doc__)
    results = load_results(out)
    brief = out / "brief"
    brief.mkdir(exist_ok=True)
    bands = {o: effect_bands(results, o) for o in EFFECTS}
    pd.DataFrame(bands).T.rename_axis("outcome").to_csv(brief / "effect.csv")
    sobol = {}
    for o in EFFECTS:
        idx = analyze(exp.design, outcome_values(results, o), "sobol", seed=1)
        idx.to_csv(brief / f"sobol_{o.replace(':', '-')}.csv", index=False)
        sobol[o] = idx.query("index == 'ST'").set_index("parameter")["value"]
    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8), layout="constrained")
        ax = axes[0]
        for k, o in enumerate(EFFECTS):
            b = bands[o]
            ax.plot([b["uncertainty_low"], b["uncertainty_high"]], [k, k], lw=8, color=PALETTE[k], alpha=0.35,
                    solid_capstyle="butt", label="5-95%, parameters and seeds" if k == 0 else None)  # fmt: skip
            ax.plot([b["seed_low"], b["seed_high"]], [k - 0.18, k - 0.18], lw=2, color="0.2",
                    label="5-95%, seed noise only" if k == 0 else None)  # fmt: skip
            ax.plot(b["median"], k, "o", color=PALETTE[k])
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_yticks(range(len(EFFECTS)), [label(o.split(":", 1)[1]) for o in EFFECTS])
        ax.set_xlabel("effect of the negative lists vs baseline (%)")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        ax.set_title("Effect in 2030 (services exports) and 2021-2030 (incidents)")
        ax = axes[1]
        st = pd.DataFrame(sobol).fillna(0.0)
        st = st.loc[st.max(axis=1).sort_values().index]
        y = np.arange(len(st))
        for k, o in enumerate(EFFECTS):
            ax.barh(y + (k - 0.5) * 0.38, st[o], 0.38, color=PALETTE[k], label=label(o.split(":", 1)[1]))
        ax.set_yticks(y, [label(p) for p in st.index], fontsize=7)
        ax.set_xlabel("Sobol total index of the effect")
        ax.legend(frameon=False, fontsize=7)
        ax.set_title("Which assumptions drive the effect")
        fig.text(0.01, -0.02, f"Bands: across {len(results['row_id'].unique())} rows of a Sobol design over the "
                 f"assumptions x {exp.replicates} shared seeds (wide) and seed noise alone (thin). "
                 "Policy and baseline run on the same seeds.", fontsize=7)  # fmt: skip
        for ext in ("png", "pdf"):
            fig.savefig(brief / f"brief.{ext}", dpi=300, metadata={"Creator": "ftzsim"} if ext == "pdf" else None)
        plt.close(fig)
    summary = {
        "effects": bands,
        "top_drivers": {o: sobol[o].sort_values(ascending=False).index[:3].tolist() for o in EFFECTS},
        "runs": len(results),
        "provenance": {k: provenance()[k] for k in ("git_revision", "packages")},
    }
    (brief / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: summary[k] for k in ("effects", "top_drivers", "runs")}, indent=2))


if __name__ == "__main__":  # the spawn-based worker pool re-imports this module
    main()
