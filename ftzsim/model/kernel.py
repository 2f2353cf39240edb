"""The firm rule, compiled (numba): one loop over firms does a whole quarter.

Why compiled: the rule touches each firm a handful of times per quarter. As NumPy array
expressions it makes ~40 full-length temporaries per step; fused into one loop it reads each
firm's slots once and also adds its flows to the zone totals, so recording costs nothing
extra (docs/performance.md has the measurements). The behaviour is documented in
:mod:`ftzsim.model.firms`; this module is its only implementation, used for the whole
population (``idx`` = all firms) and for a single ``FirmAgent.step()`` (``idx`` = one firm).

Random numbers are drawn by the caller from the model's generator (``u``: three uniforms per
firm) and passed in, so numba never owns a random state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["ACC", "firm_potential", "firm_quarter"]

#: Columns of the per-zone accumulator filled by :func:`firm_quarter`.
ACC = (
    "ds_exports",  # weighted quarterly flows of services firms
    "ecommerce_exports",
    "goods_exports",
    "weight",  # real firms
    "adopted",  # weighted adopters
    "digital",  # weighted digital level
    "exporting",  # weighted exporters
    "incidents",  # weighted incidents
    "data_exporters",  # weighted data exporters
    "pending",  # weighted pending applications
    "ds_activity",  # weighted services activity (imports driver)
    "green",  # applications approved through the green channel (agents)
    "ds_incidents",  # weighted incidents of services firms (what data-export regulators watch)
    "ds_data_exporters",  # weighted services firms exporting data with approval
    "incident_mean",  # expected incidents among the real firms the agents stand for (sum of w x probability)
    "ds_incident_mean",  # the same for services firms
)
_A = {n: i for i, n in enumerate(ACC)}
NONE, PENDING, APPROVED = 0, 1, 2
DS, ECOM, GOODS = 2, 1, 0


@njit(cache=True, inline="always")
def _revenue_and_cost(zs, size, boost, d, revenue, fixed_cost, fcd, out):
    """Full-approval annual revenue in every bloc (into ``out``) and the fixed cost per bloc."""
    mult = size * math.exp(boost * d)
    for b in range(revenue.shape[1]):
        out[b] = revenue[zs, b] * mult
    return fixed_cost[zs] * (1.0 - fcd * d)


@njit(cache=True)
def firm_potential(idx, zs, size, boost_coef, digital, revenue, fixed_cost, boost, fcd):
    """Full-approval revenue by bloc and fixed cost for firms ``idx`` (used at set-up)."""
    m = idx.shape[0]
    rev = np.empty((m, revenue.shape[1]))
    fc = np.empty(m)
    for k in range(m):
        i = idx[k]
        fc[k] = _revenue_and_cost(zs[i], size[i], boost * boost_coef[i], digital[i], revenue, fixed_cost, fcd, rev[k])
    return rev, fc


@njit(cache=True)
def firm_quarter(
    idx, u, t,
    zone, sector, zs, size, sqrt_size_rel, sme, weight, risk, volume, data_risk, boost_coef,
    digital, adopted, approval, applied_step, exports, incident,
    revenue, fixed_cost, hazard, gain, subsidy, maturity, green, incident_p, inspection,
    sigma, boost, fcd, pending_penalty, adoption_cost, risk_based,
    acc,
):  # fmt: skip
    """One quarter of the firm rule for the firms in ``idx`` (see ftzsim.model.firms).

    State arrays are updated in place; ``acc`` (zones x len(ACC)) receives the zone totals.
    """
    nb = revenue.shape[1]
    rev = np.empty(nb)
    for k in range(idx.shape[0]):
        i = idx[k]
        z = zone[i]
        d = digital[i]
        # 1. adoption: Bass hazard gated by net benefit, then digital maturity
        if adopted[i]:
            d += (1.0 - d) * maturity[z]
        else:
            g = gain[z] * sqrt_size_rel[i]
            c = adoption_cost * (1.0 - subsidy[z] * sme[i])
            gate = 2.0 * g / max(g + c, 1e-12)
            if u[0, k] < -math.expm1(-0.25 * hazard[z] * gate):
                adopted[i] = True
                d = max(d, 0.25)
        digital[i] = d
        # 2. exporting: Melitz selection per bloc on gravity revenue
        fc = _revenue_and_cost(zs[i], size[i], boost * boost_coef[i], d, revenue, fixed_cost, fcd, rev)
        is_ds = sector[i] == DS
        limited = is_ds and approval[i] != APPROVED
        wants = False
        serving = False
        flow = 0.0
        for b in range(nb):
            r = rev[b]
            if r / sigma > fc:
                wants = True
            if limited:
                r *= 1.0 - pending_penalty
            if r / sigma > fc:
                exports[i, b] = 0.25 * r
                flow += 0.25 * r
                serving = True
            else:
                exports[i, b] = 0.0
        # 3. data-export application; the green channel approves at once
        if is_ds and approval[i] == NONE and wants:
            applied_step[i] = t
            if u[1, k] < green[z]:
                approval[i] = APPROVED
                acc[z, 11] += 1.0
            else:
                approval[i] = PENDING
        # 4. incidents among data exporters
        data_exporter = serving and data_risk[i] > 0.0 and ((not is_ds) or approval[i] == APPROVED)
        inc = False
        prob = 0.0
        if data_exporter:
            insp = min(0.95, inspection[z] * ((1.0 - risk_based) + risk_based * risk[i]))
            prob = incident_p[z] * data_risk[i] * risk[i] * volume[i] * (1.0 - insp)
            inc = u[2, k] < prob
        incident[i] = inc
        # zone totals
        w = weight[i]
        acc[z, 2 - sector[i]] += w * flow  # columns 0 services, 1 e-commerce, 2 goods
        acc[z, 3] += w
        acc[z, 4] += w * adopted[i]
        acc[z, 5] += w * d
        acc[z, 6] += w * serving
        acc[z, 7] += w * inc
        acc[z, 8] += w * data_exporter
        acc[z, 14] += w * prob
        if is_ds:
            acc[z, 12] += w * inc
            acc[z, 13] += w * data_exporter
            acc[z, 15] += w * prob
            acc[z, 9] += w * (approval[i] == PENDING)
            acc[z, 10] += w * size[i] * math.exp(boost * d)
