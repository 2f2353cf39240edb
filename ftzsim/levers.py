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
    "select",
]

Kind = Literal["zone_lever", "national_lever", "uncertainty"]

#: Partner blocs of the trade block (DESIGN §2). Market sizes come from
#: ``partner_markets_2022.csv``; the list is data, so it is declared once here.
BLOCS: tuple[str, ...] = ("rcep", "depa", "eu", "us", "other")
_BLOC_LABELS = {"rcep": ("RCEP", "RCEP"), "depa": ("DEPA", "DEPA"), "eu": ("the EU", "欧盟"), "us": ("the US", "美国"),
                "other": ("other partners", "其他伙伴")}  # fmt: skip


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
    label, label_zh : str
        Short human labels (English, Chinese) for figures, app sliders and tables.
    schedulable : bool
        Whether a ``[[schedule]]`` entry may change it during a run (zone levers and the
        national policy levers a government can move at a date).
    fittable : bool
        Whether calibration may fit it (``[calibration.fitted]`` accepts it).
    slider : bool
        Whether the interactive app shows a slider for it.
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
    label: str = ""
    label_zh: str = ""
    schedulable: bool = False
    fittable: bool = False
    slider: bool = False

    def __post_init__(self) -> None:
        if not self.lower <= self.default <= self.upper:
            raise ValueError(f"registry entry {self.name}: default outside its bounds")
        if self.neutral is not None and not self.lower <= self.neutral <= self.upper:
            raise ValueError(f"registry entry {self.name}: neutral outside its bounds")
        if not (self.label and self.label_zh):
            raise ValueError(f"registry entry {self.name}: needs an English and a Chinese label")

    @property
    def is_lever(self) -> bool:
        return self.kind != "uncertainty"

    @property
    def assumption(self) -> bool:
        """True when no published estimate backs the value: its source says "assumption" and
        its bounds are deliberately wide, so sensitivity analysis should vary it."""
        return "assumption" in self.source.lower()

    def range_text(self) -> str:
        """Human-readable allowed range, used verbatim in error messages."""
        lo, hi = (int(self.lower), int(self.upper)) if self.integer else (self.lower, self.upper)
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in [{lo:g}, {hi:g}] ({self.unit})"


def _zone(name: str, unit: str, meaning: str, source: str, label: str, label_zh: str) -> Parameter:
    # Zone levers are 0-1 implementation levels whose neutral value 0 means "no reform":
    # every effect in the model is written so that 0 is the identity. Every zone lever can be
    # scheduled and has an app slider.
    return Parameter(name, "zone_lever", unit, 0.0, 1.0, 0.0, meaning, source, neutral=0.0, label=label,
                     label_zh=label_zh, schedulable=True, slider=True)  # fmt: skip


_ZONE = [
    _zone(
        "fiveg_coverage",
        "share of zone covered",
        "target 5G coverage the zone builds toward (S-curve, never torn down)",
        "000 §3 infrastructure: shallow 5G coverage, high upkeep; infrastructure.csv",
        "5G coverage",
        "5G覆盖率",
    ),
    _zone(
        "smart_logistics",
        "0-1 level",
        "target level of digital 'warehouse + port + logistics' (smart ports, overseas warehouses)",
        "000 §3: only eastern coastal zones have it, inland behind; c3 (elasticities.csv)",
        "Smart logistics",
        "智慧物流",
    ),
    _zone(
        "single_window",
        "0-1 implementation",
        "single window 3.0 / paperless trade: cuts time and cost per shipment",
        "001 single window; c1, c2 (elasticities.csv); e-documents in policy_effects.csv",
        "Single window",
        "国际贸易单一窗口",
    ),
    _zone(
        "gov_data_sharing",
        "0-1 implementation",
        "cross-department data sharing (cloud platform replacing data islands): raises regulator review capacity",
        "000 §3 regulation; 001 cloud platform against data islands",
        "Government data sharing",
        "政务数据共享",
    ),
    _zone(
        "data_openness",
        "0-1 (0 = China's status quo DSTRI 0.48, 1 = most open observed 0.04)",
        "cross-border data-flow openness the zone asks for; the regulator allows it gradually",
        "000 §3 governance; a1, g3 (elasticities.csv)",
        "Cross-border data openness",
        "数据跨境流动开放度",
    ),
    _zone(
        "data_classification",
        "0-1 implementation",
        "clear data grading: low-risk data skip review (green channel) and incidents fall",
        "000 §3 governance (Lingang, Hainan); 004 green channel",
        "Data classification",
        "数据分类分级",
    ),
    _zone(
        "services_negative_list",
        "0-1 openness of services entry",
        "negative list for cross-border services trade: lowers fixed cost of services exports",
        "000 §3 regulation; policy_effects.csv (31 vs 27 items)",
        "Services negative list",
        "跨境服务贸易负面清单",
    ),
    _zone(
        "digital_finance",
        "0-1 implementation",
        "digital finance / cross-border payment (CIPS, e-CNY, forex pilot): cuts payment "
        "frictions of goods and e-commerce trade",
        "000 §3 industry; policy_effects.csv forex pilot (payment time -80%)",
        "Digital finance",
        "数字金融",
    ),
    _zone(
        "sme_subsidy",
        "share of adoption cost covered",
        "subsidy for SMEs' digital transformation: lowers their adoption cost",
        "000 §3 industry: SMEs cannot afford digital transformation",
        "SME digitalisation subsidy",
        "中小企业数字化补贴",
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
            label=f"Rule alignment with {_BLOC_LABELS[bloc][0]}",
            label_zh=f"与{_BLOC_LABELS[bloc][1]}规则对接",
            schedulable=True,
            slider=bloc in ("rcep", "depa"),
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
        label="Zones needed for replication",
        label_zh="复制推广所需自贸区数",
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
        label="Pilot time before replication",
        label_zh="复制推广前试点时长",
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
        label="Regulator's risk tolerance",
        label_zh="监管风险容忍度",
        schedulable=True,
        slider=True,
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
        label="Risk-based inspection",
        label_zh="信用风险分类监管",
        schedulable=True,
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
        label="Trade elasticity θ",
        label_zh="贸易弹性θ",
        slider=True,
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
        label="Distance elasticity",
        label_zh="距离弹性",
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
        label="Online distance factor",
        label_zh="线上距离系数",
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
        label="Restrictiveness semi-elasticity",
        label_zh="数字服务贸易限制指数半弹性",
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
        label="Effect of rule alignment",
        label_zh="规则对接效果",
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
        label="Trust penalty of unsafeguarded openness",
        label_zh="缺乏保障开放的信任损失",
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
        label="Trade-cost cut of single window",
        label_zh="单一窗口贸易成本降幅",
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
        label="Trade-cost cut of smart logistics",
        label_zh="智慧物流贸易成本降幅",
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
        label="Trade-cost cut of digital finance",
        label_zh="数字金融贸易成本降幅",
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
        label="Bass innovation p",
        label_zh="Bass创新系数p",
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
        label="Bass imitation q",
        label_zh="Bass模仿系数q",
        slider=True,
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
        label="Peer weight of linked zones",
        label_zh="关联自贸区同伴权重",
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
        label="Adoption cost",
        label_zh="数字化转型成本",
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
        label="Export gain of digital firms",
        label_zh="数字化出口增益",
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
        label="Export fixed cost",
        label_zh="出口固定成本",
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
        label="Fixed-cost cut of digital firms",
        label_zh="数字化固定成本降幅",
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
        label="Firm-size tail index",
        label_zh="企业规模尾部指数",
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
        label="Growth from 5G",
        label_zh="5G增长效应",
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
        label="World demand growth",
        label_zh="世界需求增长率",
        fittable=True,
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
        label="Import demand growth",
        label_zh="进口需求增长率",
        fittable=True,
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
        label="Extra e-commerce growth",
        label_zh="跨境电商额外增长率",
        fittable=True,
    ),
    *(
        Parameter(
            f"level_{what}",
            "uncertainty",
            "multiple of the 2021-anchored level",
            0.5,
            2.0,
            1.0,
            f"level factor on the anchored {text}: the anchor matches the first quarter, the data "
            "are annual sums of a growing series",
            "national_digital_trade.csv; fitted by `ftzsim calibrate` (docs/calibration.md)",
            label=f"Level of {text}",
            label_zh=f"{zh}水平系数",
            fittable=True,
        )
        for what, text, zh in (
            ("ds_exports", "services exports", "服务出口"),
            ("ds_imports", "services imports", "服务进口"),
            ("ecommerce", "e-commerce exports", "跨境电商出口"),
        )
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
        label="Zone founding effect",
        label_zh="自贸区设立效应",
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
        label="Base incident probability",
        label_zh="数据安全事件基准概率",
        slider=True,
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
        label="Pilot rate",
        label_zh="试点速率",
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
        label="Imitation rate",
        label_zh="模仿速率",
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
        label="Years to full implementation",
        label_zh="改革完全落地年数",
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
        label="Review capacity",
        label_zh="数据出境评估能力",
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
        label="Opening speed",
        label_zh="开放步长",
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
        label="Tightening after incidents",
        label_zh="事件后收紧幅度",
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


def select(kind: Kind | None = None, **flags: bool) -> list[str]:
    """Names of the registered parameters whose flags match, e.g. ``select(schedulable=True)``
    (what a schedule may change), ``select(fittable=True)``, ``select(slider=True)``."""
    for f in flags:
        if f not in ("schedulable", "fittable", "slider", "integer", "assumption"):
            raise ValueError(f"unknown registry flag {f!r}")
    return [
        p.name
        for p in REGISTRY.values()
        if (kind is None or p.kind == kind) and all(getattr(p, f) == v for f, v in flags.items())
    ]


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
    out += [
        "Flags: **S** schedulable (a `[[schedule]]` entry may change it), **F** fittable (calibration",
        "may fit it), **A** app slider, *assumption*: no published estimate backs the value.",
        "",
    ]
    for kind, title in titles.items():
        out += [
            f"## {title}",
            "",
            "| name | label (中文) | unit | bounds | default | flags | meaning | source |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in REGISTRY.values():
            if p.kind == kind:
                flags = "".join(c for c, on in (("S", p.schedulable), ("F", p.fittable), ("A", p.slider)) if on)
                flags += " *assumption*" if p.assumption else ""
                out.append(
                    f"| `{p.name}` | {p.label} ({p.label_zh}) | {p.unit} | [{p.lower:g}, {p.upper:g}] | {p.default:g} "
                    f"| {flags.strip()} | {p.meaning} | {p.source} |"
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
