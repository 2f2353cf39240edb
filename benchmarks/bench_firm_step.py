"""Firm step: compiled kernel vs the per-agent Mesa reference vs bare NumPy (same rule).

All three draw the same counter-based random numbers (``reference_model.py``). CPU time,
interleaved, median of ``repeats``:

* at 20,000 firms (the baseline): kernel, bare NumPy and the per-agent Mesa reference;
* at 1,000,000 firms: kernel and bare NumPy (the goal: at most 25 ns per firm-step on the
  reference machine), with the per-agent cost per firm-step taken from the 20,000 case.

Bare NumPy is timed twice: drawing its uniforms (Philox in NumPy, which is most of its
cost) and with the uniforms given, i.e. the rule's arithmetic alone.
"""

from __future__ import annotations

import sys

import numpy as np
from common import cpu_interleaved, emit, median
from reference_model import PerAgentFTZModel, numpy_quarter, philox_uniforms

from ftzsim import FTZModel, load_scenario


def main(repeats: int = 7, big: int = 1_000_000) -> None:
    sc = load_scenario("baseline")
    m = FTZModel(sc, rng=1, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    ref = PerAgentFTZModel(sc, rng=1)
    ref.step()
    rinp = ref.zone_inputs(2)
    mb = FTZModel(sc, rng=1, n_firms=big, build_firm_agents=False)
    mb.step()
    fb, inpb = mb.firms, mb.zone_inputs(2)
    f.step(inp, 2), numpy_quarter(f, inp, 2)  # warm
    u, ub = philox_uniforms(f.key, 2, np.arange(f.n)), philox_uniforms(fb.key, 2, np.arange(fb.n))
    cases = {
        "kernel_20k": lambda: f.step(inp, 2),
        "numpy_20k": lambda: numpy_quarter(f, inp, 2),
        "numpy_given_uniforms_20k": lambda: numpy_quarter(f, inp, 2, u),
        "per_agent_mesa_20k": lambda: ref.firms.step(rinp, 2),
        "kernel_1m": lambda: fb.step(inpb, 2),
        "numpy_1m": lambda: numpy_quarter(fb, inpb, 2),
        "numpy_given_uniforms_1m": lambda: numpy_quarter(fb, inpb, 2, ub),
    }
    t = cpu_interleaved(cases, repeats)
    n = {k: (f.n if k.endswith("20k") else fb.n) for k in cases}
    ns = {k: median(v) / n[k] * 1e9 for k, v in t.items()}
    emit(
        "firm_step",
        n_firms={"small": f.n, "large": fb.n},
        repeats=repeats,
        clock="process_time",
        ns_per_firm_step=ns,
        ns_per_firm_step_all={k: [round(x / n[k] * 1e9, 2) for x in v] for k, v in t.items()},
        ratio_per_agent_over_kernel_20k=ns["per_agent_mesa_20k"] / ns["kernel_20k"],
        ratio_per_agent_20k_over_kernel_1m=ns["per_agent_mesa_20k"] / ns["kernel_1m"],
        ratio_numpy_over_kernel_20k=ns["numpy_20k"] / ns["kernel_20k"],
        ratio_numpy_over_kernel_1m=ns["numpy_1m"] / ns["kernel_1m"],
        ratio_numpy_given_uniforms_over_kernel_20k=ns["numpy_given_uniforms_20k"] / ns["kernel_20k"],
        ratio_numpy_given_uniforms_over_kernel_1m=ns["numpy_given_uniforms_1m"] / ns["kernel_1m"],
        ratio_kernel_1m_over_20k=ns["kernel_1m"] / ns["kernel_20k"],
        goal_kernel_1m_ns="<= 25 (reference machine)",
    )


if __name__ == "__main__":
    main(repeats=int(sys.argv[1]) if len(sys.argv) > 1 else 7)
