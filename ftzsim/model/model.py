"""The FTZ model: pilot zones, their regulators and firms trading with partner blocs.

See ``docs/model.md`` for the mechanisms with their sources and DESIGN §5 for the step
order. One step is one quarter.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from ftzsim import reference
from ftzsim.levers import BLOCS, REGISTRY, ZONE_LEVERS, neutral_values
from ftzsim.model.agents import (
    STEP_SIZE,
    FirmAgent,
    RegulatorAgent,
    ZoneAgent,
    national_regulation,
    zone_quarter,
    zone_regulation,
)
from ftzsim.model.firms import APPROVED, DS, ECOM, GOODS, FirmPopulation, ZoneInputs
from ftzsim.model.kernel import ACC
from ftzsim.model.network import build_zone_graph, tie_matrix
from ftzsim.model.outcomes import NATIONAL_OUTCOMES, ZONE_OUTCOMES, annual
from ftzsim.reference import REGIONS
from ftzsim.scenario import Scenario, load_scenario

__all__ = ["FTZModel", "InvariantError"]

_L = {n: i for i, n in enumerate(ZONE_LEVERS)}
_LEVELS = np.round(np.arange(1, 11) * STEP_SIZE, 10)  # reform grid 0.1 ... 1.0
#: DSTRI range observed across 44 countries in 2018 (elasticities.csv g3): openness 0 is
#: China's status quo at the restrictive end, openness 1 the most open observed.
DSTRI_CLOSED, DSTRI_OPEN = 0.48, 0.04
#: fixed-cost cut of a fully open services negative list (assumption; 000 §3 regulation)
NEGATIVE_LIST_CUT = 0.3
_NEVER = np.iinfo(np.int32).max


class InvariantError(AssertionError):
    """A model invariant (conservation, bounds, finiteness) failed in debug mode."""


def _current(name: str, model: FTZModel) -> Any:
    """DataCollector reporter: the current quarter's recorded outcome ``name``.

    A ``functools.partial`` of this is what Mesa's DataCollector accepts as a model reporter;
    the values come from the preallocated arrays the model records each quarter.
    """
    return model.current[name]


class FTZModel(mesa.Model):
    """Agent-based model of China's pilot free trade zones and their digital reforms.

    Parameters
    ----------
    scenario : str, Path or Scenario, default "baseline"
        Bundled scenario name, path to a scenario TOML file, or a loaded scenario.
    rng : int, numpy.random.Generator or None
        Seed of the model's generator (Mesa 3 convention). Every random draw in the model
        comes from ``model.rng`` through three child streams (initialisation, zones,
        firms), so changing a policy does not shift the firms' draws (common random numbers).
    build_firm_agents : bool, default True
        Create one Mesa ``FirmAgent`` per firm slot. Sweeps pass False: results are
        identical, only the inspectable objects are missing.
    reform : bool, default True
        False runs the no-reform path: every lever stays at its neutral value, and the
        schedule, piloting, imitation, infrastructure build-out and nationwide replication
        are switched off (regulators still run; with a zero request they allow no
        openness). The zone scales stay anchored to the scenario's status quo, so the
        no-reform path starts below the 2021 data by the effect of the reforms of 2013-2020.
    debug : bool, default False
        Check conservation, bounds and finiteness after every step (raises
        :class:`InvariantError`).
    **overrides
        Registry parameters (``data_openness=0.8``, ``bass_q=0.5``), per-zone levers
        (``**{"zone.Shanghai.data_openness": 0.8}``) or run settings (``n_firms``,
        ``quarters``), validated like the scenario file.

    Examples
    --------
    >>> m = FTZModel("classroom", rng=1)
    >>> m.run()
    >>> m.datacollector.get_model_vars_dataframe()["ds_exports"].iloc[-1] > 0
    True
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "baseline",
        *,
        rng: Any = None,
        build_firm_agents: bool = True,
        reform: bool = True,
        debug: bool = False,
        **overrides: Any,
    ):
        from ftzsim.seeds import check_rng

        super().__init__(rng=check_rng(rng))
        cfg = load_scenario(scenario, **overrides)
        # The status quo the model is anchored to: the scenario as written, with the user's
        # uncertainties and run settings but not their lever overrides. Zone scales are fitted
        # so that this status quo reproduces 2021; lever overrides then show as departures.
        policy_keys = [k for k in overrides if k.startswith("zone.") or (k in REGISTRY and REGISTRY[k].is_lever)]
        status_quo = (
            load_scenario(scenario, **{k: v for k, v in overrides.items() if k not in policy_keys})
            if policy_keys
            else cfg
        )
        self.config = cfg
        self.reform = reform
        self.debug = debug
        self.params: dict[str, float] = cfg.params()
        self.constants = cfg.constants
        self.rng_init, self.rng_zones, self.rng_firms = self.rng.spawn(3)
        self.start_year, self.start_quarter = cfg.start
        self.quarters = cfg.quarters
        self._build_zones(cfg)
        self._set_policy(status_quo, neutral=False)
        self._build_firms(cfg, build_firm_agents)
        self.regulators = [RegulatorAgent(self, None)] + [RegulatorAgent(self, z) for z in self.zone_agents]
        self._calibrate_scales()
        if status_quo is not cfg or not reform:
            self._set_policy(cfg, neutral=not reform)
        self._build_recorder()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "period": partial(_current, "period"),
                "year": partial(_current, "year"),
                **{n: partial(_current, n) for n in NATIONAL_OUTCOMES},
            }
        )

    # ---------------------------------------------------------------------- building
    def _build_zones(self, cfg: Scenario) -> None:
        self.zone_info = reference.zones()
        self.zone_names = list(cfg.zones)
        Z = len(self.zone_names)
        net = cfg.network
        self.graph = build_zone_graph(self.zone_names, net["k_nearest"], net["alliance_weight"], net["alliances"])
        layout = {n: (self.zone_info[n].lon, self.zone_info[n].lat) for n in self.zone_names}
        self.space = Network(self.graph, random=self.random, layout=layout)
        self.zone_agents = [ZoneAgent(self, i, n, self.space._cells[n]) for i, n in enumerate(self.zone_names)]
        self._zone_idx = np.arange(Z)
        self.tightenings = np.zeros(Z, dtype=np.int64)
        self.national_tightenings = 0
        self.ties = tie_matrix(self.graph, self.zone_names)
        self.ties_norm = self.ties / self.ties.max() if self.ties.max() > 0 else self.ties
        info = [self.zone_info[n] for n in self.zone_names]
        self.batch_year = np.array([z.batch_year for z in info])
        self.region_idx = np.array([REGIONS.index(z.region) for z in info])
        coastal = np.array([z.coastal for z in info], dtype=float)
        self.active = self.batch_year <= self.start_year
        c = self.constants
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
        self.experience = np.minimum(1.0, years / self.params["ramp_years"])
        self.reform_capacity = 0.5 + 0.5 * coastal + 0.5 * self.experience
        self.incident_rate = np.zeros(Z)
        self.national_incident_rate = 0.0
        self.performance = np.zeros(Z)
        # geography of trade: distance from each zone to each bloc's representative site
        sites = reference.bloc_sites()
        lat = np.array([z.lat for z in info])[:, None]
        lon = np.array([z.lon for z in info])[:, None]
        blat = np.array([sites[b][0] for b in BLOCS])[None, :]
        blon = np.array([sites[b][1] for b in BLOCS])[None, :]
        self.distance_km = reference.great_circle_km(lat, lon, blat, blon)
        size = reference.bloc_market_size()
        self.market = np.array([size[b] for b in BLOCS]) / sum(size.values())

    def _set_policy(self, cfg: Scenario, neutral: bool) -> None:
        """Targets from ``cfg`` and the implemented levels they imply at the start.

        A zone has implemented ``experience`` (its age over ``ramp_years``, capped at 1) of its
        targets by the start; the rest it pilots during the run. Grid levels implemented
        before the start count as held since the zone's founding, so reforms that enough
        zones already ran form the initial national floor. ``neutral`` (the no-reform path)
        puts every lever at its neutral value instead.
        """
        Z, nl = len(self.zone_names), len(ZONE_LEVERS)
        self.levers = {k: v for k, v in cfg.levers.items() if k not in ZONE_LEVERS}
        self.target = np.array([[cfg.lever(n, lv) for lv in ZONE_LEVERS] for n in self.zone_names])
        if neutral:
            self.target = np.zeros((Z, nl))
            self.levers.update({k: v for k, v in neutral_values().items() if k in self.levers})
        self.policy = self.target * (self.experience * self.active)[:, None]
        years = np.maximum(self.start_year - self.batch_year, 0)
        reached = self.policy[:, :, None] >= _LEVELS[None, None, :] - 1e-9
        self.reached_at = np.where(reached, -4 * years[:, None, None] - 1, _NEVER).astype(np.int64)
        self.floor = np.zeros(nl)
        self._replicate_nationwide(count=False)
        self.allowed = self.policy[:, _L["data_openness"]].copy()
        self.ceiling = 1.0
        self.inspection = 0.2 * (1 + self.policy[:, _L["gov_data_sharing"]]) * self.active
        self._inputs = None

    def _build_firms(self, cfg: Scenario, build_agents: bool) -> None:
        rng = self.rng_init
        Z = len(self.zone_names)
        start = reference.zone_start_values().loc[self.zone_names]
        self.start_values = start
        trade = (start["ds_exports_2021"] + start["ds_imports_2021"]).to_numpy()
        share = trade / trade.sum()
        n_agents = _allocate(cfg.n_firms, np.sqrt(share), cfg.constants["min_agents_per_zone"])
        real = cfg.constants["real_firms"] * share
        shares = cfg.constants["sector_shares"]
        sector_share = np.array([shares[s] for s in reference.SECTORS])
        zone_idx, sector, size = [], [], []
        alpha = self.params["size_tail"]
        for z in range(Z):
            counts = _allocate(int(n_agents[z]), sector_share, 0)
            for s, k in enumerate(counts):
                if k == 0:
                    continue
                # stratified draws: agent j of k stands for quantile stratum j of the Pareto
                # size distribution, so a few hundred agents represent a zone's tail stably
                strata = rng.permutation(k)
                u = (strata + rng.random(k)) / k
                sz = (1.0 - u) ** (-1.0 / alpha)
                # the top stratum has unbounded variance: it takes its conditional mean
                # E[S | S > s_q] = s_q * alpha / (alpha - 1) instead of a draw
                top = strata == k - 1
                sz[top] = k ** (1.0 / alpha) * alpha / (alpha - 1.0)
                size.append(sz)
                zone_idx.append(np.full(k, z))
                sector.append(np.full(k, s))
        n = int(n_agents.sum())
        zone_idx = np.concatenate(zone_idx) if zone_idx else np.zeros(0, int)
        sector = np.concatenate(sector) if sector else np.zeros(0, int)
        size = np.concatenate(size) if size else np.zeros(0)
        weight = (real / np.maximum(n_agents, 1))[zone_idx]
        compliance = rng.beta(4.0, 2.0, n)
        digital = rng.uniform(0.0, 0.2, n)
        # larger firms and firms in better-connected zones had adopted more by 2021: the same
        # net-benefit terms that gate adoption during the run (see FirmPopulation.step)
        rel = np.sqrt(size / np.median(size)) * _adoption_gain(self.coverage)[zone_idx] if n else size
        p_adopt = np.clip(cfg.constants["initial_adoption"] * rel / (rel.mean() if n else 1.0), 0, 1)
        adopted = rng.random(n) < p_adopt
        digital = np.where(adopted, rng.uniform(0.3, 0.8, n), digital)
        tiebreak = rng.random(n)
        self.firms = FirmPopulation(
            zone_idx, sector, size, weight, compliance, digital, adopted, tiebreak, Z, len(BLOCS)
        )
        self.n_agents = n_agents
        self.real_firms = real
        self.n_ds_agents = np.bincount(zone_idx[sector == DS], minlength=Z)
        self.firm_agents = [FirmAgent(self, i) for i in range(n)] if build_agents else None
        f = self.firms
        w_all = f.zone_sum(f.weight)
        self.adopted_share = np.divide(f.zone_sum(f.weight * f.adopted), w_all, out=np.zeros(Z), where=w_all > 0)

    def _calibrate_scales(self) -> None:
        """Zone-sector demand shifters so that the first quarter reproduces 2021 levels.

        Fixed export costs are proportional to the same shifter, so the Melitz selection
        does not depend on it and the shifter solves in closed form (DESIGN §7: the
        baseline starts in 2021 from the data). Initial services exporters are taken as
        already approved under the old regime.
        """
        Z = len(self.zone_names)
        self.scale = np.ones((Z, 3))
        self.f0 = np.ones(3)
        f = self.firms
        self._inputs = None
        inp = self.zone_inputs(step=1)
        rev, _ = f.potential(inp)
        best = rev.max(axis=1) / inp.sigma if f.n else np.zeros(0)
        for s in range(3):
            sel = f.sector == s
            if sel.any():
                self.f0[s] = float(np.median(best[sel]))
        self._inputs = None
        inp = self.zone_inputs(step=1)
        rev, fc = f.potential(inp)
        f.approval[:] = np.where(f.is_ds & (rev / inp.sigma > fc[:, None]).any(axis=1) if f.n else False, APPROVED, 0)
        limited = f.is_ds & (f.approval != APPROVED)
        rev_eff = np.where(limited[:, None], rev * (1 - inp.pending_penalty), rev)
        served = np.where(rev_eff / inp.sigma > fc[:, None], rev_eff, 0.0).sum(axis=1)
        potential = rev.sum(axis=1)
        sv = self.start_values
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
        self.scale[:, DS] *= self.constants["level_ds_exports"]
        self.scale[:, ECOM] *= self.constants["level_ecommerce"]
        self._inputs = None
        # services imports: base level and the reference state they move from
        self.imports0 = self.start_values["ds_imports_2021"].to_numpy() / 4.0 * self.constants["level_ds_imports"]
        self.r_import0 = self._import_restrictiveness(self._openness_effective())
        self.activity0 = self._ds_activity()

    def _build_recorder(self) -> None:
        T, Z = self.quarters, len(self.zone_names)
        self.national_data = np.zeros((T, len(NATIONAL_OUTCOMES)))
        self.zone_data = np.zeros((T, Z, len(ZONE_OUTCOMES)))
        self.current: dict[str, Any] = {}
        self.step_pilots = self.step_imitations = self.step_replications = 0
        self.approved_now = np.zeros(Z)
        self.wait_sum_now = np.zeros(Z)

    # ---------------------------------------------------------------------- time
    def period_of(self, step: int) -> tuple[int, int]:
        """Calendar (year, quarter) of model step ``step`` (1-based)."""
        q0 = self.start_quarter - 1 + step - 1
        return self.start_year + q0 // 4, q0 % 4 + 1

    # ---------------------------------------------------------------------- zone inputs
    def _openness_effective(self) -> np.ndarray:
        return np.minimum(self.allowed, self.ceiling) * self.active

    def _restrictiveness(self, openness: np.ndarray) -> np.ndarray:
        """Bilateral digital-services restrictiveness by zone and bloc (DSTRI scale, g3)."""
        align = np.array([self.levers[f"rule_alignment.{b}"] for b in BLOCS])
        base = DSTRI_CLOSED - (DSTRI_CLOSED - DSTRI_OPEN) * openness
        return base[:, None] * (1.0 - self.params["alignment_effect"] * align[None, :])

    def _import_restrictiveness(self, openness: np.ndarray) -> np.ndarray:
        return self._restrictiveness(openness) @ self.market

    def _ds_activity(self) -> np.ndarray:
        """Zone services activity (weighted size x digital boost): drives services imports."""
        f = self.firms
        act = f.weight * f.size * np.exp(self.params["digital_boost"] * f.digital_level) * f.is_ds
        out = f.zone_sum(act)
        return out * self.prod_index

    def zone_inputs(self, step: int | None = None) -> ZoneInputs:
        """Zone- and regulator-level quantities the firm rule reads this quarter.

        Trade access follows gravity with iceberg costs ``τ`` (elasticity ``θ``): goods and
        e-commerce ``τ^{-θ} = dist^{-δ} [(1 - c_sw sw)(1 - c_log log)(1 - c_fin df)]^{-θ}``
        (c1/c2, c3, forex pilot); e-commerce distance elasticity is ``online_distance_factor
        x δ`` (f3); digital services ``dist^{-δ_online} exp(-b r_zb) trust_z`` with ``r`` the
        bilateral restrictiveness (a1, g3) and trust falling with openness unmatched by
        classification (a2).
        """
        step = self.steps if step is None else step
        if self._inputs is not None and self._inputs_step == step:
            return self._inputs
        p = self.params
        pol = self.policy * self.active[:, None]
        year, quarter = self.period_of(step)
        t_years = (step - 1) / 4.0
        theta = p["trade_elasticity"]
        openness = self._openness_effective()
        sw, df = pol[:, _L["single_window"]], pol[:, _L["digital_finance"]]
        nl, cls = pol[:, _L["services_negative_list"]], pol[:, _L["data_classification"]]
        fac = (1 - p["single_window_cost_cut"] * sw) * (1 - p["logistics_cost_cut"] * self.logistics)
        fac = fac * (1 - p["finance_cost_cut"] * df)
        dist = self.distance_km / 1000.0
        d_goods = dist ** (-p["distance_elasticity"])
        d_online = dist ** (-p["distance_elasticity"] * p["online_distance_factor"])
        trust = np.exp(-p["trust_penalty"] * openness * (1 - cls))
        access = np.empty((len(self.zone_names), 3, len(BLOCS)))
        access[:, GOODS] = d_goods * fac[:, None] ** (-theta)
        access[:, ECOM] = d_online * fac[:, None] ** (-theta)
        access[:, DS] = (
            d_online * np.exp(-p["dstri_semi_elasticity"] * self._restrictiveness(openness)) * trust[:, None]
        )
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
        inp = ZoneInputs(
            revenue=revenue.reshape(-1, len(BLOCS)),
            fixed_cost=fixed.reshape(-1),
            hazard=p["bass_p"] + p["bass_q"] * mix,
            gain=_adoption_gain(self.coverage),
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
        self._inputs, self._inputs_step = inp, step
        return inp

    # ---------------------------------------------------------------------- policy
    def mark_reached(self, idx, before: np.ndarray) -> None:
        """Record the quarter each reform grid level was first reached in zones ``idx``
        (an int or an index array; ``before`` holds their levels before the change)."""
        idx = np.atleast_1d(idx)
        now = self.policy[idx][:, :, None]
        before = np.atleast_2d(before)[:, :, None]
        reached = self.reached_at[idx]
        up = (now >= _LEVELS - 1e-9) & (before < _LEVELS - 1e-9)
        down = now < _LEVELS - 1e-9
        self.reached_at[idx] = np.where(up, self.steps, np.where(down, _NEVER, reached))

    def _replicate_nationwide(self, count: bool = True) -> None:
        """可复制可推广: a reform level held by ``replication_min_zones`` active zones for
        ``replication_lag`` quarters becomes the national floor for every active zone."""
        k, lag = int(self.levers["replication_min_zones"]), int(self.levers["replication_lag"])
        held = (self.reached_at <= self.steps - lag) & self.active[:, None, None]
        enough = held.sum(axis=0) >= k  # (lever, level)
        level = np.where(enough, _LEVELS[None, :], 0.0).max(axis=1)
        rise = level > self.floor + 1e-9
        if not rise.any():
            return
        if count:
            self.step_replications += int(np.round((level[rise] - self.floor[rise]) / STEP_SIZE).sum())
        self.floor = np.maximum(self.floor, level)
        act = np.flatnonzero(self.active)
        before = self.policy[act].copy()
        self.policy[act] = np.maximum(before, self.floor)
        if count:
            self.mark_reached(act, before)

    def _apply_schedule(self) -> None:
        for change in self.config.schedule:
            if change.step != self.steps:
                continue
            for name, value in change.values.items():
                if name in _L:
                    for zname in change.zones:
                        z = self.zone_names.index(zname)
                        l = _L[name]
                        self.target[z, l] = value
                        if self.policy[z, l] > value:  # a rollback takes effect at once
                            before = self.policy[z].copy()
                            self.policy[z, l] = value
                            self.mark_reached(z, before)
                else:
                    self.levers[name] = value

    def _activate_zones(self) -> None:
        year, _ = self.period_of(self.steps)
        newly = (self.batch_year <= year) & ~self.active
        self.active |= newly
        for z in np.flatnonzero(newly):
            self.policy[z] = np.maximum(0.0, self.floor) if self.reform else 0.0
            self.mark_reached(z, np.zeros(len(ZONE_LEVERS)))
            self.allowed[z] = self.policy[z, _L["data_openness"]]

    # ---------------------------------------------------------------------- step
    def step(self) -> None:
        """One quarter: regulators, zones, firms, risk, collection (DESIGN §5)."""
        if self.steps > self.quarters:
            raise RuntimeError(
                f"scenario {self.config.name!r} has {self.quarters} quarters; set quarters=... to run longer"
            )
        t = self.steps
        self._inputs = None
        self.step_pilots = self.step_imitations = self.step_replications = 0
        self.approved_now[:] = 0.0
        self.wait_sum_now[:] = 0.0
        self._activate_zones()
        if self.reform:
            self._apply_schedule()
        # 1. regulators: national ceiling, then every zone's ratchet, inspection and queue
        #    (the same functions RegulatorAgent.step runs for one regulator)
        national_regulation(self)
        zone_regulation(self, self._zone_idx)
        # 2. zones, synchronously, then nationwide replication
        u = self.rng_zones.random((len(self.zone_agents), 2, len(ZONE_LEVERS)))  # drawn always (CRN)
        if self.reform:
            zone_quarter(self, self._zone_idx, u)
            self._replicate_nationwide()
        # 3. firms (vectorised) and 4. incidents
        inp = self.zone_inputs(t)
        acc = self.firms.step(inp, self.rng_firms, t)
        self.approved_now += acc[:, ACC.index("green")]
        # productivity drift from 5G coverage added since the start (b1)
        self.prod_index *= np.exp(0.25 * self.params["broadband_growth"] * (self.coverage - self.coverage0))
        # 5. collect
        self._record(t, acc)
        self.datacollector.collect(self)
        if self.debug:
            self.check_invariants()
        if t >= self.quarters:
            self.running = False

    def run(self, quarters: int | None = None, progress=None) -> FTZModel:
        """Step until the scenario's last quarter (or ``quarters`` more); returns self."""
        n = self.quarters - self.steps if quarters is None else quarters
        for _ in range(n):
            if not self.running:
                break
            self.step()
            if progress is not None:
                progress(1)
        return self

    # ---------------------------------------------------------------------- recording
    def _record(self, t: int, acc: np.ndarray) -> None:
        """Turn the firm kernel's zone totals into this quarter's zone and national outcomes."""
        Z = len(self.zone_names)
        a = {name: acc[:, j] for j, name in enumerate(ACC)}
        ds_x, ec_x, gd_x = a["ds_exports"], a["ecommerce_exports"], a["goods_exports"]
        w_all, incidents, data_exp = a["weight"], a["incidents"], a["data_exporters"]
        openness = self._openness_effective()
        r_imp = self._import_restrictiveness(openness)
        activity = a["ds_activity"] * self.prod_index
        act_ratio = np.divide(activity, self.activity0, out=np.ones(Z), where=self.activity0 > 0)
        ds_m = (
            self.imports0
            * (1 + self.params["import_demand_growth"]) ** ((t - 1) / 4.0)
            * np.exp(-self.params["dstri_semi_elasticity"] * (r_imp - self.r_import0))
            * act_ratio
        )
        adopt = np.divide(a["adopted"], w_all, out=np.zeros(Z), where=w_all > 0)
        self.adopted_share = adopt
        expo = np.divide(a["exporting"], w_all, out=np.zeros(Z), where=w_all > 0)
        self.incident_rate = np.divide(1000 * incidents, data_exp, out=np.zeros(Z), where=data_exp > 0)
        tot_de = data_exp.sum()
        self.national_incident_rate = 1000 * incidents.sum() / tot_de if tot_de > 0 else 0.0
        pending = a["pending"]
        digital = (ds_x + ec_x) / np.maximum(self.real_firms, 1e-9)
        self.performance = np.log(digital + 1e-12)
        ds_total = ds_x + ds_m
        zone_cols = {
            "ds_exports": ds_x,
            "ds_imports": ds_m,
            "ecommerce_exports": ec_x,
            "goods_exports": gd_x,
            "adoption_rate": adopt,
            "exporter_share": expo,
            "incidents": incidents,
            "incident_rate": self.incident_rate,
            "openness": openness,
            "allowed_openness": self.allowed * self.active,
            "coverage_5g": self.coverage,
            "logistics": self.logistics,
            "pending_applications": pending,
            "active": self.active.astype(float),
            **{f"lever_{n}": self.policy[:, i] for i, n in enumerate(ZONE_LEVERS)},
        }
        zd = self.zone_data[t - 1]
        for j, name in enumerate(ZONE_OUTCOMES):
            zd[:, j] = zone_cols[name]
        total = ds_total.sum()
        region = np.bincount(self.region_idx, weights=ds_total, minlength=len(REGIONS))
        region = region / total if total > 0 else np.zeros(len(REGIONS))
        w_sum = w_all.sum()
        approved = self.approved_now.sum()
        year, quarter = self.period_of(t)
        nat = {
            "ds_exports": ds_x.sum(),
            "ds_imports": ds_m.sum(),
            "ds_total": total,
            "ecommerce_exports": ec_x.sum(),
            "goods_exports": gd_x.sum(),
            "adoption_rate": a["adopted"].sum() / w_sum if w_sum > 0 else 0.0,
            "digital_level": a["digital"].sum() / w_sum if w_sum > 0 else 0.0,
            "exporter_share": a["exporting"].sum() / w_sum if w_sum > 0 else 0.0,
            "incidents": incidents.sum(),
            "incident_rate": self.national_incident_rate,
            "mean_openness": float(openness[self.active].mean()) if self.active.any() else 0.0,
            "openness_ceiling": self.ceiling,
            "pending_applications": pending.sum(),
            "mean_wait": self.wait_sum_now.sum() / approved if approved > 0 else 0.0,
            "pilots": self.step_pilots,
            "imitations": self.step_imitations,
            "replications": self.step_replications,
            "active_zones": int(self.active.sum()),
            **{f"share_{r}": region[i] for i, r in enumerate(REGIONS)},
            "gini_zones": _gini(ds_total),
        }
        self.national_data[t - 1] = [nat[n] for n in NATIONAL_OUTCOMES]
        self.current = {"period": f"{year}Q{quarter}", "year": year, **nat}

    def zone_outcomes_now(self, z: int) -> dict[str, float]:
        if self.steps == 0:
            return {}
        return dict(zip(ZONE_OUTCOMES, self.zone_data[self.steps - 1, z].tolist(), strict=True))

    def _time_columns(self, n: int) -> pd.DataFrame:
        periods = [self.period_of(s) for s in range(1, n + 1)]
        return pd.DataFrame(
            {
                "step": np.arange(1, n + 1),
                "year": [p[0] for p in periods],
                "quarter": [p[1] for p in periods],
                "period": [f"{y}Q{q}" for y, q in periods],
            }
        )

    def national_frame(self) -> pd.DataFrame:
        """Quarterly national outcomes recorded so far (one row per step)."""
        n = self.steps
        df = self._time_columns(n)
        for j, name in enumerate(NATIONAL_OUTCOMES):
            df[name] = self.national_data[:n, j]
        return df

    def zone_frame(self) -> pd.DataFrame:
        """Quarterly zone outcomes recorded so far, long format (step x zone)."""
        n, Z = self.steps, len(self.zone_names)
        time = self._time_columns(n)
        df = time.loc[time.index.repeat(Z)].reset_index(drop=True)
        df["zone"] = np.tile(self.zone_names, n)
        df["region"] = np.tile([self.zone_info[z].region for z in self.zone_names], n)
        data = self.zone_data[:n].reshape(n * Z, -1)
        for j, name in enumerate(ZONE_OUTCOMES):
            df[name] = data[:, j]
        return df

    def annual_frame(self, zones: bool = False) -> pd.DataFrame:
        """Annual aggregates: flows summed over quarters, stocks at the year's last quarter."""
        if zones:
            return annual(self.zone_frame(), ZONE_OUTCOMES)
        return annual(self.national_frame(), NATIONAL_OUTCOMES)

    def firm_frame(self) -> pd.DataFrame:
        """Snapshot of every firm's state now (built on request from the arrays)."""
        return self.firms.frame(self.zone_names, BLOCS)

    def reach_times(self, level: float = 0.5, share: float = 0.5) -> dict[str, int | None]:
        """First step at which ``share`` of the zones run each lever at ``level`` or more.

        ``None`` when it never happens within the run (DESIGN §6: time for each reform to
        reach X% of zones).
        """
        n = self.steps
        cols = [list(ZONE_OUTCOMES).index(f"lever_{lv}") for lv in ZONE_LEVERS]
        lev = self.zone_data[:n, :, cols] >= level - 1e-9  # (t, Z, L)
        frac = lev.mean(axis=1)
        out: dict[str, int | None] = {}
        for i, name in enumerate(ZONE_LEVERS):
            hit = np.flatnonzero(frac[:, i] >= share)
            out[name] = int(hit[0]) + 1 if len(hit) else None
        return out

    def summary(self) -> dict[str, float]:
        """Scalar outcomes of the run: each outcome in the final year (annual aggregate)
        and cumulative flows over the run, prefixed ``final_`` and ``cum_``."""
        nat = self.national_frame()
        if nat.empty:
            return {}
        ann = annual(nat, NATIONAL_OUTCOMES)
        last = ann.iloc[-1]
        out = {f"final_{n}": float(last[n]) for n in NATIONAL_OUTCOMES}
        for n, o in NATIONAL_OUTCOMES.items():
            if o.agg == "flow":
                out[f"cum_{n}"] = float(nat[n].sum())
        return out

    # ---------------------------------------------------------------------- invariants
    def check_invariants(self) -> None:
        """Conservation, bounds and finiteness of the current quarter (debug mode)."""
        t = self.steps
        f = self.firms
        nat = dict(zip(NATIONAL_OUTCOMES, self.national_data[t - 1], strict=True))
        zd = dict(zip(ZONE_OUTCOMES, self.zone_data[t - 1].T, strict=True))
        problems = []
        if not np.all(np.isfinite(self.national_data[t - 1])) or not np.all(np.isfinite(self.zone_data[t - 1])):
            problems.append("non-finite outcome")
        for name in ("ds_exports", "ds_imports", "ecommerce_exports", "goods_exports", "incidents"):
            if not np.isclose(nat[name], zd[name].sum(), rtol=1e-9, atol=1e-9):
                problems.append(f"national {name} != sum of zones")
        firm_ds = float(np.dot(f.weight * f.is_ds, f.exports.sum(axis=1)))
        if not np.isclose(firm_ds, nat["ds_exports"], rtol=1e-9, atol=1e-9):
            problems.append("services exports != sum of firms' flows")
        if len(f.zone) != int(self.n_agents.sum()):
            problems.append("firm count changed")
        for arr, name in ((f.digital_level, "digital_level"), (self.policy, "policy"), (self.coverage, "coverage")):
            if arr.size and (arr.min() < -1e-12 or arr.max() > 1 + 1e-12):
                problems.append(f"{name} outside [0, 1]")
        if f.exports.size and f.exports.min() < 0:
            problems.append("negative exports")
        if abs(sum(nat[f"share_{r}"] for r in REGIONS) - (1.0 if nat["ds_total"] > 0 else 0.0)) > 1e-9:
            problems.append("regional shares do not add up to 1")
        if problems:
            raise InvariantError(f"step {t}: " + "; ".join(problems))


def _adoption_gain(coverage: np.ndarray) -> np.ndarray:
    """Zone part of a firm's gain from going digital: 5G is the enabling infrastructure
    (000 §3 infrastructure layer), so the gain rises steeply with coverage; a median firm
    in a zone at 50% coverage gains as much as adoption costs it (``adoption_cost`` = 1)."""
    return 0.25 + 1.5 * coverage


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder),
    giving each part at least ``minimum`` when ``total`` allows it."""
    weights = np.asarray(weights, dtype=float)
    k = len(weights)
    if k == 0:
        return np.zeros(0, dtype=int)
    base = np.full(k, min(minimum, total // k), dtype=int)
    rest = total - base.sum()
    w = weights / weights.sum() if weights.sum() > 0 else np.full(k, 1 / k)
    raw = rest * w
    out = np.floor(raw).astype(int)
    left = rest - out.sum()
    if left > 0:
        out[np.argsort(-(raw - out), kind="stable")[:left]] += 1
    return base + out


def _gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 for all-equal or all-zero)."""
    x = np.sort(np.asarray(x, dtype=float))
    n, s = len(x), x.sum()
    if n == 0 or s <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * s))
