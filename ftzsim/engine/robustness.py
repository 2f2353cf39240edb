"""Robustness of policies across scenarios: regret and satisficing (a policies x scenarios sweep).

For each policy *p* and scenario *s* the outcome ``y[p, s]`` is the mean over replicates (all
rows ran on the same seeds, so the comparison within a scenario is on common random numbers).

*Regret* (Savage 1951; used for deep uncertainty by Lempert et al. 2003 and in EMA Workbench's
robustness metrics, McPhail et al. 2018): how much worse *p* does in *s* than the best policy
in *s*, ``max_q y[q, s] - y[p, s]`` when more is better (``min_q y[q, s]`` subtracted from
``y[p, s]`` when less is better). A policy is robust by this measure when its maximum (or
90th percentile) regret over the scenarios is small: it is never far from the best choice.

*Satisficing* (Simon 1956; the "domain criterion" of Starr 1963): the share of scenarios in
which the policy meets every threshold, e.g. ``final_incidents<5`` and
``final_ds_exports>=policy:status_quo`` (at least as high as the policy named
``status_quo`` in the same scenario).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Threshold", "parse_threshold", "regret_matrix", "robustness_table", "scenario_means"]

_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_RE = re.compile(r"^\s*([A-Za-z0-9_.:]+?)\s*(<=|>=|<|>)\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class Threshold:
    """``outcome op value``, where value is a number or ``policy:NAME`` (that policy's
    outcome in the same scenario)."""

    outcome: str
    op: str
    value: float | None
    policy: str | None = None

    def __str__(self) -> str:
        return f"{self.outcome}{self.op}{self.value if self.policy is None else 'policy:' + self.policy}"


def parse_threshold(text: str) -> Threshold:
    """Parse ``"final_incidents<5"`` or ``"final_ds_exports>=policy:status_quo"``."""
    m = _RE.match(text)
    if not m:
        raise ValueError(f"threshold {text!r}: allowed: OUTCOME<VALUE, <=, > or >= (e.g. final_incidents<5)")
    name, op, rhs = m.groups()
    if rhs.startswith("policy:"):
        return Threshold(name, op, None, rhs.removeprefix("policy:"))
    try:
        value = float(rhs)
    except ValueError:
        raise ValueError(f"threshold {text!r}: {rhs!r} is not a number or policy:NAME") from None
    if not np.isfinite(value):
        raise ValueError(f"threshold {text!r}: the value must be finite")
    return Threshold(name, op, value)


def scenario_means(results: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean over replicates per (policy, scenario): columns ``policy_id``, ``policy``,
    ``scenario_id`` and the outcomes. Refuses results that are not a policies design or that
    miss runs (a policy without a value in some scenario cannot be ranked there)."""
    need = {"policy_id", "scenario_id"}
    if not need <= set(results.columns):
        raise ValueError("robustness needs a policies x scenarios sweep (design method 'policies': columns "
                         "policy_id and scenario_id)")  # fmt: skip
    missing = [o for o in outcomes if o not in results.columns]
    if missing:
        stored = [c for c in results.columns if c.startswith(("final_", "cum_")) or c == "y"]
        raise ValueError(f"unknown outcome {missing[0]!r}; stored: {', '.join(stored) or ', '.join(results.columns)}")
    if "policy" not in results.columns:
        results = results.assign(policy=results["policy_id"].map(lambda i: f"P{i}"))
    m = results.groupby(["policy_id", "policy", "scenario_id"], sort=True)[outcomes].mean().reset_index()
    n_p, n_s = m["policy_id"].nunique(), m["scenario_id"].nunique()
    if len(m) != n_p * n_s:
        raise ValueError(f"{n_p * n_s - len(m)} (policy, scenario) pairs have no finished run; resume the sweep first")
    return m


def regret_matrix(means: pd.DataFrame, outcome: str, maximize: bool = True) -> pd.DataFrame:
    """Regret of every policy in every scenario (policies as rows, scenarios as columns)."""
    y = means.pivot(index="policy_id", columns="scenario_id", values=outcome)
    best = y.max(axis=0) if maximize else y.min(axis=0)
    return (best - y) if maximize else (y - best)


def _satisficing(means: pd.DataFrame, thresholds: list[Threshold]) -> pd.Series:
    ok = pd.Series(True, index=means.index)
    names = means.groupby("policy_id")["policy"].first()
    for t in thresholds:
        if t.outcome not in means.columns:
            raise ValueError(f"threshold {t}: unknown outcome {t.outcome!r}")
        if t.policy is not None:
            if t.policy not in set(names):
                raise ValueError(f"threshold {t}: no policy named {t.policy!r}; policies: {', '.join(names)}")
            ref = means[means["policy"] == t.policy].set_index("scenario_id")[t.outcome]
            rhs = means["scenario_id"].map(ref)
        else:
            rhs = t.value
        ok &= _OPS[t.op](means[t.outcome], rhs)
    return ok.groupby(means["policy_id"]).mean()


def robustness_table(results: pd.DataFrame, outcome: str, maximize: bool = True,
                     thresholds: list[Threshold] | tuple = (), quantile: float = 0.9) -> pd.DataFrame:  # fmt: skip
    """One row per policy: outcome statistics across scenarios, regret and satisficing.

    Columns: ``policy_id``, ``policy``, ``outcome``, ``direction``, ``n_scenarios``,
    ``mean``, ``std``, ``p10``, ``p90`` (of the scenario means), ``max_regret``,
    ``p90_regret`` (the ``quantile`` of regret over scenarios, linear interpolation),
    ``mean_regret``, ``best_share`` (share of scenarios where the policy is best),
    ``satisficing`` (share of scenarios meeting every threshold; NaN without thresholds).
    Sorted by maximum regret, then the quantile of regret: most robust first.
    """
    thresholds = list(thresholds)
    outs = list(dict.fromkeys([outcome, *(t.outcome for t in thresholds)]))
    means = scenario_means(results, outs)
    reg = regret_matrix(means, outcome, maximize)
    y = means.pivot(index="policy_id", columns="scenario_id", values=outcome)
    names = means.groupby("policy_id")["policy"].first()
    table = pd.DataFrame({
        "policy_id": y.index, "policy": names.reindex(y.index).to_numpy(), "outcome": outcome,
        "direction": "maximize" if maximize else "minimize", "n_scenarios": y.shape[1],
        "mean": y.mean(axis=1).to_numpy(), "std": y.std(axis=1, ddof=1).to_numpy() if y.shape[1] > 1 else np.nan,
        "p10": y.quantile(0.1, axis=1).to_numpy(), "p90": y.quantile(0.9, axis=1).to_numpy(),
        "max_regret": reg.max(axis=1).to_numpy(), "p90_regret": reg.quantile(quantile, axis=1).to_numpy(),
        "mean_regret": reg.mean(axis=1).to_numpy(), "best_share": (reg == 0).mean(axis=1).to_numpy(),
        "satisficing": _satisficing(means, thresholds).reindex(y.index).to_numpy() if thresholds else np.nan,
    })  # fmt: skip
    table = table.sort_values(["max_regret", "p90_regret", "policy_id"], kind="stable").reset_index(drop=True)
    if quantile != 0.9:
        table = table.rename(columns={"p90_regret": f"p{round(quantile * 100)}_regret"})
    return table


def markdown(table: pd.DataFrame, thresholds: list[Threshold] | tuple = ()) -> str:
    """The robustness table as Markdown (for a report or a notebook)."""
    cols = [c for c in table.columns if c not in ("outcome", "direction")]
    lines = [f"Robustness of policies for `{table['outcome'].iloc[0]}` ({table['direction'].iloc[0]}), "
             f"{int(table['n_scenarios'].iloc[0])} scenarios"]  # fmt: skip
    if thresholds:
        lines.append("Satisficing: share of scenarios meeting " + " and ".join(f"`{t}`" for t in thresholds))
    lines += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in table[cols].itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines) + "\n"
