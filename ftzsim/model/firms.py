"""Firms as a struct of arrays, and the one firm rule that runs over them (DESIGN §5.3, §8).

Firm state lives in NumPy arrays owned by the model; :class:`ftzsim.model.agents.FirmAgent`
objects are views onto one slot. :meth:`FirmPopulation.step` is the firm rule. It runs over
every firm at once in the model's step, and over a single slot when a user calls
``firm.step()`` — the same code, so there is one definition of behaviour.

Behavioural rules and their sources
-----------------------------------
Adoption (Bass 1969; p and q from Sultan, Farley & Lehmann 1990, ``elasticities.csv`` e1)
    Quarterly probability ``1 - exp(-(p + q A_z) g_i / 4)``, where ``A_z`` is the weighted
    adopted share in the firm's zone mixed with its linked zones (peer weight), and
    ``g_i = 2 gain / (gain + cost)`` gates the hazard by net benefit: gain rises with the
    zone's 5G coverage and the firm's size, cost falls with the SME subsidy (000 §3 industry).
    ``g_i = 1`` for a median firm whose gain equals its cost.
Exporting (Melitz 2003; gravity as in Head & Mayer 2014)
    Annual revenue in bloc ``b``: ``R_ib = K_{z s b} · size_i · exp(boost_s · d_i)``, where
    ``K`` (computed by the model each quarter) holds the zone-sector scale, bloc demand, and
    the access term ``τ^{-θ}`` (distance, single window, logistics, digital finance for
    goods and e-commerce; data openness, rule alignment and trust for digital services).
    The firm serves bloc ``b`` when variable profit ``R_ib/σ`` exceeds the fixed cost
    ``F_{z s} (1 - c_d d_i)``; digital level cuts it (Freund & Weinhold 2004, b2).
Data-export approval (004: assessment before export, green channel)
    A services firm without approval exports only ``1 - pending_penalty`` of its potential;
    it applies as soon as exporting with approval would pay; with probability
    ``classification x green_channel_share`` it is approved at once, otherwise it queues
    for the zone regulator (see :meth:`process_queue`).
Incidents (000 §3 governance; assumption)
    A data exporter causes an incident with probability ``base x openness factor x
    (1 - classification/2) x relative non-compliance x volume x (1 - inspection)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ftzsim.model.kernel import ACC, firm_potential, firm_quarter, pending_since
from ftzsim.reference import SECTORS

__all__ = ["APPROVED", "DS", "ECOM", "GOODS", "NONE", "PENDING", "FirmPopulation", "ZoneInputs"]

GOODS, ECOM, DS = 0, 1, 2
NONE, PENDING, APPROVED = 0, 1, 2
#: digital boost by sector, relative to ``digital_boost``: goods firms gain less from being
#: digital than online sellers and services firms (a4). Default of a population built alone;
#: the model sets ``sector_boost`` from ``goods_digital_boost_share``. Services must stay at
#: 1: the kernel reuses a services firm's revenue multiplier as its activity.
SECTOR_BOOST = np.array([0.5, 1.0, 1.0])
#: weight of an e-commerce exporter's data flows in incident risk relative to a services
#: firm exporting data (it moves customer and payment data, less than a services firm).
#: Default of a population built alone; the model sets it from ``ecommerce_data_risk``.
SECTOR_DATA_RISK = np.array([0.0, 0.3, 1.0])


@dataclass
class ZoneInputs:
    """Everything the firm rule needs from zones and regulators this quarter.

    Arrays indexed by zone ``z`` or by ``zs = 3 z + sector``.
    """

    revenue: np.ndarray  # (Z*3, B) annual revenue per unit size at digital level 0
    fixed_cost: np.ndarray  # (Z*3,) fixed cost per bloc served, digital level 0
    hazard: np.ndarray  # (Z,) Bass hazard p + q A_z per year
    gain: np.ndarray  # (Z,) adoption gain factor (5G coverage)
    subsidy: np.ndarray  # (Z,) SME adoption subsidy share
    maturity: np.ndarray  # (Z,) per-quarter growth of an adopter's digital level
    green: np.ndarray  # (Z,) probability that an application takes the green channel
    incident: np.ndarray  # (Z,) incident probability of an average data exporter
    inspection: np.ndarray  # (Z,) share of data exporters inspected effectively
    sigma: float
    boost: float
    fixed_cost_digital_cut: float
    pending_penalty: float
    adoption_cost: float
    risk_based: float


class FirmPopulation:
    """Struct of arrays holding every firm's state.

    Static attributes: ``zone`` (index), ``sector`` (0 goods, 1 e-commerce, 2 digital
    services), ``size`` (sales size ``φ^{σ-1}``, Pareto), ``weight`` (real firms per agent),
    ``sme``, ``compliance``, ``tiebreak``. Dynamic: ``digital_level``, ``adopted``,
    ``approval``, ``applied_step``, ``exports`` (quarterly, by bloc), ``incident``.

    ``key`` (a 64-bit integer the model draws from its firm stream) keys the counter-based
    generator the rule draws its uniforms from (:func:`ftzsim.model.kernel.firm_uniforms`):
    firm ``i``'s numbers in quarter ``t`` depend on ``(key, t, i)`` only.

    Static columns that only enter probabilities (``sqrt_size_rel``, ``risk``, ``volume``)
    are float32: rounding moves a probability by at most 6e-8 of itself, so it flips a draw
    with a chance below 6e-8, nothing next to a run's sampling noise, and the kernel reads
    half the bytes. Columns that enter flows (``size``, ``weight``) and the state
    (``digital_level``) stay float64; ``zs`` = 3 zone + sector is int32.
    """

    def __init__(
        self, zone, sector, size, weight, compliance, digital_level, adopted, tiebreak, n_zones, n_blocs, *, key,
        median_size=None,
    ):  # fmt: skip
        n = len(zone)
        self.n = n
        self.n_zones = n_zones
        self.key = np.uint64(key)
        self.zone = np.asarray(zone, dtype=np.int32)
        self.sector = np.asarray(sector, dtype=np.int8)
        self.zs = (self.zone * 3 + self.sector).astype(np.int32)
        self.size = np.asarray(size, dtype=float)
        self.weight = np.asarray(weight, dtype=float)
        self.compliance = np.asarray(compliance, dtype=float)
        self.digital_level = np.asarray(digital_level, dtype=float)
        self.adopted = np.asarray(adopted, dtype=bool)
        self.tiebreak = np.asarray(tiebreak, dtype=float)
        self.approval = np.zeros(n, dtype=np.int8)
        self.applied_step = np.full(n, -1, dtype=np.int32)
        self._exports = np.zeros((n, n_blocs))
        # the population's step lists its exporters here instead of writing every row of
        # ``exports`` (see the property); ``_ex_rows`` rows are valid, -1 when none pending
        self._ex_idx = np.empty(n, dtype=np.int64)
        self._ex_val = np.empty((n, n_blocs))
        self._ex_rows = -1
        self.incident = np.zeros(n, dtype=bool)
        #: each firm's last ``exp(boost boost_s d)`` and its argument, kept by the kernel for
        #: non-adopters, whose digital level does not move (NaN: not computed yet)
        self.exp_arg = np.full(n, np.nan)
        self.exp_val = np.full(n, np.nan)
        # derived static quantities used every quarter
        # the median size (the caller may pass it when it has computed it already)
        med = (np.median(self.size) if n else 1.0) if median_size is None else median_size
        self.size_rel = self.size / med
        self.sqrt_size_rel = np.sqrt(self.size_rel).astype(np.float32)
        self._all = np.arange(n, dtype=np.int64)
        self.sme = self.size_rel < np.quantile(self.size_rel, 0.8) if n else np.zeros(0, bool)
        mean_nc = max(1e-9, float(np.mean(1 - self.compliance))) if n else 1.0
        self.risk = ((1 - self.compliance) / mean_nc).astype(np.float32)
        self.volume = np.clip(self.size_rel**0.25, 0.5, 3.0).astype(np.float32)
        self.is_ds = self.sector == DS
        #: digital boost and data-flow weight in incident risk by sector (goods, e-commerce,
        #: services); the model sets them from its parameters. Per sector, not per firm: the
        #: kernel reads 3 numbers instead of two float64 columns.
        self.sector_boost = SECTOR_BOOST.copy()
        self.sector_data_risk = SECTOR_DATA_RISK.copy()

    @property
    def exports(self) -> np.ndarray:
        """Quarterly export value by bloc of each firm's last step (firms x blocs).

        The population's step does not write this array: it lists the firms that export
        (about one in six) with their values, and the list is spread into the array here, on
        first read after the step (zeros, then the listed rows: the values the kernel
        computed, copied). Writing every firm's row each quarter cost 4-5 ns per firm-step
        at 1M firms (:func:`ftzsim.model.kernel.firm_quarter`). Read it through this
        property: an array kept from an earlier read is refreshed only by reading it again."""
        if self._ex_rows >= 0:
            rows = self._ex_rows
            self._ex_rows = -1
            ex = self._exports
            ex[...] = 0.0
            ex[self._ex_idx[:rows]] = self._ex_val[:rows]
        return self._exports

    @exports.setter
    def exports(self, value: np.ndarray) -> None:
        self._exports = value
        self._ex_rows = -1

    @property
    def boost_coef(self) -> np.ndarray:
        """Each firm's digital boost relative to ``digital_boost`` (its sector's)."""
        return self.sector_boost[self.sector]

    @property
    def data_risk(self) -> np.ndarray:
        """Each firm's data-flow weight in incident risk (its sector's)."""
        return self.sector_data_risk[self.sector]

    # ------------------------------------------------------------------ the firm rule
    def potential(self, inp: ZoneInputs, idx=None) -> tuple[np.ndarray, np.ndarray]:
        """Full-approval annual revenue by bloc and fixed cost per bloc for firms ``idx``."""
        idx = np.arange(self.n) if idx is None else np.asarray(idx, dtype=np.int64)
        return firm_potential(idx, self.zs, self.size, self.sector_boost, self.digital_level, inp.revenue,
                              inp.fixed_cost, inp.boost, inp.fixed_cost_digital_cut)  # fmt: skip

    def step(self, inp: ZoneInputs, t: int, idx=None) -> np.ndarray:
        """Run the firm rule for all firms (``idx=None``) or the firms in ``idx``.

        Order within the quarter: adoption and digital maturity, then export decisions and
        values, then data-export applications, then incidents. Each firm draws three
        uniforms keyed by ``(self.key, t, firm index)`` inside the kernel, so stepping one
        firm, a subset or all of them, in any order, gives each firm the same numbers.
        Returns the per-zone totals of the firms stepped (zones x
        len(:data:`ftzsim.model.kernel.ACC`)).
        """
        all_firms = idx is None
        if all_firms:
            idx = self._all
        else:
            idx = np.asarray(idx, dtype=np.int64)
            # the kernel indexes without bounds checks or wrap-around of negative indices
            if idx.size and (idx.min() < 0 or idx.max() >= self.n):
                raise IndexError(f"firm indices must be in 0..{self.n - 1}")
        acc = np.zeros((self.n_zones, len(ACC)))
        # a subset's rows are written into the array, so it must hold every firm's values first
        exports = self._exports if all_firms else self.exports
        rows = firm_quarter(
            idx, all_firms, self.key, t,
            self.zs, self.size, self.sqrt_size_rel, self.sme, self.weight, self.risk, self.volume,
            self.sector_boost, self.sector_data_risk,
            self.digital_level, self.adopted, self.approval, self.applied_step, exports, self._ex_idx, self._ex_val,
            self.incident, self.exp_arg, self.exp_val,
            inp.revenue, inp.fixed_cost, inp.hazard, inp.gain, inp.subsidy, inp.maturity, inp.green, inp.incident,
            inp.inspection, inp.sigma, inp.boost, inp.fixed_cost_digital_cut, inp.pending_penalty, inp.adoption_cost,
            inp.risk_based,
            acc,
        )  # fmt: skip
        if all_firms:
            self._ex_rows = rows
        return acc

    def process_queues(self, capacity: np.ndarray, t: int, min_wait: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Each zone regulator approves up to ``capacity[z]`` pending applications that have
        waited at least ``min_wait`` quarters (the assessment takes that long), first come first
        served (ties broken by a fixed random key). Returns approvals and summed waits per zone."""
        pend = pending_since(self.approval, self.applied_step, t, min_wait)
        nz = self.n_zones
        if len(pend) == 0 or not capacity.any():
            return np.zeros(nz), np.zeros(nz)
        if (np.bincount(self.zone[pend], minlength=nz) <= capacity).all():
            take = pend  # every queue fits its capacity (the usual case): no order to settle
        else:
            pend = pend[np.lexsort((self.tiebreak[pend], self.applied_step[pend], self.zone[pend]))]
            zp = self.zone[pend]
            rank = np.arange(len(pend)) - np.searchsorted(zp, zp)  # position in its zone's queue
            take = pend[rank < capacity[zp]]
        self.approval[take] = APPROVED
        zt = self.zone[take]
        return (
            np.bincount(zt, minlength=nz).astype(float),
            np.bincount(zt, weights=(t - self.applied_step[take]).astype(float), minlength=nz),
        )

    def zone_sum(self, values) -> np.ndarray:
        """Sum ``values`` (one per firm) by zone; float even with no firms."""
        return np.bincount(self.zone, weights=np.asarray(values, dtype=float), minlength=self.n_zones).astype(float)

    # ---------------------------------------------------------------------- snapshots
    def frame(self, zone_names, bloc_names):
        """Firm-level snapshot as a DataFrame (only on request: it costs memory)."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "zone": np.asarray(zone_names, dtype=object)[self.zone],
                "sector": np.asarray(SECTORS, dtype=object)[self.sector],
                "size": self.size,
                "weight": self.weight,
                "digital_level": self.digital_level,
                "adopted": self.adopted,
                "approval": np.array(["none", "pending", "approved"], dtype=object)[self.approval],
                "compliance": self.compliance,
                "incident": self.incident,
            }
        )
        for j, b in enumerate(bloc_names):
            df[f"exports_{b}"] = self.exports[:, j]
        df["exports"] = self.exports.sum(axis=1)
        return df
