"""Zone, regulator and firm agents (DESIGN §2): thin Mesa views onto the populations.

Every agent is a real Mesa agent (``unique_id``, inspectable in a notebook, steppable), but
its state lives in the model's populations — zones and regulators in
:class:`~ftzsim.model.zones.ZonePopulation`, firms in
:class:`~ftzsim.model.firms.FirmPopulation` — and its ``step()`` calls the population's rule
for its own index. There is one definition of each behaviour, and an agent never reaches
into the model's own attributes (DESIGN §8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from ftzsim import reference
from ftzsim.levers import ZONE_LEVERS
from ftzsim.reference import BLOCS, SECTORS

if TYPE_CHECKING:  # pragma: no cover
    from ftzsim.model.model import FTZModel

__all__ = ["FirmAgent", "RegulatorAgent", "ZoneAgent"]


class ZoneAgent(FixedAgent):
    """A pilot free trade zone, placed on its cell of the zone network.

    A view onto row ``index`` of the model's :class:`~ftzsim.model.zones.ZonePopulation`:
    its state (``levers``, ``targets``, ``reform_capacity``, ``outcomes``) is read from the
    population's arrays, and :meth:`step` runs the population's zone rule
    (:meth:`~ftzsim.model.zones.ZonePopulation.quarter`: piloting, imitation, infrastructure)
    for this zone alone, on this quarter's uniforms for this zone, so stepping zone agents one
    by one gives what the model's batch step gives.
    """

    def __init__(self, model: FTZModel, index: int, name: str, cell):
        super().__init__(model)
        self.index = index
        self.name = name
        self.cell = cell
        info = reference.zones()[name]
        self.province_zh = info.province_zh
        self.region = info.region
        self.batch_year = info.batch_year
        self.coastal = info.coastal
        self.border = info.border

    def __repr__(self) -> str:
        return f"ZoneAgent({self.name!r}, active={self.active})"

    @property
    def _pop(self):
        return self.model.zones

    @property
    def active(self) -> bool:
        return bool(self._pop.active[self.index])

    @property
    def levers(self) -> _ZoneLevels:
        """Implemented level of each zone lever (0 = no reform), read-only: implemented levels
        move by piloting toward the targets, imitation and replication. To change policy
        during a run, set ``zone.targets[name]`` or schedule a change in the scenario."""
        return _ZoneLevels(self)

    @property
    def targets(self) -> _ZoneTargets:
        """The zone's policy targets (scenario and schedule). Setting one during a run works
        like a schedule entry at the current quarter: the zone pilots toward it from the next
        quarter, and a target below the implemented level rolls the zone back at once."""
        return _ZoneTargets(self)

    @property
    def firms(self) -> list:
        """The zone's firm agents (empty if the model was built without firm objects)."""
        agents = self.model.firm_agents
        idx = np.flatnonzero(self.model.firms.zone == self.index)
        return [agents[i] for i in idx] if agents else []

    @property
    def outcomes(self) -> dict[str, float]:
        """This quarter's zone outcomes."""
        return self.model.recorder.zone_now(self.index)

    @property
    def reform_capacity(self) -> float:
        return float(self._pop.reform_capacity[self.index])

    def step(self) -> None:
        """This zone's quarter alone (the model steps all zones at once with the same rule)."""
        m, pop = self.model, self._pop
        u = pop.uniforms(m.steps, m.rng_zones)
        pop.quarter(np.array([self.index]), u[[self.index]], m.steps)


class _ZoneLevels(Mapping):
    """Read-only view of a zone's implemented lever levels."""

    _array = "policy"

    def __init__(self, zone: ZoneAgent):
        self._zone = zone

    def __getitem__(self, name: str) -> float:
        if name not in ZONE_LEVERS:
            raise KeyError(f"{name!r} is not a zone lever; allowed: {', '.join(ZONE_LEVERS)}")
        return float(getattr(self._zone.model.zones, self._array)[self._zone.index, ZONE_LEVERS.index(name)])

    def __iter__(self):
        return iter(ZONE_LEVERS)

    def __len__(self) -> int:
        return len(ZONE_LEVERS)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __setitem__(self, name: str, value: float) -> None:
        raise TypeError(
            f"zone.levers[{name!r}] is the implemented level: it moves by piloting toward the zone's target, "
            f"imitation and nationwide replication. Set zone.targets[{name!r}] = value (the zone pilots toward it "
            "from the next quarter) or schedule the change in the scenario ([[schedule]])"
        )


class _ZoneTargets(_ZoneLevels):
    """A zone's policy targets; setting one applies it like a schedule entry now."""

    _array = "target"

    def __setitem__(self, name: str, value: float) -> None:
        from ftzsim.levers import get

        p = get(name) if name in ZONE_LEVERS else None
        if p is None:
            raise KeyError(f"{name!r} is not a zone lever; allowed: {', '.join(ZONE_LEVERS)}")
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"zone.targets[{name!r}]: {value!r} is not a number; allowed: {p.range_text()}")
        if not p.lower <= float(value) <= p.upper:
            raise ValueError(f"zone.targets[{name!r}]: {value!r} is out of range; allowed: {p.range_text()}")
        m = self._zone.model
        m.zones.set_target(self._zone.index, name, float(value), m.steps)


class RegulatorAgent(Agent):
    """A data regulator: the national one (``zone=None``) or one per zone.

    A view onto the model's :class:`~ftzsim.model.zones.ZonePopulation`: zone regulators run
    :meth:`~ftzsim.model.zones.ZonePopulation.regulate` (the stress-test ratchet on allowed
    data openness, 000 §3; the review queue, 004; inspection, 000 §4) for their zone, the
    national regulator :meth:`~ftzsim.model.zones.ZonePopulation.regulate_nationally` (a
    ceiling on every zone's openness, 宏观审慎).
    """

    def __init__(self, model: FTZModel, zone: ZoneAgent | None):
        super().__init__(model)
        self.zone = zone

    def __repr__(self) -> str:
        return f"RegulatorAgent({self.zone.name if self.zone else 'national'!r})"

    @property
    def allowed_openness(self) -> float:
        pop = self.model.zones
        return float(pop.ceiling if self.zone is None else pop.allowed[self.zone.index])

    @property
    def tightenings(self) -> int:
        """How often this regulator has tightened openness."""
        pop = self.model.zones
        return int(pop.national_tightenings if self.zone is None else pop.tightenings[self.zone.index])

    def step(self) -> None:
        """This regulator's quarter alone (the model runs all zone regulators at once)."""
        m = self.model
        if self.zone is None:
            m.zones.regulate_nationally()
        else:
            m.zones.regulate(np.array([self.zone.index]), m.firms, m.steps)


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
        m.firms.step(m.zone_inputs(), m.steps, idx=np.array([self.index]))
