"""CPU cost of importing what a sweep worker needs, in a fresh process.

Goal (issue 15): ``python -c "import ftzsim.engine.adapter"`` costs at most 0.5 s of CPU.
Measured as the child's user + system time (``resource.getrusage(RUSAGE_CHILDREN)``),
interleaved with a bare interpreter start (``python -c pass``) and the model alone, median
of ``repeats``. The interpreter's own start is part of what a worker pays, so the goal is
checked on the total; the difference is shown as the import's own cost.
"""

from __future__ import annotations

import resource
import subprocess
import sys

from common import emit, median

CASES = {
    "interpreter": "pass",
    "model": "import ftzsim.model",
    "worker": "import ftzsim.engine.adapter",
}


def child_cpu(code: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(repeats: int = 7) -> None:
    child_cpu(CASES["worker"])  # warm the file cache and numba's on-disk cache
    t: dict[str, list] = {k: [] for k in CASES}
    for _ in range(repeats):
        for name, code in CASES.items():
            t[name].append(child_cpu(code))
    med = {k: median(v) for k, v in t.items()}
    emit(
        "import_cost",
        repeats=repeats,
        clock="getrusage(RUSAGE_CHILDREN) user+sys",
        median_cpu_s=med,
        all_cpu_s={k: [round(x, 3) for x in v] for k, v in t.items()},
        worker_import_over_interpreter_s=med["worker"] - med["interpreter"],
        goal_worker_cpu_s="<= 0.5",
    )


if __name__ == "__main__":
    main()
