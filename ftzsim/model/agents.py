"""Zone, regulator and firm agents (DESIGN §2).

Zones and regulators are few (22 + 23): ordinary Mesa agents with a ``step()``. Firms are
many: real Mesa agents whose numeric state lives in the model's
:class:`~ftzsim.model.firms.FirmPopulation` arrays; a firm's attributes read and write its
slot there, and the firm rule runs vectorised once per quarter (DESIGN §8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from ftzsim.levers import BLOCS, ZONE_LEVERS
from ftzsim.reference import SECTORS

if TYPE_CHECKING:  # pragma: no cover
    from ftzsim.model.model import FTZModel

__all__ = ["STEP_SIZE", "FirmAgent", "RegulatorAgent", "ZoneAgent"]

#: A pilot task moves one lever by this much (levers are 0-1; ten steps to full reform).
STEP_SIZE = 0.1
_L = {n: i for i, n in enumerate(ZONE_LEVERS)}


class ZoneAgent(FixedAgent):
    """A pilot free trade zone, placed on its cell of the zone network.

    Each quarter an active zone (DESIGN §5.2):

    1. **pilots** — for each lever below its target, with probability ``pilot_rate x
       reform capacity`` it implements one more step (a pilot task; 000 §1 stress tests);
    2. **imitates** — for each lever, it copies one step of a linked zone that runs the
       lever at a higher level and performs better, with probability
       ``1 - Π_j (1 - imitation_rate x tie_j x performance gap_j)`` (000 §4 alliances);
    3. **builds infrastructure** — 5G coverage grows on a logistic S-curve toward the
       planned coverage, smart logistics linearly toward its plan (000 §3 infrastructure).

    Reform capacity is ``0.5 + 0.5 coastal + 0.5 experience`` with experience the share of
    ``ramp_years`` the zone has existed: coastal and older zones pilot more (000 §2 tiers).
    Lever levels are stored in ``model.policy``; ``zone.levers`` returns them by name.
    """

    def __init__(self, model: FTZModel, index: int, name: str, cell):
        super().__init__(model)
        self.index = index
        self.name = name
        self.cell = cell
        info = model.zone_info[name]
        self.province_zh = info.province_zh
        self.region = info.region
        self.batch_year = info.batch_year
        self.coastal = info.coastal
        self.border = info.border

    def __repr__(self) -> str:
        return f"ZoneAgent({self.name!r}, active={self.active})"

    @property
    def active(self) -> bool:
        return bool(self.model.active[self.index])

    @property
    def levers(self) -> dict[str, float]:
        """Implemented level of each zone lever (0 = no reform)."""
        return dict(zip(ZONE_LEVERS, self.model.policy[self.index].tolist(), strict=True))

    @property
    def targets(self) -> dict[str, float]:
        """The zone's policy targets for each lever (scenario and schedule)."""
        return dict(zip(ZONE_LEVERS, self.model.target[self.index].tolist(), strict=True))

    @property
    def firms(self) -> list:
        """The zone's firm agents (empty if the model was built without firm objects)."""
        agents = self.model.firm_agents
        idx = np.flatnonzero(self.model.firms.zone == self.index)
        return [agents[i] for i in idx] if agents else []

    @property
    def outcomes(self) -> dict[str, float]:
        """This quarter's zone outcomes."""
        return self.model.zone_outcomes_now(self.index)

    def step(self) -> None:
        """This zone's quarter alone (the model steps all zones at once with :func:`zone_quarter`)."""
        m = self.model
        zone_quarter(m, np.array([self.index]), m.rng_zones.random((1, 2, len(ZONE_LEVERS))))

    @property
    def reform_capacity(self) -> float:
        return float(self.model.reform_capacity[self.index])


class RegulatorAgent(Agent):
    """A data regulator: the national one (``zone=None``) or one per zone.

    Zone regulators each quarter (DESIGN §5.1):

    * **ratchet** the openness they allow: when last quarter's incident rate exceeded
      ``risk_tolerance`` they withdraw ``tighten_factor`` of it (sharp tightening);
      otherwise they move ``openness_step`` of the way toward the zone's request (gradual
      opening). This is the seeds' stress-test balance of liberalisation and security
      (在自由化和安全性之间寻找便利化契合点, 000 §3).
    * **review** data-export applications, first come first served, up to capacity
      ``review_capacity x services firms x (1 + gov_data_sharing)`` (data sharing across
      departments raises capacity, 001).
    * **inspect** ``0.2 (1 + gov_data_sharing)`` of data exporters; with risk-based inspection
      the checks fall on low-compliance firms (000 §4 credit-based supervision).

    The national regulator sets a ceiling on every zone's openness with the same ratchet on
    the national incident rate (宏观审慎).
    """

    def __init__(self, model: FTZModel, zone: ZoneAgent | None):
        super().__init__(model)
        self.zone = zone

    def __repr__(self) -> str:
        return f"RegulatorAgent({self.zone.name if self.zone else 'national'!r})"

    @property
    def allowed_openness(self) -> float:
        m = self.model
        return float(m.ceiling if self.zone is None else m.allowed[self.zone.index])

    @property
    def tightenings(self) -> int:
        """How often this regulator has tightened openness."""
        m = self.model
        return int(m.national_tightenings if self.zone is None else m.tightenings[self.zone.index])

    def step(self) -> None:
        """This regulator's quarter alone (the model runs all zone regulators at once)."""
        m = self.model
        if self.zone is None:
            national_regulation(m)
        else:
            zone_regulation(m, np.array([self.zone.index]))


def _ratchet(allowed, request, rate, tolerance, params):
    """The stress-test ratchet, elementwise: returns (new allowance, tightened?)."""
    over = rate > tolerance
    opened = np.where(request > allowed, allowed + params["openness_step"] * (request - allowed), request)
    return np.where(over, allowed * (1 - params["tighten_factor"]), opened), over


def national_regulation(m: FTZModel) -> None:
    """The national regulator moves the ceiling on every zone's openness (宏观审慎)."""
    new, over = _ratchet(m.ceiling, 1.0, m.national_incident_rate, m.levers["risk_tolerance"], m.params)
    m.ceiling = float(new)
    m.national_tightenings += int(over)


def zone_regulation(m: FTZModel, idx: np.ndarray) -> None:
    """Zone regulators ``idx``: openness ratchet, inspection intensity, review queue."""
    act = m.active[idx]
    request = m.policy[idx, _L["data_openness"]]
    new, over = _ratchet(m.allowed[idx], request, m.incident_rate[idx], m.levers["risk_tolerance"], m.params)
    m.allowed[idx] = np.where(act, np.minimum(request, new), 0.0)
    m.tightenings[idx] += over & act
    gds = m.policy[idx, _L["gov_data_sharing"]]
    m.inspection[idx] = np.where(act, np.minimum(0.95, 0.2 * (1 + gds)), 0.0)
    capacity = np.zeros(len(m.zone_names), dtype=np.int64)
    capacity[idx] = np.floor(m.params["review_capacity"] * m.n_ds_agents[idx] * (1 + gds) + 0.5) * act
    n, wait = m.firms.process_queues(capacity, m.steps)
    m.approved_now += n
    m.wait_sum_now += wait


def zone_quarter(m: FTZModel, idx: np.ndarray, u: np.ndarray) -> None:
    """Piloting, imitation and infrastructure for zones ``idx`` (see :class:`ZoneAgent`).

    Zones update synchronously: imitation compares with every zone's levels as they stood at
    the start of the quarter, so the result does not depend on the order zones are visited.
    ``u`` holds two uniforms per zone and lever, drawn whether or not a zone is active
    (common random numbers).
    """
    p = m.params
    act = m.active[idx][:, None]
    start = m.policy.copy()
    pol = start[idx]
    # 1. piloting toward the zones' targets
    gap = m.target[idx] - pol
    pilot = act & (gap > 1e-12) & (u[:, 0] < p["pilot_rate"] * m.reform_capacity[idx][:, None])
    pol = np.where(pilot, pol + np.minimum(STEP_SIZE, gap), pol)
    # 2. imitation of better-performing linked zones (k zones x Z partners x L levers)
    ties = m.ties_norm[idx] * m.active[None, :]
    perf_gap = np.clip(m.performance[None, :] - m.performance[idx][:, None], 0.0, 1.0)
    better = start[None, :, :] > pol[:, None, :] + 1e-12
    pr = p["imitation_rate"] * (ties * perf_gap)[:, :, None] * better
    prob = 1.0 - np.prod(1.0 - pr, axis=1)
    best = np.max(np.where(better & (pr > 0), start[None, :, :], 0.0), axis=1)
    imitate = act & (u[:, 1] < prob) & (best > pol)
    pol = np.clip(np.where(imitate, pol + np.minimum(STEP_SIZE, best - pol), pol), 0.0, 1.0)
    m.policy[idx] = pol
    m.step_pilots += int(pilot.sum())
    m.step_imitations += int(imitate.sum())
    m.mark_reached(idx, start[idx])
    # 3. infrastructure toward plans: logistic 5G, linear logistics
    rate = 0.25 * m.constants["infrastructure_rate"]
    plan5g, cov = pol[:, _L["fiveg_coverage"]], m.coverage[idx]
    c = np.maximum(cov, 0.01)
    grown = np.minimum(plan5g, c + rate * c * (1 - c / np.maximum(plan5g, 1e-12)))
    m.coverage[idx] = np.where(act[:, 0] & (plan5g > cov), grown, cov)
    plan_log, log = pol[:, _L["smart_logistics"]], m.logistics[idx]
    m.logistics[idx] = np.where(act[:, 0] & (plan_log > log), log + rate * (plan_log - log), log)


class FirmAgent(Agent):
    """One firm agent: a view onto slot ``index`` of the model's firm arrays.

    Attributes read (and, for ``digital_level``, write) the arrays, so a notebook can inspect
    any firm while the population steps vectorised. ``weight`` is the number of real firms
    the agent stands for; flows are per real firm (zone totals multiply by ``weight``).
    """

    def __init__(self, model: FTZModel, index: int):
        super().__init__(model)
        self.index = index

    def __repr__(self) -> str:
        return f"FirmAgent({self.unique_id}, {self.sector}, zone={self.zone.name})"

    @property
    def zone(self) -> ZoneAgent:
        return self.model.zone_agents[int(self.model.firms.zone[self.index])]

    @property
    def sector(self) -> str:
        return SECTORS[int(self.model.firms.sector[self.index])]

    @property
    def size(self) -> float:
        return float(self.model.firms.size[self.index])

    @property
    def productivity(self) -> float:
        """Melitz productivity φ, with sales size = φ^(σ-1)."""
        return float(self.size ** (1.0 / self.model.params["trade_elasticity"]))

    @property
    def weight(self) -> float:
        return float(self.model.firms.weight[self.index])

    @property
    def digital_level(self) -> float:
        return float(self.model.firms.digital_level[self.index])

    @digital_level.setter
    def digital_level(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError("digital_level must be in [0, 1]")
        self.model.firms.digital_level[self.index] = value

    @property
    def adopted(self) -> bool:
        return bool(self.model.firms.adopted[self.index])

    @property
    def approval(self) -> str:
        return ("none", "pending", "approved")[int(self.model.firms.approval[self.index])]

    @property
    def compliance(self) -> float:
        return float(self.model.firms.compliance[self.index])

    @property
    def exports(self) -> float:
        """This quarter's exports of one real firm like this one (100 million USD)."""
        return float(self.model.firms.exports[self.index].sum())

    @property
    def exports_by_bloc(self) -> dict[str, float]:
        return dict(zip(BLOCS, self.model.firms.exports[self.index].tolist(), strict=True))

    @property
    def exporter(self) -> bool:
        return bool(self.model.firms.exports[self.index].any())

    def step(self) -> None:
        """Run the firm rule for this firm alone (the same code the population runs)."""
        m = self.model
        m.firms.step(m.zone_inputs(), m.rng_firms, m.steps, idx=np.array([self.index]))
