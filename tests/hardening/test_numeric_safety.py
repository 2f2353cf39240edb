"""No NaN or infinity anywhere, and conservation at every step, for random points of the whole
parameter space (hypothesis draws every lever and uncertainty inside its registry bounds)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ftzsim import FTZModel
from ftzsim.levers import REGISTRY


def value(p):
    if p.integer:
        return st.integers(min_value=int(p.lower), max_value=int(p.upper))
    return st.floats(min_value=p.lower, max_value=p.upper, allow_nan=False)


POINTS = st.fixed_dictionaries({name: value(p) for name, p in REGISTRY.items()})


@settings(max_examples=60, deadline=None)
@given(params=POINTS, seed=st.integers(min_value=0, max_value=2**32))
def test_random_points_are_finite_and_conserve(params, seed):
    m = FTZModel("classroom", rng=seed, n_firms=240, quarters=8, build_firm_agents=False, debug=True, **params)
    m.run()  # debug mode checks conservation, bounds and finiteness after every quarter
    for frame in (m.national_frame(), m.zone_frame()):
        assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()
    s = m.summary()
    assert all(np.isfinite(v) for v in s.values())
    assert 0.0 <= s["final_adoption_rate"] <= 1.0 + 1e-12
