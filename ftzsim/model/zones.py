"""Zones and their regulators as a population: state in arrays, each rule written once.

The 22 pilot zones are few, but their rules run every quarter, so their per-quarter Python is
the floor of a run (DESIGN §8). As with the firms (:mod:`ftzsim.model.firms`), the state lives
in arrays owned by :class:`ZonePopulation` and every rule is a method over an index array of
zones: the model calls it once for all zones, and a ``ZoneAgent.step()`` or
``RegulatorAgent.step()`` calls the same method for its own index. There is one definition of
each behaviour; the agents in :mod:`ftzsim.model.agents` are thin Mesa views.

Rules and their sources (details and equations in ``docs/model.md``)
---------------------------------------------------------------------
Regulators (DESIGN §5.1; 000 §3 governance; 004 data export)
    The stress-test ratchet on allowed data openness (:meth:`ZonePopulation.regulate`), the
    national ceiling (:meth:`ZonePopulation.regulate_nationally`), the review queue and
    inspection intensity.
Zones (DESIGN §5.2; 000 §1-§4)
    Piloting toward targets, imitation of better-performing linked zones, infrastructure
    build-out (:meth:`ZonePopulation.quarter`), nationwide replication
    (:meth:`ZonePopulation.replicate_nationwide`), activation in the batch year and timed
    policy changes.
Trade access (DESIGN §5.3; gravity after Head & Mayer 2014)
    :meth:`ZonePopulation.inputs` turns zone state into the :class:`~ftzsim.model.firms.ZoneInputs`
    the firm rule reads each quarter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ftzsim import reference
from ftzsim.levers import AGREEMENTS, ZONE_LEVERS, neutral_values
from ftzsim.model.compiled import njit
from ftzsim.model.firms import APPROVED, DS, ECOM, GOODS, FirmPopulation, ZoneInputs
from ftzsim.outcomes import REGIONS
from ftzsim.reference import BLOCS

__all__ = [
    "DSTRI_CLOSED",
    "DSTRI_OPEN",
    "LEVELS",
    "STEP_SIZE",
    "TradeTerms",
    "ZonePopulation",
    "adoption_gain",
    "poisson_quantile",
]

#: A pilot task moves one lever by this much (levers are 0-1; ten steps to full reform).
STEP_SIZE = 0.1
#: The reform grid 0.1 ... 1.0 whose levels are tracked for replication.
LEVELS = np.round(np.arange(1, 11) * STEP_SIZE, 10)
#: DSTRI range observed across 44 countries in 2018 (elasticities.csv g3): openness 0 is
#: China's status quo at the restrictive end, openness 1 the most open observed.
DSTRI_CLOSED, DSTRI_OPEN = 0.48, 0.04
#: Talent index by the tier the seeds give a zone (000 §2): leading 1, lagging ``talent_gap``,
#: middle and unclassified zones halfway between (the share of the gap they close).
_TIER_TALENT = {"leading": 0.0, "middle": 0.5, "": 0.5, "lagging": 1.0}
NEVER = np.iinfo(np.int32).max
_L = {n: i for i, n in enumerate(ZONE_LEVERS)}


def adoption_gain(coverage: np.ndarray, slope: float) -> np.ndarray:
    """Zone part of a firm's gain from going digital: 5G is the enabling infrastructure
    (000 §3 infrastructure layer), so the gain rises with coverage (``fiveg_adoption_gain``);
    at the default a median firm in a zone at 50% coverage gains as much as adoption costs it
    (``adoption_cost`` = 1)."""
    return 0.25 + slope * coverage


def poisson_quantile(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Inverse CDF of the Poisson distribution: the smallest k with P(K <= k) >= u.

    One uniform per value, so a draw consumes the same random numbers whatever the mean
    (common random numbers), and a higher mean never gives a lower count for the same ``u``.
    Means above 500 use the normal approximation (continuity-corrected)."""
    u = np.asarray(u, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    big = lam > 500.0
    small = np.where(big, 0.0, lam)
    # P(K = 0) by NumPy's exp (the search below only multiplies, divides and adds, so the
    # compiled search gives what the same loop in NumPy gives, to the bit)
    k = _poisson_search(u, small, np.exp(-small), big)
    if big.any():
        from statistics import NormalDist

        z = np.array([NormalDist().inv_cdf(min(max(x, 1e-12), 1 - 1e-12)) for x in u[big]])
        k[big] = np.maximum(0.0, np.floor(lam[big] + np.sqrt(lam[big]) * z + 0.5))
    return k


@njit(cache=True)
def _poisson_search(u, lam, pmf0, big):
    """Sequential search of :func:`poisson_quantile` for the values not ``big``: add the
    probabilities ``P(K = k) = P(K = k - 1) lam / k`` until their sum reaches ``u`` (or they
    underflow). Compiled because the loop runs per value: in NumPy it cost one pass over all
    zones per step of ``k``."""
    out = np.zeros(u.shape[0])
    for i in range(u.shape[0]):
        if big[i]:
            continue
        pmf = pmf0[i]
        cdf = pmf
        k = 0.0
        while cdf < u[i]:
            k += 1.0
            pmf = pmf * lam[i] / max(k, 1.0)
            cdf = cdf + pmf
            if not pmf > 1e-300:
                break
        out[i] = k
    return out


@dataclass
class TradeTerms:
    """What the zones' policy state implies for trade in a quarter (:meth:`ZonePopulation.trade_terms`).

    Attributes
    ----------
    levels : ndarray (Z, L)
        :meth:`ZonePopulation.province_levels`.
    openness : ndarray (Z,)
        :meth:`ZonePopulation.openness_effective`.
    tau, tau_ec : ndarray (Z,)
        :meth:`ZonePopulation.trade_costs` of goods and of cross-border e-commerce.
    restrictiveness : ndarray (Z, B)
        :meth:`ZonePopulation.restrictiveness` at ``openness``.
    """

    levels: np.ndarray
    openness: np.ndarray
    tau: np.ndarray
    tau_ec: np.ndarray
    restrictiveness: np.ndarray


@njit(cache=True)
def _mark_reached(reached_at, policy, idx, before, step, levels):
    """:meth:`ZonePopulation.mark_reached` for zones ``idx`` (compiled: in NumPy it made five
    k x L x 10 temporaries, and it runs up to three times a quarter). A grid level is reached
    when a zone's level rises to it (the step is recorded) and lost when the level falls
    below it; otherwise the record stays."""
    for a in range(idx.shape[0]):
        z = idx[a]
        for lv in range(policy.shape[1]):
            now = policy[z, lv]
            for g in range(levels.shape[0]):
                threshold = levels[g] - 1e-9
                if now >= threshold and before[a, lv] < threshold:
                    reached_at[z, lv, g] = step
                elif now < threshold:
                    reached_at[z, lv, g] = NEVER


@njit(cache=True)
def _anchor_flows(rev, fc, sigma, keep, is_ds, zone, sector, weight, nz, approval):
    """First-quarter flows of :meth:`ZonePopulation.anchor`, by zone and sector.

    A services firm whose full-approval revenue pays in some bloc (``rev / sigma > fc``) is
    taken as approved (``approval`` is written); one not approved keeps ``keep = 1 -
    pending_penalty`` of its revenue. Returns the weighted served revenue and the weighted
    potential revenue (all blocs) summed by zone and sector. Compiled: in NumPy these were
    eight passes over a firms x blocs array, a third of building a model; sums run in firm
    and bloc order, as NumPy's row sums and ``add.at`` run, so the results are the same.
    """
    nb = rev.shape[1]
    flows = np.zeros((nz, 3))
    pots = np.zeros((nz, 3))
    for i in range(rev.shape[0]):
        pays = False
        for b in range(nb):
            if rev[i, b] / sigma > fc[i]:
                pays = True
        approval[i] = APPROVED if (is_ds[i] and pays) else 0
        limited = is_ds[i] and not pays
        served = 0.0
        potential = 0.0
        for b in range(nb):
            r = rev[i, b] * keep if limited else rev[i, b]
            served += r if r / sigma > fc[i] else 0.0
            potential += rev[i, b]
        flows[zone[i], sector[i]] += weight[i] * served
        pots[zone[i], sector[i]] += weight[i] * potential
    return flows, pots


@njit(cache=True)
def _imitation(weight, start, pol):
    """Imitation chances and targets of :meth:`ZonePopulation.quarter` (k zones x L levers).

    A partner ``j`` with a higher level ``start[j, l] > pol[a, l]`` offers a step with
    probability ``pr = weight[a, j]`` (imitation rate x tie x performance gap); zone ``a``
    imitates with probability ``1 - prod_j (1 - pr)`` and moves toward the highest such level
    (0 if none). Compiled: written with NumPy it made k x Z x L temporaries (5,808 values
    for the 22 zones), the largest part of the zone phase. Products run over ``j`` in
    order, as NumPy's ``prod(axis=1)`` does, so the results are NumPy's to the bit.
    """
    k, nl = pol.shape
    nz = start.shape[0]
    prob = np.empty((k, nl))
    best = np.empty((k, nl))
    for a in range(k):
        for lv in range(nl):
            keep = 1.0
            top = 0.0
            for j in range(nz):
                better = start[j, lv] > pol[a, lv] + 1e-12
                pr = weight[a, j] * (1.0 if better else 0.0)
                keep *= 1.0 - pr
                if better and pr > 0 and start[j, lv] > top:
                    top = start[j, lv]
            prob[a, lv] = 1.0 - keep
            best[a, lv] = top
    return prob, best


@njit(cache=True)
def _ratchet(allowed, request, rate, tolerance, openness_step, tighten_factor):
    """The stress-test ratchet of one regulator: returns (new allowance, tightened?).

    Above ``tolerance`` the allowance loses ``tighten_factor`` of itself; otherwise it moves
    ``openness_step`` of the way up toward ``request``, or down to it at once."""
    if rate > tolerance:
        return allowed * (1 - tighten_factor), True
    if request > allowed:
        return allowed + openness_step * (request - allowed), False
    return request, False


@njit(cache=True)
def _regulate_zones(
    idx, active, request, allowed, incident_rate, tolerance, openness_step, tighten_factor,
    tightenings, inspection, inspection_base, gain, review_capacity, n_ds_agents, credit, capacity,
):  # fmt: skip
    """Ratchet, inspection and review capacity of the zone regulators ``idx`` (see
    :meth:`ZonePopulation.regulate`; ``request`` and ``gain`` are given for the zones in
    ``idx``). Compiled: as NumPy over 22 zones it was about twenty calls on tiny arrays a
    quarter; the arithmetic is the same, operation by operation."""
    for a in range(idx.shape[0]):
        z = idx[a]
        act = active[z]
        new, over = _ratchet(allowed[z], request[a], incident_rate[z], tolerance, openness_step, tighten_factor)
        allowed[z] = np.minimum(request[a], new) if act else 0.0
        tightenings[z] += over and act
        inspection[z] = np.minimum(0.95, inspection_base * gain[a]) if act else 0.0
        # capacity in applications (agents); the fraction a quarter cannot use carries over,
        # so the capacity per quarter does not depend on rounding at the number of agents
        exact = review_capacity * n_ds_agents[z] * gain[a] * (1.0 if act else 0.0) + credit[z]
        capacity[z] = np.floor(exact + 1e-9)
        credit[z] = exact - capacity[z]


class ZonePopulation:
    """State of every zone and its regulator, and the rules that move it.

    Parameters
    ----------
    names : sequence of str
        The scenario's zones, in model order.
    ties : ndarray (Z, Z)
        Tie strengths of the zone network (:func:`ftzsim.model.network.tie_matrix`).
    params : mapping
        Every registry parameter's value (the scenario's national levels).
    constants : mapping
        The scenario's constants.
    start : (int, int)
        Calendar year and quarter of model step 1.

    Attributes
    ----------
    target, policy : ndarray (Z, L)
        Policy targets and implemented levels of the zone levers (:data:`ZONE_LEVERS`).
    levers : dict
        Current national lever values (``rule_alignment.*``, ``risk_tolerance``, ...).
    allowed, ceiling, inspection : arrays / float
        Openness each zone regulator allows, the national ceiling, inspection intensity.
    coverage, logistics, prod_index : ndarray (Z,)
        5G coverage and smart logistics built, productivity index from 5G (b1).
    """

    def __init__(
        self,
        names: Sequence[str],
        ties: np.ndarray,
        params: Mapping[str, float],
        constants: Mapping[str, Any],
        start: tuple[int, int],
    ):
        info_by_name = reference.zones()
        self.names = list(names)
        Z = len(self.names)
        self.n = Z
        self.params = params
        self.constants = constants
        self.start_year, self.start_quarter = start
        self.index = np.arange(Z)
        self.tightenings = np.zeros(Z, dtype=np.int64)
        self.national_tightenings = 0
        self.ties = ties
        self.ties_norm = ties / ties.max() if ties.max() > 0 else ties
        info = [info_by_name[n] for n in self.names]
        self.info = info
        self.batch_year = np.array([z.batch_year for z in info])
        self.region_idx = np.array([REGIONS.index(z.region) for z in info])
        coastal = np.array([z.coastal for z in info], dtype=float)
        self.active = self.batch_year <= self.start_year
        c = constants
        # 5G is densest in the eastern region (002: infrastructure) and thinnest in border zones
        # with weak digital industry (000 §2); smart logistics is at the ports (000 §3:
        # "warehouse + port + logistics" only in eastern coastal zones)
        east = self.region_idx == REGIONS.index("east")
        border = np.array([z.border for z in info])
        self.coverage = np.where(
            east, c["initial_5g_east"], np.where(border, c["initial_5g_border"], c["initial_5g_other"])
        ).astype(float)
        self.logistics = np.where(coastal > 0, c["initial_logistics_coastal"], c["initial_logistics_inland"]).astype(
            float
        )
        self.coverage0 = self.coverage.copy()
        self.prod_index = np.ones(Z)
        years = np.maximum(self.start_year - self.batch_year, 0)
        self.experience = np.minimum(1.0, years / params["ramp_years"])
        adv = params["capacity_advantage"]
        self.reform_capacity = 0.5 + adv * coastal + adv * self.experience
        self.incident_rate = np.zeros(Z)
        self.national_incident_rate = 0.0
        self.performance = np.zeros(Z)
        self.adopted_share = np.zeros(Z)
        # digital talent limits adoption (000 §3.2): the seeds' tiers are the input
        gap = np.array([_TIER_TALENT[z.tier] for z in info])
        self.talent = 1.0 - gap * (1.0 - params["talent_gap"])
        # geography of trade: distance from each zone to each bloc's representative site
        sites = reference.bloc_sites()
        lat = np.array([z.lat for z in info])[:, None]
        lon = np.array([z.lon for z in info])[:, None]
        blat = np.array([sites[b][0] for b in BLOCS])[None, :]
        blon = np.array([sites[b][1] for b in BLOCS])[None, :]
        self.distance_km = reference.great_circle_km(lat, lon, blat, blon)
        shares = reference.bloc_shares()
        self.bloc_share = np.array([shares[b] for b in BLOCS])
        # importer weights of the gravity model; :meth:`anchor` sets them so that the 2021 mix of
        # services exports by bloc is China's observed destination mix
        self.market = self.bloc_share.copy()
        self.coverage_matrix = reference.agreement_coverage()
        # demand shifters, set by :meth:`anchor` (identity until then)
        self.scale = np.ones((Z, 3))
        self.f0 = np.ones(3)
        # this quarter's regulatory and reform activity (reset each quarter)
        self.approved_now = np.zeros(Z)
        self.wait_sum_now = np.zeros(Z)
        self.capacity_credit = np.zeros(Z)
        self.pilots = self.imitations = self.replications = 0
        self._uniforms: tuple[int, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ time
    def period_of(self, step: int) -> tuple[int, int]:
        """Calendar (year, quarter) of model step ``step`` (1-based)."""
        q0 = self.start_quarter - 1 + step - 1
        return self.start_year + q0 // 4, q0 % 4 + 1

    def begin_quarter(self) -> None:
        """Reset the counters of this quarter's activity."""
        self.pilots = self.imitations = self.replications = 0
        self.approved_now[:] = 0.0
        self.wait_sum_now[:] = 0.0

    def uniforms(self, step: int, rng: np.random.Generator) -> np.ndarray:
        """This quarter's uniforms for the zone rule: two per zone and lever, drawn once per
        quarter for every zone whether active or not (common random numbers). A single
        ``ZoneAgent.step()`` uses its own row of the same draw, so stepping zone agents one by
        one gives what the model's batch step gives."""
        if self._uniforms is None or self._uniforms[0] != step:
            # with the draw, the levels every zone compares with when imitating this quarter
            self._uniforms = (step, rng.random((self.n, 2, len(ZONE_LEVERS))), self.policy.copy())
        return self._uniforms[1]

    # ------------------------------------------------------------------ policy
    def set_policy(self, levers: Mapping[str, float], target: np.ndarray, neutral: bool) -> None:
        """Targets, and the implemented levels they imply at the start.

        A zone has implemented ``experience`` (its age over ``ramp_years``, capped at 1) of its
        targets by the start; the rest it pilots during the run. Grid levels implemented
        before the start count as held since the zone's founding, so reforms that enough
        zones already ran form the initial national floor. ``neutral`` (the no-reform path)
        puts every lever at its neutral value instead.
        """
        Z, nl = self.n, len(ZONE_LEVERS)
        self.levers = {k: v for k, v in levers.items() if k not in ZONE_LEVERS}
        self.target = target
        if neutral:
            self.target = np.zeros((Z, nl))
            self.levers.update({k: v for k, v in neutral_values().items() if k in self.levers})
        self.policy = self.target * (self.experience * self.active)[:, None]
        years = np.maximum(self.start_year - self.batch_year, 0)
        reached = self.policy[:, :, None] >= LEVELS[None, None, :] - 1e-9
        self.reached_at = np.where(reached, -4 * years[:, None, None] - 1, NEVER).astype(np.int64)
        self.floor = np.zeros(nl)
        self.replicate_nationwide(0, count=False)
        self.allowed = self.policy[:, _L["data_openness"]].copy()
        self.ceiling = 1.0
        gain = 1 + self.params["data_sharing_gain"] * self.province_levels()[:, _L["gov_data_sharing"]]
        self.inspection = np.minimum(0.95, self.params["inspection_base"] * gain) * self.active

    def mark_reached(self, idx, before: np.ndarray, step: int) -> None:
        """Record the quarter each reform grid level was first reached in zones ``idx``
        (an int or an index array; ``before`` holds their levels before the change)."""
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        before = np.atleast_2d(np.asarray(before, dtype=float))
        _mark_reached(self.reached_at, self.policy, idx, before, step, LEVELS)

    def replicate_nationwide(self, step: int, count: bool = True) -> None:
        """可复制可推广: a reform level held by ``replication_min_zones`` active zones for
        ``replication_lag`` quarters becomes the national floor for every active zone."""
        k, lag = int(self.levers["replication_min_zones"]), int(self.levers["replication_lag"])
        held = (self.reached_at <= step - lag) & self.active[:, None, None]
        enough = held.sum(axis=0) >= k  # (lever, level)
        level = np.where(enough, LEVELS[None, :], 0.0).max(axis=1)
        rise = level > self.floor + 1e-9
        if not rise.any():
            return
        if count:
            self.replications += int(np.round((level[rise] - self.floor[rise]) / STEP_SIZE).sum())
        self.floor = np.maximum(self.floor, level)
        act = np.flatnonzero(self.active)
        before = self.policy[act].copy()
        self.policy[act] = np.maximum(before, self.floor)
        if count:
            self.mark_reached(act, before, step)

    def set_target(self, z: int, lever: str, value: float, step: int) -> None:
        """Zone ``z``'s target for ``lever``: it pilots toward it from the next quarter; a
        target below the implemented level rolls the zone back at once."""
        l = _L[lever]
        self.target[z, l] = value
        if self.policy[z, l] > value:
            before = self.policy[z].copy()
            self.policy[z, l] = value
            self.mark_reached(z, before, step)

    def apply_schedule(self, schedule, step: int) -> None:
        """Timed policy changes taking effect at the start of quarter ``step``: a zone lever's
        target changes (:meth:`set_target`); a national lever's value changes."""
        for change in schedule:
            if change.step != step:
                continue
            for name, value in change.values.items():
                if name in _L:
                    for zname in change.zones:
                        self.set_target(self.names.index(zname), name, value, step)
                else:
                    self.levers[name] = value

    def activate(self, step: int, reform: bool) -> None:
        """Zones reaching their batch year become active, at the national floor."""
        year, _ = self.period_of(step)
        newly = (self.batch_year <= year) & ~self.active
        self.active |= newly
        for z in np.flatnonzero(newly):
            self.policy[z] = np.maximum(0.0, self.floor) if reform else 0.0
            self.mark_reached(z, np.zeros(len(ZONE_LEVERS)), step)
            self.allowed[z] = self.policy[z, _L["data_openness"]]

    # ------------------------------------------------------------------ regulators
    def regulate_nationally(self) -> None:
        """The national regulator moves the ceiling on every zone's openness (宏观审慎)."""
        p = self.params
        new, over = _ratchet(float(self.ceiling), 1.0, float(self.national_incident_rate),
                             float(self.levers["risk_tolerance"]), p["openness_step"], p["tighten_factor"])  # fmt: skip
        self.ceiling = float(new)
        self.national_tightenings += int(over)

    def regulate(self, idx: np.ndarray, firms: FirmPopulation, step: int) -> None:
        """Zone regulators ``idx``: openness ratchet, inspection intensity, review queue.

        * **ratchet** (000 §3: 在自由化和安全性之间寻找便利化契合点): when last quarter's incident
          rate exceeded ``risk_tolerance`` the regulator withdraws ``tighten_factor`` of the
          openness it allows, otherwise it moves ``openness_step`` of the way toward the
          zone's request;
        * **inspection** reaches ``inspection_base (1 + data_sharing_gain x gov_data_sharing)`` of
          data exporters (capped at 0.95; 004 spot checks after export);
        * **review** of data-export applications that have waited ``review_quarters`` (the
          assessment's own duration), first come first served, up to
          ``review_capacity x services firm agents x (1 + data_sharing_gain x gov_data_sharing)``
          per quarter (001: data sharing across departments raises capacity).
        """
        p = self.params
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        request = self.policy[idx, _L["data_openness"]]
        gain = 1 + p["data_sharing_gain"] * self.province_levels()[idx, _L["gov_data_sharing"]]
        capacity = np.zeros(self.n, dtype=np.int64)
        _regulate_zones(idx, self.active, request, self.allowed, self.incident_rate,
                        float(self.levers["risk_tolerance"]), p["openness_step"], p["tighten_factor"],
                        self.tightenings, self.inspection, p["inspection_base"], gain, p["review_capacity"],
                        self.n_ds_agents, self.capacity_credit, capacity)  # fmt: skip
        n, wait = firms.process_queues(capacity, step, int(self.params["review_quarters"]))
        self.approved_now += n
        self.wait_sum_now += wait

    # ------------------------------------------------------------------ zones
    def quarter(self, idx: np.ndarray, u: np.ndarray, step: int) -> None:
        """Piloting, imitation and infrastructure for zones ``idx``.

        1. **pilots** — for each lever below its target, with probability ``pilot_rate x
           reform capacity`` a zone implements one more step (a pilot task; 000 §1 stress
           tests); capacity is ``0.5 + 0.5 coastal + 0.5 experience`` (000 §2 tiers);
        2. **imitates** — for each lever, one step toward a linked zone that runs the lever at a
           higher level and performs better, with probability
           ``1 - Π_j (1 - imitation_rate x tie_j x performance gap_j)`` (000 §4 alliances);
        3. **builds infrastructure** — 5G coverage grows on a logistic S-curve toward the
           planned coverage, smart logistics linearly toward its plan (000 §3).

        Zones update synchronously: imitation compares with every zone's levels as they stood
        at the start of the quarter, so the result does not depend on the order zones are
        visited. ``u`` holds the uniforms of the zones in ``idx`` (two per lever).
        """
        p = self.params
        act = self.active[idx][:, None]
        # the levels at the start of the quarter (taken with the quarter's draw), so zones
        # stepped one by one compare with the same levels as the batch step
        if self._uniforms is not None and self._uniforms[0] == step:
            start = self._uniforms[2]
            pol = self.policy[idx]
        else:
            start = self.policy.copy()
            pol = start[idx]
        own_start = pol.copy()
        # 1. piloting toward the zones' targets
        gap = self.target[idx] - pol
        pilot = act & (gap > 1e-12) & (u[:, 0] < p["pilot_rate"] * self.reform_capacity[idx][:, None])
        pol = np.where(pilot, pol + np.minimum(STEP_SIZE, gap), pol)
        # 2. imitation of better-performing linked zones (k zones x Z partners x L levers)
        ties = self.ties_norm[idx] * self.active[None, :]
        perf_gap = np.clip(self.performance[None, :] - self.performance[idx][:, None], 0.0, 1.0)
        prob, best = _imitation(p["imitation_rate"] * (ties * perf_gap), start, pol)
        imitate = act & (u[:, 1] < prob) & (best > pol)
        pol = np.clip(np.where(imitate, pol + np.minimum(STEP_SIZE, best - pol), pol), 0.0, 1.0)
        self.policy[idx] = pol
        self.pilots += int(pilot.sum())
        self.imitations += int(imitate.sum())
        self.mark_reached(idx, own_start, step)
        # 3. infrastructure toward plans: logistic 5G, linear logistics
        rate = 0.25 * self.params["infrastructure_rate"]
        plan5g, cov = pol[:, _L["fiveg_coverage"]], self.coverage[idx]
        c = np.maximum(cov, 0.01)
        grown = np.minimum(plan5g, c + rate * c * (1 - c / np.maximum(plan5g, 1e-12)))
        self.coverage[idx] = np.where(act[:, 0] & (plan5g > cov), grown, cov)
        plan_log, log = pol[:, _L["smart_logistics"]], self.logistics[idx]
        self.logistics[idx] = np.where(act[:, 0] & (plan_log > log), log + rate * (plan_log - log), log)

    def grow_productivity(self) -> None:
        """Productivity drift from 5G coverage added since the start (b1: broadband growth)."""
        self.prod_index *= np.exp(0.25 * self.params["broadband_growth"] * (self.coverage - self.coverage0))

    # ------------------------------------------------------------------ trade access
    def province_levels(self) -> np.ndarray:
        """Zone-lever levels the province's firms face (Z x L): the pilot area (a share
        ``pilot_area_share`` of the province's trade, g1) runs the zone's implemented levels;
        the rest of the province runs the nationally replicated floor (可复制可推广). A zone's
        levers therefore reach the rest of its province, and the country, only through
        replication (DESIGN §7, scope)."""
        s = self.params["pilot_area_share"]
        return s * (self.policy * self.active[:, None]) + (1.0 - s) * self.floor[None, :]

    def openness_effective(self) -> np.ndarray:
        """Data openness in force, province average: the pilot area has what its regulator
        allows, the rest of the province the replicated floor, both under the national ceiling."""
        s = self.params["pilot_area_share"]
        zone = np.minimum(self.allowed, self.ceiling) * self.active
        rest = min(self.floor[_L["data_openness"]], self.ceiling)
        return s * zone + (1.0 - s) * rest

    def aligned_share(self) -> np.ndarray:
        """Share of China's exports to each bloc that faces aligned rules: an agreement covers
        part of a bloc (``trade_agreements.csv``); with several agreements, the share covered by
        at least one aligned agreement, ``1 - Π_a (1 - coverage_ab x alignment_a)``."""
        align = np.array([self.levers[f"rule_alignment.{a}"] for a in AGREEMENTS])
        return 1.0 - np.prod(1.0 - self.coverage_matrix * align[:, None], axis=0)

    def restrictiveness(self, openness: np.ndarray) -> np.ndarray:
        """Bilateral digital-services restrictiveness by zone and bloc (DSTRI scale, g3):
        openness moves a zone from China's 0.48 toward the most open 0.04, and rule alignment
        removes ``alignment_effect`` of what is left toward aligned partners."""
        base = DSTRI_CLOSED - (DSTRI_CLOSED - DSTRI_OPEN) * openness
        return base[:, None] * (1.0 - self.params["alignment_effect"] * self.aligned_share()[None, :])

    def import_restrictiveness(self, terms: TradeTerms | None = None) -> np.ndarray:
        """Market-weighted restrictiveness a zone's services imports face (``terms``: this
        quarter's :meth:`trade_terms`, computed when not given)."""
        terms = self.trade_terms() if terms is None else terms
        return terms.restrictiveness @ self.market

    def trade_terms(self) -> TradeTerms:
        """The quantities the zones' policy state implies for trade now (:class:`TradeTerms`).

        The model computes them once a quarter, after the regulators and zones have moved, and
        hands them to :meth:`inputs` and the recorder: each was computed two or three times a
        quarter before (docs/performance.md)."""
        lv = self.province_levels()
        openness = self.openness_effective()
        tau, tau_ec = self.trade_costs(lv)
        return TradeTerms(lv, openness, tau, tau_ec, self.restrictiveness(openness))

    def trade_costs(self, lv: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Iceberg trade costs ``τ = 1 + AVE x remaining share`` of goods and of cross-border
        e-commerce, by zone. The facilitation levers remove their shares of the
        ad-valorem-equivalent cost (c1, c2, c5); a cross-border e-commerce pilot zone removes a
        further share for e-commerce parcels (bonded warehouses, simplified clearance; 001).
        ``lv``: :meth:`province_levels`, computed when not given."""
        p = self.params
        lv = self.province_levels() if lv is None else lv
        remaining = (
            (1 - p["single_window_cost_cut"] * lv[:, _L["single_window"]])
            * (1 - p["smart_customs_cost_cut"] * lv[:, _L["smart_customs"]])
            * (1 - p["logistics_cost_cut"] * self.logistics)
            * (1 - p["finance_cost_cut"] * lv[:, _L["digital_finance"]])
        )
        tau = 1.0 + p["trade_cost_ave"] * remaining
        tau_ec = 1.0 + p["trade_cost_ave"] * remaining * (1 - p["cbec_cost_cut"] * lv[:, _L["cbec_pilot"]])
        return tau, tau_ec

    def ecommerce_imports(self, step: int, tau_ec: np.ndarray | None = None) -> np.ndarray:
        """Cross-border e-commerce imports by zone in quarter ``step`` (bonded warehouses and
        bonded display, 001): the zone's 2021 level, grown as the e-commerce channel grows
        (world demand and e-commerce growth, both ways), and moved by the change of its
        e-commerce trade cost since the start with the trade elasticity (``tau_ec``: that cost
        now, computed when not given)."""
        p = self.params
        t_years = (step - 1) / 4.0
        growth = ((1 + p["world_demand_growth"]) * (1 + p["ecommerce_extra_growth"])) ** t_years
        tau_ec = self.trade_costs()[1] if tau_ec is None else tau_ec
        return self.ec_imports0 * growth * (tau_ec / self.tau_ec0) ** (-p["trade_elasticity"])

    def access(self, terms: TradeTerms | None = None) -> np.ndarray:
        """Aggregate market access by zone, sector and bloc (Z x 3 x B), before demand growth.

        Gravity (Head & Mayer 2014) with importer weights ``M_b`` (China's destination mix):

        * goods and e-commerce: ``M_b dist^(-δ_s) τ_z^(-θ)``, with the trade cost ``τ_z = 1 +
          AVE x Π_k (1 - cut_k x level_k)``: the facilitation levers (single window, smart
          customs, smart logistics, digital finance) remove their documented shares of the
          ad-valorem-equivalent trade cost (c1, c2, c5), not of the whole cost factor;
          e-commerce has the online distance elasticity ``online_distance_factor x δ`` (f3);
        * digital services: ``M_b dist^(-δ_online) exp(-b r_zb) trust_z`` with ``r`` the
          bilateral restrictiveness (a1, a3, g3) and trust falling with openness unmatched by
          classification (a2).

        These are aggregate responses, as the evidence measures them (gravity estimates are of
        aggregate flows); :meth:`inputs` turns them into firm-level shifters. ``terms``: this
        quarter's :meth:`trade_terms`, computed when not given.
        """
        p = self.params
        terms = self.trade_terms() if terms is None else terms
        lv, openness, tau, tau_ec = terms.levels, terms.openness, terms.tau, terms.tau_ec
        theta = p["trade_elasticity"]
        dist = self.distance_km / 1000.0
        d_goods = dist ** (-p["distance_elasticity"])
        d_online = dist ** (-p["distance_elasticity"] * p["online_distance_factor"])
        cls = lv[:, _L["data_classification"]]
        trust = np.exp(-p["trust_penalty"] * openness * (1 - cls))
        access = np.empty((self.n, 3, len(BLOCS)))
        access[:, GOODS] = d_goods * tau[:, None] ** (-theta)
        access[:, ECOM] = d_online * tau_ec[:, None] ** (-theta)
        access[:, DS] = d_online * np.exp(-p["dstri_semi_elasticity"] * terms.restrictiveness) * trust[:, None]
        return access * self.market[None, None, :]

    def inputs(self, step: int, terms: TradeTerms | None = None) -> ZoneInputs:
        """Zone- and regulator-level quantities the firm rule reads in quarter ``step``.

        Aggregate shifters (market access, the founding effect, productivity from 5G) enter a
        firm's revenue with the power ``1 / size_tail``: with Pareto firm sizes of tail index
        ``k / (σ-1)`` the extensive margin multiplies a firm-level shifter by that index
        (Chaney 2008), so the power makes the model's aggregate response equal the evidence's
        (a gravity elasticity is one of aggregate flows), not the evidence times the tail index.
        Demand growth moves revenue and fixed costs alike (fixed costs are paid in destination
        prices), so it works on the intensive margin and needs no such correction.
        ``terms``: the quarter's :meth:`trade_terms`, computed when not given.
        """
        p = self.params
        terms = self.trade_terms() if terms is None else terms
        lv = terms.levels
        year, quarter = self.period_of(step)
        t_years = (step - 1) / 4.0
        openness = terms.openness
        nl, cls = lv[:, _L["services_negative_list"]], lv[:, _L["data_classification"]]
        dlist, gds = lv[:, _L["data_export_negative_list"]], lv[:, _L["gov_data_sharing"]]
        age = year + (quarter - 1) / 4.0 - self.batch_year
        peak = p["founding_peak_years"]
        founding = 1 + p["founding_effect"] * np.where(age > 0, (age / peak) * np.exp(1 - age / peak), 0.0)
        shifter = self.access(terms) * (self.prod_index * founding)[:, None, None]
        growth = (1 + p["world_demand_growth"]) ** t_years
        sector_growth = np.array([1.0, (1 + p["ecommerce_extra_growth"]) ** t_years, 1.0])
        revenue = self.scale[:, :, None] * shifter ** (1.0 / p["size_tail"]) * growth
        revenue *= sector_growth[None, :, None]
        fixed = self.scale * self.f0[None, :] * p["export_fixed_cost"] * growth * sector_growth[None, :]
        fixed[:, DS] *= 1 - p["negative_list_cut"] * nl
        # Bass imitation: own zone's adopted share mixed with linked zones' shares
        share = self.adopted_share  # zones' weighted adopted share at the end of last quarter
        tie_sum = self.ties.sum(axis=1)
        peer = np.divide(self.ties @ share, tie_sum, out=share.copy(), where=tie_sum > 0)
        mix = (1 - p["peer_weight"]) * share + p["peer_weight"] * peer
        # green channel: classification lets low-risk data skip review (004); a data-export
        # negative list exempts unlisted data from assessment altogether (2024 FTZ lists)
        green = cls * p["green_channel_share"]
        green = green + (1 - green) * dlist * p["negative_list_exempt_share"]
        return ZoneInputs(
            revenue=revenue.reshape(-1, len(BLOCS)),
            fixed_cost=fixed.reshape(-1),
            hazard=(p["bass_p"] + p["bass_q"] * mix) * self.talent,
            gain=adoption_gain(self.coverage, p["fiveg_adoption_gain"]),
            subsidy=lv[:, _L["sme_subsidy"]] * p["subsidy_take_up"],
            # 5G speeds digital maturity as it raises the gain from adoption (at the default slope
            # 1.5 the speed is maturity_rate x (0.5 + coverage)); government cloud platforms
            # against data islands speed up firms' use of data (001)
            maturity=p["maturity_rate"]
            * (0.5 + self.coverage * p["fiveg_adoption_gain"] / 1.5)
            * (1 + p["cloud_data_use"] * gds),
            green=green,
            incident=p["incident_base_rate"]
            * (1 + p["openness_incident_factor"] * openness)
            * (1 - p["classification_incident_cut"] * cls),
            inspection=self.inspection.copy(),
            sigma=p["trade_elasticity"] / p["size_tail"] + 1.0,
            boost=p["digital_boost"],
            fixed_cost_digital_cut=p["fixed_cost_digital_cut"],
            pending_penalty=p["pending_penalty"],
            adoption_cost=p["adoption_cost"],
            risk_based=self.levers["risk_based_inspection"],
        )

    # ------------------------------------------------------------------ anchoring
    def anchor(self, firms: FirmPopulation, start_values: dict[str, np.ndarray]) -> None:
        """Zone-sector demand shifters so that the first quarter reproduces 2021 levels.

        Fixed export costs are proportional to the same shifter, so the Melitz selection
        does not depend on it and the shifter solves in closed form (DESIGN §7: the
        baseline starts in 2021 from the data). Initial services exporters are taken as
        already approved under the old regime.
        """
        Z = self.n
        self.scale = np.ones((Z, 3))
        self.f0 = np.ones(3)
        f = firms
        # importer weights: China's observed destination mix over the zones' average access
        # (weighted by their 2021 services exports), so the model's 2021 mix reproduces it
        self.market = np.ones(len(BLOCS))
        w = start_values["ds_exports_2021"]
        mean_access = (w[:, None] * self.access()[:, DS]).sum(axis=0) / w.sum()
        self.market = self.bloc_share / mean_access
        self.market /= self.market.sum()
        inp = self.inputs(1)
        rev, _ = f.potential(inp)
        best = rev.max(axis=1) / inp.sigma if f.n else np.zeros(0)
        for s in range(3):
            sel = f.sector == s
            if sel.any():
                self.f0[s] = float(np.median(best[sel]))
        inp = self.inputs(1)
        rev, fc = f.potential(inp)
        flows, pots = _anchor_flows(rev, fc, inp.sigma, 1 - inp.pending_penalty, f.is_ds, f.zone, f.sector,
                                    f.weight, Z, f.approval)  # fmt: skip
        sv = start_values
        targets = np.stack(
            [sv["goods_exports_2021"], sv["ecommerce_exports_2021"], sv["ds_exports_2021"]], axis=1
        ).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.scale = np.where(flows > 0, targets / flows, np.where(pots > 0, targets / pots, 1.0))
        # the calibrated level factors (``level_*``) multiply the recorded flows only
        # (:class:`~ftzsim.model.recorder.Recorder`), never the behaviour
        # services imports: base level and the reference state they move from
        self.imports0 = sv["ds_imports_2021"] / 4.0
        # cross-border e-commerce imports: 2021 level and the trade cost they move from
        self.ec_imports0 = sv["ecommerce_imports_2021"] / 4.0
        self.tau_ec0 = self.trade_costs()[1]
        self.r_import0 = self.import_restrictiveness()
        act = f.weight * f.size * np.exp(self.params["digital_boost"] * f.digital_level) * f.is_ds
        self.activity0 = f.zone_sum(act) * self.prod_index
