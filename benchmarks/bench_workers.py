"""Worker start-up and 1 vs 2 workers on a 200-run classroom sweep, in CPU and wall time.

    python benchmarks/bench_workers.py [--runs 200] [--repeat 5] [--idle 25]

Goals (issue 14): a worker start costs at most 0.3 s of CPU (a ``spawn`` worker importing
pandas, pyarrow, numba and Mesa cost ~1.5 s); 2 workers at least 1.6x one worker on the
classroom sweep *with both cores idle*.

Each sweep runs as its own process, as a researcher runs it: ``ftzsim sweep EXP --workers N``
(``--driver cli``, the default) or a Python script calling ``sweep_function`` (``--driver
script``, run with ``python -c``; ``--driver script-early``: the same script starting the
workers' fork server first thing, as docs/experiments.md suggests for scripts). So the
driver's imports, the fork server's start, the workers' start and the process's exit are
all counted. The CPU of the process and all its
descendants (fork server, workers) is counted exactly by the kernel: this script makes
itself their subreaper and waits for them (no polling that would perturb the sweep).
1 and 2 workers alternate (1, 2, 1, 2, ...) and medians are reported.

The machine is shared, and wall time measures the other load as much as ftzsim. Beside each
sweep the script records the 1-minute load average and, more to the point, the CPU that
*other* processes used during the sweep (the machine's CPU time over the sweep minus the
sweep's own), as a share of the 2 cores, and the host's *steal* time (CPU the hypervisor
gave other virtual machines while this one's cores wanted to run: a virtual machine whose
own processes are idle can still be slowed by its neighbours); ``--idle PCT`` waits (up to ``--max-wait`` s) until
the cores are less than PCT % busy before each sweep, and ``--max-others PCT`` measures a
pair again when other processes used more than PCT % of the cores during it. Read the ratio
with those numbers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
from common import emit

DRIVER = """
import sys
from ftzsim.engine.adapter import FTZAdapter
from ftzsim.engine.designs import make_design
from ftzsim.engine.sweep import sweep_function
runs, workers, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
design = make_design("lhs", ["data_openness", "bass_q"], runs, seed=1)
sweep_function(FTZAdapter("classroom", None, ["final_ds_exports"]), design, out, workers=workers, progress=False)
"""


#: The script as the docs suggest for a script that runs on several workers: the workers'
#: fork server started first thing (``start_server``, 0.04 s to import), so that it imports
#: the model while the script imports the rest (``--driver script-early``).
DRIVER_EARLY = (
    """
import sys
if int(sys.argv[2]) > 1:
    from ftzsim.engine.workers import start_server
    start_server()
"""
    + DRIVER
)


#: The same sweep as the second one of a driver process: a 4-run sweep first starts the fork
#: server (and imports the model in a 1-worker driver); the 200-run sweep is then timed inside
#: the driver, as a notebook or a script running several sweeps sees it.
DRIVER_WARM = """
import sys, time
from ftzsim.engine.adapter import FTZAdapter
from ftzsim.engine.designs import make_design
from ftzsim.engine.sweep import sweep_function
runs, workers, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
f = FTZAdapter("classroom", None, ["final_ds_exports"])
sweep_function(f, make_design("lhs", ["data_openness", "bass_q"], 4, seed=2), out + "-first", workers=workers,
               progress=False)
design = make_design("lhs", ["data_openness", "bass_q"], runs, seed=1)
t0 = time.perf_counter()
sweep_function(f, design, out, workers=workers, progress=False)
print(time.perf_counter() - t0)
"""


def _machine_cpu() -> float:
    t = psutil.cpu_times()
    return t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)


def _steal() -> float:
    """CPU seconds the hypervisor gave to other guests while this machine's cores wanted to
    run (``steal`` in /proc/stat; 0 where the platform does not report it). Other processes
    of *this* machine are in :func:`_machine_cpu`; these are the other machines on the host."""
    return getattr(psutil.cpu_times(), "steal", 0.0)


def busy_share(seconds: float = 1.0) -> float:
    """Share of all cores busy over the next ``seconds`` (0-1)."""
    return psutil.cpu_percent(interval=seconds) / 100.0


def wait_idle(pct: float | None, max_wait: float) -> float:
    """Wait until the cores are less than ``pct`` % busy (or ``max_wait`` s); the last share."""
    deadline = time.monotonic() + max_wait
    share = busy_share()
    while pct is not None and share * 100 > pct and time.monotonic() < deadline:
        share = busy_share(2.0)
    return share


#: The same sweep as a researcher runs it from the command line (``--driver cli``): the
#: experiment file below, ``ftzsim sweep EXP --out DIR --workers N --quiet``.
EXPERIMENT = """
[experiment]
name = "classroom_workers"
description = "bench_workers.py: {runs} classroom runs over data openness and imitation"
scenario = "classroom"
replicates = 1
master_seed = 1

[design]
method = "lhs"
n = {runs}
seed = 1
parameters = ["data_openness", "bass_q"]

[outcomes]
names = ["final_ds_exports"]
"""


def command(driver: str, args: list[str], experiment: Path) -> list[str]:
    """The sweep's command line: ``python -c DRIVER RUNS WORKERS OUT`` or the ftzsim CLI."""
    if driver == "cli":
        _runs, workers, out = args
        return [sys.executable, "-m", "ftzsim", "sweep", str(experiment), "--out", out, "--workers", workers, "--quiet"]
    return [sys.executable, "-c", driver, *args]


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux ``prctl``).

    The fork server outlives the sweep's driver by a moment and nobody waits for it (its
    workers are its own children, which it waits for). As the subreaper this process
    inherits it, waits for it, and so :func:`resource.getrusage` (``RUSAGE_CHILDREN``)
    counts the CPU of the whole tree exactly, without polling /proc while the sweep runs
    (polling every 50 ms took 10% of a core from the timed sweep).
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return False


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _reap_orphans(own: set[int], timeout: float = 30.0) -> None:
    """Wait for every descendant of the sweep that was handed to this process (the fork
    server), leaving this process's own children (``own``: its fork server of the start-up
    measurement) alone."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p.pid for p in psutil.Process().children() if p.pid not in own]
        for pid in list(left):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not ours to wait for (already reaped)
                done = pid
            if done:
                left.remove(pid)
        if not left:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"processes {left} of the sweep did not end within {timeout:.0f} s")
        time.sleep(0.01)


def measured(cmd: list[str]) -> dict[str, float]:
    """Wall seconds until ``cmd`` exits, CPU seconds of its whole process tree (driver, fork
    server, workers; see :func:`become_subreaper`), and the CPU other processes used
    meanwhile (share of all cores); for :data:`DRIVER_WARM` also ``inner``, the wall seconds
    of the timed second sweep."""
    load = os.getloadavg()[0]
    own = {p.pid for p in psutil.Process().children()}
    c0 = _children_cpu()
    m0, s0 = _machine_cpu(), _steal()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.communicate()[0]
    wall = time.perf_counter() - t0
    _reap_orphans(own)
    machine, steal = _machine_cpu() - m0, _steal() - s0
    cpu = _children_cpu() - c0
    if proc.returncode:
        raise SystemExit(f"sweep failed with exit code {proc.returncode}")
    core_seconds = (time.perf_counter() - t0) * (os.cpu_count() or 1)
    others = max(0.0, machine - cpu) / core_seconds
    res = {"wall": wall, "cpu": cpu, "others_busy": others, "steal": steal / core_seconds, "load_1min": load}
    last = out.strip().splitlines()[-1] if out.strip() else ""
    if last.replace(".", "", 1).isdigit():
        res["inner"] = float(last)
    return res


def startup(context: str) -> float:
    """Mean CPU seconds a worker has used when it takes its first task."""
    import multiprocessing

    from ftzsim.engine.workers import startup_cost, worker_context

    ctx = worker_context() if context == "forkserver" else multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        reports = [f.result() for f in [pool.submit(startup_cost) for _ in range(2)]]
    return sum(r["cpu_s"] for r in reports) / len(reports)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5, help="sweeps per worker count (medians reported)")
    ap.add_argument("--idle", type=float, default=None, help="wait until the cores are less than this %% busy")
    ap.add_argument("--max-wait", type=float, default=120.0, help="longest wait for idle cores, seconds")
    ap.add_argument("--max-others", type=float, default=None,
                    help="redo a pair of sweeps (1 and 2 workers) if other processes used more than this %% of "
                         "the cores during either (up to --max-wait s per pair)")  # fmt: skip
    ap.add_argument(
        "--warm",
        action="store_true",
        help="also time the sweep as the second one of its driver (fork server already running)",
    )
    ap.add_argument("--no-startup", action="store_true", help="skip the worker start-up measurement")
    ap.add_argument("--driver", choices=["script", "script-early", "cli"], default="cli",
                    help="run each sweep as `ftzsim sweep` (cli, the default), as a Python script calling "
                         "sweep_function (script), or the same script starting the workers' fork server first "
                         "(script-early)")  # fmt: skip
    args = ap.parse_args()
    if not become_subreaper():
        raise SystemExit("needs Linux (prctl PR_SET_CHILD_SUBREAPER) to count the fork server's CPU")
    if args.driver == "cli" and args.warm:
        ap.error("--warm times a second sweep inside one Python driver: use it with --driver script")
    if not args.no_startup:
        emit("worker_startup_cpu_s", forkserver_preloaded=round(startup("forkserver"), 3),
             spawn=round(startup("spawn"), 3), goal="<= 0.3 s per worker")  # fmt: skip
    res: dict[int, list[dict]] = {1: [], 2: []}
    discarded = 0
    with tempfile.TemporaryDirectory() as tmp:
        experiment = Path(tmp) / "classroom_workers.toml"
        experiment.write_text(EXPERIMENT.format(runs=args.runs), encoding="utf-8")
        driver = {"cli": "cli", "script": DRIVER, "script-early": DRIVER_EARLY}[args.driver]
        for k in range(args.repeat):
            deadline = time.monotonic() + args.max_wait
            while True:
                pair = {}
                for workers in (1, 2):
                    before = wait_idle(args.idle, args.max_wait)
                    out = str(Path(tmp) / f"w{workers}-{k}-{discarded}")
                    m = measured(command(driver, [str(args.runs), str(workers), out], experiment))
                    m["busy_before"] = before
                    if args.warm:
                        again = str(Path(tmp) / f"v{workers}-{k}-{discarded}")
                        warm = measured(command(DRIVER_WARM, [str(args.runs), str(workers), again], experiment))
                        m["warm_wall"], m["warm_others_busy"] = warm["inner"], warm["others_busy"]
                    pair[workers] = m
                    print(f"{workers} worker(s): wall {m['wall']:.2f} s, CPU {m['cpu']:.2f} s, other processes "
                          f"{100 * m['others_busy']:.0f}% of the cores, steal {100 * m['steal']:.1f}% (busy before "
                          f"{100 * before:.0f}%, load {m['load_1min']:.2f})", file=sys.stderr, flush=True)  # fmt: skip
                worst = max(max(m["others_busy"], m.get("warm_others_busy", 0.0)) for m in pair.values())
                disturbed = args.max_others is not None and worst * 100 > args.max_others
                if not disturbed or time.monotonic() > deadline:
                    break
                discarded += 1
                print("  (pair disturbed by other processes: measured again)", file=sys.stderr, flush=True)
            for workers, m in pair.items():
                res[workers].append(m)

    def med(w: int, key: str) -> float:
        return statistics.median(m[key] for m in res[w])

    # the pair of sweeps (1 then 2 workers) that other processes disturbed least
    quiet = min(range(args.repeat), key=lambda k: res[1][k]["others_busy"] + res[2][k]["others_busy"])
    emit("workers_classroom_sweep", driver=args.driver, runs=args.runs, repeats=args.repeat,
         wall_s_1_worker=round(med(1, "wall"), 2), wall_s_2_workers=round(med(2, "wall"), 2),
         cpu_s_1_worker=round(med(1, "cpu"), 2), cpu_s_2_workers=round(med(2, "cpu"), 2),
         speedup_2_workers=round(med(1, "wall") / med(2, "wall"), 2),
         others_busy_pct=round(100 * statistics.median(m["others_busy"] for w in res for m in res[w]), 1),
         steal_pct=round(100 * statistics.median(m["steal"] for w in res for m in res[w]), 2),
         quietest_pair={"speedup": round(res[1][quiet]["wall"] / res[2][quiet]["wall"], 2),
                        "wall_s": [round(res[1][quiet]["wall"], 2), round(res[2][quiet]["wall"], 2)],
                        "others_busy_pct": [round(100 * res[w][quiet]["others_busy"], 1) for w in (1, 2)]},
         all_runs={w: [{k: round(v, 3) for k, v in m.items()} for m in res[w]] for w in res},
         pairs_discarded=discarded, max_others_pct=args.max_others,
         **({"warm_wall_s_1_worker": round(med(1, "warm_wall"), 2),
             "warm_wall_s_2_workers": round(med(2, "warm_wall"), 2),
             "warm_speedup_2_workers": round(med(1, "warm_wall") / med(2, "warm_wall"), 2)} if args.warm else {}),
         goal_speedup=">= 1.6 with both cores idle")  # fmt: skip


if __name__ == "__main__":
    main()
