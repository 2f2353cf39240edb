"""Paired runs: the effect of a policy as an outcome of its own.

A researcher's question is about a difference: "what does this reform do to 2030 services
exports, and which assumptions drive that?". A paired experiment runs, for every design row
and replicate seed, the **policy** and its **reference** on the same parameters and the same
seed (common random numbers), and stores, besides the policy's own outcomes,

* ``ref:<outcome>`` — the reference's value,
* ``diff:<outcome>`` — policy minus reference,
* ``pct:<outcome>`` — 100 x (policy / reference - 1), 0 when both are 0.

These are ordinary columns of the result store, so every analysis (Sobol, Morris, FAST, delta,
robustness, scenario discovery) works on the effect as on any outcome, and the seed noise the
two runs share cancels in the difference.

In an experiment file::

    [experiment]
    scenario = "my_policy.toml"   # the policy
    [paired]
    reference = "baseline"        # a scenario name or file, run on the same rows and seeds
    [outcomes]
    names = ["diff:final_ds_exports", "pct:final_ds_exports", "pct:cum_incidents"]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["PREFIXES", "PairedAdapter", "base_outcome", "paired_outcomes"]

#: Prefixes of the outcomes a paired run adds.
PREFIXES = ("ref", "diff", "pct")


def base_outcome(name: str) -> tuple[str, str]:
    """(prefix, outcome) of ``name``: ``("pct", "final_ds_exports")`` for
    ``"pct:final_ds_exports"``, ``("", name)`` for a plain outcome."""
    head, sep, tail = name.partition(":")
    return (head, tail) if sep and head in PREFIXES else ("", name)


def paired_outcomes(policy: dict[str, float], reference: dict[str, float]) -> dict[str, float]:
    """The policy's outcomes plus ``ref:``, ``diff:`` and ``pct:`` of each one."""
    out = dict(policy)
    for k, v in policy.items():
        r = reference[k]
        out[f"ref:{k}"] = r
        out[f"diff:{k}"] = v - r
        out[f"pct:{k}"] = 100.0 * (v / r - 1.0) if r != 0 else (0.0 if v == 0 else math.copysign(math.inf, v))
    return out


class PairedAdapter:
    """``f(params, seed)`` that runs ``policy`` and ``reference`` on the same row and seed.

    Parameters
    ----------
    policy, reference : callable
        ``f(params: dict, seed: int) -> dict[str, float]`` (e.g. two
        :class:`~ftzsim.engine.adapter.FTZAdapter` objects for two scenarios).
    outcomes : list of str, optional
        Names to keep (plain, ``ref:``, ``diff:`` or ``pct:``); default all.
    """

    def __init__(self, policy: Callable, reference: Callable, outcomes: list[str] | None = None):
        self.policy = policy
        self.reference = reference
        self.outcomes = list(outcomes) if outcomes else None

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, float]:
        pol = dict(self.policy(dict(params), seed))
        ref = dict(self.reference(dict(params), seed))
        series = pol.pop("_series", None)
        ref.pop("_series", None)
        out = paired_outcomes(pol, ref)
        if self.outcomes:
            out = {k: out[k] for k in self.outcomes}
        if series is not None:
            out["_series"] = series
        return out
