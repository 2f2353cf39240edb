"""Whole baseline run (20,000 firms, 40 quarters: build + 40 quarters + summary) against the
per-agent Mesa reference of the firm rule alone.

Goals (issue 15): at least 50x faster than the reference on the sweep path
(``build_firm_agents=False``) and at least 33x by default (firm agents built). The reference
is :class:`reference_model.PerAgentFTZModel` run for the same 40 quarters; only the CPU
time of its firm rule counts (``rule_cpu_s``), not its zones or bookkeeping. The scenario is
parsed once, as a sweep's worker does. CPU time, the three interleaved, median of
``repeats``; the parts of a sweep-path run are reported too.
"""

from __future__ import annotations

import sys
import time

from common import cpu_interleaved, emit, median
from reference_model import PerAgentFTZModel

from ftzsim import FTZModel, load_scenario


def main(repeats: int = 9) -> None:
    sc = load_scenario("baseline")
    FTZModel(sc, rng=0, quarters=2).run()  # compile / load the kernel cache
    parts: dict[str, list] = {"build": [], "quarters": [], "summary": []}
    seed = iter(range(1, 10_000))

    def sweep_path():
        t0 = time.process_time()
        m = FTZModel(sc, rng=next(seed), build_firm_agents=False)
        t1 = time.process_time()
        m.run()
        t2 = time.process_time()
        m.summary()
        t3 = time.process_time()
        for k, v in zip(parts, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            parts[k].append(v)
        return t3 - t0

    def default_path():
        m = FTZModel(sc, rng=next(seed))
        m.run()
        m.summary()

    def reference_rule():
        m = PerAgentFTZModel(sc, rng=next(seed))
        m.run()
        return m.firms.rule_cpu_s

    t = cpu_interleaved({"sweep_path": sweep_path, "default": default_path, "per_agent_rule": reference_rule}, repeats)
    med = {k: median(v) for k, v in t.items()}
    emit(
        "baseline_run",
        firms=20_000,
        quarters=40,
        repeats=repeats,
        clock="process_time",
        median_s=med,
        all_s={k: [round(x, 4) for x in v] for k, v in t.items()},
        sweep_path_parts_median_s={k: round(median(v), 4) for k, v in parts.items()},
        ratio_reference_over_sweep_path=med["per_agent_rule"] / med["sweep_path"],
        ratio_reference_over_default=med["per_agent_rule"] / med["default"],
        goal_ratio_sweep_path=">= 50",
        goal_ratio_default=">= 33",
    )


if __name__ == "__main__":
    main(repeats=int(sys.argv[1]) if len(sys.argv) > 1 else 9)
