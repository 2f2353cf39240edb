"""Firm step: compiled kernel vs the per-agent Mesa reference vs bare NumPy (same rule).

Prints JSON lines with seconds per firm-step and the ratios (issue 5, goal 1):
per-agent Mesa / kernel (goal >= 20) and kernel / bare NumPy (goal <= 2).
"""

from __future__ import annotations

import numpy as np
from common import best_of, emit
from reference_model import PerAgentFTZModel, numpy_quarter

from ftzsim import FTZModel


def main(n_firms: int = 20_000) -> None:
    m = FTZModel("baseline", rng=1, n_firms=n_firms, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    u = m.rng_firms.random((3, f.n), dtype=np.float32)
    kernel = best_of(lambda: f.step(inp, m.rng_firms, 2), repeat=20) / f.n
    numpy_t = best_of(lambda: numpy_quarter(f, inp, u, 2), repeat=10) / f.n
    ref = PerAgentFTZModel("baseline", rng=1, n_firms=n_firms)
    ref.step()
    rinp = ref.zone_inputs(2)
    per_agent = best_of(lambda: ref.firms.step(rinp, ref.rng_firms, 2), repeat=3) / f.n
    emit(
        "firm_step",
        n_firms=f.n,
        kernel_s_per_firm_step=kernel,
        numpy_s_per_firm_step=numpy_t,
        per_agent_mesa_s_per_firm_step=per_agent,
        ratio_per_agent_over_kernel=per_agent / kernel,
        ratio_kernel_over_numpy=kernel / numpy_t,
        goal_per_agent_over_kernel=">= 20",
        goal_kernel_over_numpy="<= 2",
    )


if __name__ == "__main__":
    main()
