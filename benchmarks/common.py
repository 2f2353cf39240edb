"""Helpers shared by the benchmark scripts: machine facts, CPU timing and JSON-line output.

Speed is measured in CPU time (``time.process_time``): the machines are shared, and wall
time counts whatever else runs. Competing implementations are timed interleaved (A, B, A,
B, ...) so a slow spell of the machine hits all of them, and each reports the median.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ftzsim.io import provenance

#: where ``emit`` also appends its lines when set (``report.py --run`` sets it)
RESULTS_ENV = "FTZSIM_BENCH_RESULTS"


def facts() -> dict:
    """Machine facts and package versions (the same provenance the result manifests carry)."""
    prov = provenance()
    return {
        "utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "python": prov["python"],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "versions": prov["packages"],
        "git_revision": prov["git_revision"],
    }


def emit(name: str, **values) -> None:
    """Print one JSON line: the benchmark name, its measurements and the machine facts
    (and append it to the file named by ``$FTZSIM_BENCH_RESULTS``, if set)."""
    line = json.dumps({"benchmark": name, **values, **facts()})
    print(line, flush=True)
    if os.environ.get(RESULTS_ENV):
        with Path(os.environ[RESULTS_ENV]).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def cpu_interleaved(cases: dict[str, Callable[[], float | None]], repeats: int = 5) -> dict[str, list[float]]:
    """CPU seconds of each case, ``repeats`` times, interleaved (A, B, A, B, ...).

    A case may return its own measured seconds (for example the firm rule's share of a
    run); otherwise the CPU time of the whole call counts.
    """
    out: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            t0 = time.process_time()
            own = fn()
            out[name].append(own if isinstance(own, float) else time.process_time() - t0)
    return out


def median(values) -> float:
    return float(statistics.median(values))


def best_of(fn, repeat: int = 5) -> float:
    """Minimum wall time of ``repeat`` calls (the least disturbed measurement; used where
    wall time is the point, e.g. sweeps with worker processes)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
