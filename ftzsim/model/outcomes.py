"""Outcome definitions (DESIGN §6): names, units, and how quarters add up to years.

The model records every outcome each quarter into preallocated arrays; this module is the
single list of what those outcomes are. ``flow`` outcomes are quarterly amounts that sum to
annual values (trade, incidents, pilot counts); ``stock`` outcomes are states whose annual
value is the value in the year's last recorded quarter (rates, shares, levels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from ftzsim.levers import ZONE_LEVERS
from ftzsim.reference import REGIONS

__all__ = ["NATIONAL_OUTCOMES", "ZONE_OUTCOMES", "Outcome", "annual"]


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    unit: str
    agg: Literal["flow", "stock"]
    meaning: str


def _o(name, unit, agg, meaning):
    return Outcome(name, unit, agg, meaning)


_USD = "100 million USD"
# outcomes measured both nationally and per zone: declared once
_TRADE = {
    o.name: o
    for o in [
        _o("ds_exports", _USD, "flow", "digitally deliverable services exports"),
        _o("ds_imports", _USD, "flow", "digitally deliverable services imports"),
        _o("ecommerce_exports", _USD, "flow", "cross-border e-commerce exports"),
        _o("goods_exports", _USD, "flow", "other goods exports of the modelled firms"),
        _o("adoption_rate", "share of firms", "stock", "digital adoption, weighted by firm weight"),
        _o("exporter_share", "share of firms", "stock", "firms exporting to at least one bloc"),
        _o("incidents", "incidents", "flow", "data-security incidents (real-firm scale)"),
        _o("incident_rate", "per 1,000 data exporters", "stock", "incidents per data exporter"),
        _o("pending_applications", "firms", "stock", "data-export applications waiting (real-firm scale)"),
    ]
}
_T = _TRADE

NATIONAL_OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in [
        _T["ds_exports"],
        _T["ds_imports"],
        _o("ds_total", _USD, "flow", "digitally deliverable services trade (exports + imports)"),
        _T["ecommerce_exports"],
        _T["goods_exports"],
        _T["adoption_rate"],
        _o("digital_level", "0-1", "stock", "mean firm digital level, weighted"),
        _T["exporter_share"],
        _T["incidents"],
        _T["incident_rate"],
        _o("mean_openness", "0-1", "stock", "effective data openness, mean over active zones"),
        _o("openness_ceiling", "0-1", "stock", "national ceiling on data openness"),
        _T["pending_applications"],
        _o("mean_wait", "quarters", "stock", "mean wait of the applications approved this quarter"),
        _o("pilots", "pilot tasks", "flow", "reform steps piloted by zones"),
        _o("imitations", "reform steps", "flow", "reform steps copied from linked zones"),
        _o("replications", "reform steps", "flow", "reform steps replicated nationwide"),
        _o("active_zones", "zones", "stock", "zones established by this quarter"),
        *(_o(f"share_{r}", "share", "stock", f"{r} region's share of services trade") for r in REGIONS),
        _o("gini_zones", "Gini", "stock", "inequality of services trade across zones"),
    ]
}

ZONE_OUTCOMES: dict[str, Outcome] = {
    **_TRADE,
    **{
        o.name: o
        for o in [
            _o("openness", "0-1", "stock", "effective data openness (request, allowance, ceiling)"),
            _o("allowed_openness", "0-1", "stock", "data openness the zone regulator allows"),
            _o("coverage_5g", "share", "stock", "5G coverage built"),
            _o("logistics", "0-1", "stock", "smart logistics built"),
            _o("active", "0/1", "stock", "zone established"),
            *(_o(f"lever_{n}", "0-1", "stock", f"implemented level of {n}") for n in ZONE_LEVERS),
        ]
    },
}


def annual(frame: pd.DataFrame, outcomes: dict[str, Outcome] = NATIONAL_OUTCOMES) -> pd.DataFrame:
    """Annual aggregates of a quarterly frame with a ``year`` column.

    Flows are summed over the recorded quarters of each year; stocks take the value of the
    year's last recorded quarter. Grouping columns (``scenario``, ``replicate``, ``seed``,
    ``zone``) are kept when present. A column
    ``quarters`` says how many quarters each year holds, so partial years are visible.
    """
    keys = [k for k in ("scenario", "replicate", "seed") if k in frame.columns] + ["year"]
    keys += ["zone"] if "zone" in frame.columns else []
    g = frame.groupby(keys, sort=True)
    parts = {}
    for name, o in outcomes.items():
        if name in frame.columns:
            parts[name] = g[name].sum() if o.agg == "flow" else g[name].last()
    out = pd.DataFrame(parts)
    out["quarters"] = g.size()
    return out.reset_index()
