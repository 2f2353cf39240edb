"""Scenario discovery on a sweep (Bryant & Lempert 2010): under which input ranges does an
outcome cross a threshold? This module turns a result store into inputs ``X`` and cases
``y`` and runs one method: PRIM (:mod:`ftzsim.engine.prim`) or CART
(:mod:`ftzsim.engine.cart`), with extra-trees feature scores
(:mod:`ftzsim.engine.feature_scoring`) beside either. ``ftzsim discover`` writes what
:func:`discover` returns.

Every run is one point (replicates of a design row are separate points with the same
inputs: seed noise then lowers the density a box can reach, as it should).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["discover", "discovery_inputs"]


def discovery_inputs(sweep_dir: str | Path, outcome: str, parameters: list[str] | None = None):
    """``(X, values, bounds)`` of a sweep: design inputs per run, the outcome per run, and
    the design bounds of each input (for drawing boxes against the sampled range).

    ``outcome`` is a scalar column or ``reducer:outcome`` over the stored series (as for
    ``ftzsim sensitivity``)."""
    from ftzsim.engine.sensitivity import outcome_values
    from ftzsim.engine.store import RunStore, load_results, load_timeseries

    store = RunStore(sweep_dir)
    man = store.manifest()
    results = load_results(sweep_dir)
    series = load_timeseries(sweep_dir) if ":" in outcome else None
    values = outcome_values(results, outcome, series)
    problem = man.get("problem") or {}
    names = list(problem.get("names") or man.get("parameters") or [])
    bounds = dict(zip(names, [tuple(b) for b in problem.get("bounds", [])], strict=False))
    if parameters:
        unknown = [p for p in parameters if p not in names]
        if unknown:
            raise ValueError(f"parameters {unknown} are not inputs of this sweep; allowed: {', '.join(names)}")
        names = list(parameters)
    names = [n for n in names if n in results.columns and results[n].nunique() > 1]
    if not names:
        raise ValueError("the sweep varies no numeric input: nothing to discover")
    merged = values.merge(results[["row_id", "replicate", *names]], on=["row_id", "replicate"], validate="1:1")
    merged = merged[np.isfinite(merged["y"].to_numpy(dtype=float))]
    for n in names:
        bounds.setdefault(n, (float(merged[n].min()), float(merged[n].max())))
    return merged[names].reset_index(drop=True), merged["y"].to_numpy(dtype=float), bounds


def discover(X: pd.DataFrame, values: np.ndarray, *, above: float | None = None, below: float | None = None,
             method: str = "prim", threshold: float = 0.8, alpha: float = 0.05, mass_min: float = 0.05,
             n_boxes: int = 1, step: int | None = None, max_depth: int = 4, seed: int = 0,
             max_qp: float | None = None) -> dict:  # fmt: skip
    """Boxes where ``values > above`` (or ``values < below``) concentrate, with feature scores.

    Returns a dict: ``boxes`` (``box, parameter, lower, upper, coverage, density`` and
    ``mass``, ``qp`` for PRIM), ``tradeoff`` (PRIM's peeling trajectory of the first box;
    empty for CART), ``chosen`` (its chosen step), ``scores`` (extra-trees feature scores of
    the cases), ``n_cases``, ``n_runs``.
    """
    if (above is None) == (below is None):
        raise ValueError("give exactly one of --above X or --below X")
    y = values > above if above is not None else values < below
    if method == "prim":
        from ftzsim.engine.prim import prim

        res = prim(X, y, alpha=alpha, mass_min=mass_min, threshold=threshold, n_boxes=n_boxes, step=step,
                   max_qp=max_qp)  # fmt: skip
        boxes = res.table()
        tradeoff, chosen = res.boxes[0].trajectory, res.boxes[0].chosen
    elif method == "cart":
        from ftzsim.engine.cart import cart_boxes

        boxes, tradeoff, chosen = cart_boxes(X, y, max_depth=max_depth, min_leaf=mass_min, seed=seed), None, None
    else:
        raise ValueError(f"method {method!r}: allowed: prim, cart")
    from ftzsim.engine.feature_scoring import extra_trees_scores

    both = 0 < y.sum() < len(y)  # scores need runs of both kinds
    scores = extra_trees_scores(X, y, seed=seed) if both else pd.DataFrame(columns=["parameter", "score"])
    return {"boxes": boxes, "tradeoff": tradeoff, "chosen": chosen, "scores": scores, "n_cases": int(y.sum()),
            "n_runs": len(y)}  # fmt: skip
