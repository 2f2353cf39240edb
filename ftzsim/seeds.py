"""Replicate seeds from one master seed (common random numbers across scenarios).

``numpy.random.SeedSequence(master).spawn(n)`` gives statistically independent child
streams; each child is reduced to one 63-bit integer so it can be stored in result tables
and passed to ``FTZModel(rng=...)``. Every scenario and design row of an experiment runs on
the same list, so differences between them are not seed noise (STYLE §6).
"""

from __future__ import annotations

import numpy as np

__all__ = ["replicate_seeds"]


def replicate_seeds(master: int, n: int) -> list[int]:
    """``n`` replicate seeds derived from ``master`` (0 is a valid master seed)."""
    if n < 0:
        raise ValueError("number of replicates must be >= 0")
    return [
        int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(master).spawn(n)
    ]
