"""Sweeps: 2 local workers vs 1, and Dask vs the local pool, on ~0.2 s runs of the model.

Goals (issue 5, goal 4): 2 workers at least 1.8x one worker; Dask overhead at most 10% over
the local pool (runs batched into tasks). Also prints runs per second of the classroom and
the baseline scenario on 1 and 2 workers (issue 4's throughput report). Wall times include
starting the workers, as a user sees them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import emit

from ftzsim.engine.adapter import FTZAdapter
from ftzsim.engine.designs import make_design
from ftzsim.engine.sweep import sweep_function


def timed_sweep(adapter, rows: int, replicates: int, **kw) -> float:
    design = make_design("lhs", ["data_openness", "bass_q"], rows, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sweep_function(adapter, design, Path(tmp) / "s", replicates=replicates, progress=False, **kw)
        return time.perf_counter() - t0


def main() -> None:
    heavy = FTZAdapter("baseline", {"n_firms": 80_000}, ["final_ds_exports"])  # about 0.2 s per run
    n = 200  # long enough that starting the workers (imports, numba cache) is a small share
    t1 = timed_sweep(heavy, n, 1, workers=1)
    t2 = timed_sweep(heavy, n, 1, workers=2)
    td = timed_sweep(heavy, n, 1, workers=2, backend="dask")
    emit("sweep_scaling", runs=n, seconds_per_run_1_worker=t1 / n, speedup_2_workers=t1 / t2,
         dask_over_local_pool=td / t2, goal_speedup=">= 1.8", goal_dask_overhead="<= 1.10")  # fmt: skip
    for scen, rows in (("classroom", 200), ("baseline", 60)):
        ad = FTZAdapter(scen, None, ["final_ds_exports"])
        r1 = rows / timed_sweep(ad, rows, 1, workers=1)
        r2 = rows / timed_sweep(ad, rows, 1, workers=2)
        emit("throughput", scenario=scen, runs=rows, runs_per_second_1_worker=r1, runs_per_second_2_workers=r2)


if __name__ == "__main__":
    main()
