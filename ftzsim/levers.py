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
    "AGREEMENTS",
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

#: Trade agreements whose digital-trade rules China can align with (one lever each,
#: ``rule_alignment.<agreement>``). Which partner blocs each covers, and how much of China's
#: exports to them, is data: ``ftzsim/data/trade_agreements.csv``. ``other`` stands for the Belt
#: and Road partners outside RCEP (000 §4: governance templates exported along the Belt and Road).
AGREEMENTS: tuple[str, ...] = ("rcep", "cptpp", "depa", "eu", "us", "other")
_AGREEMENT_LABELS = {
    "rcep": ("RCEP", "RCEP"),
    "cptpp": ("CPTPP", "CPTPP"),
    "depa": ("DEPA", "DEPA"),
    "eu": ("the EU", "欧盟"),
    "us": ("the US", "美国"),
    "other": ("Belt and Road partners", "一带一路伙伴"),
}


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
    channel : str
        For levers: the mechanisms through which the lever acts, and the registered
        parameters that carry them (``docs/model.md``); setting those parameters to zero
        switches the lever's effect off (tests/model/test_channels.py).
    evidence : tuple of str
        Row ids of ``elasticities.csv`` / ``policy_effects.csv`` the lever's effect rests on;
        empty for a lever without published evidence (then a sign test and a plausibility
        bound stand in, docs/levers.md).
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
    channel: str = ""
    evidence: tuple[str, ...] = ()

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


def _zone(
    name: str, unit: str, meaning: str, source: str, label: str, label_zh: str, channel: str, evidence: tuple
) -> Parameter:
    # Zone levers are 0-1 implementation levels whose neutral value 0 means "no reform":
    # every effect in the model is written so that 0 is the identity. Every zone lever can be
    # scheduled and has an app slider.
    return Parameter(name, "zone_lever", unit, 0.0, 1.0, 0.0, meaning, source, neutral=0.0, label=label,
                     label_zh=label_zh, schedulable=True, slider=True, channel=channel, evidence=evidence)  # fmt: skip


_ZONE = [
    _zone(
        "fiveg_coverage",
        "share of zone covered",
        "target 5G coverage the zone builds toward (S-curve, never torn down)",
        "000 §3 infrastructure: shallow 5G coverage, high upkeep; infrastructure.csv",
        "5G coverage",
        "5G覆盖率",
        channel=(
            "5G coverage built (S-curve) raises firms' gain from adoption and their digital maturity "
            "(fiveg_adoption_gain) and zone productivity (broadband_growth)"
        ),
        evidence=("b1", "b2"),
    ),
    _zone(
        "smart_logistics",
        "0-1 level",
        "target level of digital 'warehouse + port + logistics' (smart ports, overseas warehouses)",
        "000 §3: only eastern coastal zones have it, inland behind; c3 (elasticities.csv)",
        "Smart logistics",
        "智慧物流",
        channel="logistics built cuts a share of the goods and e-commerce trade-cost AVE (logistics_cost_cut)",
        evidence=("c3", "c5"),
    ),
    _zone(
        "single_window",
        "0-1 implementation",
        "single window 3.0 / paperless trade: cuts time and cost per shipment",
        "001 single window; c1, c2 (elasticities.csv); e-documents in policy_effects.csv",
        "Single window",
        "国际贸易单一窗口",
        channel="cuts a share of the goods and e-commerce trade-cost AVE (single_window_cost_cut)",
        evidence=("c1", "c2", "c3"),
    ),
    _zone(
        "gov_data_sharing",
        "0-1 implementation",
        "cross-department data sharing (cloud platform replacing data islands): raises regulators' review capacity "
        "and inspection reach, and speeds firms' use of data",
        "000 §3 regulation; 001 cloud platform against data islands",
        "Government data sharing",
        "政务数据共享",
        channel=(
            "raises regulators' review capacity and inspection reach (data_sharing_gain) and speeds firms' "
            "data use (cloud_data_use)"
        ),
        evidence=(),
    ),
    _zone(
        "data_openness",
        "0-1 (0 = China's status quo DSTRI 0.48, 1 = most open observed 0.04)",
        "cross-border data-flow openness the zone asks for; the regulator allows it gradually",
        "000 §3 governance; a1, g3 (elasticities.csv)",
        "Cross-border data openness",
        "数据跨境流动开放度",
        channel=(
            "lowers services restrictiveness (dstri_semi_elasticity) of exports and imports, loses trust "
            "unless classified (trust_penalty), raises incident risk (openness_incident_factor); the regulator"
            " ratchet limits what is allowed"
        ),
        evidence=("a1", "a2", "a3", "g3"),
    ),
    _zone(
        "data_classification",
        "0-1 implementation",
        "clear data grading: low-risk data skip review (green channel) and incidents fall",
        "000 §3 governance (Lingang, Hainan); 004 green channel",
        "Data classification",
        "数据分类分级",
        channel=(
            "green channel for applications (green_channel_share), fewer incidents "
            "(classification_incident_cut), keeps trust under openness (trust_penalty)"
        ),
        evidence=(),
    ),
    _zone(
        "services_negative_list",
        "0-1 openness of services entry",
        "negative list for cross-border services trade: lowers fixed cost of services exports",
        "000 §3 regulation; policy_effects.csv (31 vs 27 items)",
        "Services negative list",
        "跨境服务贸易负面清单",
        channel="cuts the fixed cost of services exporting (negative_list_cut)",
        evidence=(),
    ),
    _zone(
        "digital_finance",
        "0-1 implementation",
        "digital finance / cross-border payment (CIPS, e-CNY, forex pilot): cuts payment "
        "frictions of goods and e-commerce trade",
        "000 §3 industry; policy_effects.csv forex pilot (payment time -80%)",
        "Digital finance",
        "数字金融",
        channel="cuts a share of the goods and e-commerce trade-cost AVE (finance_cost_cut)",
        evidence=("c5",),
    ),
    _zone(
        "sme_subsidy",
        "share of adoption cost covered",
        "subsidy for SMEs' digital transformation: lowers their adoption cost",
        "000 §3 industry: SMEs cannot afford digital transformation",
        "SME digitalisation subsidy",
        "中小企业数字化补贴",
        channel="lowers SMEs' adoption cost (subsidy_take_up)",
        evidence=(),
    ),
    _zone(
        "smart_customs",
        "0-1 implementation",
        "smart customs: risk-based release and automated clearance cut clearance time and the border part of "
        "goods and e-commerce trade costs",
        "001 smart customs (智慧海关); c2 formalities, c5 realised gains",
        "Smart customs",
        "智慧海关",
        channel="cuts a share of the goods and e-commerce trade-cost AVE (smart_customs_cost_cut)",
        evidence=("c2", "c5"),
    ),
    _zone(
        "cbec_pilot",
        "0-1 implementation",
        "cross-border e-commerce comprehensive pilot zone with bonded warehouses and bonded display outside the "
        "zone: simplified clearance of retail parcels both ways",
        "001 bonded display outside the zone (保税展示); 002 cross-border e-commerce comprehensive pilot zones and "
        "1,500 overseas warehouses (infrastructure.csv)",
        "Cross-border e-commerce pilot zone",
        "跨境电商综合试验区",
        channel="cuts a share of the e-commerce trade-cost AVE, for exports and imports (cbec_cost_cut)",
        evidence=("c2", "c5", "f3"),
    ),
    _zone(
        "data_export_negative_list",
        "0-1 share of data categories listed",
        "FTZ negative list for data export: data outside the listed categories leave without a security "
        "assessment, so services firms' applications skip the review queue",
        "000 §4.4 data export; 2024 FTZ negative lists for data export (Tianjin, Shanghai, Beijing); 004",
        "Data-export negative list",
        "数据出境负面清单",
        channel="applications with unlisted data skip assessment (negative_list_exempt_share)",
        evidence=(),
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
            f"alignment of China's digital trade rules with {_AGREEMENT_LABELS[bloc][0]}: lowers "
            "digital-services restrictiveness toward its members",
            "000 §3 governance: RCEP/CPTPP/DEPA alignment pending; 000 §4 Bohai Bay alliance",
            neutral=0.0,
            label=f"Rule alignment with {_AGREEMENT_LABELS[bloc][0]}",
            label_zh=f"与{_AGREEMENT_LABELS[bloc][1]}规则对接",
            schedulable=True,
            slider=bloc in ("rcep", "depa"),
            channel="lowers services restrictiveness toward the agreement's members, in proportion to their share "
            "of China's exports to each bloc (alignment_effect, trade_agreements.csv)",
            evidence=("a1",),
        )
        for bloc in AGREEMENTS
    ),
    Parameter(
        "replication_min_zones",
        "national_lever",
        "zones",
        1,
        22,
        3,
        "a reform level is replicated nationwide once this many zones have run it",
        "可复制可推广 (000 §1); g2: 302 of >3400 pilot tasks replicated; the rule's numbers are an assumption",
        integer=True,
        label="Zones needed for replication",
        label_zh="复制推广所需自贸区数",
        channel="nationwide replication of proven reform levels (the replication rule)",
        evidence=("g2",),
    ),
    Parameter(
        "replication_lag",
        "national_lever",
        "quarters",
        1,
        40,
        8,
        "…and once those zones have run it for this many quarters",
        "g2 (elasticities.csv); the national record spans 2013-2023; the lag is an assumption",
        integer=True,
        label="Pilot time before replication",
        label_zh="复制推广前试点时长",
        channel="nationwide replication of proven reform levels (the replication rule)",
        evidence=("g2",),
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
        channel="the regulators' ratchet: above it they tighten (tighten_factor) instead of opening further "
        "(openness_step)",
        evidence=(),
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
        channel="targets inspections at low-compliance firms (inspection_base)",
        evidence=(),
    ),
]

_UNCERTAIN = [
    Parameter(
        "trade_elasticity",
        "uncertainty",
        "aggregate trade elasticity theta",
        2.0,
        6.0,
        4.0,
        "aggregate trade elasticity: how strongly aggregate trade responds to trade costs (gravity); firm "
        "revenue responds with theta / size_tail, the extensive margin supplies the rest (Chaney 2008)",
        "f1 (Simonovska & Waugh 2014; sweep theta in [2, 6])",
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
        "log points of services exports per DSTRI point",
        0.04,
        3.15,
        1.6,
        "aggregate semi-elasticity of digitally deliverable services trade to digital-services restrictiveness "
        "(DSTRI): a fall of dr raises a zone's services exports by exp(b dr) - 1",
        "sources disagree by two orders of magnitude: a1 (OECD 2025, bilateral partial-equilibrium gravity: "
        "-0.1 DSTRI ~ +37%, b = ln 1.37 / 0.1 = 3.15) is the upper bound; a3 (ECIPE 2014, GTAP: data "
        "localisation costs China 1.7% of exports, b = ln 1.017 / 0.44 = 0.04) the lower; a2 (OECD-WTO 2025 "
        "CGE: open with safeguards +3.6%) lies near it. Default 1.6, the middle of the range: the full-openness"
        " effect (+102% before the regulator) is the geometric mean of the two ends' effects (docs/levers.md, "
        "evidence bands)",
        label="Restrictiveness semi-elasticity",
        label_zh="数字服务贸易限制指数半弹性",
        fittable=True,
    ),
    Parameter(
        "alignment_effect",
        "uncertainty",
        "share of restrictiveness removed at full alignment",
        0.1,
        0.9,
        0.5,
        "how much full rule alignment with an agreement cuts restrictiveness toward its members",
        "assumption bounded by a1/a2 (alignment removes part of the bilateral regulatory gap, never all of it);"
        " 000 §3 governance",
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
        "a2 (OECD-WTO 2025: no regulation at all costs about 1% GDP); the mapping to demand is an assumption",
        label="Trust penalty of unsafeguarded openness",
        label_zh="缺乏保障开放的信任损失",
    ),
    Parameter(
        "single_window_cost_cut",
        "uncertainty",
        "share of the goods trade-cost AVE",
        0.028,
        0.146,
        0.08,
        "share of the ad-valorem-equivalent trade cost of goods and e-commerce that a full single window / "
        "paperless trade removes",
        "c2 (OECD TFI, upper-middle income: formalities alone -2.8% of trade costs, full TFA -14.6%) spans the "
        "bounds; c1 (WTO 2015: full TFA -14.3%, range 9.6-23.1%); default 0.08: documents, automation and "
        "procedures, about half of full TFA (partly an assumption)",
        label="Trade-cost cut of single window",
        label_zh="单一窗口贸易成本降幅",
    ),
    Parameter(
        "logistics_cost_cut",
        "uncertainty",
        "share of the goods trade-cost AVE",
        0.0,
        0.1,
        0.03,
        "share of the goods and e-commerce trade-cost AVE that full smart logistics removes",
        "c5 (WTO 2025: facilitation gains realised so far cut trade costs by 1-4%) sets the default; assumption"
        " above it",
        label="Trade-cost cut of smart logistics",
        label_zh="智慧物流贸易成本降幅",
    ),
    Parameter(
        "finance_cost_cut",
        "uncertainty",
        "share of the goods trade-cost AVE",
        0.0,
        0.06,
        0.02,
        "share of the goods and e-commerce trade-cost AVE that full digital finance removes (payment delays)",
        "policy_effects.csv forex pilot (payment time -80%); assumption on the cost share of payment delays, "
        "bounded by c5",
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
        fittable=True,
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
        fittable=True,
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
        fittable=True,
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
        fittable=True,
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
        fittable=True,
    ),
    Parameter(
        "export_fixed_cost",
        "uncertainty",
        "multiple of the median firm's variable profit in its best market",
        0.5,
        5.0,
        2.0,
        "fixed cost of serving one partner bloc (Melitz selection into exporting)",
        "Melitz (2003); default 2 makes about a quarter of firms exporters (assumption, calibrated to that share)",
        label="Export fixed cost",
        label_zh="出口固定成本",
        fittable=True,
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
        fittable=True,
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
        "0.09-0.15); 5G adds to existing 4G broadband, so the default takes a quarter of it (assumption)",
        label="Growth from 5G",
        label_zh="5G增长效应",
        fittable=True,
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
        "cny_per_usd_trend",
        "uncertainty",
        "log change per year",
        -0.04,
        0.04,
        0.0,
        "trend of the yuan per US dollar after 2022 (only series reported in CNY move with it)",
        "exchange_rates.csv: annual averages 2015-2022 moved between -6.5% (2021) and +6.6% (2016) a year, "
        "with no lasting trend (6.23 in 2015, 6.73 in 2022); no drift by default, bounds a sustained "
        "4%/yr move either way (assumption)",
        label="Yuan per dollar trend",
        label_zh="人民币兑美元汇率趋势",
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
        "national_digital_trade.csv: imports -1.6% in 2022; calibrated (`ftzsim calibrate`, docs/calibration.md)",
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
        "national_digital_trade.csv: e-commerce exports +11.7% vs services +7.6% in 2022 (in CNY); calibrated",
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
            f"multiplies the recorded {text} (not behaviour): the anchor matches the first quarter, "
            "the data are annual sums of a growing series",
            "national_digital_trade.csv; calibrated, integrated analytically (docs/calibration.md)",
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
        "004: assessment and filing before export; policy_effects.csv Zhejiang 31 scenarios; the share itself is an "
        "assumption",
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
    Parameter(
        "trade_cost_ave",
        "uncertainty",
        "ad-valorem equivalent (1 = 100%)",
        0.5,
        2.2,
        1.0,
        "ad-valorem-equivalent trade cost of goods and cross-border e-commerce before facilitation: the levers "
        "cut shares of it, so tau = 1 + AVE x (1 - cuts)",
        "c1's source (WTO World Trade Report 2015): trade costs equivalent to about a 219% ad valorem tariff in"
        " developing economies (upper bound); lower for an upper-middle-income economy with modern ports; the "
        "default 100% is an assumption inside that range",
        label="Trade-cost AVE",
        label_zh="贸易成本从价等值",
    ),
    Parameter(
        "smart_customs_cost_cut",
        "uncertainty",
        "share of the goods trade-cost AVE",
        0.01,
        0.042,
        0.025,
        "share of the goods and e-commerce trade-cost AVE that full smart customs removes (clearance time, "
        "risk-based release)",
        "c2 (OECD TFI: formalities alone -2.8 to -4.2% of trade costs) bounds it above, c5 (realised gains "
        "1-4%) below; the default is their overlap's middle",
        label="Trade-cost cut of smart customs",
        label_zh="智慧海关贸易成本降幅",
    ),
    Parameter(
        "pilot_area_share",
        "uncertainty",
        "share of a province's trade",
        0.1,
        0.4,
        0.179,
        "share of its province's trade that a pilot zone carries: zone levers act on this share; the rest of "
        "the province runs the nationally replicated (floor) level",
        "g1 (MOFCOM 2023: FTZs carry 17.9% of national trade on under 0.4% of land); the upper bound allows for"
        " services being more concentrated in zones than goods (assumption)",
        label="Pilot-area share of trade",
        label_zh="自贸试验区贸易占比",
    ),
    Parameter(
        "cloud_data_use",
        "uncertainty",
        "relative speed-up of digital maturity",
        0.0,
        1.0,
        0.3,
        "government cloud platforms replacing data islands speed up firms' use of data: at full data sharing, "
        "adopters' digital level matures this much faster",
        "001 cloud platforms against data islands; 000 §3.2 low data-resource utilisation (Zhoushan); assumption",
        label="Firms' data use from government cloud",
        label_zh="政务云提升企业数据利用",
    ),
    Parameter(
        "talent_gap",
        "uncertainty",
        "adoption hazard of lagging zones relative to leading ones",
        0.3,
        1.0,
        0.6,
        "digital talent limits adoption: the Bass hazard is scaled by the zone's talent index, 1 in leading "
        "zones, this value in lagging ones and halfway in middle and unclassified zones (tier_in_seeds of "
        "ftz_zones.csv)",
        "000 §3.2 shortage of digital talent; 000 §2 tiers (leading, middle, lagging); assumption",
        label="Talent gap of lagging zones",
        label_zh="落后自贸区数字人才差距",
    ),
    Parameter(
        "fiveg_adoption_gain",
        "uncertainty",
        "gain per unit of 5G coverage",
        0.0,
        3.0,
        1.5,
        "how steeply a firm's gain from going digital rises with its zone's 5G coverage (gain = 0.25 + this x "
        "coverage): a median firm at 50% coverage gains what adoption costs it",
        "000 §3 infrastructure layer (5G as the enabling infrastructure); assumption",
        label="5G adoption gain",
        label_zh="5G对数字化收益的提升",
    ),
    Parameter(
        "maturity_rate",
        "uncertainty",
        "share of the remaining gap per quarter",
        0.02,
        0.3,
        0.1,
        "how fast an adopter's digital level matures toward 1 (times 0.5 + 5G coverage)",
        "assumption (digital maturity models: years, not quarters)",
        label="Digital maturity speed",
        label_zh="数字化成熟速度",
    ),
    Parameter(
        "inspection_base",
        "uncertainty",
        "share of data exporters",
        0.0,
        0.5,
        0.2,
        "share of data exporters a zone regulator inspects effectively without data sharing (times 1 + "
        "gov_data_sharing, at most 0.95)",
        "004 spot checks after export (事后抽查核验); assumption",
        label="Inspection intensity",
        label_zh="抽查强度",
    ),
    Parameter(
        "negative_list_cut",
        "uncertainty",
        "share of the services export fixed cost",
        0.0,
        0.5,
        0.3,
        "fixed-cost cut of services exporting under a fully open cross-border services negative list",
        "000 §3 regulation; policy_effects.csv (31 vs 27 negative-list items); assumption",
        label="Fixed-cost cut of services negative list",
        label_zh="负面清单降低服务出口固定成本",
    ),
    Parameter(
        "openness_incident_factor",
        "uncertainty",
        "relative rise of incident risk at full openness",
        0.0,
        4.0,
        2.0,
        "incident probability rises by this factor times effective openness (more data leave)",
        "000 §3 governance (security risk of data export); assumption",
        label="Incident risk of openness",
        label_zh="开放的数据安全风险",
    ),
    Parameter(
        "classification_incident_cut",
        "uncertainty",
        "share of incident risk removed",
        0.0,
        0.9,
        0.5,
        "incident probability falls by this share at full data classification (sensitive data identified)",
        "000 §3 governance (Lingang, Hainan grading); assumption",
        label="Incident cut of classification",
        label_zh="分类分级降低事件风险",
    ),
    Parameter(
        "green_channel_share",
        "uncertainty",
        "share of applications",
        0.0,
        1.0,
        0.6,
        "share of services firms' data-export applications that full classification lets take the green channel"
        " (approved at once)",
        "004 green channel; assumption",
        label="Green-channel share",
        label_zh="绿色通道比例",
    ),
    Parameter(
        "negative_list_exempt_share",
        "uncertainty",
        "share of applications",
        0.0,
        1.0,
        0.5,
        "share of applications that a full data-export negative list exempts from assessment (their data are "
        "not listed)",
        "2024 FTZ data-export negative lists (Tianjin, Shanghai); assumption",
        label="Exempt share of data-export negative list",
        label_zh="负面清单免评估比例",
    ),
    Parameter(
        "pending_penalty",
        "uncertainty",
        "share of potential exports",
        0.0,
        1.0,
        0.5,
        "share of its potential a services firm loses while its data-export approval is pending",
        "004 assessment before export (事前评估备案); assumption",
        label="Exports lost while pending",
        label_zh="审批等待损失",
    ),
    Parameter(
        "infrastructure_rate",
        "uncertainty",
        "logistic growth rate per year",
        0.2,
        2.0,
        0.8,
        "speed of 5G and smart-logistics build-out toward plans",
        "infrastructure.csv (2.3 million 5G base stations by 2022) and the 2024 seed commentaries (3.377 million by "
        "the end of 2023, seeds/README.md): +46% in a year; assumption",
        label="Infrastructure build-out speed",
        label_zh="基础设施建设速度",
    ),
    Parameter(
        "ecommerce_data_risk",
        "uncertainty",
        "relative to a services data exporter",
        0.0,
        1.0,
        0.3,
        "incident risk of an e-commerce exporter (customer and payment data) relative to a services firm "
        "exporting data",
        "assumption",
        label="E-commerce data risk",
        label_zh="跨境电商数据风险",
    ),
    Parameter(
        "data_sharing_gain",
        "uncertainty",
        "relative rise at full sharing",
        0.0,
        2.0,
        1.0,
        "cross-department data sharing raises a regulator's review capacity and inspection reach by this share "
        "at full sharing",
        "001 cloud platform against data islands; 000 §3 regulation; assumption",
        label="Regulator gain from data sharing",
        label_zh="数据共享提升监管能力",
    ),
    Parameter(
        "subsidy_take_up",
        "uncertainty",
        "share of the subsidy reaching adoption cost",
        0.0,
        1.0,
        1.0,
        "share of an SME's adoption cost that the subsidy actually covers, per unit of the subsidy rate "
        "(take-up, leakage)",
        "000 §3 industry; assumption (full take-up by default; sensitivity analysis varies it)",
        label="Subsidy take-up",
        label_zh="补贴实际到位率",
    ),
    Parameter(
        "goods_digital_boost_share",
        "uncertainty",
        "share of the digital export gain",
        0.0,
        1.0,
        0.5,
        "goods firms gain this share of what online sellers and services firms gain from being digital",
        "a4 (ITIF 2021: data-intensive firms are hit hardest by data restrictions); assumption",
        label="Digital gain of goods firms",
        label_zh="货物企业的数字化收益",
    ),
    Parameter(
        "founding_peak_years",
        "uncertainty",
        "years",
        1.0,
        6.0,
        3.0,
        "years after founding at which a zone's founding effect peaks before it fades (inverted U)",
        "d3 (Xiao et al. 2023: inverted U over time); d1, d2 measured 1-2 years after founding; assumption",
        label="Peak of the founding effect",
        label_zh="设立效应峰值年份",
    ),
    Parameter(
        "capacity_advantage",
        "uncertainty",
        "extra reform capacity",
        0.0,
        1.0,
        0.5,
        "reform capacity is 0.5 plus this for a coastal zone plus this times experience: coastal and older "
        "zones pilot more",
        "000 §2 tiers (leading coastal zones; late entrants with little accumulated reform lag); assumption",
        label="Capacity advantage of coastal, experienced zones",
        label_zh="沿海与老牌自贸区的改革能力优势",
    ),
    Parameter(
        "review_quarters",
        "uncertainty",
        "quarters",
        1,
        4,
        2,
        "quarters a data-export security assessment takes at the least, from application to approval "
        "(the green channel and the negative list skip it)",
        "004 assessment and filing before export (事前评估备案): the CAC assessment takes 45 working days after "
        "acceptance, extendable, after the firm's self-assessment and the provincial check; assumption",
        label="Assessment duration",
        label_zh="数据出境安全评估时长",
        integer=True,
    ),
    Parameter(
        "cbec_cost_cut",
        "uncertainty",
        "share of the e-commerce trade-cost AVE",
        0.01,
        0.08,
        0.04,
        "share of the e-commerce trade-cost AVE (both directions) that a full cross-border e-commerce pilot zone "
        "with bonded warehouses removes",
        "c2 (formalities alone -2.8 to -4.2% of trade costs) and c5 (realised 1-4%) for the clearance part; bonded "
        "warehousing shortens delivery (001); the upper bound is an assumption",
        label="Trade-cost cut of e-commerce pilot zones",
        label_zh="跨境电商综试区贸易成本降幅",
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
