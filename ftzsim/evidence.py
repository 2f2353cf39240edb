"""Evidence bands: how large each lever's effect may be, from the evidence it rests on.

For every lever the band says what the evidence supports for the effect of moving the lever
from its lower to its upper bound in every zone, on a final-year outcome, relative to the run at
the lower bound (percent). The bands are computed here from the registry's bounds and defaults
with the arithmetic of the mechanism, so they move with the registry and say how they were
derived; ``tests/model/test_evidence_bands.py`` runs the model and checks that each default
effect lies inside its band, and ``docs/levers.md`` shows them beside the effect card.

Two kinds of band:

``evidence``
    The lever's effect rests on published estimates (``elasticities.csv`` rows). The band spans
    the effect at the ends of the parameter ranges those estimates support; where the mechanism
    has a closed form at the defaults, ``expected`` gives it too (the model must come close).
``plausibility``
    No published estimate: a sign the mechanism fixes and a bound beyond which the effect
    would not be credible (stated with its reasoning).

Arithmetic used (``docs/model.md`` derives it):

* trade facilitation cuts a share ``c`` of the ad-valorem-equivalent trade cost ``AVE``, so
  goods exports change by ``((1 + AVE (1 - c)) / (1 + AVE))^(-θ) - 1`` with the aggregate
  trade elasticity ``θ`` (f1; c1, c2, c5);
* data openness lowers restrictiveness by ``0.44 Δo`` DSTRI points (g3), so services exports
  change by ``exp(b 0.44 Δo) - 1`` with the semi-elasticity ``b`` (a1 upper, a3 lower end);
* rule alignment removes ``alignment_effect`` of the restrictiveness (``0.48 - 0.44 o``)
  toward the covered share of a bloc, which carries the bloc's share of China's exports;
* a services fixed-cost cut ``f`` raises aggregate exports by ``(1 - f)^(1 - k)`` with the
  sales-size tail index ``k = size_tail`` (Melitz-Chaney extensive margin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ftzsim import levers as L
from ftzsim import reference

__all__ = ["Band", "alignment_closed_form", "bands", "facilitation_effect", "markdown"]

#: DSTRI range observed in 2018 (g3): openness 0 is China's 0.48, openness 1 the most open 0.04.
_DSTRI_SPAN = 0.48 - 0.04


@dataclass(frozen=True)
class Band:
    """What the evidence supports for one lever's effect on one outcome (percent)."""

    lever: str
    outcome: str
    low: float
    high: float
    kind: str  # "evidence" or "plausibility"
    rows: tuple[str, ...]
    arithmetic: str
    expected: float | None = None  # closed-form effect at the defaults, where there is one

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _b(name: str) -> tuple[float, float, float]:
    p = L.get(name)
    return p.lower, p.default, p.upper


def facilitation_effect(ave: float, cut: float, theta: float, level: float = 1.0) -> float:
    """Percent change of goods exports when a share ``cut x level`` of the trade-cost AVE goes."""
    return 100.0 * (((1.0 + ave * (1.0 - cut * level)) / (1.0 + ave)) ** (-theta) - 1.0)


def _facilitation(
    lever: str, cut_name: str, rows: tuple[str, ...], level_low: float = 1.0, outcome: str = "final_goods_exports"
) -> Band:
    a_lo, a_def, a_hi = _b("trade_cost_ave")
    c_lo, c_def, c_hi = _b(cut_name)
    t_lo, t_def, t_hi = _b("trade_elasticity")
    low = facilitation_effect(a_lo, c_lo, t_lo, level_low)
    high = facilitation_effect(a_hi, c_hi, t_hi)
    exp = facilitation_effect(a_def, c_def, t_def)
    text = (
        f"((1 + AVE(1 - c)) / (1 + AVE))^-θ - 1 with AVE in [{a_lo:g}, {a_hi:g}], c = {cut_name} in "
        f"[{c_lo:g}, {c_hi:g}], θ in [{t_lo:g}, {t_hi:g}]"
        + (f", built level change at least {level_low:g}" if level_low < 1 else "")
        + f"; defaults give {exp:+.1f}%"
    )
    return Band(lever, outcome, low, high, "evidence", rows, text, exp if level_low == 1 else None)


def alignment_closed_form(agreement: str, scenario: str = "baseline", openness: float = 0.1) -> float:
    """Percent effect on services exports of full alignment with ``agreement`` (against none),
    the scenario's other alignments as they are, at the defaults: exports to bloc ``b`` move by
    ``exp(b_s e r Δā_b)`` with ``Δā_b`` the change of the share of the bloc facing aligned rules
    (``1 - Π_a (1 - coverage_ab alignment_a)``) and ``r`` the restrictiveness at ``openness``."""
    from ftzsim.scenario import load_scenario

    levers = dict(load_scenario(scenario).levers)
    cov = reference.agreement_coverage()
    shares = np.array([reference.bloc_shares()[b] for b in reference.BLOCS])

    def aligned(value: float) -> np.ndarray:
        al = np.array([value if a == agreement else levers[f"rule_alignment.{a}"] for a in L.AGREEMENTS])
        return 1.0 - np.prod(1.0 - cov * al[:, None], axis=0)

    b = L.get("dstri_semi_elasticity").default
    e = L.get("alignment_effect").default
    r = 0.48 - _DSTRI_SPAN * openness
    lo, hi = aligned(0.0), aligned(1.0)
    weight_lo = shares * np.exp(b * e * r * lo)
    weight_hi = shares * np.exp(b * e * r * hi)
    return float(100 * (weight_hi.sum() / weight_lo.sum() - 1))


def bands() -> list[Band]:
    """Every lever's band (at least one per lever), derived from the registry."""
    out = [
        _facilitation("single_window", "single_window_cost_cut", ("c1", "c2", "c3")),
        _facilitation("smart_customs", "smart_customs_cost_cut", ("c2", "c5")),
        _facilitation("digital_finance", "finance_cost_cut", ("c5",)),
        # logistics: the plan is the lever; what is built rises from its 2021 level (0.15 inland,
        # 0.4 coastal) toward 1, so the change of the built level is 0.6-0.85
        _facilitation("smart_logistics", "logistics_cost_cut", ("c3", "c5"), level_low=0.6),
        # e-commerce pilot zones cut the e-commerce AVE only (what other levers left of it)
        _facilitation("cbec_pilot", "cbec_cost_cut", ("c2", "c5"), outcome="final_ecommerce_exports"),
    ]
    # data openness: services exports, from a3 (lower) to a1 (upper)
    b_lo, b_def, b_hi = _b("dstri_semi_elasticity")
    out.append(
        Band(
            "data_openness",
            "final_ds_exports",
            100 * (math.exp(b_lo * _DSTRI_SPAN) - 1),
            100 * (math.exp(b_hi * _DSTRI_SPAN) - 1),
            "evidence",
            ("a1", "a2", "a3", "g3"),
            f"exp(b x 0.44) - 1 for full openness (DSTRI 0.48 -> 0.04, g3) with b in [{b_lo:g}, {b_hi:g}]: a3 "
            f"(data localisation costs China 1.7% of exports) at the lower end, a1 (-0.1 DSTRI ~ +37%) at the "
            f"upper; the default b = {b_def:g} gives {100 * (math.exp(b_def * _DSTRI_SPAN) - 1):+.0f}% before the "
            "regulator's ratchet and the trust penalty, which only lower it",
            None,
        )
    )
    # rule alignment: the covered share of each bloc
    shares = reference.bloc_shares()
    cov = reference.agreement_coverage()
    e_lo, _, e_hi = _b("alignment_effect")
    base_hi = 0.48  # restrictiveness at openness 0
    for i, a in enumerate(L.AGREEMENTS):
        w = float(sum(cov[i, j] * shares[bl] for j, bl in enumerate(reference.BLOCS)))
        low = 100 * w * (math.exp(b_lo * e_lo * (base_hi - _DSTRI_SPAN * 0.5)) - 1)
        high = 100 * w * (math.exp(b_hi * e_hi * base_hi) - 1)
        exp = alignment_closed_form(a)
        out.append(
            Band(
                f"rule_alignment.{a}",
                "final_ds_exports",
                low,
                high,
                "evidence",
                ("a1",),
                f"w (exp(b e r) - 1): covered share of China's services exports w = {w:.3f} "
                f"(partner_blocs_2022.csv x trade_agreements.csv), b in [{b_lo:g}, {b_hi:g}], alignment_effect e in "
                f"[{e_lo:g}, {e_hi:g}], restrictiveness r in [0.26, 0.48]; defaults give {exp:+.1f}%",
                exp,
            )
        )
    # services negative list: Melitz-Chaney extensive margin of a fixed-cost cut
    f_lo, f_def, f_hi = _b("negative_list_cut")
    k_lo, k_def, k_hi = _b("size_tail")
    exp = 100 * ((1 - f_def) ** (1 - k_def) - 1)
    out.append(
        Band(
            "services_negative_list",
            "final_ds_exports",
            0.0,
            100 * ((1 - f_hi) ** (1 - k_hi) - 1),
            "plausibility",
            (),
            f"(1 - f)^(1 - k) - 1 (Melitz-Chaney extensive margin) with f = negative_list_cut in [{f_lo:g}, {f_hi:g}] "
            f"(assumption: no published estimate) and k = size_tail in [{k_lo:g}, {k_hi:g}]; defaults give "
            f"{exp:+.1f}%",
            exp,
        )
    )
    # 5G: b1 bounds the productivity channel from above
    g_hi = L.get("broadband_growth").upper
    years = 10.0
    out.append(
        Band(
            "fiveg_coverage",
            "final_ds_exports",
            0.0,
            100 * (math.exp(g_hi * 0.9 * years) - 1),
            "evidence",
            ("b1", "b2"),
            f"positive (adoption gain, maturity, productivity); at most the full broadband effect of b1 "
            f"(growth {g_hi:g} per unit of coverage for {years:g} years on a coverage gain of at most 0.9): "
            f"exp({g_hi:g} x 0.9 x {years:g}) - 1",
        )
    )
    # levers without published evidence: sign and plausibility bound
    plaus = [
        ("gov_data_sharing", "final_ds_exports", 0.0, 25.0, "more review capacity and faster data use; at most +25%"),
        ("data_classification", "cum_incidents", -100.0, 0.0, "sensitive data identified: fewer incidents"),
        ("data_classification", "final_ds_exports", 0.0, 25.0, "green channel and trust; at most +25%"),
        ("sme_subsidy", "final_adoption_rate", 0.0, 30.0, "cheaper adoption for SMEs; at most +30%"),
        (
            "data_export_negative_list",
            "final_ds_exports",
            -0.5,
            10.0,
            "applications skip review: not negative beyond seed noise (±0.1%); at most +10%",
        ),
        ("risk_tolerance", "cum_incidents", 0.0, 400.0, "a more tolerant regulator allows more openness"),
        ("risk_tolerance", "final_ds_exports", 0.0, 100.0, "more openness allowed; at most the openness band"),
        ("risk_based_inspection", "cum_incidents", -60.0, 0.0, "inspections target low-compliance firms"),
        ("replication_min_zones", "final_ds_exports", -60.0, 0.0, "slower replication of proven reforms"),
        ("replication_lag", "final_ds_exports", -40.0, 0.0, "slower replication of proven reforms"),
    ]
    for lever, outcome, lo, hi, why in plaus:
        out.append(Band(lever, outcome, lo, hi, "plausibility", L.get(lever).evidence, why))
    return out


def markdown(measured: dict[tuple[str, str], float] | None = None) -> str:
    """The bands as a Markdown table (``docs/levers.md``), with the measured default effect
    where ``measured`` gives it (``{(lever, outcome): percent}``)."""
    rows = [
        "| lever | outcome | band | kind | evidence | arithmetic | model (default) |",
        "|---|---|---|---|---|---|---|",
    ]
    for b in bands():
        m = (measured or {}).get((b.lever, b.outcome))
        shown = "" if m is None or np.isnan(m) else f"{m:+.1f}%" + ("" if b.contains(m) else " **outside**")
        rows.append(
            f"| `{b.lever}` | `{b.outcome}` | [{b.low:+.1f}%, {b.high:+.1f}%] | {b.kind} | "
            f"{', '.join(b.rows) or '—'} | {b.arithmetic} | {shown} |"
        )
    return "\n".join(rows) + "\n"
