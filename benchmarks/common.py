"""Helpers shared by the benchmark scripts: machine facts and JSON-line output."""

from __future__ import annotations

import json
import os
import platform
import time

from ftzsim.io import provenance


def facts() -> dict:
    """Machine facts and package versions (the same provenance the result manifests carry)."""
    prov = provenance()
    return {
        "python": prov["python"],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "versions": prov["packages"],
        "git_revision": prov["git_revision"],
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
