"""The figures ``ftzsim run --figures`` writes, and the names older scripts import from here.

The figure functions themselves live in :mod:`ftzsim.analysis.plots`; this module keeps
:func:`run_figures` and re-exports the plotting names so ``from ftzsim.analysis.figures
import national_series`` keeps working.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ftzsim.analysis.plots import (
    PALETTE,
    convergence_plot,
    difference_plot,
    morris_scatter,
    national_bands,
    national_series,
    regional_share_table,
    regional_shares,
    response_surface,
    sobol_bars,
    style,
    zone_map,
)

__all__ = [
    "PALETTE",
    "convergence_plot",
    "difference_plot",
    "morris_scatter",
    "national_series",
    "regional_share_table",
    "regional_shares",
    "response_surface",
    "run_figures",
    "sobol_bars",
    "style",
    "zone_map",
]


def run_figures(model, out_dir: str | Path, national: pd.DataFrame | None = None) -> list[str]:
    """Draw the figures of a run into ``out_dir``; return the file names written.

    ``national`` may hold several replicates (column ``replicate``); the national panel then
    shows their median and 5-95% band. Figures are drawn on :class:`~matplotlib.figure.Figure`
    objects (no pyplot state, no display needed).
    """
    import matplotlib

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nat = model.national_frame() if national is None else national
    written = []
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(7.2, 5.0), layout="constrained")
        axes = fig.subplots(2, 2)
        for ax, name in zip(axes.flat, ["ds_exports", "ecommerce_exports", "adoption_rate", "mean_openness"]):
            national_bands(nat.drop(columns=["scenario"], errors="ignore"), name, ax=ax)
        n_rep = nat["replicate"].nunique() if "replicate" in nat.columns else 1
        note = f"median and 5-95% of {n_rep} replicates" if n_rep > 1 else "one seed"
        fig.suptitle(f"{model.config.name}: national outcomes ({note})")
        for ext in ("png", "pdf"):
            fig.savefig(out_dir / f"national.{ext}")
            written.append(f"national.{ext}")
        zones = model.zone_frame()
        last = zones[zones["step"] == zones["step"].max()].set_index("zone")
        fig = Figure(figsize=(6.4, 5.0), layout="constrained")
        zone_map(model.graph, (last["ds_exports"] + last["ds_imports"]).to_dict(), ax=fig.subplots(),
                 label="services trade, last quarter", colour=last["adoption_rate"].to_dict(),
                 colour_label="digital adoption (share of firms)")  # fmt: skip
        for ext in ("png", "pdf"):
            fig.savefig(out_dir / f"zones.{ext}")
            written.append(f"zones.{ext}")
    return written
