"""Reference implementations of the firm rule, for benchmarks and equivalence tests only.

* :class:`PerAgentFTZModel` — the plain Mesa way: every firm is a Mesa agent that keeps its
  own state in Python floats, ints and lists and runs the rule in its own ``step()``; the
  model calls ``shuffle_do("step")`` on the firm agents and each agent adds its flows to
  the zone totals (a list of lists). No NumPy scalar indexing in the per-agent step: the
  quarter's zone inputs and uniforms are turned into Python lists once per quarter.
* :func:`numpy_quarter` — the bare NumPy arithmetic of the rule on the model's arrays (no
  model overhead, no compiler), the floor a vectorised implementation reaches without
  compiling; it draws its uniforms with :func:`philox_uniforms`, also in NumPy.

Both draw the same random numbers as ``ftzsim.model.kernel.firm_quarter``: uniforms of
firm ``i`` in quarter ``t`` from Philox-4x32-10 keyed by the model's firm key. The NumPy
rule computes them with :func:`philox_uniforms`, an independent NumPy implementation of the
generator (the tests check it against the kernel's and against Random123's known answers);
the per-agent reference takes them once per quarter from the kernel's compiled generator
(``firm_uniforms``, 1.3 ms per quarter at 20,000 firms against 3.9 ms in NumPy), so its time
is the rule's, not the generator's. So all three compute the same firm states exactly,
whatever order the agents are visited in.

Neither is used by ftzsim itself: the package has one implementation of the rule (the
kernel). These exist to measure it against and to check it computes the same thing.
"""

from __future__ import annotations

import math
import time

import numpy as np
from mesa import Agent

from ftzsim.model import FTZModel
from ftzsim.model.kernel import ACC, APPROVED, DS, NONE, PENDING, firm_uniforms

_M32 = np.uint64(0xFFFFFFFF)


def philox4x32_numpy(c0, c1, c2, c3, k0, k1):
    """Philox-4x32-10 on uint64 arrays holding 32-bit words (Salmon et al. 2011)."""
    for _ in range(10):
        p0 = c0 * np.uint64(0xD2511F53)
        p1 = c2 * np.uint64(0xCD9E8D57)
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _M32, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _M32
        k0 = (k0 + np.uint64(0x9E3779B9)) & _M32
        k1 = (k1 + np.uint64(0xBB67AE85)) & _M32
    return c0, c1, c2, c3


def philox_uniforms(key, t: int, idx) -> np.ndarray:
    """The three uniforms (adoption, green channel, incident) of firms ``idx`` in quarter
    ``t``, shape (3, len(idx)): counter (firm index, quarter, 0), key = the firm key."""
    i = np.asarray(idx, dtype=np.uint64)
    key = np.uint64(key)
    zero = np.zeros_like(i)
    r = philox4x32_numpy(i & _M32, i >> np.uint64(32), zero + (np.uint64(t) & _M32), zero,
                         key & _M32, key >> np.uint64(32))  # fmt: skip
    return np.stack(r[:3]) * 2.0**-32


class RefFirm(Agent):
    """A firm holding its own state in Python objects, stepping itself."""

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
        inp, t = m.ref_inputs, m.steps
        z = self.z
        totals = m.ref_acc[z]
        d = self.d
        if self.adopted:
            d += (1.0 - d) * inp["maturity"][z]
        else:
            g = inp["gain"][z] * self.sqrt_size_rel
            c = inp["adoption_cost"] * (1.0 - inp["subsidy"][z] * self.sme)
            gate = 2.0 * g / max(g + c, 1e-12)
            if m.ref_u[0][self.i] < -math.expm1(-0.25 * inp["hazard"][z] * gate):
                self.adopted = True
                d = max(d, 0.25)
        self.d = d
        mult = self.size * math.exp(inp["boost"] * self.boost_coef * d)
        fc_sigma = inp["fixed_cost"][self.zs] * (1.0 - inp["fixed_cost_digital_cut"] * d) * inp["sigma"]
        is_ds = self.sector == DS
        limited = is_ds and self.approval != APPROVED
        wants = serving = False
        flow = 0.0
        for b, rev in enumerate(inp["revenue"][self.zs]):
            r = rev * mult
            if r > fc_sigma:  # variable profit r / sigma above the fixed cost
                wants = True
            if limited:
                r *= 1.0 - inp["pending_penalty"]
            if r > fc_sigma:
                self.exports[b] = 0.25 * r
                flow += 0.25 * r
                serving = True
            else:
                self.exports[b] = 0.0
        if is_ds and self.approval == NONE and wants:
            self.applied = t
            if m.ref_u[1][self.i] < inp["green"][z]:
                self.approval = APPROVED
                totals[11] += 1.0
            else:
                self.approval = PENDING
        data_exporter = serving and self.data_risk > 0 and ((not is_ds) or self.approval == APPROVED)
        inc = False
        prob = 0.0
        if data_exporter:
            rb = inp["risk_based"]
            insp = min(0.95, inp["inspection"][z] * ((1 - rb) + rb * self.risk))
            prob = inp["incident"][z] * self.data_risk * self.risk * self.volume * (1 - insp)
            inc = m.ref_u[2][self.i] < prob
        self.incident = inc
        w = self.w
        totals[2 - self.sector] += w * flow
        totals[3] += w
        totals[4] += w * self.adopted
        totals[5] += w * d
        totals[6] += w * serving
        totals[7] += w * inc
        totals[8] += w * data_exporter
        totals[14] += w * prob
        if is_ds:
            totals[12] += w * inc
            totals[13] += w * data_exporter
            totals[15] += w * prob
            totals[9] += w * (self.approval == PENDING)
            totals[10] += w * self.size * math.exp(inp["boost"] * d)


class _PerAgentPopulation:
    """Stands in for FirmPopulation.step: runs every RefFirm's own step(), in random order.

    ``rule_cpu_s`` sums the CPU time of the firm rule alone (what the benchmarks compare
    with), leaving out the model's zone phase and the queue's state syncing.
    """

    def __init__(self, model, arrays):
        self.model = model
        self.arrays = arrays
        self.rule_cpu_s = 0.0

    def step(self, inp, t, idx=None):
        c0 = time.process_time()
        m = self.model
        a = self.arrays
        m.ref_inputs = {k: (v.tolist() if isinstance(v, np.ndarray) else float(v)) for k, v in vars(inp).items()}
        # the same numbers as the kernel's, drawn the cheapest way available (its compiled
        # generator), so the reference's time is not inflated by how they are produced
        m.ref_u = firm_uniforms(a.key, t, np.arange(a.n)).tolist()
        m.ref_acc = [[0.0] * len(ACC) for _ in range(a.n_zones)]
        m.ref_agents.shuffle_do("step")
        acc = np.array(m.ref_acc)
        self.rule_cpu_s += time.process_time() - c0
        return acc

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
            "applied_step": np.array([f.applied for f in agents]),
            "exports": np.array([f.exports for f in agents]),
            "incident": np.array([f.incident for f in agents]),
        }


def numpy_quarter(f, inp, t, u=None) -> np.ndarray:
    """The firm rule as bare NumPy array expressions on the population arrays ``f``.

    Updates the state arrays of ``f`` in place, like the kernel, and returns the zone
    totals. Draws the uniforms with :func:`philox_uniforms` (NumPy too) unless they are
    given as ``u`` (3 x n; the benchmarks time the rule's arithmetic alone that way).
    """
    if u is None:
        u = philox_uniforms(f.key, t, np.arange(f.n))
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
    fc_sigma = inp.fixed_cost[f.zs] * (1 - inp.fixed_cost_digital_cut * d) * inp.sigma
    limited = f.is_ds & (f.approval != APPROVED)
    wants = (rev > fc_sigma[:, None]).any(axis=1)
    rev = np.where(limited[:, None], rev * (1 - inp.pending_penalty), rev)
    serve = rev > fc_sigma[:, None]
    exports = np.where(serve, 0.25 * rev, 0.0)
    apply = f.is_ds & (f.approval == NONE) & wants
    green = apply & (u[1] < inp.green[z])
    approval = np.where(green, APPROVED, np.where(apply, PENDING, f.approval))
    exporting = serve.any(axis=1)
    data_exporter = exporting & (f.data_risk > 0) & (~f.is_ds | (approval == APPROVED))
    risk = f.risk.astype(np.float64)  # float32 column: NumPy would keep a Python float x it in float32
    insp = np.minimum(0.95, inp.inspection[z] * ((1 - inp.risk_based) + inp.risk_based * risk))
    prob = np.where(data_exporter, inp.incident[z] * f.data_risk * risk * f.volume * (1 - insp), 0.0)
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
    f.digital_level[:] = d
    f.adopted[:] = adopted
    f.approval[:] = approval
    f.applied_step[apply] = t
    f.exports[:] = exports
    f.incident[:] = incident
    return acc
