"""Recording a run: this quarter's outcomes into preallocated arrays, frames on request.

Every quarter the firm kernel hands back per-zone totals; :meth:`Recorder.record` turns them,
with the zones' state, into the quarter's zone and national outcomes (the list is
:mod:`ftzsim.outcomes`) and writes them into two arrays sized for the whole run. Nothing is
copied per value: tables (pandas frames, Mesa's ``DataCollector`` views) are built from the
arrays only when someone asks (DESIGN §8: a ``DataCollector`` deep-copying values each step
costs more than the step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ftzsim.levers import ZONE_LEVERS
from ftzsim.model.kernel import ACC
from ftzsim.model.zones import poisson_quantile
from ftzsim.outcomes import NATIONAL_OUTCOMES, REGIONS, ZONE_OUTCOMES, annual
from ftzsim.reference import cny_per_usd

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ftzsim.model.zones import TradeTerms, ZonePopulation

__all__ = ["ArrayCollector", "Recorder", "gini"]


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 for all-equal or all-zero)."""
    x = np.sort(np.asarray(x, dtype=float))
    n, s = len(x), x.sum()
    if n == 0 or s <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * s))


def _kahan_sum(values: list[float]) -> float:
    """Compensated sum in the order given, as pandas' ``groupby().sum()`` computes it for
    values with NaN (skipped; a compensation that turns NaN, after an infinite value,
    restarts at 0)."""
    total = comp = 0.0
    for v in values:
        if v != v:
            continue
        y = v - comp
        t = total + y
        comp = t - total - y
        if comp != comp:
            comp = 0.0
        total = t
    return total


def _last_valid(values: list[float]) -> float:
    """The last value that is not NaN (NaN if there is none), as ``groupby().last()``."""
    for v in reversed(values):
        if v == v:
            return v
    return float("nan")


class Recorder:
    """Zone and national outcomes of every quarter of a run.

    Attributes
    ----------
    national : ndarray (quarters, len(NATIONAL_OUTCOMES))
    zones : ndarray (quarters, Z, len(ZONE_OUTCOMES))
        Row ``t - 1`` holds quarter ``t``; rows of quarters not yet run are zero.
    steps : int
        Quarters recorded so far.
    """

    def __init__(self, zones: ZonePopulation, quarters: int):
        self.zone_pop = zones
        self.quarters = quarters
        Z = zones.n
        self.national = np.zeros((quarters, len(NATIONAL_OUTCOMES)))
        self.zones = np.zeros((quarters, Z, len(ZONE_OUTCOMES)))
        self.steps = 0
        self.real_firms = np.ones(Z)
        self._region_names = [zones.info[i].region for i in range(Z)]
        # yuan per dollar of each quarter's year: series published in CNY are reported in CNY
        trend = zones.params["cny_per_usd_trend"]
        self.cny_per_usd = np.array([cny_per_usd(zones.period_of(s)[0], trend) for s in range(1, quarters + 1)])
        # columns of the zone outcomes: the implemented lever levels are copied from the
        # policy matrix in one assignment, the others one by one
        names = list(ZONE_OUTCOMES)
        self._lever_cols = np.array([names.index(f"lever_{n}") for n in ZONE_LEVERS])
        self._other_zone_outcomes = [n for n in names if n not in {f"lever_{lv}" for lv in ZONE_LEVERS}]
        self._other_cols = np.array([names.index(n) for n in self._other_zone_outcomes])

    def record(self, t: int, acc: np.ndarray, u_risk: np.ndarray, terms: TradeTerms | None = None) -> None:
        """Turn the firm kernel's zone totals (``acc``, zones x :data:`ACC`) and the zones'
        state into quarter ``t``'s outcomes; also update the zone state that next quarter's
        rules read (incident rates, performance, adopted shares).

        Incidents are counted among the real firms the agents stand for: given the agents'
        incident probabilities, a zone's real incidents are Poisson with mean ``Σ weight x
        probability`` (drawn with ``u_risk``, two uniforms per zone). Counting an agent's own
        draw ``weight`` times would give the rate a variance that grows as agents get fewer
        and heavier, so the regulators' ratchet — a threshold on that rate — would tighten
        more often with fewer agents (issue 17). ``terms``: the quarter's
        :meth:`~ftzsim.model.zones.ZonePopulation.trade_terms` (computed when not given)."""
        zp = self.zone_pop
        p = zp.params
        Z = zp.n
        a = {name: acc[:, j] for j, name in enumerate(ACC)}
        # zone totals summed over zones: each row of the transposed copy is summed as NumPy
        # sums a column (pairwise), in one call instead of one per column
        tot = dict(zip(ACC, np.ascontiguousarray(acc.T).sum(axis=1).tolist(), strict=True))
        ds_x, ec_x, gd_x = a["ds_exports"], a["ecommerce_exports"], a["goods_exports"]
        w_all = a["weight"]
        # regulators watch the data exports they assess: services firms' (004); e-commerce
        # incidents count in ``incidents`` but do not move the ratchet, so a lever that changes
        # the number of e-commerce exporters cannot loosen data regulation by diluting the rate
        ds_mean = a["ds_incident_mean"]
        ds_inc = poisson_quantile(u_risk[:, 0], ds_mean)
        incidents = ds_inc + poisson_quantile(u_risk[:, 1], np.maximum(a["incident_mean"] - ds_mean, 0.0))
        data_exp = a["ds_data_exporters"]
        terms = zp.trade_terms() if terms is None else terms
        openness = terms.openness
        r_imp = zp.import_restrictiveness(terms)
        activity = a["ds_activity"] * zp.prod_index
        act_ratio = np.divide(activity, zp.activity0, out=np.ones(Z), where=zp.activity0 > 0)
        ds_m = (
            zp.imports0
            * (1 + p["import_demand_growth"]) ** ((t - 1) / 4.0)
            * np.exp(-p["dstri_semi_elasticity"] * (r_imp - zp.r_import0))
            * act_ratio
        )
        ec_m = zp.ecommerce_imports(t, terms.tau_ec)
        adopt = np.divide(a["adopted"], w_all, out=np.zeros(Z), where=w_all > 0)
        zp.adopted_share = adopt
        expo = np.divide(a["exporting"], w_all, out=np.zeros(Z), where=w_all > 0)
        zp.incident_rate = np.divide(1000 * ds_inc, data_exp, out=np.zeros(Z), where=data_exp > 0)
        tot_de = tot["ds_data_exporters"]
        zp.national_incident_rate = 1000 * ds_inc.sum() / tot_de if tot_de > 0 else 0.0
        pending = a["pending"]
        digital = (ds_x + ec_x) / np.maximum(self.real_firms, 1e-9)
        zp.performance = np.log(digital + 1e-12)
        # level factors (``level_*``, calibrated): the anchor reproduces 2021 in the first
        # quarter, while the data are annual sums of a growing, revised series. The factors
        # multiply the recorded flows and nothing the rules read, so every flow is exactly
        # proportional to its factor and the calibration integrates them analytically
        # (:mod:`ftzsim.calibration.posterior`; tested in tests/calibration).
        ds_x = ds_x * p["level_ds_exports"]
        ec_x = ec_x * p["level_ecommerce"]
        ds_m = ds_m * p["level_ds_imports"]
        ds_total = ds_x + ds_m
        zone_cols = {
            "ds_exports": ds_x,
            "ds_imports": ds_m,
            "ecommerce_exports": ec_x,
            "ecommerce_imports": ec_m,
            "goods_exports": gd_x,
            "adoption_rate": adopt,
            "exporter_share": expo,
            "incidents": incidents,
            "incident_rate": zp.incident_rate,
            "openness": openness,
            "allowed_openness": zp.allowed * zp.active,
            "coverage_5g": zp.coverage,
            "logistics": zp.logistics,
            "pending_applications": pending,
            "active": zp.active.astype(float),
        }
        zd = self.zones[t - 1]
        for j, name in zip(self._other_cols.tolist(), self._other_zone_outcomes, strict=True):
            zd[:, j] = zone_cols[name]
        zd[:, self._lever_cols] = zp.policy
        total = ds_total.sum()
        region = np.bincount(zp.region_idx, weights=ds_total, minlength=len(REGIONS))
        region = region / total if total > 0 else np.zeros(len(REGIONS))
        w_sum = tot["weight"]
        approved = zp.approved_now.sum()
        nat = {
            "ds_exports": tot["ds_exports"] * p["level_ds_exports"],
            "ds_imports": ds_m.sum(),
            "ds_total": total,
            "ecommerce_exports": tot["ecommerce_exports"] * p["level_ecommerce"],
            "ecommerce_exports_cny": tot["ecommerce_exports"] * p["level_ecommerce"] * self.cny_per_usd[t - 1],
            "ecommerce_imports": ec_m.sum(),
            "goods_exports": tot["goods_exports"],
            "adoption_rate": tot["adopted"] / w_sum if w_sum > 0 else 0.0,
            "digital_level": tot["digital"] / w_sum if w_sum > 0 else 0.0,
            "exporter_share": tot["exporting"] / w_sum if w_sum > 0 else 0.0,
            "incidents": incidents.sum(),
            "incident_rate": zp.national_incident_rate,
            "mean_openness": float(openness[zp.active].mean()) if zp.active.any() else 0.0,
            "openness_ceiling": zp.ceiling,
            "pending_applications": tot["pending"],
            "mean_wait": zp.wait_sum_now.sum() / approved if approved > 0 else 0.0,
            "pilots": zp.pilots,
            "imitations": zp.imitations,
            "replications": zp.replications,
            "active_zones": int(zp.active.sum()),
            **{f"share_{r}": region[i] for i, r in enumerate(REGIONS)},
            "gini_zones": gini(ds_total),
        }
        self.national[t - 1] = [nat[n] for n in NATIONAL_OUTCOMES]
        self.steps = t

    def summary(self) -> dict[str, float]:
        """Scalar outcomes of the run so far, from the arrays: what
        :func:`ftzsim.outcomes.summarize` gives for :meth:`national_frame`, to the bit.

        A sweep needs only these scalars, and building the frame and grouping it by year in
        pandas cost a tenth of a whole run (docs/performance.md). The reducers are the ones
        pandas applies to the frame: a year's flow is ``groupby().sum()`` (for groups in order
        and no NaN, pandas' ``np.add.reduceat`` over the year's first rows; with NaN its
        compensated sum skipping NaN), a year's stock ``groupby().last()`` (the last value
        that is not NaN), ``cum_`` is ``Series.sum()`` (NaN counted as 0). Summation order
        decides the last bit, so ``tests/perf/test_run_speedups.py`` checks the equality
        exactly on runs with whole and partial final years.
        """
        n = self.steps
        if n == 0:
            return {}
        years = [self.zone_pop.period_of(s)[0] for s in range(1, n + 1)]
        starts = np.flatnonzero(np.r_[True, np.diff(years) != 0])
        first = int(starts[-1])  # the final year's first quarter
        cols = self.national[:n].T.copy()  # one contiguous row per outcome, as a frame column holds it
        nan = np.isnan(cols).any(axis=1).tolist()
        final: dict[str, float] = {}
        cum: dict[str, float] = {}
        for j, (name, o) in enumerate(NATIONAL_OUTCOMES.items()):
            col = cols[j]
            if o.agg == "stock":
                final[f"final_{name}"] = _last_valid(col[first:].tolist())
                continue
            if nan[j]:
                final[f"final_{name}"] = _kahan_sum(col[first:].tolist())
                cum[f"cum_{name}"] = float(np.where(np.isnan(col), 0.0, col).sum())
            else:
                final[f"final_{name}"] = float(np.add.reduceat(col, starts)[-1])
                cum[f"cum_{name}"] = float(col.sum())
        return {**final, **cum}

    # ------------------------------------------------------------------ views
    def national_now(self) -> dict[str, float]:
        """The last recorded quarter's national outcomes ({} before the first quarter)."""
        if self.steps == 0:
            return {}
        return dict(zip(NATIONAL_OUTCOMES, self.national[self.steps - 1].tolist(), strict=True))

    def zone_now(self, z: int) -> dict[str, float]:
        """The last recorded quarter's outcomes of zone ``z`` ({} before the first quarter)."""
        if self.steps == 0:
            return {}
        return dict(zip(ZONE_OUTCOMES, self.zones[self.steps - 1, z].tolist(), strict=True))

    def time_columns(self, n: int) -> pd.DataFrame:
        import pandas as pd

        periods = [self.zone_pop.period_of(s) for s in range(1, n + 1)]
        return pd.DataFrame(
            {
                "step": np.arange(1, n + 1),
                "year": [p[0] for p in periods],
                "quarter": [p[1] for p in periods],
                "period": [f"{y}Q{q}" for y, q in periods],
            }
        )

    def national_frame(self) -> pd.DataFrame:
        """Quarterly national outcomes recorded so far (one row per quarter). Flows are per
        quarter; units in ``frame.attrs["units"]`` (from :mod:`ftzsim.outcomes`)."""
        n = self.steps
        df = self.time_columns(n)
        for j, name in enumerate(NATIONAL_OUTCOMES):
            df[name] = self.national[:n, j]
        df.attrs["units"] = {k: o.unit for k, o in NATIONAL_OUTCOMES.items()}
        return df

    def zone_frame(self) -> pd.DataFrame:
        """Quarterly zone outcomes recorded so far, long format (quarter x zone)."""
        n, Z = self.steps, self.zone_pop.n
        time = self.time_columns(n)
        df = time.loc[time.index.repeat(Z)].reset_index(drop=True)
        df["zone"] = np.tile(self.zone_pop.names, n)
        df["region"] = np.tile(self._region_names, n)
        data = self.zones[:n].reshape(n * Z, -1)
        for j, name in enumerate(ZONE_OUTCOMES):
            df[name] = data[:, j]
        df.attrs["units"] = {k: o.unit for k, o in ZONE_OUTCOMES.items()}
        return df

    def annual_frame(self, zones: bool = False) -> pd.DataFrame:
        """Annual aggregates: flows summed over quarters, stocks at the year's last quarter."""
        if zones:
            return annual(self.zone_frame(), ZONE_OUTCOMES)
        return annual(self.national_frame(), NATIONAL_OUTCOMES)


class ArrayCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` interface over the recorder's arrays.

    ``get_model_vars_dataframe()`` gives the national quarterly series (with ``period`` and
    ``year``) and ``get_agent_vars_dataframe()`` the zone agents' series (index ``Step``,
    ``AgentID`` as Mesa builds it), both built from the arrays when asked: ``collect()``
    costs nothing per value. Reporters a user adds (``model_reporters`` / ``agent_reporters``
    passed to the constructor) are collected the usual Mesa way on top.
    """

    def __init__(self, recorder: Recorder, zone_ids: list[int], model_reporters=None, agent_reporters=None):
        self._recorder = recorder
        self._zone_ids = zone_ids
        super().__init__(model_reporters=model_reporters, agent_reporters=agent_reporters)

    @property
    def model_vars(self) -> dict[str, list]:
        """Mesa's ``{reporter: [value per collection]}``, read from the recorder's arrays
        (``mesa.batch_run`` reads this)."""
        rec = self._recorder
        n = rec.steps
        periods = [rec.zone_pop.period_of(s) for s in range(1, n + 1)]
        out: dict[str, list] = {"period": [f"{y}Q{q}" for y, q in periods], "year": [y for y, _ in periods]}
        for j, name in enumerate(NATIONAL_OUTCOMES):
            out[name] = rec.national[:n, j].tolist()
        return {**out, **self._user_vars}

    @model_vars.setter
    def model_vars(self, value: dict) -> None:  # Mesa's constructor and user reporters
        self._user_vars = value

    def collect(self, model) -> None:
        """Note the collection time; the values are already in the recorder's arrays.
        User reporters, if any, are collected by Mesa's own ``collect``."""
        if self.model_reporters or self.agent_reporters:
            super().collect(model)  # appends the time itself
        else:
            self._collection_steps.append(model.time)

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        nat = self._recorder.national_frame()
        df = nat[["period", "year", *NATIONAL_OUTCOMES]]
        for name, values in self._user_vars.items():
            df[name] = values
        df.attrs = nat.attrs
        return df

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        z = self._recorder.zone_frame()
        z.insert(0, "AgentID", np.tile(self._zone_ids, self._recorder.steps))
        df = z.rename(columns={"step": "Step"}).set_index(["Step", "AgentID"])
        if self.agent_reporters:
            extra = super().get_agent_vars_dataframe()
            df = pd.concat([df, extra], axis=1)
        return df
