"""Scaling: cost per firm-step from 10k to 1M firms, memory per firm agent, construction time.

Goals (issue 5, goal 2): cost per firm-step at 1,000,000 firms within 1.3x of the cost at
10,000; under 500 bytes per firm agent; model construction with 100k firms under 1 s.
CPU time; the sizes are stepped interleaved and each reports its median. Firm agents are
created on first access of ``model.firm_agents``; the "with agents" cases access it, so they
count the agents' memory and creation.
"""

from __future__ import annotations

import gc
import tracemalloc

from common import cpu_interleaved, emit, median

from ftzsim import FTZModel, load_scenario


def memory_per_agent(n: int, agents: bool) -> float:
    sc = load_scenario("baseline")
    FTZModel(sc, rng=1, n_firms=1000, build_firm_agents=agents)  # warm imports and caches
    gc.collect()
    tracemalloc.start()
    m0 = tracemalloc.take_snapshot()
    model = FTZModel(sc, rng=1, n_firms=n, build_firm_agents=agents)
    if agents:
        assert len(model.firm_agents) == model.firms.n  # created on first access
    m1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in m1.compare_to(m0, "filename"))
    del model
    return size / n


def main(repeats: int = 7) -> None:
    sc = load_scenario("baseline")
    cases, n = {}, {}
    for size in (10_000, 100_000, 1_000_000):
        m = FTZModel(sc, rng=1, n_firms=size, build_firm_agents=False)
        m.step()
        f, inp = m.firms, m.zone_inputs(2)
        cases[str(size)] = lambda f=f, inp=inp: f.step(inp, 2)
        n[str(size)] = f.n
    t = cpu_interleaved(cases, repeats)
    costs = {k: median(v) / n[k] for k, v in t.items()}
    emit(
        "scaling",
        clock="process_time",
        s_per_firm_step=costs,
        ratio_1m_over_10k=costs["1000000"] / costs["10000"],
        goal_ratio="<= 1.3",
    )
    del cases
    emit(
        "memory",
        bytes_per_firm_with_mesa_agents=memory_per_agent(100_000, True),
        bytes_per_firm_arrays_only=memory_per_agent(100_000, False),
        goal="< 500 bytes per firm agent",
    )
    build = cpu_interleaved(
        {
            "with_agents": lambda: FTZModel(sc, rng=2, n_firms=100_000).firm_agents,
            "arrays_only": lambda: FTZModel(sc, rng=2, n_firms=100_000, build_firm_agents=False),
        },
        3,
    )
    emit(
        "construction",
        clock="process_time",
        seconds_100k_firms={k: median(v) for k, v in build.items()},
        goal="< 1 s",
    )


if __name__ == "__main__":
    main()
