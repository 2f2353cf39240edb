"""Reference implementations of the firm rule, for benchmarks and equivalence tests only.

* :class:`PerAgentFTZModel` — the straightforward Mesa way: every firm is a Mesa agent that
  keeps its own state in attributes and runs the rule in its own ``step()``; the model calls
  ``agents.do("step")`` and sums zone totals in Python. Same rule, same random numbers as
  ``ftzsim.model.kernel.firm_quarter``.
* :func:`numpy_quarter` — the bare NumPy arithmetic of the rule on the model's arrays (no
  model overhead), the floor a vectorised implementation can reach without compiling.

Neither is used by ftzsim itself: the package has one implementation of the rule (the
kernel). These exist to measure it against and to check it computes the same thing.
"""

from __future__ import annotations

import math

import numpy as np
from mesa import Agent

from ftzsim.model import FTZModel
from ftzsim.model.kernel import ACC, APPROVED, DS, NONE, PENDING


class RefFirm(Agent):
    """A firm holding its own state, stepping itself."""

    def __init__(self, model, i: int):
        super().__init__(model)
        f = model.firms
        self.i = i
        self.z = int(f.zone[i])
        self.sector = int(f.sector[i])
        self.zs = int(f.zs[i])
        self.size = float(f.size[i])
        self.sqrt_size_rel = float(f.sqrt_size_rel[i])
        self.sme = bool(f.sme[i])
        self.w = float(f.weight[i])
        self.risk = float(f.risk[i])
        self.volume = float(f.volume[i])
        self.data_risk = float(f.data_risk[i])
        self.boost_coef = float(f.boost_coef[i])
        self.d = float(f.digital_level[i])
        self.adopted = bool(f.adopted[i])
        self.approval = int(f.approval[i])
        self.applied = int(f.applied_step[i])
        self.exports = [0.0] * f.exports.shape[1]
        self.incident = False

    def step(self) -> None:
        m = self.model
        inp, u, t, acc = m.ref_inputs, m.ref_u, m.steps, m.ref_acc
        k, z = self.i, self.z
        d = self.d
        if self.adopted:
            d += (1.0 - d) * inp.maturity[z]
        else:
            g = inp.gain[z] * self.sqrt_size_rel
            c = inp.adoption_cost * (1.0 - inp.subsidy[z] * self.sme)
            gate = 2.0 * g / max(g + c, 1e-12)
            if u[0, k] < -math.expm1(-0.25 * inp.hazard[z] * gate):
                self.adopted = True
                d = max(d, 0.25)
        self.d = d
        mult = self.size * math.exp(inp.boost * self.boost_coef * d)
        fc = inp.fixed_cost[self.zs] * (1.0 - inp.fixed_cost_digital_cut * d)
        is_ds = self.sector == DS
        limited = is_ds and self.approval != APPROVED
        wants = serving = False
        flow = 0.0
        for b in range(len(self.exports)):
            r = inp.revenue[self.zs, b] * mult
            if r / inp.sigma > fc:
                wants = True
            if limited:
                r *= 1.0 - inp.pending_penalty
            if r / inp.sigma > fc:
                self.exports[b] = 0.25 * r
                flow += 0.25 * r
                serving = True
            else:
                self.exports[b] = 0.0
        if is_ds and self.approval == NONE and wants:
            self.applied = t
            if u[1, k] < inp.green[z]:
                self.approval = APPROVED
                acc[z, 11] += 1.0
            else:
                self.approval = PENDING
        data_exporter = serving and self.data_risk > 0 and ((not is_ds) or self.approval == APPROVED)
        inc = False
        prob = 0.0
        if data_exporter:
            insp = min(0.95, inp.inspection[z] * ((1 - inp.risk_based) + inp.risk_based * self.risk))
            prob = inp.incident[z] * self.data_risk * self.risk * self.volume * (1 - insp)
            inc = u[2, k] < prob
        self.incident = inc
        w = self.w
        acc[z, 2 - self.sector] += w * flow
        acc[z, 3] += w
        acc[z, 4] += w * self.adopted
        acc[z, 5] += w * d
        acc[z, 6] += w * serving
        acc[z, 7] += w * inc
        acc[z, 8] += w * data_exporter
        acc[z, 14] += w * prob
        if is_ds:
            acc[z, 12] += w * inc
            acc[z, 13] += w * data_exporter
            acc[z, 15] += w * prob
            acc[z, 9] += w * (self.approval == PENDING)
            acc[z, 10] += w * self.size * math.exp(inp.boost * d)


class _PerAgentPopulation:
    """Stands in for FirmPopulation.step: runs every RefFirm's own step()."""

    def __init__(self, model, arrays):
        self.model = model
        self.arrays = arrays

    def step(self, inp, rng, t, idx=None):
        m = self.model
        m.ref_inputs = inp
        m.ref_u = rng.random((3, self.arrays.n), dtype=np.float32)
        m.ref_acc = np.zeros((self.arrays.n_zones, len(ACC)))
        m.ref_agents.do("step")
        return m.ref_acc

    def process_queues(self, capacity, t, min_wait=0):
        # the queue reads approval states: sync the agents' states into the arrays and back
        a = self.arrays
        agents = self.model.ref_agents
        for f in agents:
            a.approval[f.i] = f.approval
            a.applied_step[f.i] = f.applied
        out = a.process_queues(capacity, t, min_wait)
        for f in agents:
            f.approval = int(a.approval[f.i])
        return out


class PerAgentFTZModel(FTZModel):
    """FTZModel whose firms step one Mesa agent at a time (the per-agent reference)."""

    def __init__(self, *args, **kwargs):
        kwargs["build_firm_agents"] = False
        super().__init__(*args, **kwargs)
        arrays = self.firms
        self.ref_agents_list = [RefFirm(self, i) for i in range(arrays.n)]
        self.ref_agents = self.agents_by_type[RefFirm]
        self.firms = _PerAgentPopulation(self, arrays)

    def firm_state(self) -> dict[str, np.ndarray]:
        """The per-agent state gathered into arrays (for comparison with the kernel)."""
        agents = sorted(self.ref_agents_list, key=lambda f: f.i)
        return {
            "digital_level": np.array([f.d for f in agents]),
            "adopted": np.array([f.adopted for f in agents]),
            "approval": np.array([f.approval for f in agents]),
            "exports": np.array([f.exports for f in agents]),
        }


def numpy_quarter(f, inp, u, t) -> np.ndarray:
    """The firm rule as bare NumPy array expressions on the population arrays ``f``."""
    z = f.zone
    adopted, d = f.adopted, f.digital_level
    gain = inp.gain[z] * f.sqrt_size_rel
    cost = inp.adoption_cost * (1 - inp.subsidy[z] * f.sme)
    gate = 2 * gain / np.maximum(gain + cost, 1e-12)
    new = ~adopted & (u[0] < -np.expm1(-0.25 * inp.hazard[z] * gate))
    d = np.where(adopted, d + (1 - d) * inp.maturity[z], d)
    d = np.where(new, np.maximum(d, 0.25), d)
    adopted = adopted | new
    rev = inp.revenue[f.zs] * (f.size * np.exp(inp.boost * f.boost_coef * d))[:, None]
    fc = inp.fixed_cost[f.zs] * (1 - inp.fixed_cost_digital_cut * d)
    limited = f.is_ds & (f.approval != APPROVED)
    wants = (rev / inp.sigma > fc[:, None]).any(axis=1)
    rev = np.where(limited[:, None], rev * (1 - inp.pending_penalty), rev)
    serve = rev / inp.sigma > fc[:, None]
    exports = np.where(serve, 0.25 * rev, 0.0)
    apply = f.is_ds & (f.approval == NONE) & wants
    green = apply & (u[1] < inp.green[z])
    approval = np.where(green, APPROVED, np.where(apply, PENDING, f.approval))
    exporting = serve.any(axis=1)
    data_exporter = exporting & (f.data_risk > 0) & (~f.is_ds | (approval == APPROVED))
    insp = np.minimum(0.95, inp.inspection[z] * ((1 - inp.risk_based) + inp.risk_based * f.risk))
    prob = np.where(data_exporter, inp.incident[z] * f.data_risk * f.risk * f.volume * (1 - insp), 0.0)
    incident = data_exporter & (u[2] < prob)
    w = f.weight
    flow = exports.sum(axis=1)
    nz = f.n_zones
    acc = np.zeros((nz, len(ACC)))
    for col, vals in ((0, w * flow * f.is_ds), (1, w * flow * (f.sector == 1)), (2, w * flow * (f.sector == 0)),
                      (3, w), (4, w * adopted), (5, w * d), (6, w * exporting), (7, w * incident),
                      (8, w * data_exporter), (9, w * (f.is_ds & (approval == PENDING))),
                      (10, w * f.size * np.exp(inp.boost * d) * f.is_ds), (12, w * incident * f.is_ds),
                      (13, w * data_exporter * f.is_ds), (14, w * prob), (15, w * prob * f.is_ds)):  # fmt: skip
        acc[:, col] = np.bincount(z, weights=vals, minlength=nz)
    acc[:, 11] = np.bincount(z[green], minlength=nz)
    return acc
