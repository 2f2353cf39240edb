"""Dask vs the local process pool: steady-state overhead per run, and wall time on a warm cluster.

Issue 5, goal 4: "Dask overhead at most 10% over the local pool (batch runs into tasks)".
Starting a ``LocalCluster`` (scheduler, nannies, worker processes, importing the model)
takes several seconds, which dominates a short sweep, and a researcher on a cluster starts
the scheduler once for many sweeps (``ftzsim sweep --scheduler``). So this script measures
what each backend costs per additional run: each backend runs a short and a long sweep of
the same runs, and the marginal cost is (t_long - t_short) / (n_long - n_short), which
cancels every fixed start-up cost. Both backends use 2 single-threaded workers; the Dask
cluster is started once, the way ``ftzsim sweep --backend dask`` starts it, and reused (as
with ``--scheduler``). Pool and Dask are measured in turn, several times, and the least
disturbed (minimum) marginal costs are compared. Also printed: the wall time of the long
sweep on the warm cluster against the pool's (which includes the pool's own start).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import emit

from ftzsim.engine.adapter import FTZAdapter
from ftzsim.engine.designs import make_design
from ftzsim.engine.runners import local_cluster
from ftzsim.engine.sweep import sweep_function


def timed(adapter, rows: int, **kw) -> float:
    design = make_design("lhs", ["data_openness", "bass_q"], rows, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sweep_function(adapter, design, Path(tmp) / "s", replicates=1, progress=False, workers=2, **kw)
        return time.perf_counter() - t0


def main(quick: bool = False, repeats: int = 3) -> None:
    cluster = local_cluster(2)  # as `ftzsim sweep --backend dask` starts it
    try:
        cases = [("baseline, 20,000 firms", {}, 200, 1000), ("baseline, 80,000 firms", {"n_firms": 80_000}, 100, 400)]
        if quick:
            cases, repeats = [("baseline, 20,000 firms", {}, 40, 120)], 1
        warm = FTZAdapter("baseline", {"quarters": 4}, ["final_ds_exports"])
        timed(warm, 8, scheduler=cluster.scheduler_address)  # load the model in the Dask workers
        for label, overrides, n_short, n_long in cases:
            ad = FTZAdapter("baseline", overrides, ["final_ds_exports"])
            res: dict[str, list] = {"pool": [], "dask": []}
            for _ in range(repeats):  # interleaved, so a slow spell of the machine hits both
                for name, kw in (("pool", {}), ("dask", {"scheduler": cluster.scheduler_address})):
                    short, long = timed(ad, n_short, **kw), timed(ad, n_long, **kw)
                    res[name].append({"short_s": short, "long_s": long,
                                      "marginal_s": (long - short) / (n_long - n_short)})  # fmt: skip
            best = {k: min(r["marginal_s"] for r in v) for k, v in res.items()}
            emit("dask_overhead", case=label, runs_short=n_short, runs_long=n_long, repeats=repeats,
                 pool=res["pool"], dask_warm=res["dask"], pool_best_marginal_s=best["pool"],
                 dask_best_marginal_s=best["dask"], dask_over_pool_per_run=best["dask"] / best["pool"],
                 dask_warm_over_pool_wall=min(r["long_s"] for r in res["dask"]) / min(r["long_s"] for r in res["pool"]),
                 goal_dask_overhead="<= 1.10")  # fmt: skip
    finally:
        cluster.close()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
