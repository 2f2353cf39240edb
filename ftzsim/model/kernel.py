"""The firm rule, compiled (numba): one loop over firms does a whole quarter.

Compiled by numba's JIT or, where ``python -m ftzsim.model.build`` has made one, by the
ahead-of-time build of this same source (:mod:`ftzsim.model.compiled`: identical results,
no numba import in a new process).

Why compiled: the rule touches each firm a handful of times per quarter. As NumPy array
expressions it makes ~40 full-length temporaries per step; fused into one loop it reads each
firm's slots once and also adds its flows to the zone totals, so recording costs nothing
extra (docs/performance.md has the measurements). The behaviour is documented in
:mod:`ftzsim.model.firms`; this module is its only implementation, used for the whole
population (``idx`` = all firms) and for a single ``FirmAgent.step()`` (``idx`` = one firm).

Random numbers are drawn inside the loop from a counter-based generator (Philox-4x32-10,
Salmon et al. 2011): the uniforms of firm ``i`` in quarter ``t`` are a pure function of
``(key, t, i)``, where ``key`` is one 64-bit number drawn from the model's firm stream when
the model is built. So a firm draws the same numbers whichever firms are stepped with it
and in whatever order (a single ``FirmAgent.step()`` draws exactly what the population step
draws for that firm), common random numbers survive any policy, and numba never owns a
random state.
"""

from __future__ import annotations

import math

import numpy as np

from ftzsim.model.compiled import njit

__all__ = ["ACC", "firm_potential", "firm_quarter", "firm_uniforms", "pending_since", "philox4x32"]

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

# ---------------------------------------------------------------------- random numbers
# Philox-4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as
# 1, 2, 3"; the Random123 constants). All arithmetic is on uint64 holding 32-bit values:
# numba turns a mix of signed and unsigned integers into floats, so every constant is typed.
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_PM0 = np.uint64(0xD2511F53)
_PM1 = np.uint64(0xCD9E8D57)
_PW0 = np.uint64(0x9E3779B9)
_PW1 = np.uint64(0xBB67AE85)
_TO_UNIT = 2.0**-32  # a 32-bit integer times this is a uniform on [0, 1 - 2^-32]
# Unsigned firm, zone and sector indices in the rule's loop: numba adds a negative-index
# wrap-around (a shift, a mask and the array's length kept in a register) to every access
# with a signed index; with unsigned ones it has none (about 4 ns per firm-step at 1M firms)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U_DS = np.uint64(DS)
_CHUNK = 256  # firms whose uniforms the kernel draws ahead (6 KB: stays in L1 cache)


@njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox-4x32-10 block: four 32-bit words of counter, two of key -> four random words.

    Arguments and results are ``np.uint64`` holding 32-bit values. Matches the Random123
    known-answer vectors (``tests/perf/test_counter_rng.py``).
    """
    for _ in range(10):
        p0 = _PM0 * c0
        p1 = _PM1 * c2
        c0, c1, c2, c3 = ((p1 >> _S32) ^ c1 ^ k0), (p1 & _M32), ((p0 >> _S32) ^ c3 ^ k1), (p0 & _M32)
        k0 = (k0 + _PW0) & _M32
        k1 = (k1 + _PW1) & _M32
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def _firm_draws(key, t, i):
    """The three uniforms of firm ``i`` in quarter ``t`` (adoption, green channel, incident).

    Counter = (firm index as two words, quarter, 0), key = the model's 64-bit firm key.
    """
    fi, k = np.uint64(i), np.uint64(key)  # a Python int key would type as int64
    r0, r1, r2, _ = philox4x32(fi & _M32, fi >> _S32, np.uint64(t) & _M32, np.uint64(0), k & _M32, k >> _S32)
    return r0 * _TO_UNIT, r1 * _TO_UNIT, r2 * _TO_UNIT


@njit(cache=True, inline="never")
def _draw_into(key, t, idx, all_firms, start, stop, out):
    """Uniforms of firms ``idx[start:stop]`` into ``out[:, :stop - start]`` (of firms
    ``start..stop-1`` when ``all_firms``: then ``idx`` is not read).

    A loop of its own (not inlined into the rule's branchy loop), so the compiler turns it
    into SIMD code: about 2 ns per firm for the three draws instead of 6 ns drawn inline.
    """
    if all_firms:  # consecutive counters: no gather through idx
        for k in range(start, stop):
            out[0, k - start], out[1, k - start], out[2, k - start] = _firm_draws(key, t, k)
    else:
        for k in range(start, stop):
            out[0, k - start], out[1, k - start], out[2, k - start] = _firm_draws(key, t, idx[k])


@njit(cache=True)
def firm_uniforms(key, t, idx):
    """Uniforms of firms ``idx`` in quarter ``t``, shape (3, len(idx)): what the kernel draws.

    For the reference implementations and tests (``benchmarks/reference_model.py``); the
    kernel draws the same numbers in chunks of :data:`_CHUNK` firms.
    """
    out = np.empty((3, idx.shape[0]))
    _draw_into(key, t, idx, False, 0, idx.shape[0], out)
    return out


# ---------------------------------------------------------------------- the firm rule
@njit(cache=True)
def firm_potential(idx, zs, size, boost_s, digital, revenue, fixed_cost, boost, fcd):
    """Full-approval revenue by bloc and fixed cost for firms ``idx`` (used at set-up)."""
    m = idx.shape[0]
    nb = revenue.shape[1]
    rev = np.empty((m, nb))
    fc = np.empty(m)
    for k in range(m):
        i = idx[k]
        zsi = zs[i]
        d = digital[i]
        mult = size[i] * math.exp(boost * boost_s[zsi % 3] * d)
        for b in range(nb):
            rev[k, b] = revenue[zsi, b] * mult
        fc[k] = fixed_cost[zsi] * (1.0 - fcd * d)
    return rev, fc


@njit(cache=True)
def firm_quarter(
    idx, all_firms, key, t,
    zs, size, sqrt_size_rel, sme, weight, risk, volume, boost_s, data_risk_s,
    digital, adopted, approval, applied_step, exports, incident, exp_arg, exp_val,
    revenue, fixed_cost, hazard, gain, subsidy, maturity, green, incident_p, inspection,
    sigma, boost, fcd, pending_penalty, adoption_cost, risk_based,
    acc,
):  # fmt: skip
    """One quarter of the firm rule for the firms in ``idx`` (see ftzsim.model.firms).

    ``all_firms`` says that ``idx`` is ``0..n-1`` (the population's step): the firm index is
    then the loop counter and ``idx`` is not read, which saves a load per firm and lets the
    draws run on consecutive counters (2-4 ns per firm-step at 1M firms, measured
    interleaved; the same numbers, since a firm's uniforms depend on its index only).
    ``zs`` = 3 zone + sector (int32) gives both; ``boost_s`` and ``data_risk_s`` are the
    per-sector coefficients. State arrays are updated in place; ``acc`` (zones x len(ACC))
    receives the zone totals. Uniforms come from :func:`_firm_draws` keyed by
    ``(key, t, i)``, so the result for firm ``i`` does not depend on ``idx``'s other
    entries or their order.

    ``exp_arg`` and ``exp_val`` keep each non-adopter's last ``exp`` argument and value: a
    firm that has not adopted keeps its digital level from quarter to quarter, so its
    revenue multiplier ``exp(boost boost_s d)`` is read back instead of recomputed (the
    stored value is used only when the argument is the same to the bit, so the result is
    the one ``exp`` gives; any change of ``d``, ``boost`` or ``boost_s`` recomputes it).
    """
    nb = revenue.shape[1]
    m = idx.shape[0]
    u = np.empty((3, _CHUNK))
    for k in range(m):
        j = k % _CHUNK
        if j == 0:  # the next chunk's uniforms, drawn ahead in a vectorised loop
            _draw_into(key, t, idx, all_firms, k, min(k + _CHUNK, m), u)
        i = np.uint64(k) if all_firms else np.uint64(idx[k])  # unsigned indices: see _U2
        zsi = np.uint64(zs[i])
        z = zsi // _U3
        sector = zsi - _U3 * z
        u_adopt, u_green, u_incident = u[0, j], u[1, j], u[2, j]
        d = digital[i]
        # 1. adoption: Bass hazard gated by net benefit, then digital maturity
        adopter = adopted[i]
        if adopter:
            d += (1.0 - d) * maturity[z]
        else:
            g = gain[z] * sqrt_size_rel[i]
            c = adoption_cost * (1.0 - subsidy[z] * sme[i])
            gate = 2.0 * g / max(g + c, 1e-12)
            x = 0.25 * hazard[z] * gate
            # 1 - exp(-x) < x: a draw at or above x cannot adopt, so most firms skip the expm1
            if u_adopt < x and u_adopt < -math.expm1(-x):
                adopted[i] = True
                adopter = True
                d = max(d, 0.25)
        digital[i] = d
        # 2. exporting: Melitz selection per bloc on gravity revenue. One exp per firm: the
        # revenue multiplier size * exp(boost_s d) is also a services firm's activity below
        # (boost_s = 1 for services); variable profit r / sigma exceeds the fixed cost fc
        # when r > fc * sigma, computed once instead of a division per bloc. A non-adopter's
        # d has not moved since last quarter: its exp is read back (see exp_arg above)
        y = boost * boost_s[sector] * d
        if adopter:
            e = math.exp(y)
        elif exp_arg[i] == y:
            e = exp_val[i]
        else:
            e = math.exp(y)
            exp_arg[i] = y
            exp_val[i] = e
        mult = size[i] * e
        fcs = fixed_cost[zsi] * (1.0 - fcd * d) * sigma
        is_ds = sector == _U_DS
        limited = is_ds and approval[i] != APPROVED
        wants = False
        serving = False
        flow = 0.0
        for b in range(nb):
            r = revenue[zsi, b] * mult
            if r > fcs:
                wants = True
            if limited:
                r *= 1.0 - pending_penalty
            if r > fcs:
                exports[i, b] = 0.25 * r
                flow += 0.25 * r
                serving = True
            else:
                exports[i, b] = 0.0
        # 3. data-export application; the green channel approves at once
        if is_ds and approval[i] == NONE and wants:
            applied_step[i] = t
            if u_green < green[z]:
                approval[i] = APPROVED
                acc[z, 11] += 1.0
            else:
                approval[i] = PENDING
        # 4. incidents among data exporters
        data_risk = data_risk_s[sector]
        data_exporter = serving and data_risk > 0.0 and ((not is_ds) or approval[i] == APPROVED)
        inc = False
        prob = 0.0
        if data_exporter:
            rk = np.float64(risk[i])
            insp = min(0.95, inspection[z] * ((1.0 - risk_based) + risk_based * rk))
            prob = incident_p[z] * data_risk * rk * volume[i] * (1.0 - insp)
            inc = u_incident < prob
        incident[i] = inc
        # zone totals
        w = weight[i]
        acc[z, _U2 - sector] += w * flow  # columns 0 services, 1 e-commerce, 2 goods
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
            acc[z, 10] += w * size[i] * e


@njit(cache=True)
def pending_since(approval, applied_step, t, min_wait):
    """Indices (ascending) of the firms whose data-export application is pending and has
    waited at least ``min_wait`` quarters in quarter ``t``: what the regulators' queues hold.
    One pass over the firms instead of NumPy's four (compare, subtract, compare, select)."""
    out = np.empty(approval.shape[0], dtype=np.int64)
    n = 0
    for i in range(approval.shape[0]):
        if approval[i] == PENDING and t - applied_step[i] >= min_wait:
            out[n] = i
            n += 1
    return out[:n]
