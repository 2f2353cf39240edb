"""Scaling: cost per firm-step from 10k to 1M firms, memory per firm agent, construction time.

Goals (issue 5, goal 2): cost per firm-step at 1,000,000 firms within 1.3x of the cost at
10,000; under 500 bytes per firm agent; model construction with 100k firms under 1 s.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from common import best_of, emit

from ftzsim import FTZModel, load_scenario


def per_firm_step(n: int) -> float:
    m = FTZModel("baseline", rng=1, n_firms=n, build_firm_agents=False)
    m.step()
    f, inp = m.firms, m.zone_inputs(2)
    return best_of(lambda: f.step(inp, m.rng_firms, 2), repeat=7 if n <= 100_000 else 3) / f.n


def memory_per_agent(n: int, agents: bool) -> float:
    sc = load_scenario("baseline")
    FTZModel(sc, rng=1, n_firms=1000, build_firm_agents=agents)  # warm imports and caches
    gc.collect()
    tracemalloc.start()
    m0 = tracemalloc.take_snapshot()
    model = FTZModel(sc, rng=1, n_firms=n, build_firm_agents=agents)
    m1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in m1.compare_to(m0, "filename"))
    del model
    return size / n


def construction(n: int, agents: bool) -> float:
    sc = load_scenario("baseline")
    FTZModel(sc, rng=1, n_firms=1000, build_firm_agents=agents)
    return best_of(lambda: FTZModel(sc, rng=2, n_firms=n, build_firm_agents=agents), repeat=3)


def main() -> None:
    costs = {n: per_firm_step(n) for n in (10_000, 100_000, 1_000_000)}
    emit(
        "scaling",
        s_per_firm_step={str(k): v for k, v in costs.items()},
        ratio_1m_over_10k=costs[1_000_000] / costs[10_000],
        goal_ratio="<= 1.3",
    )
    t0 = time.perf_counter()
    emit(
        "memory",
        bytes_per_firm_with_mesa_agents=memory_per_agent(100_000, True),
        bytes_per_firm_arrays_only=memory_per_agent(100_000, False),
        goal="< 500 bytes per firm agent",
    )
    emit(
        "construction",
        seconds_100k_firms_with_agents=construction(100_000, True),
        seconds_100k_firms_arrays_only=construction(100_000, False),
        goal="< 1 s",
        measured_in_s=round(time.perf_counter() - t0, 1),
    )


if __name__ == "__main__":
    main()
