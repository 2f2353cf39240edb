"""CART for scenario discovery (Breiman et al. 1984; Lempert et al. 2008): a classification
tree separates the cases of interest from the rest, and each leaf it labels a case is a box
(the path's splits are the box's limits). Trees find several boxes at once, but their boxes
are less dense at equal coverage than PRIM's (Lempert et al. 2008); both are offered.

scikit-learn's ``DecisionTreeClassifier`` grows the tree (a split sends ``x <= t`` left).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cart_boxes"]


def cart_boxes(X: pd.DataFrame, y, *, max_depth: int = 4, min_leaf: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """The leaves of a classification tree that are mostly cases, as boxes.

    Parameters
    ----------
    X : DataFrame
        One numeric column per parameter, one row per run.
    y : array-like of bool
        Whether each run is a case of interest.
    max_depth : int
        Depth of the tree: at most this many limits per box (keeps boxes readable).
    min_leaf : float
        Smallest leaf as a share of the runs (as PRIM's ``mass_min``).

    Returns
    -------
    DataFrame
        ``box, parameter, lower, upper, coverage, density, mass``: one row per restricted
        parameter of each leaf whose density exceeds 0.5, boxes numbered by coverage
        (largest first).
    """
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(y, dtype=bool)
    if not y.any():
        raise ValueError("no run is a case of interest: nothing to discover (change the threshold)")
    Xa = X.to_numpy(dtype=float)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(y))),
                                  random_state=seed).fit(Xa, y)  # fmt: skip
    t = tree.tree_
    full_lo, full_hi = Xa.min(axis=0), Xa.max(axis=0)
    leaves = []

    def walk(node: int, lo: np.ndarray, hi: np.ndarray) -> None:
        if t.children_left[node] == -1:
            leaves.append((node, lo, hi))
            return
        j, thr = t.feature[node], t.threshold[node]
        hi_left = hi.copy()
        hi_left[j] = min(hi[j], thr)
        walk(t.children_left[node], lo, hi_left)
        lo_right = lo.copy()
        lo_right[j] = max(lo[j], thr)
        walk(t.children_right[node], lo_right, hi)

    walk(0, full_lo.copy(), full_hi.copy())
    leaf_of = tree.apply(Xa)
    n_cases = int(y.sum())
    found = []
    for node, lo, hi in leaves:
        inside = leaf_of == node
        dens = float(y[inside].mean())
        if dens <= 0.5:
            continue
        found.append((float(y[inside].sum() / n_cases), dens, float(inside.mean()), lo, hi))
    found.sort(key=lambda b: -b[0])
    rows = []
    for k, (cov, dens, mass, lo, hi) in enumerate(found):
        for j, p in enumerate(X.columns):
            if lo[j] > full_lo[j] or hi[j] < full_hi[j]:
                rows.append({"box": k, "parameter": p, "lower": lo[j], "upper": hi[j], "coverage": cov,
                             "density": dens, "mass": mass})  # fmt: skip
    return pd.DataFrame(rows, columns=["box", "parameter", "lower", "upper", "coverage", "density", "mass"])
