"""The one list of outcomes (DESIGN §6): names, units, labels, and how quarters add up to years.

The model records every outcome each quarter into preallocated arrays; this module says what
those outcomes are, and everything that shows or analyses them (the result store, the
sensitivity CLI, figures, the app, CLI tables) takes names, units and labels from here.

* ``flow`` outcomes are quarterly amounts that sum to annual values (trade, incidents, pilot
  counts); ``stock`` outcomes are states whose annual value is the value in the year's last
  recorded quarter (rates, shares, levels).
* The scalar outcomes of a run (what sweeps store and analyse) are derived by two reducers:
  ``final_<outcome>`` (the final year's annual value) and ``cum_<flow>`` (the sum over the
  run). :func:`summary_names` lists them and :func:`summarize` computes them.
* :func:`label` and :func:`unit` give a human label and unit, in English or Chinese, for any
  outcome name, scalar outcome name or registry parameter (figures and app use them).

This module sits beside the lever registry and imports nothing from the model, so scenario
validation, the experiment engine and figures can use it without loading the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ftzsim.levers import REGISTRY, ZONE_LEVERS

__all__ = [
    "NATIONAL_OUTCOMES",
    "REDUCERS",
    "REGIONS",
    "UNITS_ZH",
    "ZONE_OUTCOMES",
    "Outcome",
    "annual",
    "label",
    "summarize",
    "summary_names",
    "unit",
]

#: Statistical regions of the 2022 report (regional_digital_trade_2022.csv).
REGIONS: tuple[str, ...] = ("east", "central", "west", "northeast")
_REGION_ZH = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One recorded outcome.

    Attributes
    ----------
    name : str
        Column name in every frame and store.
    unit : str
        Unit of one quarter's value (flows) or of the value (stocks).
    agg : {"flow", "stock"}
        How quarters add up to years (sum, or the last quarter's value).
    meaning : str
        One line saying what it measures (figure titles use it).
    label, label_zh : str
        Short human labels for axes, legends and tables (English, Chinese).
    """

    name: str
    unit: str
    agg: Literal["flow", "stock"]
    meaning: str
    label: str
    label_zh: str


_USD = "100 million USD"
_CNY = "100 million CNY"
#: Chinese spelling of every unit used by outcomes (figures drawn with ``lang="zh"``).
UNITS_ZH = {
    _USD: "亿美元",
    _CNY: "亿元",
    "share of firms": "企业占比",
    "incidents": "起",
    "per 1,000 data exporters": "每千家数据出口企业",
    "firms": "家企业",
    "0-1": "0-1",
    "quarters": "季度",
    "pilot tasks": "项试点",
    "reform steps": "项改革",
    "zones": "个自贸区",
    "share": "占比",
    "Gini": "基尼系数",
    "0/1": "0/1",
}

_o = Outcome
# outcomes measured both nationally and per zone: declared once
_TRADE = {
    o.name: o
    for o in [
        _o("ds_exports", _USD, "flow", "digitally deliverable services exports",
           "Digital services exports", "可数字化交付服务出口"),
        _o("ds_imports", _USD, "flow", "digitally deliverable services imports",
           "Digital services imports", "可数字化交付服务进口"),
        _o("ecommerce_exports", _USD, "flow", "cross-border e-commerce exports",
           "Cross-border e-commerce exports", "跨境电商出口"),
        _o("ecommerce_imports", _USD, "flow", "cross-border e-commerce imports (bonded warehouses, parcels)",
           "Cross-border e-commerce imports", "跨境电商进口"),
        _o("goods_exports", _USD, "flow", "other goods exports of the modelled firms",
           "Goods exports", "货物出口"),
        _o("adoption_rate", "share of firms", "stock", "digital adoption, weighted by firm weight",
           "Digital adoption", "企业数字化采纳率"),
        _o("exporter_share", "share of firms", "stock", "firms exporting to at least one bloc",
           "Exporters' share", "出口企业占比"),
        _o("incidents", "incidents", "flow", "data-security incidents (real-firm scale)",
           "Data-security incidents", "数据安全事件"),
        _o("incident_rate", "per 1,000 data exporters", "stock",
           "incidents of services firms per 1,000 services firms exporting data (what regulators watch)",
           "Incident rate", "数据安全事件率"),
        _o("pending_applications", "firms", "stock", "data-export applications waiting (real-firm scale)",
           "Pending data-export applications", "待审数据出境申请"),
    ]
}  # fmt: skip
_T = _TRADE

NATIONAL_OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in [
        _T["ds_exports"],
        _T["ds_imports"],
        _o("ds_total", _USD, "flow", "digitally deliverable services trade (exports + imports)",
           "Digital services trade", "可数字化交付服务贸易"),
        _T["ecommerce_exports"],
        _o("ecommerce_exports_cny", _CNY, "flow",
           "cross-border e-commerce exports in yuan, as the data are published (USD flow x the year's rate)",
           "Cross-border e-commerce exports (CNY)", "跨境电商出口（人民币）"),
        _T["ecommerce_imports"],
        _T["goods_exports"],
        _T["adoption_rate"],
        _o("digital_level", "0-1", "stock", "mean firm digital level, weighted",
           "Mean digital level", "平均数字化水平"),
        _T["exporter_share"],
        _T["incidents"],
        _T["incident_rate"],
        _o("mean_openness", "0-1", "stock", "effective data openness, mean over active zones",
           "Data openness (zone mean)", "数据开放度（自贸区均值）"),
        _o("openness_ceiling", "0-1", "stock", "national ceiling on data openness",
           "National openness ceiling", "全国数据开放上限"),
        _T["pending_applications"],
        _o("mean_wait", "quarters", "stock", "mean wait of the applications approved this quarter",
           "Mean approval wait", "平均审批等待"),
        _o("pilots", "pilot tasks", "flow", "reform steps piloted by zones", "Pilot steps", "试点改革"),
        _o("imitations", "reform steps", "flow", "reform steps copied from linked zones",
           "Imitated reform steps", "模仿改革"),
        _o("replications", "reform steps", "flow", "reform steps replicated nationwide",
           "Reforms replicated nationwide", "全国复制推广改革"),
        _o("active_zones", "zones", "stock", "zones established by this quarter", "Active zones", "已设立自贸区"),
        *(_o(f"share_{r}", "share", "stock", f"{r} region's share of services trade",
             f"{r.capitalize()}'s share of services trade", f"{_REGION_ZH[r]}地区服务贸易占比") for r in REGIONS),
        _o("gini_zones", "Gini", "stock", "inequality of services trade across zones",
           "Inequality across zones (Gini)", "自贸区间不平等（基尼系数）"),
    ]
}  # fmt: skip

ZONE_OUTCOMES: dict[str, Outcome] = {
    **_TRADE,
    **{
        o.name: o
        for o in [
            _o("openness", "0-1", "stock", "effective data openness (request, allowance, ceiling)",
               "Data openness", "数据开放度"),
            _o("allowed_openness", "0-1", "stock", "data openness the zone regulator allows",
               "Allowed openness", "监管允许的开放度"),
            _o("coverage_5g", "share", "stock", "5G coverage built", "5G coverage built", "5G覆盖（已建）"),
            _o("logistics", "0-1", "stock", "smart logistics built", "Smart logistics built", "智慧物流（已建）"),
            _o("active", "0/1", "stock", "zone established", "Zone established", "已设立"),
            *(_o(f"lever_{n}", "0-1", "stock", f"implemented level of {n}",
                 f"Implemented: {REGISTRY[n].label}", f"已实施：{REGISTRY[n].label_zh}") for n in ZONE_LEVERS),
        ]
    },
}  # fmt: skip

#: Reducers that turn a run's national series into its scalar outcomes.
REDUCERS = {"final": "the final year's annual value", "cum": "the sum over the run (flows only)"}


def summary_names() -> list[str]:
    """Names of the scalar outcomes of a run: ``final_<outcome>`` for every national outcome
    and ``cum_<outcome>`` for every flow."""
    return [f"final_{n}" for n in NATIONAL_OUTCOMES] + [
        f"cum_{n}" for n, o in NATIONAL_OUTCOMES.items() if o.agg == "flow"
    ]


def summarize(national: Any) -> dict[str, float]:
    """Scalar outcomes of one run from its quarterly national frame (see :func:`summary_names`)."""
    if national.empty:
        return {}
    last = annual(national).iloc[-1]
    out = {f"final_{n}": float(last[n]) for n in NATIONAL_OUTCOMES}
    for n, o in NATIONAL_OUTCOMES.items():
        if o.agg == "flow":
            out[f"cum_{n}"] = float(national[n].sum())
    return out


def annual(frame: Any, outcomes: dict[str, Outcome] = NATIONAL_OUTCOMES) -> Any:
    """Annual aggregates of a quarterly frame with a ``year`` column.

    Flows are summed over the recorded quarters of each year; stocks take the value of the
    year's last recorded quarter. Grouping columns (``scenario``, ``replicate``, ``seed``,
    ``zone``) are kept when present. A column ``quarters`` says how many quarters each year
    holds, so partial years are visible.
    """
    import pandas as pd

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


def _split(name: str) -> tuple[str, str]:
    """(reducer, base name) of a scalar outcome name; reducer '' for a plain name."""
    for red in ("final", "cum"):
        if name.startswith(f"{red}_") and name[len(red) + 1 :] in NATIONAL_OUTCOMES:
            return red, name[len(red) + 1 :]
    return "", name


def _lookup(name: str) -> Outcome | None:
    return NATIONAL_OUTCOMES.get(name) or ZONE_OUTCOMES.get(name)


def label(name: str, lang: str = "en") -> str:
    """Human label of an outcome (``ds_exports``), a scalar outcome (``final_ds_exports``,
    ``cum_incidents``) or a registry parameter (``data_openness``), in English or Chinese
    (``lang="zh"``). Unknown names come back unchanged, so a label never hides a column."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang {lang!r}: allowed: en, zh")
    zh = lang == "zh"
    red, base = _split(name)
    o = _lookup(base)
    if o is not None:
        text = o.label_zh if zh else o.label
        if red == "final":
            return f"{text}（末年）" if zh else f"{text}, final year"
        if red == "cum":
            return f"{text}（累计）" if zh else f"{text}, cumulative"
        return text
    p = REGISTRY.get(name)
    if p is not None:
        return p.label_zh if zh else p.label
    return name


def unit(name: str, lang: str = "en", per: bool = True) -> str:
    """Unit of an outcome, scalar outcome or registry parameter.

    Flows are recorded per quarter; ``final_`` values of flows are annual sums and ``cum_``
    values sums over the run, and the unit says so when ``per`` is true.
    """
    red, base = _split(name)
    o = _lookup(base)
    if o is not None:
        text = UNITS_ZH.get(o.unit, o.unit) if lang == "zh" else o.unit
        if per and o.agg == "flow":
            suffix = {
                "": (" per quarter", "/季度"),
                "final": (" per year", "/年"),
                "cum": (" over the run", "（累计）"),
            }
            text += suffix[red][1 if lang == "zh" else 0]
        return text
    p = REGISTRY.get(name)
    return p.unit if p is not None else ""
