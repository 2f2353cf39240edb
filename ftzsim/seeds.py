"""Replicate seeds from one master seed (common random numbers across scenarios).

``numpy.random.SeedSequence(master).spawn(n)`` gives statistically independent child
streams; each child is reduced to one 63-bit integer so it can be stored in result tables
and passed to ``FTZModel(rng=...)``. Every scenario and design row of an experiment runs on
the same list, so differences between them are not seed noise (STYLE §6).
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_rng", "replicate_seeds"]


def replicate_seeds(master: int, n: int) -> list[int]:
    """``n`` replicate seeds derived from ``master`` (0 is a valid master seed)."""
    if n < 0:
        raise ValueError("number of replicates must be >= 0")
    return [
        int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(master).spawn(n)
    ]


def check_rng(rng):
    """``rng`` as ``FTZModel`` accepts it, or a clear error naming the argument.

    Accepted: None (fresh entropy), a non-negative integer (Python or NumPy), a
    ``numpy.random.Generator``, ``BitGenerator`` or ``SeedSequence``. A NumPy integer is
    turned into a Python one. Anything else raises ``TypeError`` (wrong type) or
    ``ValueError`` (a negative seed) here, not deep inside NumPy.
    """
    if rng is None or isinstance(rng, np.random.Generator | np.random.BitGenerator | np.random.SeedSequence):
        return rng
    if isinstance(rng, bool | np.bool_) or not isinstance(rng, int | np.integer):
        raise TypeError(
            f"rng: expected None, a non-negative integer seed or a numpy.random.Generator, "
            f"got {type(rng).__name__} {repr(rng)[:80]}"
        )
    if rng < 0:
        raise ValueError(f"rng: a seed must be a non-negative integer, got {int(rng)}")
    return int(rng)
