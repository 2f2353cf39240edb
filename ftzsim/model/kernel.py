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
_CHUNK = 256  # firms the kernel draws ahead and works on phase by phase (scratch about 40 KB, in L1 and L2)


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
@njit(cache=True, inline="always")
def _compact(flags, n, out):
    """Write the positions ``j < n`` where ``flags[j]`` is set into ``out``, in order, and
    return their count. Branch-free (every position is written, the count advances by the
    flag), so an unpredictable flag costs no mispredicted branches."""
    cnt = 0
    for j in range(n):
        out[cnt] = j
        cnt += flags[j]
    return cnt


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
    digital, adopted, approval, applied_step, exports, ex_idx, ex_val, incident, exp_arg, exp_val,
    revenue, fixed_cost, hazard, gain, subsidy, maturity, green, incident_p, inspection,
    sigma, boost, fcd, pending_penalty, adoption_cost, risk_based,
    acc,
):  # fmt: skip
    """One quarter of the firm rule for the firms in ``idx`` (see ftzsim.model.firms).

    ``all_firms`` says that ``idx`` is ``0..n-1`` (the population's step): firms are then
    taken in runs of consecutive firms of one zone and sector (the model builds them sorted
    that way), and ``idx`` is not read. Otherwise each firm of ``idx`` is a run of its own.
    ``zs`` = 3 zone + sector (int32) gives both; ``boost_s`` and ``data_risk_s`` are the
    per-sector coefficients. State arrays are updated in place; ``acc`` (zones x len(ACC))
    receives the zone totals. Returns the number of rows written to ``ex_idx``/``ex_val``.

    **Export values.** With ``idx`` they go to ``exports`` (firms x blocs), row by row. The
    population's step instead lists only the firms that export: row ``r < returned count``
    says that firm ``ex_idx[r]`` exports ``ex_val[r, :]`` and every firm not listed exports
    nothing (:class:`ftzsim.model.firms.FirmPopulation` spreads the list into its
    ``exports`` array when that is read). About one firm in six exports, so the step writes
    about 7 bytes per firm instead of 32 bytes of a full row plus the 32 the processor reads
    to write them (at 1M firms the full rows cost 4-5 ns per firm-step).

    Uniforms come from
    :func:`_firm_draws` keyed by ``(key, t, i)``, so the result for firm ``i`` does not depend
    on ``idx``'s other entries or their order.

    **Why runs and phases.** Within a run every zone and sector coefficient is one number,
    so the rule splits into phases, each a loop over the run's firms that the compiler turns
    into SIMD code (8 firms per instruction): (B) digital maturity of adopters and each
    non-adopter's adoption probability, (C) the rare draws below it (``expm1``), (D) the
    revenue multiplier ``exp`` where it is not kept (below), (E) exports per bloc, (F)
    data-export applications, (G) incidents and each firm's contributions to the zone
    totals, (H) the totals themselves. Each firm does exactly the arithmetic it did as one
    branchy loop body, and each zone total is still summed column by column in firm order,
    so the results are the same to the bit (golden outputs; ``tests/perf``).

    ``exp_arg`` and ``exp_val`` keep each non-adopter's last ``exp`` argument and value: a
    firm that has not adopted keeps its digital level from quarter to quarter, so its
    revenue multiplier ``exp(boost boost_s d)`` is read back instead of recomputed (the
    stored value is used only when the argument is the same to the bit, so the result is
    the one ``exp`` gives; any change of ``d``, ``boost`` or ``boost_s`` recomputes it).
    """
    m = idx.shape[0]
    nb = revenue.shape[1]
    u = np.empty((3, _CHUNK))
    # per-chunk scratch (L1-resident), one array per quantity: separate 1-D arrays keep
    # each phase's loop simple enough for the compiler to vectorise
    dd = np.empty(_CHUNK)  # digital level after this quarter's maturity and adoption
    xx = np.empty(_CHUNK)  # adoption probability bound x; then the revenue multiplier
    yy = np.empty(_CHUNK)  # exp argument; then the pending-penalty factor
    ee = np.empty(_CHUNK)  # exp(boost boost_s d)
    fl = np.empty(_CHUNK)  # quarterly flow over blocs
    fcs_ = np.empty(_CHUNK)  # fixed cost x sigma
    adf = np.empty(_CHUNK, dtype=np.uint8)  # adopter (after this quarter's adoption)
    cnd = np.empty(_CHUNK, dtype=np.uint8)  # adoption candidate; then exp needed
    wnt = np.empty(_CHUNK, dtype=np.uint8)  # would export at full approval
    srv = np.empty(_CHUNK, dtype=np.uint8)  # serves at least one bloc
    lst = np.empty(_CHUNK, dtype=np.int64)  # firms whose exp is computed; then the exporters
    tot = np.empty((9, _CHUNK))  # each firm's contributions to the zone totals
    exq = np.empty((nb, _CHUNK))  # export value by bloc
    ne = 0  # rows of ex_idx / ex_val written
    lim = 1.0 - pending_penalty
    rbc = 1.0 - risk_based
    for k in range(0, m, _CHUNK):
        kc = min(k + _CHUNK, m)
        _draw_into(key, t, idx, all_firms, k, kc, u)  # the chunk's uniforms, vectorised
        a = k
        while a < kc:
            # the next run: firms i0 .. i0 + n - 1, one zone and sector
            if all_firms:
                i0 = np.uint64(a)
                zsa = zs[a]
                b = a + 1
                while b < kc and zs[b] == zsa:
                    b += 1
            else:
                i0 = np.uint64(idx[a])
                zsa = zs[i0]
                b = a + 1
            n = b - a
            ua = u[0, a - k : b - k]
            ug = u[1, a - k : b - k]
            ui = u[2, a - k : b - k]
            a = b
            zsi = np.uint64(zsa)  # unsigned indices: see _U2
            z = zsi // _U3
            sector = zsi - _U3 * z
            is_ds = sector == _U_DS
            mat = maturity[z]
            gz = gain[z]
            sub = subsidy[z]
            hz = 0.25 * hazard[z]
            bb = boost * boost_s[sector]
            fc = fixed_cost[zsi]
            data_risk = data_risk_s[sector]
            ipdr = incident_p[z] * data_risk
            inspz = inspection[z]
            # B. adoption: adopters mature; a non-adopter's Bass hazard gated by net benefit
            for j in range(n):
                i = i0 + np.uint64(j)
                d = digital[i]
                ad = adopted[i]
                g = gz * sqrt_size_rel[i]
                c = adoption_cost * (1.0 - sub * sme[i])
                x = hz * (2.0 * g / max(g + c, 1e-12))
                dd[j] = d + (1.0 - d) * mat if ad else d
                xx[j] = x
                adf[j] = ad
                # 1 - exp(-x) < x: a draw at or above x cannot adopt (no expm1 for most)
                cnd[j] = (not ad) and ua[j] < x
            # C. the few draws below x: adopt when below 1 - exp(-x)
            for j in range(n):
                if cnd[j] and ua[j] < -math.expm1(-xx[j]):
                    adopted[i0 + np.uint64(j)] = True
                    adf[j] = 1
                    dd[j] = max(dd[j], 0.25)
            # D. revenue multiplier exp(boost boost_s d), one exp per firm (it is also a
            # services firm's activity); a non-adopter's is read back (see exp_arg above)
            for j in range(n):
                i = i0 + np.uint64(j)
                y = bb * dd[j]
                yy[j] = y
                ee[j] = exp_val[i]
                cnd[j] = adf[j] or not (exp_arg[i] == y)
            cnt = _compact(cnd, n, lst)
            for q in range(cnt):
                j = lst[q]
                e = math.exp(yy[j])
                ee[j] = e
                if not adf[j]:
                    exp_arg[i0 + np.uint64(j)] = yy[j]
                    exp_val[i0 + np.uint64(j)] = e
            # E. exporting: Melitz selection per bloc on gravity revenue; variable profit
            # r / sigma exceeds the fixed cost fc when r > fc sigma (no division per bloc)
            for j in range(n):
                i = i0 + np.uint64(j)
                d = dd[j]
                digital[i] = d
                xx[j] = size[i] * ee[j]
                fcs_[j] = fc * (1.0 - fcd * d) * sigma
                yy[j] = lim if (is_ds and approval[i] != APPROVED) else 1.0  # r x 1.0 is r
                fl[j] = 0.0
                wnt[j] = 0
                srv[j] = 0
            for bl in range(nb):
                rb = revenue[zsi, bl]
                for j in range(n):
                    r = rb * xx[j]
                    fcs = fcs_[j]
                    wnt[j] |= r > fcs
                    r = r * yy[j]
                    sv = r > fcs
                    v = 0.25 * r if sv else 0.0
                    exq[bl, j] = v
                    fl[j] += v  # + 0.0 leaves a sum of non-negative flows unchanged
                    srv[j] |= sv
            if all_firms:  # the exporters' rows only (see above)
                cx = _compact(srv, n, lst)
                for q in range(cx):
                    j = lst[q]
                    ex_idx[ne] = i0 + np.uint64(j)
                    for bl in range(nb):
                        ex_val[ne, bl] = exq[bl, j]
                    ne += 1
            else:
                for j in range(n):
                    for bl in range(nb):
                        exports[i0 + np.uint64(j), bl] = exq[bl, j]
            # F. data-export application of services firms; the green channel approves at once
            if is_ds:
                grn = green[z]
                for j in range(n):
                    i = i0 + np.uint64(j)
                    if approval[i] == NONE and wnt[j]:
                        applied_step[i] = t
                        if ug[j] < grn:
                            approval[i] = APPROVED
                            acc[z, 11] += 1.0
                        else:
                            approval[i] = PENDING
            # G. incidents among data exporters; each firm's contributions to the totals
            for j in range(n):
                i = i0 + np.uint64(j)
                dx = srv[j] and data_risk > 0.0 and ((not is_ds) or approval[i] == APPROVED)
                rk = np.float64(risk[i])
                insp = min(0.95, inspz * (rbc + risk_based * rk))
                prob = ipdr * rk * volume[i] * (1.0 - insp) if dx else 0.0
                inc = ui[j] < prob
                incident[i] = inc
                w = weight[i]
                tot[0, j] = w * fl[j]
                tot[1, j] = w * adf[j]
                tot[2, j] = w * dd[j]
                tot[3, j] = w * srv[j]
                tot[4, j] = w * inc
                tot[5, j] = w * dx
                tot[6, j] = w * prob
                tot[7, j] = w * (approval[i] == PENDING)
                tot[8, j] = w * size[i] * ee[j]
            # H. zone totals, each column summed in firm order (as one loop body summed them)
            col = _U2 - sector  # columns 0 services, 1 e-commerce, 2 goods
            s0 = acc[z, col]
            s3 = acc[z, 3]
            s4 = acc[z, 4]
            s5 = acc[z, 5]
            s6 = acc[z, 6]
            s7 = acc[z, 7]
            s8 = acc[z, 8]
            s14 = acc[z, 14]
            s9 = acc[z, 9]  # the services columns (summed for services firms only)
            s10 = acc[z, 10]
            s12 = acc[z, 12]
            s13 = acc[z, 13]
            s15 = acc[z, 15]
            for j in range(n):
                s0 += tot[0, j]
                s3 += weight[i0 + np.uint64(j)]
                s4 += tot[1, j]
                s5 += tot[2, j]
                s6 += tot[3, j]
                s7 += tot[4, j]
                s8 += tot[5, j]
                s14 += tot[6, j]
                if is_ds:  # the same for the whole run: the compiler hoists it out of the loop
                    s12 += tot[4, j]
                    s13 += tot[5, j]
                    s15 += tot[6, j]
                    s9 += tot[7, j]
                    s10 += tot[8, j]
            if is_ds:
                acc[z, 9] = s9
                acc[z, 10] = s10
                acc[z, 12] = s12
                acc[z, 13] = s13
                acc[z, 15] = s15
            acc[z, col] = s0
            acc[z, 3] = s3
            acc[z, 4] = s4
            acc[z, 5] = s5
            acc[z, 6] = s6
            acc[z, 7] = s7
            acc[z, 8] = s8
            acc[z, 14] = s14
    return ne


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
