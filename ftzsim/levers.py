"""The one registry of every policy lever and uncertain parameter.

Every input a user can set — in a scenario file, with ``ftzsim run --set``, in a sweep design,
in a SALib problem or on an app slider — is declared here exactly once. Everything else
(scenario validation, CLI parsing, design bounds, slider ranges, documentation tables) is
generated from :data:`REGISTRY`; there is no second hand-written list.

The vocabulary follows XLRM (Lempert et al. 2003; EMA Workbench): **levers** (L) are the
instruments a zone or the national government controls; **uncertainties** (X) are behavioural
parameters and facts about the outside world that nobody controls and that sensitivity
analysis varies beside the levers.

Each entry's ``source`` names the seed passage (``seeds/000…``: Ma & Wang; ``001``: Wang, He &
Zhang 2023; ``002``: China Digital Trade Development Report 2022) or the row id of
``ftzsim/data/elasticities.csv`` / ``policy_effects.csv`` it comes from. Where a number is a
modelling assumption without a published estimate, the source says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BLOCS",
    "NATIONAL_LEVERS",
    "REGISTRY",
    "UNCERTAINTIES",
    "ZONE_LEVERS",
    "Parameter",
    "defaults",
    "get",
    "names",
    "neutral_values",
    "salib_problem",
]

Kind = Literal["zone_lever", "national_lever", "uncertainty"]

#: Partner blocs of the trade block (DESIGN §2). Market sizes come from
#: ``partner_markets_2022.csv``; the list is data, so it is declared once here.
BLOCS: tuple[str, ...] = ("rcep", "depa", "eu", "us", "other")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One registered input.

    Attributes
    ----------
    name : str
        Identifier used in files, on the command line and in result tables.
    kind : {"zone_lever", "national_lever", "uncertainty"}
        Zone levers can be overridden per zone and scheduled; national levers apply to the
        whole country; uncertainties describe behaviour and the outside world.
    unit : str
        Unit of the value as the user writes it.
    lower, upper : float
        Inclusive bounds. Scenario values outside them are rejected; sweeps use them as the
        default design range.
    default : float
        Value used when a scenario does not set the parameter. For levers this is the
        *neutral* (no-reform) value unless ``neutral`` says otherwise; for uncertainties the
        published central estimate.
    meaning : str
        One line saying what the value stands for in the real world.
    source : str
        Seed passage or data row behind the parameter.
    neutral : float or None
        For levers: the value at which the lever has no effect (the no-reform path).
    integer : bool
        Whether only whole numbers are allowed.
    """

    name: str
    kind: Kind
    unit: str
    lower: float
    upper: float
    default: float
    meaning: str
    source: str
    neutral: float | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        if not self.lower <= self.default <= self.upper:
            raise ValueError(f"registry entry {self.name}: default outside its bounds")
        if self.neutral is not None and not self.lower <= self.neutral <= self.upper:
            raise ValueError(f"registry entry {self.name}: neutral outside its bounds")

    @property
    def is_lever(self) -> bool:
        return self.kind != "uncertainty"

    def range_text(self) -> str:
        """Human-readable allowed range, used verbatim in error messages."""
        lo, hi = (int(self.lower), int(self.upper)) if self.integer else (self.lower, self.upper)
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in [{lo:g}, {hi:g}] ({self.unit})"


def _zone(name: str, unit: str, meaning: str, source: str) -> Parameter:
    # Zone levers are 0-1 implementation levels whose neutral value 0 means "no reform":
    # every effect in the model is written so that 0 is the identity.
    return Parameter(name, "zone_lever", unit, 0.0, 1.0, 0.0, meaning, source, neutral=0.0)


_ZONE = [
    _zone(
        "fiveg_coverage",
        "share of zone covered",
        "target 5G coverage the zone builds toward (S-curve, never torn down)",
        "000 §3 infrastructure: shallow 5G coverage, high upkeep; infrastructure.csv",
    ),
    _zone(
        "smart_logistics",
        "0-1 level",
        "target level of digital 'warehouse + port + logistics' (smart ports, overseas warehouses)",
        "000 §3: only eastern coastal zones have it, inland behind; c3 (elasticities.csv)",
    ),
    _zone(
        "single_window",
        "0-1 implementation",
        "single window 3.0 / paperless trade: cuts time and cost per shipment",
        "001 single window; c1, c2 (elasticities.csv); e-documents in policy_effects.csv",
    ),
    _zone(
        "gov_data_sharing",
        "0-1 implementation",
        "cross-department data sharing (cloud platform replacing data islands): raises regulator review capacity",
        "000 §3 regulation; 001 cloud platform against data islands",
    ),
    _zone(
        "data_openness",
        "0-1 (0 = China's status quo DSTRI 0.48, 1 = most open observed 0.04)",
        "cross-border data-flow openness the zone asks for; the regulator allows it gradually",
        "000 §3 governance; a1, g3 (elasticities.csv)",
    ),
    _zone(
        "data_classification",
        "0-1 implementation",
        "clear data grading: low-risk data skip review (green channel) and incidents fall",
        "000 §3 governance (Lingang, Hainan); 004 green channel",
    ),
    _zone(
        "services_negative_list",
        "0-1 openness of services entry",
        "negative list for cross-border services trade: lowers fixed cost of services exports",
        "000 §3 regulation; policy_effects.csv (31 vs 27 items)",
    ),
    _zone(
        "digital_finance",
        "0-1 implementation",
        "digital finance / cross-border payment (CIPS, e-CNY, forex pilot): cuts payment "
        "frictions of goods and e-commerce trade",
        "000 §3 industry; policy_effects.csv forex pilot (payment time -80%)",
    ),
    _zone(
        "sme_subsidy",
        "share of adoption cost covered",
        "subsidy for SMEs' digital transformation: lowers their adoption cost",
        "000 §3 industry: SMEs cannot afford digital transformation",
    ),
]

_NATIONAL = [
    *(
        Parameter(
            f"rule_alignment.{bloc}",
            "national_lever",
            "0-1 alignment",
            0.0,
            1.0,
            0.0,
            f"alignment of China's digital trade rules with the {bloc.upper()} bloc: lowers "
            "bilateral digital-services restrictiveness",
            "000 §3 governance: RCEP/CPTPP/DEPA alignment pending; 000 §4 Bohai Bay alliance",
            neutral=0.0,
        )
        for bloc in BLOCS
    ),
    Parameter(
        "replication_min_zones",
        "national_lever",
        "zones",
        1,
        22,
        3,
        "a reform level is replicated nationwide once this many zones have run it",
        "可复制可推广 (000 §1); g2: 302 of >3400 pilot tasks replicated",
        integer=True,
    ),
    Parameter(
        "replication_lag",
        "national_lever",
        "quarters",
        1,
        40,
        8,
        "…and once those zones have run it for this many quarters",
        "g2 (elasticities.csv); the national record spans 2013-2023",
        integer=True,
    ),
    Parameter(
        "risk_tolerance",
        "national_lever",
        "incidents per 1,000 data-exporting firms per quarter",
        0.1,
        50.0,
        5.0,
        "regulators loosen data openness while incidents stay below this rate, tighten above",
        "宏观审慎、风险可控 (000 §3 governance); stress-test logic of 004; assumption",
    ),
    Parameter(
        "risk_based_inspection",
        "national_lever",
        "0-1 (0 = uniform checks, 1 = fully credit/risk-based)",
        0.0,
        1.0,
        0.0,
        "credit-based supervision: inspections target low-compliance firms",
        "000 §4 regulation path: risk-graded inspection instead of checking everyone",
        neutral=0.0,
    ),
]

_UNCERTAIN = [
    Parameter(
        "trade_elasticity",
        "uncertainty",
        "theta = sigma - 1",
        2.0,
        6.0,
        4.0,
        "trade elasticity: how strongly trade responds to trade costs and productivity",
        "f1 (Simonovska & Waugh 2014)",
    ),
    Parameter(
        "distance_elasticity",
        "uncertainty",
        "elasticity",
        0.7,
        1.3,
        1.0,
        "distance elasticity of goods trade",
        "f2 (Disdier & Head 2008; Head & Mayer 2014)",
    ),
    Parameter(
        "online_distance_factor",
        "uncertainty",
        "share of offline distance elasticity",
        0.2,
        0.6,
        0.35,
        "distance matters this much less for e-commerce and digital services than for goods",
        "f3 (Lendle et al. 2013: 65% smaller on eBay)",
    ),
    Parameter(
        "dstri_semi_elasticity",
        "uncertainty",
        "log points of exports per DSTRI point",
        1.5,
        4.5,
        3.15,
        "a 0.1 fall in digital-services restrictiveness raises exports by exp(0.1 b)-1",
        "a1 (OECD 2025: -0.1 DSTRI ~ +37% exports, b = ln 1.37 / 0.1)",
    ),
    Parameter(
        "alignment_effect",
        "uncertainty",
        "share of restrictiveness removed at full alignment",
        0.1,
        0.9,
        0.5,
        "how much full rule alignment with a bloc cuts bilateral digital restrictiveness",
        "assumption bounded by a1/a2; 000 §3 governance",
    ),
    Parameter(
        "trust_penalty",
        "uncertainty",
        "log points of services demand",
        0.0,
        0.3,
        0.1,
        "openness without safeguards (classification) loses partners' trust",
        "a2 (OECD-WTO 2025: no regulation at all costs about 1% GDP)",
    ),
    Parameter(
        "single_window_cost_cut",
        "uncertainty",
        "share of trade cost",
        0.05,
        0.25,
        0.128,
        "trade-cost cut of a fully implemented single window / paperless trade",
        "c2 (OECD TFI: -12.8% upper-middle income), c1 range 9.6-23.1%",
    ),
    Parameter(
        "logistics_cost_cut",
        "uncertainty",
        "share of trade cost",
        0.0,
        0.15,
        0.05,
        "trade-cost cut of full smart logistics",
        "c3, c5 (elasticities.csv): realised facilitation gains 1-4%; assumption above",
    ),
    Parameter(
        "finance_cost_cut",
        "uncertainty",
        "share of trade cost",
        0.0,
        0.1,
        0.03,
        "trade-cost cut of full digital finance (payment time -80% in the Hangzhou pilot)",
        "policy_effects.csv forex pilot; assumption on the cost share of payment delays",
    ),
    Parameter(
        "bass_p",
        "uncertainty",
        "per year",
        0.005,
        0.08,
        0.03,
        "Bass innovation coefficient of firm digital adoption",
        "e1 (Sultan, Farley & Lehmann 1990)",
    ),
    Parameter(
        "bass_q",
        "uncertainty",
        "per year",
        0.1,
        0.8,
        0.38,
        "Bass imitation coefficient (times the adopted share in own and linked zones)",
        "e1 (Sultan, Farley & Lehmann 1990)",
    ),
    Parameter(
        "peer_weight",
        "uncertainty",
        "share",
        0.0,
        0.6,
        0.2,
        "weight of linked zones' adoption in a firm's imitation term",
        "DESIGN §3 peer effects across linked zones; assumption",
    ),
    Parameter(
        "adoption_cost",
        "uncertainty",
        "multiple of a median firm's quarterly gain",
        0.2,
        3.0,
        1.0,
        "cost of digital adoption relative to its gain; gates the Bass hazard",
        "000 §3 industry: SMEs cannot afford or see the value; assumption",
    ),
    Parameter(
        "digital_boost",
        "uncertainty",
        "log points of export revenue at full digital level",
        0.05,
        0.8,
        0.3,
        "export revenue gain of a fully digital firm (data use, online channels)",
        "a4 (ITIF 2021) and b2 (Freund & Weinhold 2004) bound it; assumption",
    ),
    Parameter(
        "export_fixed_cost",
        "uncertainty",
        "multiple of the median firm's variable profit in its best market",
        0.5,
        5.0,
        2.0,
        "fixed cost of serving one partner bloc (Melitz selection into exporting)",
        "Melitz (2003); default 2 makes about a quarter of firms exporters",
    ),
    Parameter(
        "fixed_cost_digital_cut",
        "uncertainty",
        "share of fixed cost",
        0.0,
        0.5,
        0.15,
        "fixed-cost cut of a fully digital firm (online search, platforms)",
        "b2 (Freund & Weinhold 2004: internet works on the extensive margin)",
    ),
    Parameter(
        "size_tail",
        "uncertainty",
        "Pareto tail index of firm sales, k / (sigma - 1)",
        1.1,
        3.0,
        1.5,
        "heterogeneity of firm size: smaller means a few large firms carry more of the trade",
        "Melitz (2003) / Chaney (2008) sales tail k/(sigma-1) > 1; Axtell (2001) Zipf ~1.06; "
        "1.5 keeps agent samples stable (assumption)",
    ),
    Parameter(
        "broadband_growth",
        "uncertainty",
        "growth per year per unit of added coverage",
        0.0,
        0.15,
        0.03,
        "extra annual productivity growth per unit of 5G coverage added since the start",
        "b1 (Czernich et al. 2011: +10 pp broadband penetration ~ +0.9-1.5 pp growth, i.e. "
        "0.09-0.15); 5G adds to existing 4G broadband, so the default takes a quarter of it",
    ),
    Parameter(
        "world_demand_growth",
        "uncertainty",
        "per year",
        -0.02,
        0.12,
        0.061,
        "growth of partner blocs' demand for China's exports",
        "partner_markets_2022.csv note: world digital services exports +6.1%/yr 2012-2022",
    ),
    Parameter(
        "import_demand_growth",
        "uncertainty",
        "per year",
        -0.1,
        0.15,
        0.0,
        "autonomous growth of zones' demand for imported digital services (beyond activity)",
        "national_digital_trade.csv: imports -1.6% in 2022; fitted by `ftzsim calibrate`",
    ),
    Parameter(
        "ecommerce_extra_growth",
        "uncertainty",
        "per year",
        -0.1,
        0.2,
        0.0,
        "growth of foreign demand for cross-border e-commerce beyond world demand growth",
        "national_digital_trade.csv: e-commerce exports +11.7% vs services +7.6% in 2022; fitted",
    ),
    Parameter(
        "founding_effect",
        "uncertainty",
        "share of trade at the peak",
        0.0,
        0.15,
        0.0673,
        "trade boost of a newly founded zone, rising then fading (inverted U, peak at 3 years)",
        "d2 (Tan, Zhou & Lin 2015: +6.73 pp); d3 (Xiao et al. 2023: inverted U)",
    ),
    Parameter(
        "incident_base_rate",
        "uncertainty",
        "per data-exporting firm per quarter",
        0.0,
        0.02,
        0.003,
        "data-security incident probability of an average data exporter at status-quo openness",
        "assumption; 000 §3 governance (security risk of data export)",
    ),
    Parameter(
        "pilot_rate",
        "uncertainty",
        "per lever per quarter",
        0.0,
        0.5,
        0.15,
        "probability that a zone with reform capacity pilots the next step toward its target",
        "g2: more than 3400 pilot tasks in 21 zones over 2013-2023; assumption",
    ),
    Parameter(
        "imitation_rate",
        "uncertainty",
        "per strong tie per quarter",
        0.0,
        0.5,
        0.1,
        "probability of copying a better-performing linked zone's reform",
        "DESIGN §5 step 2; 000 §4 alliances; assumption",
    ),
    Parameter(
        "ramp_years",
        "uncertainty",
        "years",
        2.0,
        15.0,
        8.0,
        "years a zone needs to implement its reform targets fully (sets 2021 readiness)",
        "000 §2: late entrants with little accumulated reform lag; assumption",
    ),
    Parameter(
        "review_capacity",
        "uncertainty",
        "share of a zone's services firms per quarter",
        0.005,
        0.3,
        0.05,
        "data-export assessments a zone regulator completes per quarter, before data sharing",
        "004: assessment and filing before export; policy_effects.csv Zhejiang 31 scenarios",
    ),
    Parameter(
        "openness_step",
        "uncertainty",
        "share of the gap per quarter",
        0.02,
        0.5,
        0.15,
        "how fast a regulator moves allowed openness toward the zone's request when safe",
        "000 §3: stress tests, gradual opening (压力测试); assumption",
    ),
    Parameter(
        "tighten_factor",
        "uncertainty",
        "share of allowed openness withdrawn",
        0.05,
        0.9,
        0.4,
        "how sharply a regulator tightens after incidents exceed tolerance",
        "宏观审慎 (000 §3); assumption",
    ),
]

#: Every registered parameter by name, in declaration order.
REGISTRY: dict[str, Parameter] = {p.name: p for p in (*_ZONE, *_NATIONAL, *_UNCERTAIN)}

#: Names of the zone-level levers, in the order the model stores them.
ZONE_LEVERS: tuple[str, ...] = tuple(p.name for p in _ZONE)
NATIONAL_LEVERS: tuple[str, ...] = tuple(p.name for p in _NATIONAL)
UNCERTAINTIES: tuple[str, ...] = tuple(p.name for p in _UNCERTAIN)


def get(name: str) -> Parameter:
    """Return the registered parameter ``name`` or raise ``KeyError`` listing close names."""
    try:
        return REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown parameter {name!r}{hint}") from None


def names(kind: Kind | None = None) -> list[str]:
    """Names of all registered parameters, optionally of one kind."""
    return [p.name for p in REGISTRY.values() if kind is None or p.kind == kind]


def defaults() -> dict[str, float]:
    """Default value of every registered parameter."""
    return {p.name: p.default for p in REGISTRY.values()}


def neutral_values() -> dict[str, float]:
    """Values at which every lever has no effect (the no-reform policy)."""
    return {p.name: p.neutral for p in REGISTRY.values() if p.neutral is not None}


def markdown_table() -> str:
    """The registry as a Markdown document (``docs/levers.md`` is this, generated)."""
    titles = {
        "zone_lever": "Zone levers (per zone; 0 = no reform)",
        "national_lever": "National levers",
        "uncertainty": "Uncertainties (behaviour and the outside world)",
    }
    out = [
        "# Levers and uncertainties",
        "",
        "Generated from `ftzsim/levers.py` by `ftzsim levers --markdown`; do not edit by hand.",
        "",
    ]
    for kind, title in titles.items():
        out += [f"## {title}", "", "| name | unit | bounds | default | meaning | source |", "|---|---|---|---|---|---|"]
        for p in REGISTRY.values():
            if p.kind == kind:
                out.append(
                    f"| `{p.name}` | {p.unit} | [{p.lower:g}, {p.upper:g}] | {p.default:g} | {p.meaning} | {p.source} |"
                )
        out.append("")
    return "\n".join(out)


def salib_problem(names_: Iterable[str], bounds: dict[str, tuple[float, float]] | None = None) -> dict:
    """SALib problem dict for the named parameters, bounds from the registry.

    Parameters
    ----------
    names_ : iterable of str
        Registered parameter names.
    bounds : dict, optional
        Narrower bounds per name; they must lie inside the registered bounds.
    """
    bounds = bounds or {}
    out_names, out_bounds = [], []
    for n in names_:
        p = get(n)
        lo, hi = bounds.get(n, (p.lower, p.upper))
        if not (p.lower <= lo < hi <= p.upper):
            raise ValueError(
                f"bounds for {n} must satisfy {p.lower:g} <= low < high <= {p.upper:g}, got [{lo:g}, {hi:g}]"
            )
        out_names.append(n)
        out_bounds.append([float(lo), float(hi)])
    return {"num_vars": len(out_names), "names": out_names, "bounds": out_bounds}
