"""Functions with known sensitivity indices, for testing the engine (importable by workers)."""

from __future__ import annotations

import math

__all__ = ["ISHIGAMI_S1", "ISHIGAMI_ST", "ishigami", "ishigami_policy", "ishigami_reference", "sometimes_fails"]

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
