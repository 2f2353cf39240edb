"""The FTZ model: pilot zones, their regulators and firms trading with partner blocs.

The model builds three populations and coordinates them each quarter (DESIGN §5):
:class:`~ftzsim.model.zones.ZonePopulation` (zones and their regulators),
:class:`~ftzsim.model.firms.FirmPopulation` (firms, with the compiled firm rule) and the
:class:`~ftzsim.model.recorder.Recorder` (outcomes). Behaviour lives in those populations;
the Mesa agents of :mod:`ftzsim.model.agents` are views onto them. See ``docs/model.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import Network

from ftzsim import reference
from ftzsim.levers import REGISTRY, ZONE_LEVERS
from ftzsim.model.agents import FirmAgent, RegulatorAgent, ZoneAgent
from ftzsim.model.firms import DS, FirmPopulation, ZoneInputs
from ftzsim.model.kernel import ACC
from ftzsim.model.network import zone_network
from ftzsim.model.recorder import ArrayCollector, Recorder
from ftzsim.model.zones import ZonePopulation, adoption_gain
from ftzsim.outcomes import NATIONAL_OUTCOMES, REGIONS, ZONE_OUTCOMES
from ftzsim.reference import BLOCS
from ftzsim.scenario import Scenario, load_scenario

__all__ = ["FTZModel", "InvariantError"]


class InvariantError(AssertionError):
    """A model invariant (conservation, bounds, finiteness) failed in debug mode."""


class FTZModel(mesa.Model):
    """Agent-based model of China's pilot free trade zones and their digital reforms.

    Parameters
    ----------
    scenario : str, Path or Scenario, default "baseline"
        Bundled scenario name, path to a scenario TOML file, or a loaded scenario.
    rng : int, numpy.random.Generator or None
        Seed of the model's generator (Mesa 3 convention). Every random draw in the model
        comes from ``model.rng`` through four child streams (initialisation, zones, firms,
        incident counts), so changing a policy does not shift the firms' draws (common random
        numbers).
    build_firm_agents : bool, default True
        Offer one Mesa ``FirmAgent`` per firm slot. The objects are created on first access
        (``model.firm_agents``, ``model.agents``, ``model.agents_by_type``), so a run that
        never looks at single firms does not pay for them; results are identical either way.
        Sweeps pass False.
    reform : bool, default True
        False runs the no-reform path: every lever stays at its neutral value, and the
        schedule, piloting, imitation, infrastructure build-out and nationwide replication
        are switched off (regulators still run; with a zero request they allow no
        openness). The zone scales stay anchored to the scenario's status quo, so the
        no-reform path starts below the 2021 data by the effect of the reforms of 2013-2020.
    debug : bool, default False
        Check conservation, bounds and finiteness after every step (raises
        :class:`InvariantError`).
    posterior_draw : int, optional
        Member ``k`` of the scenario's shipped posterior (``ftzsim/data/posterior_*.csv``,
        docs/calibration.md): its calibrated parameters replace the scenario's point values
        (explicit ``overrides`` still win). Draw members by weight with
        ``ftzsim.calibration.posterior_for(scenario).sample(n, seed)``.
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
        posterior_draw: int | None = None,
        **overrides: Any,
    ):
        from ftzsim.seeds import check_rng

        super().__init__(rng=check_rng(rng))
        if posterior_draw is not None:  # a calibrated parameter set; the caller's overrides win
            from ftzsim.calibration.posterior import posterior_for

            overrides = {**posterior_for(scenario).draw(int(posterior_draw)), **overrides}
        self.posterior_draw = posterior_draw
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
        self.rng_init, self.rng_zones, self.rng_firms, self.rng_risk = self.rng.spawn(4)
        self.quarters = cfg.quarters
        self._build_zones(cfg)
        self.zones.set_policy(status_quo.levers, self._targets(status_quo), neutral=False)
        self._build_firms(cfg, build_firm_agents)
        self.regulators = [RegulatorAgent(self, None)] + [RegulatorAgent(self, z) for z in self.zone_agents]
        self.zones.anchor(self.firms, self.start_values)
        if status_quo is not cfg or not reform:
            self.zones.set_policy(cfg.levers, self._targets(cfg), neutral=not reform)
        self.recorder = Recorder(self.zones, self.quarters)
        self.recorder.real_firms = self.real_firms
        self.datacollector = ArrayCollector(self.recorder, [z.unique_id for z in self.zone_agents])
        self._inputs: tuple[int, ZoneInputs] | None = None

    # ---------------------------------------------------------------------- building
    def _build_zones(self, cfg: Scenario) -> None:
        self.zone_info = reference.zones()
        self.zone_names = list(cfg.zones)
        net = cfg.network
        self.graph, ties = zone_network(self.zone_names, net["k_nearest"], net["alliance_weight"], net["alliances"])
        layout = {n: (self.zone_info[n].lon, self.zone_info[n].lat) for n in self.zone_names}
        self.space = Network(self.graph, random=self.random, layout=layout)
        cells = {c.coordinate: c for c in self.space.all_cells}
        self.zone_agents = [ZoneAgent(self, i, n, cells[n]) for i, n in enumerate(self.zone_names)]
        self.zones = ZonePopulation(self.zone_names, ties, self.params, self.constants, cfg.start)

    def _targets(self, cfg: Scenario) -> np.ndarray:
        return np.array([[cfg.lever(n, lv) for lv in ZONE_LEVERS] for n in self.zone_names])

    def _build_firms(self, cfg: Scenario, build_agents: bool) -> None:
        """Firm agents per zone and sector: counts by a square-root rule on 2021 trade (so small
        zones get enough agents), weights so that each zone stands for its share of
        ``real_firms``, Pareto sizes by stratified draws, and 2021 adoption rising with size
        and 5G (the same net-benefit terms that gate adoption during the run)."""
        rng = self.rng_init
        Z = len(self.zone_names)
        start = reference.zone_start_columns(self.zone_names)
        self.start_values = start
        trade = start["ds_exports_2021"] + start["ds_imports_2021"]
        share = trade / trade.sum()
        n_agents = _allocate(cfg.n_firms, np.sqrt(share), cfg.constants["min_agents_per_zone"])
        real = cfg.constants["real_firms"] * share
        shares = cfg.constants["sector_shares"]
        sector_share = np.array([shares[s] for s in reference.SECTORS])
        size = []
        alpha = self.params["size_tail"]
        counts = np.array([_allocate(int(n_agents[z]), sector_share, 0) for z in range(Z)], dtype=int)
        counts = counts.reshape(Z, len(sector_share))
        for k in counts.ravel():
            if k == 0:
                continue
            # stratified draws: agent j of k stands for quantile stratum j of the Pareto size
            # distribution, so a few hundred agents represent a zone's tail stably. (Per group on
            # purpose: NumPy's power of a short array can differ in the last bit from the same
            # values' power within a long one, so one call over all groups changed results.)
            strata = rng.permutation(k)
            u = (strata + rng.random(k)) / k
            sz = (1.0 - u) ** (-1.0 / alpha)
            # the top stratum has unbounded variance: it takes its conditional mean
            # E[S | S > s_q] = s_q * alpha / (alpha - 1) instead of a draw
            sz[strata.argmax()] = k ** (1.0 / alpha) * alpha / (alpha - 1.0)  # strata[argmax] = k - 1
            size.append(sz)
        n = int(n_agents.sum())
        zone_idx = np.repeat(np.arange(Z), counts.sum(axis=1))
        sector = np.tile(np.arange(len(sector_share)), Z).repeat(counts.ravel())
        size = np.concatenate(size) if size else np.zeros(0)
        weight = (real / np.maximum(n_agents, 1))[zone_idx]
        compliance = rng.beta(4.0, 2.0, n)
        digital = rng.uniform(0.0, 0.2, n)
        gain = adoption_gain(self.zones.coverage, self.params["fiveg_adoption_gain"])
        median_size = np.median(size) if n else 1.0
        rel = np.sqrt(size / median_size) * gain[zone_idx] if n else size
        p_adopt = np.clip(cfg.constants["initial_adoption"] * rel / (rel.mean() if n else 1.0), 0, 1)
        adopted = rng.random(n) < p_adopt
        digital = np.where(adopted, rng.uniform(0.3, 0.8, n), digital)
        tiebreak = rng.random(n)
        key = self.rng_firms.integers(2**64, dtype=np.uint64)  # keys the firms' counter-based draws
        self.firms = FirmPopulation(
            zone_idx, sector, size, weight, compliance, digital, adopted, tiebreak, Z, len(BLOCS), key=key,
            median_size=median_size,
        )  # fmt: skip
        # an e-commerce exporter moves customer and payment data: a lighter incident risk
        self.firms.sector_data_risk = np.array([0.0, self.params["ecommerce_data_risk"], 1.0])
        # goods firms gain less from being digital than online sellers and services firms (a4)
        self.firms.sector_boost = np.array([self.params["goods_digital_boost_share"], 1.0, 1.0])
        self.n_agents = n_agents
        self.real_firms = real
        self.zones.n_ds_agents = np.bincount(zone_idx[sector == DS], minlength=Z)
        self._firm_agents: list[FirmAgent] | None = None
        self._offer_firm_agents = build_agents
        f = self.firms
        w_all = f.zone_sum(f.weight)
        self.zones.adopted_share = np.divide(f.zone_sum(f.weight * f.adopted), w_all, out=np.zeros(Z), where=w_all > 0)

    # ---------------------------------------------------------------------- firm agents (lazy)
    @property
    def firm_agents(self) -> list[FirmAgent] | None:
        """One ``FirmAgent`` view per firm slot, created on first access (None when the model
        was built with ``build_firm_agents=False``)."""
        if self._firm_agents is None and self._offer_firm_agents:
            self._firm_agents = [FirmAgent(self, i) for i in range(self.firms.n)]
        return self._firm_agents

    @property
    def agents(self):
        """Mesa's set of all agents (firm agents are created first if they are offered)."""
        if self._offer_firm_agents and self._firm_agents is None and hasattr(self, "firms"):
            _ = self.firm_agents
        return super().agents

    @property
    def agents_by_type(self):
        """Mesa's agents by type (firm agents are created first if they are offered)."""
        if self._offer_firm_agents and self._firm_agents is None and hasattr(self, "firms"):
            _ = self.firm_agents
        return super().agents_by_type

    _offer_firm_agents = False
    _firm_agents = None

    # ---------------------------------------------------------------------- time and inputs
    @property
    def start_year(self) -> int:
        return self.zones.start_year

    def period_of(self, step: int) -> tuple[int, int]:
        """Calendar (year, quarter) of model step ``step`` (1-based)."""
        return self.zones.period_of(step)

    def zone_inputs(self, step: int | None = None) -> ZoneInputs:
        """What the firm rule reads from zones and regulators in quarter ``step`` (default:
        the current one); the inputs of the quarter the model last stepped are kept, so a
        ``FirmAgent.step()`` in that quarter reads what the population read."""
        step = self.steps if step is None else step
        if self._inputs is not None and self._inputs[0] == step:
            return self._inputs[1]
        return self.zones.inputs(step)

    # ---------------------------------------------------------------------- step
    def step(self) -> None:
        """One quarter: regulators, zones, firms, risk, collection (DESIGN §5)."""
        if self.steps > self.quarters:
            self.steps -= 1  # Mesa counted this step before calling us: nothing has changed
            raise RuntimeError(
                f"scenario {self.config.name!r} has {self.quarters} quarters and all have run; "
                "build the model with quarters=... to run longer"
            )
        t = self.steps
        zp = self.zones
        zp.begin_quarter()
        zp.activate(t, self.reform)
        if self.reform:
            zp.apply_schedule(self.config.schedule, t)
        # 1. regulators: national ceiling, then every zone's ratchet, inspection and queue
        zp.regulate_nationally()
        zp.regulate(zp.index, self.firms, t)
        # 2. zones, synchronously, then nationwide replication
        u = zp.uniforms(t, self.rng_zones)  # drawn always (CRN)
        if self.reform:
            zp.quarter(zp.index, u, t)
            zp.replicate_nationwide(t)
        # 3. firms (vectorised) and 4. incidents
        terms = zp.trade_terms()  # read by the firms' inputs and by the recorder
        inp = zp.inputs(t, terms)
        self._inputs = (t, inp)
        acc = self.firms.step(inp, t)
        zp.approved_now += acc[:, ACC.index("green")]
        zp.grow_productivity()
        # 5. collect (real-firm incident counts use their own stream: two uniforms per zone)
        self.recorder.record(t, acc, self.rng_risk.random((self.zones.n, 2)), terms)
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

    # ---------------------------------------------------------------------- results
    def national_frame(self):
        """Quarterly national outcomes recorded so far (one row per quarter)."""
        return self.recorder.national_frame()

    def zone_frame(self):
        """Quarterly zone outcomes recorded so far, long format (quarter x zone)."""
        return self.recorder.zone_frame()

    def annual_frame(self, zones: bool = False):
        """Annual aggregates: flows summed over quarters, stocks at the year's last quarter."""
        return self.recorder.annual_frame(zones)

    def firm_frame(self):
        """Snapshot of every firm's state now (built on request from the arrays)."""
        return self.firms.frame(self.zone_names, BLOCS)

    def summary(self) -> dict[str, float]:
        """Scalar outcomes of the run (``final_`` and ``cum_``, see :func:`ftzsim.outcomes.summarize`),
        computed from the recorded arrays without building a frame (the same numbers)."""
        return self.recorder.summary()

    def reach_times(self, level: float = 0.5, share: float = 0.5) -> dict[str, int | None]:
        """First step at which ``share`` of the zones run each lever at ``level`` or more.

        ``None`` when it never happens within the run (DESIGN §6: time for each reform to
        reach X% of zones).
        """
        n = self.steps
        cols = [list(ZONE_OUTCOMES).index(f"lever_{lv}") for lv in ZONE_LEVERS]
        frac = (self.recorder.zones[:n, :, cols] >= level - 1e-9).mean(axis=1)  # (t, L)
        out: dict[str, int | None] = {}
        for i, name in enumerate(ZONE_LEVERS):
            hit = np.flatnonzero(frac[:, i] >= share)
            out[name] = int(hit[0]) + 1 if len(hit) else None
        return out

    def check_invariants(self) -> None:
        """Conservation, bounds and finiteness of the current quarter (debug mode)."""
        t = self.steps
        f, zp, rec = self.firms, self.zones, self.recorder
        nat = dict(zip(NATIONAL_OUTCOMES, rec.national[t - 1], strict=True))
        zd = dict(zip(ZONE_OUTCOMES, rec.zones[t - 1].T, strict=True))
        problems = []
        if not np.all(np.isfinite(rec.national[t - 1])) or not np.all(np.isfinite(rec.zones[t - 1])):
            problems.append("non-finite outcome")
        for name in (
            "ds_exports",
            "ds_imports",
            "ecommerce_exports",
            "ecommerce_imports",
            "goods_exports",
            "incidents",
        ):
            if not np.isclose(nat[name], zd[name].sum(), rtol=1e-9, atol=1e-9):
                problems.append(f"national {name} != sum of zones")
        # recorded flows carry the level factor (recorder.py), firms' own flows do not
        firm_ds = float(np.dot(f.weight * f.is_ds, f.exports.sum(axis=1))) * self.params["level_ds_exports"]
        if not np.isclose(firm_ds, nat["ds_exports"], rtol=1e-9, atol=1e-9):
            problems.append("services exports != sum of firms' flows")
        if len(f.zone) != int(self.n_agents.sum()):
            problems.append("firm count changed")
        for arr, name in ((f.digital_level, "digital_level"), (zp.policy, "policy"), (zp.coverage, "coverage")):
            if arr.size and (arr.min() < -1e-12 or arr.max() > 1 + 1e-12):
                problems.append(f"{name} outside [0, 1]")
        if f.exports.size and f.exports.min() < 0:
            problems.append("negative exports")
        if abs(sum(nat[f"share_{r}"] for r in REGIONS) - (1.0 if nat["ds_total"] > 0 else 0.0)) > 1e-9:
            problems.append("regional shares do not add up to 1")
        if problems:
            raise InvariantError(f"step {t}: " + "; ".join(problems))


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder),
    giving each part at least ``minimum`` when ``total`` allows it (a new array each call;
    results are kept per arguments, see :func:`_allocate_cached`)."""
    weights = np.asarray(weights, dtype=float)
    return _allocate_cached(int(total), tuple(weights.tolist()), int(minimum)).copy()


@functools.cache
def _allocate_cached(total: int, weights: tuple[float, ...], minimum: int) -> np.ndarray:
    """:func:`_allocate` for hashable arguments. Building a model splits agents over 22 zones
    and three sectors with the same totals every time: kept, it costs nothing after the first."""
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
