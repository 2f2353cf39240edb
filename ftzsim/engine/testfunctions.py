"""Functions with known sensitivity indices, for testing the engine (importable by workers)."""

from __future__ import annotations

import math

__all__ = [
    "G_A",
    "ISHIGAMI_S1",
    "ISHIGAMI_ST",
    "g_function",
    "g_indices",
    "ishigami",
    "ishigami_policy",
    "ishigami_reference",
    "lever_effects",
    "planted_box",
    "policy_times_scenario",
    "sometimes_fails",
]

#: Analytic indices of the Ishigami function with a = 7, b = 0.1 (Ishigami & Homma 1990;
#: Saltelli et al. 2008, Global Sensitivity Analysis: The Primer).
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(params: dict, seed: int) -> dict[str, float]:
    """Ishigami function of x1, x2, x3 in [-pi, pi]; the seed is unused (deterministic).

    The registry has no parameters named x1..x3, so the engine passes the design's values
    for three registry parameters scaled to [-pi, pi] by the test (see tests/engine)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def sometimes_fails(params: dict, seed: int) -> dict[str, float]:
    """Raises for some inputs, hangs for others (to test failure isolation and timeouts)."""
    if params.get("fail"):
        raise ValueError(f"deliberate failure for {params}")
    if params.get("hang"):  # a run stuck in a Python loop (as a model that never converges)
        import time

        end = time.monotonic() + float(params["hang"])
        while time.monotonic() < end:
            time.sleep(0.01)
    return {"y": float(params.get("x", 0.0)) + seed % 7}


def slow_model(params: dict, seed: int) -> dict[str, float]:
    """A deterministic function taking about 50 ms (to test killing workers mid-sweep)."""
    import time

    time.sleep(0.05)
    return {"y": params["x"] * 2.0 + seed % 11}


def _seed_noise(seed: int) -> float:
    """A seed's own shock, shared by every run on that seed (a stand-in for the noise two
    scenarios share under common random numbers)."""
    import numpy as np

    return float(np.random.default_rng(np.random.SeedSequence(seed)).normal(0.0, 5.0))


def ishigami_policy(params: dict, seed: int) -> dict[str, float]:
    """A 'policy' run: the Ishigami function plus a large seed shock and a level."""
    return {"y": 100.0 + ishigami(params, seed)["y"] + _seed_noise(seed)}


def ishigami_reference(params: dict, seed: int) -> dict[str, float]:
    """Its 'reference' run: the same level and seed shock, without the Ishigami term, so the
    paired difference is exactly the Ishigami function (known Sobol indices)."""
    return {"y": 100.0 + _seed_noise(seed)}


def lever_effects(params: dict, seed: int) -> dict[str, float]:
    """Two outcomes whose lever effects are known in closed form (to test the effect card).

    ``y = (1 + 0.5 x + 0.25 z) u (1 + 0.1 (seed mod 7))``: moving ``x`` from 0 to 1 (``z`` at
    its default 0) raises ``y`` by exactly 50 %, ``z`` from 0 to 4 by exactly 100 %, for every
    ``u`` -- but only when both runs of a pair share the seed (the seed factor cancels).
    ``w = 10 u x + (seed mod 5) + 1``: moving ``x`` from 0 to 1 adds exactly ``10 u``.
    """
    x, z, u = params.get("x", 0.0), params.get("z", 0.0), params.get("u", 1.0)
    noise = 1.0 + 0.1 * (seed % 7)
    return {"y": (1.0 + 0.5 * x + 0.25 * z) * u * noise, "w": 10.0 * u * x + seed % 5 + 1.0}


def policy_times_scenario(params: dict, seed: int) -> dict[str, float]:
    """``y = p * s`` of a policy value ``p`` and a scenario value ``s`` (deterministic), and
    ``noisy = y + seed noise`` (to check that robustness averages replicates): regret tables
    of it can be worked out by hand (tests/decision/test_robustness.py)."""
    y = float(params["p"]) * float(params["s"])
    return {"y": y, "noisy": y + (seed % 5 - 2) * 0.1}


def planted_box(params: dict, seed: int) -> dict[str, float]:
    """1 inside x1 in [0.2, 0.5] and x3 in [0.6, 0.9], 0 outside, plus seeded normal noise
    (sd 0.1): scenario discovery must find that box (tests/decision/test_discovery.py)."""
    import numpy as np

    inside = 0.2 <= params["x1"] <= 0.5 and 0.6 <= params["x3"] <= 0.9
    # noise drawn from the seed and the inputs: every row its own draw, reproducibly
    key = [seed, *(int(float(v) * 2**32) for _, v in sorted(params.items()))]
    return {"y": float(inside) + 0.1 * float(np.random.default_rng(np.random.SeedSequence(key)).standard_normal())}


#: Coefficients of Sobol's G-function used in the tests: small a = important input.
G_A = (0.0, 1.0, 4.5, 9.0, 99.0)


def g_function(X, a=G_A):
    """Sobol's G-function ``prod_i (|4 x_i - 2| + a_i) / (1 + a_i)`` on [0, 1]^D, vectorised
    over the rows of ``X`` (Saltelli et al. 2008, The Primer, §3.6)."""
    import numpy as np

    X = np.atleast_2d(np.asarray(X, dtype=float))
    a = np.asarray(a, dtype=float)
    return np.prod((np.abs(4 * X - 2) + a) / (1 + a), axis=1)


def g_indices(a=G_A) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Analytic first-order and total indices of :func:`g_function`:
    ``V_i = 1 / (3 (1 + a_i)^2)``, ``V = prod(1 + V_i) - 1``, ``S_i = V_i / V``,
    ``ST_i = V_i prod_{j != i}(1 + V_j) / V``."""
    v = [1 / (3 * (1 + ai) ** 2) for ai in a]
    total = math.prod(1 + vi for vi in v) - 1
    s1 = tuple(vi / total for vi in v)
    st = tuple(vi * math.prod(1 + vj for j, vj in enumerate(v) if j != i) / total for i, vi in enumerate(v))
    return s1, st
