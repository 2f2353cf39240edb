"""Feature scores: which inputs an outcome (or a class of outcomes) depends on, from an
ensemble of extremely randomised trees (Geurts et al. 2006), as EMA Workbench's
``feature_scoring.get_ex_feature_scores``. Works on any design (no structure needed), so it
screens a policies x scenarios sweep before PRIM narrows in. Scores are the trees' mean
decrease in impurity, normalised to sum to one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["extra_trees_scores"]


def extra_trees_scores(X: pd.DataFrame, y, *, n_estimators: int = 250, seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores of ``y`` on the columns of ``X``: a classifier when ``y``
    is boolean, a regressor otherwise. Returns ``parameter, score`` sorted high to low."""
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    y = np.asarray(y)
    cls = ExtraTreesClassifier if y.dtype == bool else ExtraTreesRegressor
    model = cls(n_estimators=n_estimators, max_features="sqrt" if cls is ExtraTreesClassifier else 1.0,
                random_state=seed, n_jobs=1).fit(X.to_numpy(dtype=float), y)  # fmt: skip
    out = pd.DataFrame({"parameter": list(X.columns), "score": model.feature_importances_})
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
