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
from typing import Any

import numpy as np

from ftzsim import reference
from ftzsim.levers import BLOCS, ZONE_LEVERS, neutral_values
from ftzsim.model.firms import APPROVED, DS, ECOM, GOODS, FirmPopulation, ZoneInputs
from ftzsim.outcomes import REGIONS

__all__ = [
    "DSTRI_CLOSED",
    "DSTRI_OPEN",
    "LEVELS",
    "NEGATIVE_LIST_CUT",
    "STEP_SIZE",
    "ZonePopulation",
    "adoption_gain",
]

#: A pilot task moves one lever by this much (levers are 0-1; ten steps to full reform).
STEP_SIZE = 0.1
#: The reform grid 0.1 ... 1.0 whose levels are tracked for replication.
LEVELS = np.round(np.arange(1, 11) * STEP_SIZE, 10)
#: DSTRI range observed across 44 countries in 2018 (elasticities.csv g3): openness 0 is
#: China's status quo at the restrictive end, openness 1 the most open observed.
DSTRI_CLOSED, DSTRI_OPEN = 0.48, 0.04
#: fixed-cost cut of a fully open services negative list (assumption; 000 §3 regulation)
NEGATIVE_LIST_CUT = 0.3
NEVER = np.iinfo(np.int32).max
_L = {n: i for i, n in enumerate(ZONE_LEVERS)}


def adoption_gain(coverage: np.ndarray) -> np.ndarray:
    """Zone part of a firm's gain from going digital: 5G is the enabling infrastructure
    (000 §3 infrastructure layer), so the gain rises steeply with coverage; a median firm
    in a zone at 50% coverage gains as much as adoption costs it (``adoption_cost`` = 1)."""
    return 0.25 + 1.5 * coverage


def _ratchet(allowed, request, rate, tolerance, params):
    """The stress-test ratchet, elementwise: returns (new allowance, tightened?)."""
    over = rate > tolerance
    opened = np.where(request > allowed, allowed + params["openness_step"] * (request - allowed), request)
    return np.where(over, allowed * (1 - params["tighten_factor"]), opened), over


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
        self.reform_capacity = 0.5 + 0.5 * coastal + 0.5 * self.experience
        self.incident_rate = np.zeros(Z)
        self.national_incident_rate = 0.0
        self.performance = np.zeros(Z)
        self.adopted_share = np.zeros(Z)
        # geography of trade: distance from each zone to each bloc's representative site
        sites = reference.bloc_sites()
        lat = np.array([z.lat for z in info])[:, None]
        lon = np.array([z.lon for z in info])[:, None]
        blat = np.array([sites[b][0] for b in BLOCS])[None, :]
        blon = np.array([sites[b][1] for b in BLOCS])[None, :]
        self.distance_km = reference.great_circle_km(lat, lon, blat, blon)
        size = reference.bloc_market_size()
        self.market = np.array([size[b] for b in BLOCS]) / sum(size.values())
        # demand shifters, set by :meth:`anchor` (identity until then)
        self.scale = np.ones((Z, 3))
        self.f0 = np.ones(3)
        # this quarter's regulatory and reform activity (reset each quarter)
        self.approved_now = np.zeros(Z)
        self.wait_sum_now = np.zeros(Z)
        self.pilots = self.imitations = self.replications = 0
        self._uniforms: tuple[int, np.ndarray] | None = None

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
            self._uniforms = (step, rng.random((self.n, 2, len(ZONE_LEVERS))))
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
        self.inspection = 0.2 * (1 + self.policy[:, _L["gov_data_sharing"]]) * self.active

    def mark_reached(self, idx, before: np.ndarray, step: int) -> None:
        """Record the quarter each reform grid level was first reached in zones ``idx``
        (an int or an index array; ``before`` holds their levels before the change)."""
        idx = np.atleast_1d(idx)
        now = self.policy[idx][:, :, None]
        before = np.atleast_2d(before)[:, :, None]
        reached = self.reached_at[idx]
        up = (now >= LEVELS - 1e-9) & (before < LEVELS - 1e-9)
        down = now < LEVELS - 1e-9
        self.reached_at[idx] = np.where(up, step, np.where(down, NEVER, reached))

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

    def apply_schedule(self, schedule, step: int) -> None:
        """Timed policy changes taking effect at the start of quarter ``step``: a zone lever's
        target changes (a rollback below the current level takes effect at once); a national
        lever's value changes."""
        for change in schedule:
            if change.step != step:
                continue
            for name, value in change.values.items():
                if name in _L:
                    for zname in change.zones:
                        z = self.names.index(zname)
                        l = _L[name]
                        self.target[z, l] = value
                        if self.policy[z, l] > value:  # a rollback takes effect at once
                            before = self.policy[z].copy()
                            self.policy[z, l] = value
                            self.mark_reached(z, before, step)
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
        new, over = _ratchet(self.ceiling, 1.0, self.national_incident_rate, self.levers["risk_tolerance"],
                             self.params)  # fmt: skip
        self.ceiling = float(new)
        self.national_tightenings += int(over)

    def regulate(self, idx: np.ndarray, firms: FirmPopulation, step: int) -> None:
        """Zone regulators ``idx``: openness ratchet, inspection intensity, review queue.

        * **ratchet** (000 §3: 在自由化和安全性之间寻找便利化契合点): when last quarter's incident
          rate exceeded ``risk_tolerance`` the regulator withdraws ``tighten_factor`` of the
          openness it allows, otherwise it moves ``openness_step`` of the way toward the
          zone's request;
        * **inspection** reaches ``0.2 (1 + gov_data_sharing)`` of data exporters (capped at 0.95);
        * **review** of data-export applications, first come first served, up to
          ``review_capacity x services firm agents x (1 + gov_data_sharing)`` per quarter
          (001: data sharing across departments raises capacity).
        """
        act = self.active[idx]
        request = self.policy[idx, _L["data_openness"]]
        new, over = _ratchet(self.allowed[idx], request, self.incident_rate[idx], self.levers["risk_tolerance"],
                             self.params)  # fmt: skip
        self.allowed[idx] = np.where(act, np.minimum(request, new), 0.0)
        self.tightenings[idx] += over & act
        gds = self.policy[idx, _L["gov_data_sharing"]]
        self.inspection[idx] = np.where(act, np.minimum(0.95, 0.2 * (1 + gds)), 0.0)
        capacity = np.zeros(self.n, dtype=np.int64)
        capacity[idx] = np.floor(self.params["review_capacity"] * self.n_ds_agents[idx] * (1 + gds) + 0.5) * act
        n, wait = firms.process_queues(capacity, step)
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
        start = self.policy.copy()
        pol = start[idx]
        # 1. piloting toward the zones' targets
        gap = self.target[idx] - pol
        pilot = act & (gap > 1e-12) & (u[:, 0] < p["pilot_rate"] * self.reform_capacity[idx][:, None])
        pol = np.where(pilot, pol + np.minimum(STEP_SIZE, gap), pol)
        # 2. imitation of better-performing linked zones (k zones x Z partners x L levers)
        ties = self.ties_norm[idx] * self.active[None, :]
        perf_gap = np.clip(self.performance[None, :] - self.performance[idx][:, None], 0.0, 1.0)
        better = start[None, :, :] > pol[:, None, :] + 1e-12
        pr = p["imitation_rate"] * (ties * perf_gap)[:, :, None] * better
        prob = 1.0 - np.prod(1.0 - pr, axis=1)
        best = np.max(np.where(better & (pr > 0), start[None, :, :], 0.0), axis=1)
        imitate = act & (u[:, 1] < prob) & (best > pol)
        pol = np.clip(np.where(imitate, pol + np.minimum(STEP_SIZE, best - pol), pol), 0.0, 1.0)
        self.policy[idx] = pol
        self.pilots += int(pilot.sum())
        self.imitations += int(imitate.sum())
        self.mark_reached(idx, start[idx], step)
        # 3. infrastructure toward plans: logistic 5G, linear logistics
        rate = 0.25 * self.constants["infrastructure_rate"]
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
    def openness_effective(self) -> np.ndarray:
        """Openness in force: what the zone regulator allows, under the national ceiling."""
        return np.minimum(self.allowed, self.ceiling) * self.active

    def restrictiveness(self, openness: np.ndarray) -> np.ndarray:
        """Bilateral digital-services restrictiveness by zone and bloc (DSTRI scale, g3)."""
        align = np.array([self.levers[f"rule_alignment.{b}"] for b in BLOCS])
        base = DSTRI_CLOSED - (DSTRI_CLOSED - DSTRI_OPEN) * openness
        return base[:, None] * (1.0 - self.params["alignment_effect"] * align[None, :])

    def import_restrictiveness(self, openness: np.ndarray) -> np.ndarray:
        """Market-weighted restrictiveness a zone's services imports face."""
        return self.restrictiveness(openness) @ self.market

    def inputs(self, step: int) -> ZoneInputs:
        """Zone- and regulator-level quantities the firm rule reads in quarter ``step``.

        Trade access follows gravity with iceberg costs ``τ`` (elasticity ``θ``): goods and
        e-commerce ``τ^{-θ} = dist^{-δ} [(1 - c_sw sw)(1 - c_log log)(1 - c_fin df)]^{-θ}``
        (c1/c2, c3, forex pilot); e-commerce distance elasticity is ``online_distance_factor
        x δ`` (f3); digital services ``dist^{-δ_online} exp(-b r_zb) trust_z`` with ``r`` the
        bilateral restrictiveness (a1, g3) and trust falling with openness unmatched by
        classification (a2).
        """
        p = self.params
        pol = self.policy * self.active[:, None]
        year, quarter = self.period_of(step)
        t_years = (step - 1) / 4.0
        theta = p["trade_elasticity"]
        openness = self.openness_effective()
        sw, df = pol[:, _L["single_window"]], pol[:, _L["digital_finance"]]
        nl, cls = pol[:, _L["services_negative_list"]], pol[:, _L["data_classification"]]
        fac = (1 - p["single_window_cost_cut"] * sw) * (1 - p["logistics_cost_cut"] * self.logistics)
        fac = fac * (1 - p["finance_cost_cut"] * df)
        dist = self.distance_km / 1000.0
        d_goods = dist ** (-p["distance_elasticity"])
        d_online = dist ** (-p["distance_elasticity"] * p["online_distance_factor"])
        trust = np.exp(-p["trust_penalty"] * openness * (1 - cls))
        access = np.empty((self.n, 3, len(BLOCS)))
        access[:, GOODS] = d_goods * fac[:, None] ** (-theta)
        access[:, ECOM] = d_online * fac[:, None] ** (-theta)
        access[:, DS] = d_online * np.exp(-p["dstri_semi_elasticity"] * self.restrictiveness(openness)) * trust[:, None]
        age = year + (quarter - 1) / 4.0 - self.batch_year
        founding = 1 + p["founding_effect"] * np.where(age > 0, (age / 3.0) * np.exp(1 - age / 3.0), 0.0)
        # foreign demand grows at world_demand_growth; entry costs abroad are paid in the
        # destination's prices and grow with it, so demand growth works on the intensive
        # margin (Melitz-Chaney fixed costs in destination units)
        growth = (1 + p["world_demand_growth"]) ** t_years
        zfac = growth * self.prod_index * founding
        sector_growth = np.array([1.0, (1 + p["ecommerce_extra_growth"]) ** t_years, 1.0])
        revenue = self.scale[:, :, None] * self.market[None, None, :] * zfac[:, None, None] * access
        revenue *= sector_growth[None, :, None]
        fixed = self.scale * self.f0[None, :] * p["export_fixed_cost"] * growth * sector_growth[None, :]
        fixed[:, DS] *= 1 - NEGATIVE_LIST_CUT * nl
        # Bass imitation: own zone's adopted share mixed with linked zones' shares
        share = self.adopted_share  # zones' weighted adopted share at the end of last quarter
        tie_sum = self.ties.sum(axis=1)
        peer = np.divide(self.ties @ share, tie_sum, out=share.copy(), where=tie_sum > 0)
        mix = (1 - p["peer_weight"]) * share + p["peer_weight"] * peer
        return ZoneInputs(
            revenue=revenue.reshape(-1, len(BLOCS)),
            fixed_cost=fixed.reshape(-1),
            hazard=p["bass_p"] + p["bass_q"] * mix,
            gain=adoption_gain(self.coverage),
            subsidy=pol[:, _L["sme_subsidy"]],
            maturity=0.1 * (0.5 + self.coverage),
            green=cls * self.constants["green_channel_share"],
            incident=p["incident_base_rate"] * (1 + 2 * openness) * (1 - 0.5 * cls),
            inspection=self.inspection.copy(),
            sigma=theta + 1.0,
            boost=p["digital_boost"],
            fixed_cost_digital_cut=p["fixed_cost_digital_cut"],
            pending_penalty=self.constants["pending_penalty"],
            adoption_cost=p["adoption_cost"],
            risk_based=self.levers["risk_based_inspection"],
        )

    # ------------------------------------------------------------------ anchoring
    def anchor(self, firms: FirmPopulation, start_values) -> None:
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
        inp = self.inputs(1)
        rev, _ = f.potential(inp)
        best = rev.max(axis=1) / inp.sigma if f.n else np.zeros(0)
        for s in range(3):
            sel = f.sector == s
            if sel.any():
                self.f0[s] = float(np.median(best[sel]))
        inp = self.inputs(1)
        rev, fc = f.potential(inp)
        f.approval[:] = np.where(f.is_ds & (rev / inp.sigma > fc[:, None]).any(axis=1) if f.n else False, APPROVED, 0)
        limited = f.is_ds & (f.approval != APPROVED)
        rev_eff = np.where(limited[:, None], rev * (1 - inp.pending_penalty), rev)
        served = np.where(rev_eff / inp.sigma > fc[:, None], rev_eff, 0.0).sum(axis=1)
        potential = rev.sum(axis=1)
        sv = start_values
        targets = np.stack(
            [sv["goods_exports_2021"], sv["ecommerce_exports_2021"], sv["ds_exports_2021"]], axis=1
        ).astype(float)
        flows = np.zeros((Z, 3))
        pots = np.zeros((Z, 3))
        np.add.at(flows, (f.zone, f.sector), f.weight * served)
        np.add.at(pots, (f.zone, f.sector), f.weight * potential)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.scale = np.where(flows > 0, targets / flows, np.where(pots > 0, targets / pots, 1.0))
        # calibrated levels (``ftzsim calibrate``): the anchor matches the first quarter, the
        # data are annual sums of a growing series
        self.scale[:, DS] *= self.params["level_ds_exports"]
        self.scale[:, ECOM] *= self.params["level_ecommerce"]
        # services imports: base level and the reference state they move from
        self.imports0 = sv["ds_imports_2021"].to_numpy() / 4.0 * self.params["level_ds_imports"]
        self.r_import0 = self.import_restrictiveness(self.openness_effective())
        act = f.weight * f.size * np.exp(self.params["digital_boost"] * f.digital_level) * f.is_ds
        self.activity0 = f.zone_sum(act) * self.prod_index
