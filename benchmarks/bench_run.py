"""Whole run of the calibrated baseline (20,000 firm agents, 40 quarters), with its parts.

Goal (issue 5, goal 3): at most 0.1 s of compute per run, counting model construction,
the 40 steps, the summary a sweep stores and writing the national series to Parquet. The
scenario is parsed once (a sweep does the same: the adapter caches it per worker).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import emit

from ftzsim import FTZModel, load_scenario
from ftzsim.io import write_parquet


def main(runs: int = 10) -> None:
    t0 = time.perf_counter()
    sc = load_scenario("baseline")
    parse = time.perf_counter() - t0
    FTZModel(sc, rng=0, build_firm_agents=False, quarters=2).run()  # compile the kernel
    parts = {"build": [], "steps": [], "summary": [], "parquet": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            t = time.perf_counter()
            m = FTZModel(sc, rng=i, build_firm_agents=False)
            t1 = time.perf_counter()
            m.run()
            t2 = time.perf_counter()
            m.summary()
            t3 = time.perf_counter()
            write_parquet(m.national_frame(), Path(tmp) / f"n{i}.parquet")
            t4 = time.perf_counter()
            for k, v in zip(parts, (t1 - t, t2 - t1, t3 - t2, t4 - t3), strict=True):
                parts[k].append(v)
    med = {k: sorted(v)[len(v) // 2] for k, v in parts.items()}
    total = sum(med.values())
    emit(
        "baseline_run",
        runs=runs,
        scenario_parse_once_s=parse,
        median_s={k: round(v, 4) for k, v in med.items()},
        total_s_per_run=round(total, 4),
        total_without_parquet_s=round(total - med["parquet"], 4),
        goal="<= 0.1 s per run",
    )


if __name__ == "__main__":
    main()
