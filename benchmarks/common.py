"""Helpers shared by the benchmark scripts: machine facts and JSON-line output."""

from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata


def facts() -> dict:
    versions = {}
    for name in ("ftzsim", "mesa", "numpy", "numba", "dask", "distributed"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "versions": versions,
    }


def emit(name: str, **values) -> None:
    """Print one JSON line: the benchmark name, its measurements and the machine facts."""
    print(json.dumps({"benchmark": name, **values, **facts()}), flush=True)


def best_of(fn, repeat: int = 5) -> float:
    """Minimum wall time of ``repeat`` calls (the least disturbed measurement)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
